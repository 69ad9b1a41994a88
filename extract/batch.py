"""Extract many filings: on this machine (asyncio, bounded concurrency) or on a Ray cluster, with one ledger.

Whatever the engine, each input ends as exactly one line, a result or an error, in files a crash cannot
corrupt; a re-run skips what is done; and a batch whose server cannot be reached stops, leaving the rest to
the next run (`eightk.extract.ledger`). The model's answers are cached on disk by the client (`answercache`),
so a document cut off in the middle costs nothing again for the calls it made. The local engine is the
default and needs no Ray; `engine="ray"` spreads the documents over a cluster's workers
(`eightk.extract.ray_engine`).
"""

from __future__ import annotations

import asyncio
import glob
from collections.abc import Iterable
from pathlib import Path
from typing import Literal

from eightk.errors import ConfigError
from eightk.extract.config import ClientSpec
from eightk.extract.ledger import BatchStopped, BatchSummary, Ledger, run_document
from eightk.extract.llm import ModelClient
from eightk.extract.progress import BatchProgress
from eightk.extract.settings import default_prompt
from eightk.prompts import PromptVersion, load_prompt

FILING_SUFFIXES = (".txt", ".htm", ".html")
Engine = Literal["local", "ray"]


def expand_sources(patterns: Iterable[str]) -> list[Path]:
    """Files named, files in named folders, and glob matches, each once, in a stable order."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in FILING_SUFFIXES)
        elif path.exists() or not glob.has_magic(pattern):
            candidates = [path]  # a missing file is kept, to be reported as such rather than ignored
        else:
            candidates = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
        for candidate in candidates:
            found.setdefault(candidate, None)
    return list(found)


async def extract_many(
    sources: list[Path],
    *,
    out: Path,
    client: ModelClient | ClientSpec,
    prompt: str | None = None,
    concurrency: int = 4,
    show_progress: bool = True,
    max_unreachable: int = 3,
    engine: Engine = "local",
    ray_address: str | None = None,
    workers: int | None = None,
) -> BatchSummary:
    """Extract every source into `out` (JSONL), skipping what a previous run already finished; stop after
    `max_unreachable` documents in a row found the server unreachable.

    `client` is a client, or its `ClientSpec` to connect here (closed at the end) or on every Ray worker.
    `concurrency` is documents in flight per process; `workers` the Ray worker processes (default: one per
    CPU of the cluster, or one per node for the embedded model); `ray_address` a cluster to join (default:
    the one this process has joined, else a new local one).
    """
    if engine not in ("local", "ray"):
        raise ConfigError(f"unknown engine {engine!r}; choose local or ray")
    if concurrency < 1:  # a semaphore of 0 would wait forever
        raise ConfigError(f"concurrency must be at least 1, got {concurrency}")
    prompt = prompt or default_prompt()
    version = load_prompt(prompt)
    with BatchProgress(f"extracting ({version.name})", len(sources), enabled=show_progress) as progress:
        ledger = Ledger(out, progress, max_unreachable=max_unreachable)
        try:
            if engine == "ray":
                await _run_ray(sources, prompt, client, ledger, concurrency, ray_address, workers)
            else:
                await _run_local(sources, version, client, ledger, concurrency)
        except* BatchStopped:
            pass  # the ledger says why, in the summary
    return ledger.close(len(sources))


async def _run_local(sources: list[Path], version: PromptVersion, client: ModelClient | ClientSpec, ledger: Ledger,
                     concurrency: int) -> None:  # fmt: skip
    active = client.connect() if isinstance(client, ClientSpec) else client
    semaphore = asyncio.Semaphore(concurrency)

    async def one(path: Path) -> None:
        async with semaphore:
            await ledger.record(await run_document(path, version, active, ledger.done))

    try:
        async with asyncio.TaskGroup() as group:
            for path in sources:
                group.create_task(one(path))
    finally:
        if active is not client:
            await active.aclose()


async def _run_ray(sources: list[Path], prompt: str, client: ModelClient | ClientSpec, ledger: Ledger,
                   concurrency: int, address: str | None, workers: int | None) -> None:  # fmt: skip
    try:
        from eightk.extract.ray_engine import run_on_ray
    except ImportError as error:
        raise ConfigError(f"the ray engine needs Ray: pip install 'eightk[ray]' ({error})") from None
    if isinstance(client, ModelClient) and client.before_first_request is not None:
        await asyncio.to_thread(client.before_first_request)  # its server, started: the workers will call it
    spec = client if isinstance(client, ClientSpec) else ClientSpec.of(client)
    await run_on_ray(sources, prompt, spec, ledger, concurrency=concurrency, address=address, workers=workers)
