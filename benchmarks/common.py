"""Shared by the benchmarks: where results go and how a table is printed."""

from __future__ import annotations

import json
import multiprocessing
import os
import platform
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

RESULTS = Path(__file__).resolve().parent / "results"
TESTS = Path(__file__).resolve().parent.parent / "tests"
sys.path.insert(0, str(TESTS))  # the fake server and the test filing live with the tests


def machine() -> dict[str, Any]:
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "machine": platform.machine(),
            "system": platform.system()}  # fmt: skip


def report(name: str, title: str, columns: list[str], rows: list[list[Any]], extra: dict[str, Any]) -> None:
    table = Table(title=title)
    for index, column in enumerate(columns):
        table.add_column(column, justify="left" if index == 0 else "right")
    for row in rows:
        table.add_row(*(f"{v:.3f}" if isinstance(v, float) else str(v) for v in row))
    Console(width=max(120, Console().width)).print(table)
    RESULTS.mkdir(exist_ok=True)
    payload = {"machine": machine(), "columns": columns, "rows": rows, **extra}
    (RESULTS / f"{name}.json").write_text(json.dumps(payload, indent=2, default=str) + "\n")


def _serve_fake(latency_s: float, connection: Connection) -> None:
    from conftest import GOOD_DEAL

    from eightk.fakeserver import FakeOpenAI, answer

    with FakeOpenAI([answer(GOOD_DEAL, delay_s=latency_s)]) as server:
        connection.send(server.url)
        connection.recv()  # until the benchmark says stop


@contextmanager
def fake_server_process(latency_s: float) -> Iterator[str]:
    """The fake server in a process of its own, so its threads do not compete for the client's GIL."""
    ours, theirs = multiprocessing.get_context("spawn").Pipe()
    process = multiprocessing.get_context("spawn").Process(target=_serve_fake, args=(latency_s, theirs), daemon=True)
    process.start()
    try:
        yield str(ours.recv())
    finally:
        ours.send("stop")
        process.join(timeout=5)


def distinct_filings(folder: Path, count: int) -> list[Path]:
    """The tests' distinct copies of the test filing (tests/conftest.py), so that no result is reused."""
    from conftest import distinct_filings as write

    return write(folder, count)
