"""Extract many filings: bounded concurrency, a progress bar, resumable output that a crash cannot corrupt.

Results are appended to a JSONL file, one line per document, each line written whole and fsynced before
the next. A `kill -9` can leave at most one torn last line; the next run cuts it off, reads what is
complete, and skips documents already done for the same (text hash, prompt hash, model). Failures go to
`<out>.errors.jsonl` and do not stop the batch; they are retried on the next run, and the errors file keeps
one line per document, its latest failure, and none once it is done.

One failure does stop it: a server that cannot be connected to for `max_unreachable` documents in a row is
down, and every document after would fail the same way. The batch then stops and says so; documents it did
not get to are not written as failed, so the next run does them. The model's answers are cached on disk by
the client (`answercache`), so a document cut off in the middle costs nothing again for the calls it made.
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from eightk.errors import ConfigError, EightkError, InputError, UnreachableError
from eightk.extract.llm import ModelClient
from eightk.extract.pipeline import extract_filing
from eightk.extract.progress import BatchProgress
from eightk.extract.reader import read_filing
from eightk.extract.results import ExtractionResult
from eightk.extract.settings import default_prompt
from eightk.prompts import load_prompt

FILING_SUFFIXES = (".txt", ".htm", ".html")


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

    def rewrite(self, records: list[dict[str, object]]) -> None:
        """Replace the whole file, atomically: a crash leaves the old file or the new one, never half."""
        descriptor, temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.")
        try:
            with os.fdopen(descriptor, "wb") as handle:
                handle.writelines(_line(record) for record in records)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(temporary, self.path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    async def append(self, record: dict[str, object]) -> None:
        line = _line(record)
        async with self._lock:
            with self.path.open("ab") as handle:
                handle.write(line)
                handle.flush()
                os.fsync(handle.fileno())


def _line(record: dict[str, object]) -> bytes:
    return (json.dumps(record, ensure_ascii=False, default=str) + "\n").encode("utf-8")


@dataclass
class BatchSummary:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the batch stopped before the end (the server could not be reached)
    not_attempted: int = 0  # documents left for the next run, not written as failed


class _Unreachable(Exception):
    """Raised inside the batch to stop it: cancels every document not finished."""


def errors_path(out: Path) -> Path:
    return out.with_name(out.stem + ".errors.jsonl")


def result_key(content_hash: str, prompt_sha256: str, model: str) -> str:
    return hashlib.sha256(f"{content_hash}|{prompt_sha256}|{model}".encode()).hexdigest()[:24]


async def extract_many(
    sources: list[Path],
    *,
    out: Path,
    client: ModelClient,
    prompt: str | None = None,
    concurrency: int = 4,
    show_progress: bool = True,
    max_unreachable: int = 3,
) -> BatchSummary:
    """Extract every source into `out` (JSONL), skipping what a previous run already finished; stop after
    `max_unreachable` documents in a row found the server unreachable."""
    if concurrency < 1:  # a semaphore of 0 would wait forever
        raise ConfigError(f"concurrency must be at least 1, got {concurrency}")
    version = load_prompt(prompt or default_prompt())
    results, failures = JsonlLog(out), JsonlLog(errors_path(out))
    done_keys = {str(r.get("key")) for r in results.records()}
    ok: set[tuple[object, ...]] = set()  # (source, prompt, model) done, or found done, in this run
    _compact_errors(failures, done_keys, ok)
    summary = BatchSummary()
    semaphore = asyncio.Semaphore(concurrency)
    unreachable_in_a_row = 0

    async def one(path: Path, progress: BatchProgress) -> None:
        nonlocal unreachable_in_a_row
        identity = (str(path), version.name, client.model)
        key: str | None = None
        async with semaphore:
            try:
                filing = read_filing(path)
                key = result_key(filing.content_hash, version.sha256, client.model)
                if key in done_keys:
                    summary.skipped += 1
                    ok.add(identity)
                    progress.advance("skipped")
                    return
                result = await extract_filing(filing, version, client)
                await results.append({"key": key, "source": str(path), **_dump(result)})
                done_keys.add(key)
                ok.add(identity)
                summary.done += 1
                unreachable_in_a_row = 0
                progress.advance("done")
            except (EightkError, OSError) as error:
                summary.failed += 1
                summary.errors.append(f"{path}: {error}")
                await failures.append({"source": str(path), "prompt": version.name, "model": client.model,
                                       "key": key, "error": str(error)[:2000]})  # fmt: skip
                progress.advance("failed")
                if isinstance(error, UnreachableError):
                    unreachable_in_a_row += 1
                    if unreachable_in_a_row >= max_unreachable:
                        raise _Unreachable(str(error)) from None
                elif isinstance(error, EightkError) and not isinstance(error, InputError):
                    unreachable_in_a_row = 0  # the server answered

    with BatchProgress(f"extracting ({version.name})", len(sources), enabled=show_progress) as progress:
        try:
            async with asyncio.TaskGroup() as group:
                for path in sources:
                    group.create_task(one(path, progress))
        except* _Unreachable as stopped:
            reason = stopped.exceptions[0]
            summary.stopped = f"stopped after {max_unreachable} documents in a row could not reach the model: {reason}"
    summary.not_attempted = len(sources) - summary.done - summary.skipped - summary.failed
    _compact_errors(failures, done_keys, ok)
    return summary


def _compact_errors(failures: JsonlLog, done_keys: set[str], ok: set[tuple[object, ...]]) -> None:
    """One line per document, prompt and model, its latest failure; none for a document done since."""
    records = failures.records()
    latest: dict[tuple[object, ...], dict[str, object]] = {}
    for record in records:
        identity = (record.get("source"), record.get("prompt"), record.get("model"))
        latest.pop(identity, None)  # re-inserted last: the file keeps the order of the latest failures
        if record.get("key") not in done_keys and identity not in ok:
            latest[identity] = record
    if len(latest) != len(records):
        failures.rewrite(list(latest.values()))


def _dump(result: ExtractionResult) -> dict[str, object]:
    dumped: dict[str, object] = result.model_dump(mode="json")
    return dumped
