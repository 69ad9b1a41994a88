"""`eightk eval` and `eightk compare`: replay (or record) the eval set and report scores."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from eightk.evals import drift
from eightk.evals.baseline import load_baseline, regressions, write_baseline
from eightk.evals.cassettes import cassette_root
from eightk.evals.compare import compare, shown_precision, to_html, to_markdown
from eightk.evals.dataset import Sample, load_dataset
from eightk.evals.log import EvalLog
from eightk.evals.runner import run_eval_sync
from eightk.extract.cli import BaseUrlOption, DialectOption, friendly_errors
from eightk.extract.llm import ModelClient
from eightk.prompts import PROMPT_DIR, available_prompts, load_prompt

console = Console()
DEFAULT_LOG_DIR = Path("logs")
LogDirOption = Annotated[Path, typer.Option(metavar="DIR", help="Write one eval log (JSON) per prompt version here.")]
DataOption = Annotated[
    str | None,
    typer.Option(metavar="DIR", help="Folder with the bundled set's filings (default ../shared or EIGHTK_DATA)."),
]
SourceOption = Annotated[
    list[str] | None,
    typer.Option("--source", metavar="SOURCE", help="Only these bundled sources: corpus, edgar-crawler-8k."),
]
CorpusOption = Annotated[str | None, typer.Option(metavar="DIR", help="Your own folder of filings (with --gold).")]
GoldOption = Annotated[
    str | None, typer.Option(metavar="DIR", help="Your own folder of gold files, one per filing (with --corpus).")
]
ModelOption = Annotated[
    str | None,
    typer.Option(
        "--model", "-m", metavar="MODEL", help="Model (its cassette folder). Default: the configured one."
    ),
]
DocsOption = Annotated[str, typer.Option(metavar="GLOB", help="Glob on document ids.")]
CassettesOption = Annotated[
    str | None,
    typer.Option(
        metavar="DIR", help="Folder of recorded model answers (or EIGHTK_CASSETTES). Default: cassettes/ beside "
        "--gold, else the project's."
    ),
]


def _fmt(value: float) -> str:
    return f"{value:.3f}"


def print_run(run: EvalLog) -> None:
    report = run.report
    table = Table(title=f"{run.prompt} on {run.model}: {len(report.documents)} documents")
    for column in ("field", "TP", "FP", "FN", "P", "R", "F1"):
        table.add_column(column, justify="left" if column == "field" else "right")
    for (record_type, name), counts in sorted(report.field_counts().items()):
        table.add_row(f"{record_type}.{name}", str(counts.tp), str(counts.fp), str(counts.fn),
                      shown_precision(counts), _fmt(counts.recall), _fmt(counts.f1))  # fmt: skip
    micro = report.micro
    table.add_row("[bold]micro", str(micro.tp), str(micro.fp), str(micro.fn), shown_precision(micro),
                  _fmt(micro.recall), f"[bold]{_fmt(micro.f1)}")  # fmt: skip
    console.print(table)
    console.print(
        f"macro F1 (fields) {_fmt(report.macro_f1)} · macro F1 (documents) {_fmt(report.document_macro_f1)} · "
        f"schema-valid calls {_fmt(report.schema_valid_rate)} · fully grounded calls {_fmt(report.grounded_rate)} · "
        f"evidence verified {_fmt(report.evidence_verified_rate)} · "
        f"passage recall {_fmt(report.passage_recall)} · "
        f"prompt tokens per document {run.totals['prompt_tokens'] / max(1, len(run.documents)):,.0f}"
    )


def eval_command(
    prompt: Annotated[
        list[str] | None, typer.Option("--prompt", "-p", metavar="VERSION", help="Prompt versions (repeatable).")
    ] = None,
    model: ModelOption = None,
    docs: DocsOption = "*",
    record: Annotated[bool, typer.Option(help="Call the model and re-record every cassette.")] = False,
    record_missing: Annotated[bool, typer.Option(help="Call the model only for documents without a cassette.")] = False,
    record_changed: Annotated[
        bool, typer.Option(help="Call the model for documents without a cassette or whose requests changed.")
    ] = False,
    data: DataOption = None,
    source: SourceOption = None,
    corpus: CorpusOption = None,
    gold: GoldOption = None,
    cassettes: CassettesOption = None,
    base_url: BaseUrlOption = None,
    dialect: DialectOption = None,
    live_check: Annotated[
        int,
        typer.Option(
            metavar="N",
            help="Re-run the first N recorded documents live and report every answer that differs from its "
            "recording (exit 1 if any does); scores nothing.",
            min=0,
        ),
    ] = 0,
    update_baseline: Annotated[bool, typer.Option(help="Write these scores to evals/baseline.json.")] = False,
    check_baseline: Annotated[bool, typer.Option(help="Exit 1 if a score fell below the baseline.")] = False,
    log_dir: LogDirOption = DEFAULT_LOG_DIR,
) -> None:
    """Score prompt versions on the eval set, replaying cassettes offline (or recording them)."""
    from eightk.extract.config import make_client
    from eightk.extract.settings import load_settings

    with friendly_errors():
        settings = load_settings(flags=True, model=model, base_url=base_url, dialect=dialect)
        root = cassette_root(cassettes, gold)
        versions = prompt or available_prompts()
        if live_check:
            samples = load_dataset(data, docs, sources=source, corpus=corpus, gold=gold)
            client = make_client(settings, cache=False)  # live, never from the disk cache
            checks = asyncio.run(_live_checks(versions, samples, client, root, live_check))
            raise typer.Exit(print_live_checks(checks, client.model))
        mode = "all" if record else "changed" if record_changed else "missing" if record_missing else "none"
        runs = run_eval_sync(
            versions,
            model=model,
            pattern=docs,
            record=mode,
            data=data,
            sources=source,
            corpus=corpus,
            gold=gold,
            cassettes=root,
            client=make_client(settings, cache=False) if mode != "none" else None,
        )
        console.print(f"cassettes: {root}", highlight=False)
        for run in runs.values():
            print_run(run)
            console.print(f"log: {run.write(log_dir)}")
        if update_baseline:
            write_baseline(runs)
            console.print("baseline updated: evals/baseline.json")
        if check_baseline:
            fell = regressions(runs, load_baseline())
            for line in fell:
                console.print(f"[red]regression:[/] {line}")
            if fell:
                raise typer.Exit(1)


async def _live_checks(
    versions: list[str], samples: list[Sample], client: ModelClient, root: Path, limit: int
) -> dict[str, list[drift.DocumentCheck]]:
    try:
        return {name: await drift.live_check(load_prompt(name), samples, client, root, limit) for name in versions}
    finally:
        await client.aclose()


def print_live_checks(checks: dict[str, list[drift.DocumentCheck]], model: str) -> int:
    """A table per prompt version; 1 when any answer differs from its recording (or is not recorded)."""
    drifted = 0
    for version, documents in checks.items():
        table = Table(title=f"{version} on {model}: live answers vs recorded")
        numbers = ("passages", "same", "different", "unrecorded")
        for column in ("document", *numbers, "passages answered otherwise"):
            table.add_column(column, justify="right" if column in numbers else "left", overflow="fold")
        for document in documents:
            off = [f"{p.passage} ({p.verdict})" for p in document.passages if p.verdict != "same"]
            table.add_row(document.id, str(len(document.passages)), str(document.count("same")),
                          str(document.count("different")), str(document.count("unrecorded")),
                          "; ".join(off) or "[green]none")  # fmt: skip
        console.print(table)
        passages = sum(len(d.passages) for d in documents)
        differ = sum(len(d.passages) - d.count("same") for d in documents)
        same_documents = sum(d.same for d in documents)
        console.print(f"{version}: {same_documents} of {len(documents)} documents answered as recorded; "
                      f"{differ} of {passages} passages answered otherwise")  # fmt: skip
        drifted += differ
    if drifted:
        console.print(
            "[red]live answers differ from the cassettes:[/] replayed scores describe the recording, not the model "
            "as it answers now (unrecorded: the code or settings changed since recording)"
        )
    return 1 if drifted else 0


def _runs(a: str, b: str, log_dir: Path, **eval_options: object) -> tuple[EvalLog, EvalLog]:
    """Each side an eval log file (read) or a prompt version (run now, replayed, and its log written)."""
    logs = {name: EvalLog.read(Path(name)) for name in (a, b) if name.endswith(".json")}
    versions = [name for name in (a, b) if name not in logs]
    if versions:
        for name, run in run_eval_sync(versions, **eval_options).items():
            logs[name] = run
            console.print(f"log: {run.write(log_dir)}")
    return logs[a], logs[b]


def compare_command(
    a: Annotated[str, typer.Argument(metavar="A", help="Baseline: a prompt version, or an eval log (.json).")],
    b: Annotated[str, typer.Argument(metavar="B", help="Candidate: a prompt version, or an eval log (.json).")],
    model: ModelOption = None,
    docs: DocsOption = "*",
    data: DataOption = None,
    source: SourceOption = None,
    corpus: CorpusOption = None,
    gold: GoldOption = None,
    cassettes: CassettesOption = None,
    markdown: Annotated[Path | None, typer.Option(metavar="FILE", help="Write the comparison as Markdown.")] = None,
    html: Annotated[Path | None, typer.Option(metavar="FILE", help="Write the self-contained HTML report.")] = None,
    log_dir: LogDirOption = DEFAULT_LOG_DIR,
) -> None:
    """Compare two prompt versions field by field, with a paired-bootstrap interval of the F1 delta."""
    with friendly_errors():
        options = {"model": model, "pattern": docs, "data": data, "sources": source, "corpus": corpus,
                   "gold": gold, "cassettes": cassettes}  # fmt: skip
        comparison = compare(*_runs(a, b, log_dir, **options))
        for title, rows in (("record type", comparison.type_rows), ("field", comparison.field_rows),
                            ("document", comparison.document_rows)):  # fmt: skip
            table = Table(title=f"F1 by {title}")
            for column in (title, comparison.a.prompt, comparison.b.prompt, "delta"):
                table.add_column(column, justify="left" if column == title else "right")
            for row in rows:
                color = "green" if row.delta > 1e-9 else "red" if row.delta < -1e-9 else "dim"
                table.add_row(row.name, _fmt(row.a), _fmt(row.b), f"[{color}]{row.delta:+.3f}")
            console.print(table)
        console.print(
            f"micro F1 {_fmt(comparison.a.report.micro.f1)} -> {_fmt(comparison.b.report.micro.f1)} "
            f"(delta {comparison.delta_f1:+.3f}, 95% CI [{comparison.ci_low:+.3f}, {comparison.ci_high:+.3f}]); "
            f"{len(comparison.wins)} documents better, {len(comparison.losses)} worse: {comparison.verdict}"
        )
        if markdown:
            markdown.write_text(to_markdown(comparison), encoding="utf-8")
            console.print(f"markdown: {markdown}")
        if html:
            html.parent.mkdir(parents=True, exist_ok=True)
            html.write_text(
                to_html(comparison, load_dataset(data, docs, sources=source, corpus=corpus, gold=gold)),
                encoding="utf-8",
            )
            console.print(f"html: {html}")


def prompts_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Your own prompt files, or folders of them.")] = None,
) -> None:
    """List prompt versions, the bundled ones and yours: name, file (copy one to start a version), strategy,
    hash and what each does."""
    with friendly_errors():
        files = [PROMPT_DIR / f"{name}.yaml" for name in available_prompts()]
        for path in paths or []:
            files += sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        versions = [load_prompt(str(file)) for file in files]
        table = Table(show_lines=True)
        for column in ("name", "strategy", "sha256", "description"):
            table.add_column(column, no_wrap=column != "description")
        for version in versions:
            table.add_row(version.name, version.strategy, version.sha256[:12], version.description)
        console.print(table)
        for version, file in zip(versions, files, strict=True):
            console.print(f"{version.name}: {file}", soft_wrap=True, highlight=False)
