"""The `eightk` command line: extract, export, serve, eval, compare. Errors are one red line, never a traceback."""

from __future__ import annotations

import asyncio
import json
import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer
from pydantic import SecretStr
from rich.console import Console
from rich.table import Table

from eightk.errors import ConfigError, EightkError
from eightk.extract.batch import Engine
from eightk.extract.config import ClientSpec
from eightk.extract.cost import dollars, plan_batch
from eightk.extract.export import Format, export
from eightk.extract.planning import CHARS_PER_TOKEN
from eightk.extract.server import EMBEDDED_MODEL, EmbeddedServer
from eightk.extract.settings import Settings, default_prompt, env_names, env_source, load_settings, mask
from eightk.prompts import PromptVersion

out_console = Console()
err_console = Console(stderr=True)

SAMPLES = {
    "genentech": "immunogen-genentech-tap-license-2000.txt",
    "millennium": "immunogen-cfo-appointment-millennium-collaboration-2001.txt",
}

PromptOption = Annotated[
    str | None,
    typer.Option(
        "--prompt", "-p", metavar="VERSION", help="Prompt version (a name or a path). Default: v3, or EIGHTK_PROMPT."
    ),
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", metavar="MODEL", help="Model name, or a .gguf path (or EIGHTK_MODEL). Default: embedded."
    ),
]
BaseUrlOption = Annotated[
    str | None, typer.Option("--base-url", metavar="URL", help="OpenAI-compatible endpoint (or OPENAI_BASE_URL).")
]
DialectOption = Annotated[
    str | None,
    typer.Option(
        "--dialect", metavar="DIALECT", help="llama_cpp | json_schema | tools: how the server enforces a schema."
    ),
]


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Known failures become a one-line message and exit code 1; a typo'd path is not a stack trace."""
    try:
        yield
    except EightkError as error:
        err_console.print(f"[bold red]error:[/] {error}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None


def exit_on_sigterm() -> None:
    """`kill <pid>` ends the command as Ctrl-C does, through `finally` and `atexit`: the embedded server is
    stopped cleanly (it would also stop on its own, see `server.LIFELINE`) and a progress bar is closed."""

    def terminate(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, terminate)


def sample_path(name: str) -> Path:
    if name not in SAMPLES:
        raise ConfigError(f"unknown sample {name!r}; choose from {', '.join(SAMPLES)}")
    return Path(str(resources.files("eightk.extract").joinpath("samples", SAMPLES[name])))


def extract_command(
    files: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="FILE", help="Filings: files, folders, globs, EDGAR accession numbers or EDGAR archive URLs."
        ),
    ] = None,
    sample: Annotated[
        str | None, typer.Option(metavar="NAME", help="Run on a bundled sample: genentech or millennium.")
    ] = None,
    prompt: PromptOption = None,
    model: ModelOption = None,
    base_url: BaseUrlOption = None,
    dialect: DialectOption = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out", "-o", metavar="FILE", help="Write JSONL here: a resumable batch. Needed for more than one filing."
        ),
    ] = None,
    concurrency: Annotated[
        int | None, typer.Option(metavar="N", help="Documents in flight at once (or EIGHTK_CONCURRENCY). Default: 4.")
    ] = None,
    rpm: Annotated[
        float | None, typer.Option(metavar="N", help="At most this many requests per minute (or EIGHTK_RPM).")
    ] = None,
    tpm: Annotated[
        float | None, typer.Option(metavar="N", help="At most this many tokens per minute (or EIGHTK_TPM).")
    ] = None,
    reasks: Annotated[
        int | None,
        typer.Option(metavar="N", help="Re-asks after an invalid answer. Default: 0 embedded, 2 otherwise."),
    ] = None,
    full: Annotated[
        bool, typer.Option(help="Print the whole result with provenance, not only the extraction.")
    ] = False,
    cik: Annotated[
        str | None, typer.Option(metavar="CIK", help="Fetch this company's 8-Ks from EDGAR (with --since, --items).")
    ] = None,
    since: Annotated[
        datetime | None,
        typer.Option(formats=["%Y-%m-%d"], metavar="YYYY-MM-DD", help="With --cik: filed on or after this date."),
    ] = None,
    items: Annotated[
        list[str] | None,
        typer.Option("--items", metavar="ITEM", help="With --cik: only 8-Ks reporting these items, e.g. 5.02."),
    ] = None,
    cache: Annotated[
        bool, typer.Option(help="Answer a request seen before from the on-disk cache (EIGHTK_CACHE_DIR/answers).")
    ] = True,
    engine: Annotated[
        Engine,
        typer.Option(metavar="local|ray", help="local: this process. ray: a Ray cluster's workers (the ray extra)."),
    ] = "local",
    ray_address: Annotated[
        str | None,
        typer.Option(metavar="ADDRESS", help="With --engine ray: auto or ray://HOST:PORT. Default: a new local one."),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(metavar="N", help="With --engine ray: worker processes. Default: one per CPU of the cluster."),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option(help="Plan the calls and estimate tokens and dollars; call no model.")
    ] = False,
) -> None:
    """Extract deals and appointments. One file prints its JSON; several (or --out) run a resumable batch."""
    from eightk.extract.batch import FILING_SUFFIXES, expand_sources, extract_many
    from eightk.extract.config import client_spec
    from eightk.extract.edgar import fetch_filings, is_edgar_spec
    from eightk.extract.ledger import errors_path
    from eightk.extract.pipeline import extract_filing
    from eightk.extract.reader import read_filing
    from eightk.prompts import load_prompt

    exit_on_sigterm()
    with friendly_errors():
        settings = load_settings(flags=True, model=model, base_url=base_url, dialect=dialect, rpm=rpm, tpm=tpm,
                                 reasks=reasks, concurrency=concurrency)  # fmt: skip
        local = [f for f in files or [] if not is_edgar_spec(f)]
        sources = [sample_path(sample)] if sample else expand_sources(local)
        remote = [f for f in files or [] if is_edgar_spec(f)]
        if remote or cik:
            for fetched in fetch_filings(remote, cik=cik, since=since.date() if since else None, items=items):
                if fetched.path is not None:
                    sources.append(fetched.path)
                else:
                    err_console.print(f"[bold red]error:[/] {fetched.error}", highlight=False, soft_wrap=True)
        if not sources:
            folders = [f for f in local if Path(f).is_dir()]
            if folders:
                raise ConfigError(f"no filings ({', '.join(FILING_SUFFIXES)}) in {', '.join(folders)}")
            raise ConfigError("no input files (give FILES, an EDGAR accession, --cik or --sample genentech)")
        if out is None and len(sources) > 1 and not dry_run:
            # A batch's output is also its resume point: a file the user named is one they will find again.
            raise ConfigError(f"{len(sources)} filings: name a results file with --out (JSONL; running the same "
                              f"command again resumes it)")  # fmt: skip
        prompt = prompt or default_prompt()
        version = load_prompt(prompt)
        single = read_filing(sources[0]) if out is None and not dry_run else None  # refused before a model starts
        spec = client_spec(settings, cache=cache)
        if dry_run:
            print_plan(sources, version, spec)
            raise typer.Exit(0)
        client = spec.connect() if single is not None else None  # a batch connects where it runs

        async def run() -> int:
            try:
                if client is not None and single is not None:
                    result = await extract_filing(single, version, client)
                    payload = result.model_dump(mode="json") if full else result.extraction.model_dump(mode="json")
                    out_console.print_json(json.dumps(payload))
                    cached = f" ({result.usage.cached} from the cache)" if result.usage.cached else ""
                    err_console.print(
                        f"[dim]{result.model} · prompt {result.prompt} ({result.prompt_sha256[:12]}) · "
                        f"{result.usage.calls} calls, {result.usage.attempts} attempts{cached}, "
                        f"{result.usage.prompt_tokens}+{result.usage.completion_tokens} tokens · "
                        f"{result.latency_s:.1f} s[/]"
                    )
                    for warning in result.warnings:
                        err_console.print(f"[yellow]warning:[/] {warning[:300]}", highlight=False)
                    return 0
                assert out is not None
                summary = await extract_many(sources, out=out, client=spec, prompt=prompt,
                                             concurrency=settings.concurrency, engine=engine, ray_address=ray_address,
                                             workers=workers)  # fmt: skip
                errors = f" (errors in {errors_path(out)})" if summary.failed else ""
                err_console.print(
                    f"{summary.done} extracted, {summary.skipped} already done, {summary.failed} failed "
                    f"-> {out}{errors} · {spec.model} · prompt {version.name}",
                    highlight=False,
                    soft_wrap=True,
                )
                used = summary.usage
                cached = f", {used.cached} answered from the cache, priced as if paid" if used.cached else ""
                err_console.print(
                    f"{used.calls} calls ({used.attempts} attempts{cached}), {used.prompt_tokens:,} prompt + "
                    f"{used.completion_tokens:,} completion tokens"
                    + _priced(spec.model, used.prompt_tokens, used.completion_tokens, ""),
                    highlight=False,
                    soft_wrap=True,
                )
                if summary.stopped:
                    err_console.print(
                        f"[bold red]error:[/] {summary.stopped}; {summary.not_attempted} documents not attempted "
                        f"(run the same command again to do them)",
                        highlight=False,
                        soft_wrap=True,
                    )
                return 1 if summary.failed or summary.stopped else 0
            finally:
                if client is not None:
                    await client.aclose()

        code = asyncio.run(run())
    raise typer.Exit(code)


def print_plan(sources: list[Path], version: PromptVersion, spec: ClientSpec) -> None:
    """The dry run's report: what the batch would send, and what that costs where the model has a price."""
    plan = plan_batch(sources, version, spec.context_tokens, spec.dialect)
    for problem in plan.unreadable:
        err_console.print(f"[yellow]unreadable:[/] {problem}", highlight=False, soft_wrap=True)
    out_console.print(
        f"dry run, prompt {version.name}, model {spec.model}: {plan.documents} documents"
        f"{f' ({len(plan.unreadable)} unreadable)' if plan.unreadable else ''}, {plan.calls} calls, "
        f"~{plan.prompt_tokens:,} prompt tokens (characters / {CHARS_PER_TOKEN}), "
        f"at most {plan.completion_tokens:,} completion tokens"
        + _priced(spec.model, plan.prompt_tokens, plan.completion_tokens, "at most "),
        highlight=False,
        soft_wrap=True,
    )


def _priced(model: str, prompt_tokens: int, completion_tokens: int, ceiling: str) -> str:
    total = dollars(model, prompt_tokens, completion_tokens)
    if total is None:
        return f"; no price known for {model}"
    prompt_part = dollars(model, prompt_tokens, 0) or 0
    return f"; {ceiling}${total:,.4f} (${prompt_part:,.4f} of it prompt) at {model}'s list price"


def export_command(
    results: Annotated[
        Path, typer.Argument(metavar="RESULTS", help="A results file of `eightk extract --out` (and its errors file).")
    ],
    to: Annotated[Path, typer.Option("--to", metavar="DIR", help="Folder for the documents, deals, ... tables.")],
    form: Annotated[
        Format, typer.Option("--format", metavar="parquet|csv", help="Parquet, or CSV with lists as JSON text.")
    ] = "parquet",
) -> None:
    """Write a batch's results as tables: one row per document, and one per deal and per appointment."""
    with friendly_errors():
        counts = export(results, to, form)
    err_console.print(", ".join(f"{rows} {table}" for table, rows in counts.items()) + f" -> {to}")


def serve_command(
    model: Annotated[
        Path | None, typer.Option(metavar="FILE", help=f"A .gguf file. Default: the bundled {EMBEDDED_MODEL}.")
    ] = None,
    port: Annotated[int | None, typer.Option(metavar="PORT", help="Port on 127.0.0.1. Default: a free one.")] = None,
    context: Annotated[int, typer.Option(metavar="TOKENS", help="Context window in tokens.")] = 8192,
) -> None:
    """Run the embedded llama.cpp server in the foreground (127.0.0.1 only) until Ctrl-C or SIGTERM."""
    exit_on_sigterm()
    with friendly_errors():
        server = EmbeddedServer(model, port=port, context_tokens=context)
        err_console.print(f"serving {server.model_path.name} at {server.base_url} (Ctrl-C to stop)")
        with suppress(KeyboardInterrupt):
            server.serve_forever()


def config_command() -> None:
    """Show the settings in effect: each one's value and the variable it came from (the key masked)."""
    from eightk.extract.config import model_name, uses_embedded

    with friendly_errors():
        settings = load_settings()
        table = Table(title="eightk settings (environment; command-line flags override them)")
        for column in ("variable", "value", "from", "meaning"):
            table.add_column(column)
        for name, field in Settings.model_fields.items():
            value = getattr(settings, name)
            shown = mask(value) if isinstance(value, SecretStr) else "" if value is None else str(value)
            source = env_source(name)
            table.add_row(" / ".join(env_names(name)), shown, source or "default", field.description or "",
                          style=None if source else "dim")  # fmt: skip
        out_console.print(table)
        where = "the embedded llama.cpp server on 127.0.0.1" if uses_embedded(settings) else settings.base_url
        name = model_name(settings) or "the one it serves (asked before the first request)"
        out_console.print(f"model in use: {name} at {where or 'OpenAI'}", highlight=False)
