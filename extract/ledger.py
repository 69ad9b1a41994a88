"""A batch's books, whichever engine runs it: one outcome per document, written to files a crash cannot corrupt.

Results are appended to a JSONL file, one line per document, each line written whole and fsynced before
the next. A `kill -9` can leave at most one torn last line; the next run cuts it off, reads what is
complete, and skips documents already done for the same (text hash, prompt hash, model). Failures go to
`<out>.errors.jsonl` and do not stop the batch; they are retried on the next run, and the errors file keeps
one line per document, its latest failure, and none once it is done.

One failure does stop it: a server that cannot be connected to for `max_unreachable` documents in a row is
down, and every document after would fail the same way. Recording that outcome raises `BatchStopped`; the
engine then cancels what is in flight, and documents it did not get to are not written as failed, so the
next run does them.

Only the process that owns the ledger writes to it: a Ray worker returns its `Outcome` and the driver
records it, so a worker that dies can cost a repeated call but never a lost or a second line.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Container
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from eightk.errors import EightkError, InputError, ModelError, UnreachableError
from eightk.extract.llm import ModelClient
from eightk.extract.pipeline import extract_filing
from eightk.extract.progress import BatchProgress
from eightk.extract.reader import read_filing
from eightk.extract.results import Usage
from eightk.prompts import PromptVersion


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


def errors_path(out: Path) -> Path:
    return out.with_name(out.stem + ".errors.jsonl")


def result_key(content_hash: str, prompt_sha256: str, model: str) -> str:
    return hashlib.sha256(f"{content_hash}|{prompt_sha256}|{model}".encode()).hexdigest()[:24]


@dataclass
class Outcome:
    """What became of one document: a result line, an error line, or neither (done by an earlier run)."""

    source: str
    prompt: str
    model: str
    kind: Literal["done", "skipped", "failed"]
    key: str | None = None
    line: dict[str, object] = field(default_factory=dict)  # for the results file, or the errors file
    usage: Usage = field(default_factory=Usage)  # what its model calls cost, failed ones included
    server: Literal["answered", "unreachable"] | None = None  # what the model server did, if it was asked

    @classmethod
    def failed(
        cls, source: str, prompt: str, model: str, key: str | None, message: str, usage: Usage | None = None
    ) -> Outcome:
        usage = usage or Usage()
        line: dict[str, object] = {"source": source, "prompt": prompt, "model": model, "key": key,
                                   "error": message[:2000], "usage": usage.model_dump()}  # fmt: skip
        return cls(source, prompt, model, "failed", key, line, usage)


async def run_document(path: Path, version: PromptVersion, client: ModelClient, done: Container[str]) -> Outcome:
    """Read and extract one document, unless `done` holds its key; a failure is an outcome, not an exception."""
    source, key = str(path), None
    try:
        filing = read_filing(path)
        key = result_key(filing.content_hash, version.sha256, client.model)
        if key in done:
            return Outcome(source, version.name, client.model, "skipped", key)
        result = await extract_filing(filing, version, client)
        line = {"key": key, "source": source, **result.model_dump(mode="json")}
        return Outcome(source, version.name, client.model, "done", key, line, result.usage, "answered")
    except (EightkError, OSError) as error:
        usage = Usage()
        if isinstance(error, ModelError):
            usage = Usage(calls=len(getattr(error, "calls", [])), attempts=error.attempts,
                          prompt_tokens=error.prompt_tokens, completion_tokens=error.completion_tokens)  # fmt: skip
        outcome = Outcome.failed(source, version.name, client.model, key, str(error), usage)
        if isinstance(error, UnreachableError):
            outcome.server = "unreachable"
        elif isinstance(error, EightkError) and not isinstance(error, InputError):
            outcome.server = "answered"
        return outcome


class BatchStopped(Exception):
    """Raised by the ledger to stop a batch whose model server cannot be reached: cancels what is in flight."""


@dataclass
class BatchSummary:
    done: int = 0
    skipped: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)
    stopped: str | None = None  # why the batch stopped before the end (the server could not be reached)
    not_attempted: int = 0  # documents left for the next run, not written as failed
    usage: Usage = field(default_factory=Usage)  # as the server reported it, over every document of this run


class Ledger:
    """The results and errors files of a batch, what they already hold, and this run's count."""

    def __init__(self, out: Path, progress: BatchProgress, *, max_unreachable: int) -> None:
        self.results, self.failures = JsonlLog(out), JsonlLog(errors_path(out))
        self.done = {str(r.get("key")) for r in self.results.records()}
        self.ok: set[tuple[object, ...]] = set()  # (source, prompt, model) done, or found done, in this run
        self._compact_errors()
        self.progress = progress
        self.max_unreachable = max_unreachable
        self.unreachable_in_a_row = 0
        self.summary = BatchSummary()

    async def record(self, outcome: Outcome) -> None:
        """Write the outcome's line and count it; raises `BatchStopped` when the server is found down."""
        total, spent = self.summary.usage, outcome.usage
        for name in ("calls", "attempts", "prompt_tokens", "completion_tokens", "cached"):
            setattr(total, name, getattr(total, name) + getattr(spent, name))
        identity = (outcome.source, outcome.prompt, outcome.model)
        if outcome.kind == "failed":
            await self.failures.append(outcome.line)
            self.summary.failed += 1
            self.summary.errors.append(f"{outcome.source}: {outcome.line['error']}")
        else:
            if outcome.kind == "done":
                await self.results.append(outcome.line)
                self.summary.done += 1
            else:
                self.summary.skipped += 1
            self.done.add(str(outcome.key))
            self.ok.add(identity)
        self.progress.advance(outcome.kind)
        if outcome.server == "answered":
            self.unreachable_in_a_row = 0
        elif outcome.server == "unreachable":
            self.unreachable_in_a_row += 1
            if self.unreachable_in_a_row >= self.max_unreachable:
                reason = str(outcome.line["error"])
                self.summary.stopped = (
                    f"stopped after {self.max_unreachable} documents in a row could not reach the model: {reason}"
                )
                raise BatchStopped(reason)

    def close(self, total: int) -> BatchSummary:
        self.summary.not_attempted = total - self.summary.done - self.summary.skipped - self.summary.failed
        self._compact_errors()
        return self.summary

    def _compact_errors(self) -> None:
        """One line per document, prompt and model, its latest failure; none for a document done since."""
        records = self.failures.records()
        latest: dict[tuple[object, ...], dict[str, object]] = {}
        for record in records:
            identity = (record.get("source"), record.get("prompt"), record.get("model"))
            latest.pop(identity, None)  # re-inserted last: the file keeps the order of the latest failures
            if record.get("key") not in self.done and identity not in self.ok:
                latest[identity] = record
        if len(latest) != len(records):
            self.failures.rewrite(list(latest.values()))
