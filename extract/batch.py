"""Extract many filings: bounded concurrency, a progress bar, resumable output that a crash cannot corrupt.

Results are appended to a JSONL file, one line per document, each line written whole and fsynced before
the next. A `kill -9` can leave at most one torn last line; the next run cuts it off, reads what is
complete, and skips documents already done for the same (text hash, prompt hash, model). Failures go to
`<out>.errors.jsonl` and never stop the batch; they are retried on the next run.
"""

from __future__ import annotations

import asyncio
import glob
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)
from rich.text import Text

from eightk.errors import EightkError
from eightk.extract.llm import ModelClient
from eightk.extract.pipeline import extract_filing
from eightk.extract.reader import read_filing
from eightk.extract.results import ExtractionResult
from eightk.prompts import load_prompt


class RateColumn(ProgressColumn):
    def render(self, task: Task) -> Text:
        return Text(f"{task.speed or 0:.2f} docs/s")


def expand_sources(patterns: Iterable[str]) -> list[Path]:
    """Files named, files in named folders, and glob matches, each once, in a stable order."""
    found: dict[Path, None] = {}
    for pattern in patterns:
        path = Path(pattern)
        if path.is_dir():
            candidates = sorted(
                p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in {".txt", ".htm", ".html"}
            )
        elif path.exists() or not glob.has_magic(pattern):
            candidates = [path]  # a missing file is kept, to be reported as such rather than ignored
        else:
            candidates = sorted(Path(p) for p in glob.glob(pattern, recursive=True) if Path(p).is_file())
        for candidate in candidates:
            found.setdefault(candidate, None)
    return list(found)


class JsonlLog:
    """An append-only JSONL file whose every line is complete: torn tails are cut on open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._repair()
        self._lock = asyncio.Lock()

    def _repair(self) -> None:
        if not self.path.exists():
            return
        data = self.path.read_bytes()
        keep = len(data)
        if data and not data.endswith(b"\n"):
            keep = data.rfind(b"\n") + 1  # a line cut short by a crash
        with self.path.open("r+b") as handle:
            handle.truncate(keep)

    def records(self) -> list[dict[str, object]]:
        if not self.path.exists():
            return []
        records = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                records.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # cannot happen after _repair, unless the file was edited by hand
        return records

    async def append(self, record: dict[str, object]) -> None:
        line = (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")
        async with self._lock:
            with self.path.open("ab") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())


@dataclass
class BatchSummary:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def errors_path(out: Path) -> Path:
    return out.with_name(out.stem + ".errors.jsonl")


def result_key(content_hash: str, prompt_sha256: str, model: str) -> str:
    return hashlib.sha256(f"{content_hash}|{prompt_sha256}|{model}".encode()).hexdigest()[:24]


async def extract_many(
    sources: list[Path],
    *,
    out: Path,
    client: ModelClient,
    prompt: str = "v2",
    concurrency: int = 4,
    show_progress: bool = True,
) -> BatchSummary:
    """Extract every source into `out` (JSONL), skipping what a previous run already finished."""
    version = load_prompt(prompt)
    results, failures = JsonlLog(out), JsonlLog(errors_path(out))
    done_keys = {str(r.get("key")) for r in results.records()}
    summary = BatchSummary()
    semaphore = asyncio.Semaphore(concurrency)

    async def one(path: Path, progress: Progress, task: TaskID) -> None:
        async with semaphore:
            try:
                filing = read_filing(path)
                key = result_key(filing.content_hash, version.sha256, client.model)
                if key in done_keys:
                    summary.skipped += 1
                    return
                result = await extract_filing(filing, version, client)
                await results.append({"key": key, "source": str(path), **_dump(result)})
                summary.done += 1
            except (EightkError, OSError) as error:
                summary.failed += 1
                message = f"{type(error).__name__}: {error}"
                summary.errors.append(f"{path}: {message}")
                await failures.append({"source": str(path), "prompt": version.name, "model": client.model,
                                       "error": message[:2000]})  # fmt: skip
            finally:
                progress.advance(task)

    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), RateColumn(),
               TimeRemainingColumn())  # fmt: skip
    with Progress(*columns, disable=not show_progress, transient=False) as progress:
        task = progress.add_task(f"extracting ({version.name})", total=len(sources))
        await asyncio.gather(*(one(path, progress, task) for path in sources))
    return summary


def _dump(result: ExtractionResult) -> dict[str, object]:
    dumped: dict[str, object] = result.model_dump(mode="json")
    return dumped
