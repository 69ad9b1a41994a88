"""How far a batch is: a bar on a terminal, a line every few seconds anywhere else (a log file, CI).

The pace is measured on the documents this run worked on, not on those skipped as already done (a resumed
batch skips hundreds in a second), and is not shown before the first document is finished: a rate of
"0.00 docs/s" and a time left of "-:--:--" tell nothing. The time left counts down between documents from
the pace so far, instead of standing still until the next one finishes.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from types import TracebackType
from typing import Literal, TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, ProgressColumn, Task, TaskID, TextColumn
from rich.text import Text

Outcome = Literal["done", "skipped", "failed"]


@dataclass
class Pace:
    """Counts of a batch and the pace of the documents worked on, from `time.monotonic()`."""

    total: int
    started: float = field(default_factory=time.monotonic)
    done: int = 0
    skipped: int = 0
    failed: int = 0
    last_finished: float = 0.0

    def count(self, outcome: Outcome) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)
        if outcome != "skipped":
            self.last_finished = time.monotonic()

    @property
    def finished(self) -> int:
        return self.done + self.skipped + self.failed

    def describe(self, now: float | None = None, *, left: bool = True) -> str:
        """'2.31 docs/s, about 1 min 05 s left' (or 's/doc' when slower than one a second); '' until known."""
        worked = self.done + self.failed
        if not worked:
            return ""
        seconds_each = max((self.last_finished - self.started) / worked, 1e-6)
        speed = f"{1 / seconds_each:.2f} docs/s" if seconds_each < 1 else f"{seconds_each:.1f} s/doc"
        to_work = self.total - self.skipped
        remaining = max(0.0, self.started + seconds_each * to_work - (now if now is not None else time.monotonic()))
        return f"{speed}, about {_duration(remaining)} left" if left and self.finished < self.total else speed


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


class PaceColumn(ProgressColumn):
    """Rendered on every refresh, so the time left counts down between documents."""

    def __init__(self, pace: Pace) -> None:
        super().__init__()
        self.pace = pace

    def render(self, task: Task) -> Text:
        return Text(self.pace.describe(), style="progress.remaining")


class BatchProgress:
    """Reports a batch's progress to stderr: a live bar on a terminal, else a line at most every `every_s`
    seconds and one at the end; nothing when `enabled` is false."""

    def __init__(
        self, label: str, total: int, *, enabled: bool = True, every_s: float = 10.0, stream: TextIO | None = None
    ) -> None:
        self.label = label
        self.pace = Pace(total)
        self.every_s = every_s
        self.stream = stream or sys.stderr
        console = Console(file=self.stream)
        self.mode = "off" if not enabled else "bar" if console.is_terminal else "lines"
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        self._last_line = 0.0
        self._reported = 0  # documents finished when the last status line was written
        if self.mode == "bar":
            columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), PaceColumn(self.pace))
            self._bar = Progress(*columns, console=console)

    def __enter__(self) -> BatchProgress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task(self.label, total=self.pace.total)
        elif self.mode == "lines":
            self._line(f"{self.pace.total} documents")
        return self

    def advance(self, outcome: Outcome) -> None:
        self.pace.count(outcome)
        if self._bar is not None and self._task is not None:
            self._bar.advance(self._task)
        elif self.mode == "lines" and time.monotonic() - self._last_line >= self.every_s:
            self._status()

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._bar is not None:
            self._bar.stop()
        elif self.mode == "lines" and self.pace.finished != self._reported:
            self._status(final=True)  # no time left on a batch that ended early

    def _status(self, *, final: bool = False) -> None:
        pace = self.pace
        counts = f"{pace.done} extracted, {pace.failed} failed, {pace.skipped} already done"
        described = pace.describe(left=not final)
        self._reported = pace.finished
        self._line(f"{pace.finished}/{pace.total} ({counts})" + (f", {described}" if described else ""))

    def _line(self, text: str) -> None:
        self._last_line = time.monotonic()
        print(f"{self.label}: {text}", file=self.stream, flush=True)
