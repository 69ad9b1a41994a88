"""The local engine against Ray with 1 and 2 worker processes: documents per second against the fake server
(100 ms latency, its own process, one call per document), the client CPU each document costs, and what Ray's
start and stop cost a batch.

Each configuration runs one batch of DOCS documents on a fresh Ray cluster that the batch starts and stops, as
`eightk extract --engine ray` does. The results file is watched as it grows: the time to the first result is
the start-up cost (Ray's start, the workers' imports and clients); from the first result to the last is the
batch at full speed; after the last, the stop. CPU is that of this process and of every process it starts
(Ray's gcs, raylet and workers), read from /proc every 50 ms and at the first and last result; the fake
server, started before, is not counted.

    python -m benchmarks.distributed [DOCS]

Measured four times with 400 documents on this 2-core machine while other work kept its load at 2-7:

| | local | Ray, 1 worker | Ray, 2 workers |
|---|---|---|---|
| docs/s, first to last result | 31-132 (idle, README: 110-119) | 31-91 | 37-96 |
| client CPU per document, every process | 7-13 ms (idle: 6-7) | 11-23 ms | 14-23 ms |
| of it the driver's | all | 3-7 ms | 3-5 ms |
| start to first result | 0.3-1.5 s | 8-24 s, 8-13 CPU-s | 9-23 s, 10-19 CPU-s |
| last result to return (Ray's stop) | 0 | 1.5-1.8 s | 1.3-1.9 s |

On one machine Ray does not pay: its workers, raylet, the driver and the fake server share the two cores the
local engine already keeps busy, and Ray adds 3-11 ms of CPU per document (the outcome's trip back, its
serialization, the raylet). The rates move with the machine's other load more than with the engine.

A model of N nodes of k cores. A batch runs at the least of four ceilings:
- Workers: k / c documents a second per node, c the client CPU per call: 15-23 ms here, so 45-65 per core,
  and about 100 once idle (local 6-7 ms, plus Ray's share).
- The driver, one process whatever N: it dispatches every document and records every outcome, 3-7 ms of CPU
  (150-330 docs/s), and appends each result line with an fsync, one at a time: 2.3 ms each on this disk
  (430 lines/s). Past about 200 docs/s, split the input over several batches, each its own driver and file.
- The provider's quota: R requests a minute at 1.8 calls a document (v3 on the corpus: 73 calls, 41 filings;
  v2 75) is R / 108 docs/s: 500 a minute is 4.6 docs/s, which one local process serves many times over; 30,000 a
  minute is 278 docs/s, three to six worker cores and a driver at its limit. Tokens likewise: about 1,700
  prompt tokens a document for gpt-4o-mini by the dry run (v3; v2 2,000).
- The model server: the embedded SmolLM2 takes 9-15 s a filing on 2 cores (README), 0.07-0.11 docs/s a
  node, so N nodes give N times that, a million filings on 100 nodes about 31 hours; client CPU (15 ms of
  every 10 s) does not matter there.
Ray's start, T0 = 10-25 s here (ray.init alone 3.4 s on a quieter machine), pays once the batch outlasts it:
D > T0 * r_local * r_ray / (r_ray - r_local). With r_local = 110 docs/s (one idle core) and two 2-core nodes
driver-bound at r_ray = 200, that is 2,400 documents at T0 = 10 s and 4,900 at 20 s; on one node, or under a
quota one process already fills, never; with the embedded model, from a couple of documents on 2 nodes.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from benchmarks.common import distinct_filings, fake_server_process, report
from eightk.extract.batch import Engine, extract_many
from eightk.extract.ledger import BatchSummary
from eightk.extract.llm import Dialect, ModelClient

LATENCY_S = 0.1


@dataclass(frozen=True)
class Setup:
    engine: Engine
    workers: int | None
    concurrency: int  # documents in flight per process

    @property
    def name(self) -> str:
        return "local" if self.engine == "local" else f"ray, {self.workers} worker{'s' if self.workers != 1 else ''}"


COLUMNS = ["engine", "in flight", "seconds", "docs/s", "docs/s first to last result", "client CPU ms/doc",
           "driver CPU ms/doc", "s to first result", "CPU s to first result", "s after last result"]  # fmt: skip
SETUPS = [Setup("local", None, 16), Setup("local", None, 64), Setup("ray", 1, 16), Setup("ray", 1, 64),
          Setup("ray", 2, 16), Setup("ray", 2, 32)]  # fmt: skip


class TreeCPU:
    """CPU seconds of this process and of the processes it starts while measuring. Linux /proc, polled: a
    process that ends between two polls loses at most one interval's CPU (50 ms of one core)."""

    def __init__(self) -> None:
        self.ticks_per_s = os.sysconf("SC_CLK_TCK")
        self.before = _descendants(os.getpid())  # the fake server and its like: not ours to count
        self.seen: dict[int, int] = {}
        self._lock = threading.Lock()  # read by the poller and at each result the batch waits for
        self.start = _ticks(os.getpid())
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(0.05):
            self._read()

    def _read(self) -> None:
        with self._lock:
            for pid in {os.getpid()} | (_descendants(os.getpid()) - self.before):
                self.seen[pid] = max(self.seen.get(pid, 0), _ticks(pid))

    def total(self) -> float:
        self._read()
        return (sum(self.seen.values()) - self.start) / self.ticks_per_s

    def stop(self) -> float:
        self._stop.set()
        self._thread.join()
        return self.total()


def _ticks(pid: int) -> int:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0  # ended since it was listed
    return int(fields[11]) + int(fields[12])  # utime + stime


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    try:
        children = {int(c) for t in Path(f"/proc/{pid}/task").iterdir() for c in (t / "children").read_text().split()}
    except OSError:
        return found
    for child in children:
        found |= {child} | _descendants(child)
    return found


@dataclass(frozen=True)
class Run:
    wall_s: float
    first_s: float  # start to the first result
    last_s: float  # start to the last result
    cpu_first_s: float  # CPU spent by then, every process
    cpu_last_s: float
    driver_first_s: float  # CPU of this process (the driver) alone
    driver_last_s: float


Moment = tuple[float, float, float]  # seconds since the start, CPU seconds of every process, of the driver


async def watch(
    out: Path, count: int, started: float, cpu: TreeCPU, batch: asyncio.Task[BatchSummary]
) -> tuple[Moment, Moment]:
    """When the first and the last of `count` result lines appear in `out` (or the batch ends without them)."""
    offset, lines, first = 0, 0, None
    while lines < count and not batch.done():
        await asyncio.sleep(0.01)
        if out.exists():
            with out.open("rb") as handle:
                handle.seek(offset)
                data = handle.read()
            offset, lines = offset + len(data), lines + data.count(b"\n")
        if lines and first is None:
            first = (time.perf_counter() - started, cpu.total(), time.process_time())
    last = (time.perf_counter() - started, cpu.total(), time.process_time())
    return first or last, last


async def batch(setup: Setup, docs: list[Path], url: str, out: Path) -> Run:
    client = ModelClient(model="fake", base_url=url, api_key="x", dialect=Dialect.json_schema, concurrency=64)
    cpu = TreeCPU()
    started, driver_started = time.perf_counter(), time.process_time()
    # v2: one call per document, answered by the fake server's deal (v3 asks questions of another shape).
    work = extract_many(docs, out=out, client=client, prompt="v2", concurrency=setup.concurrency, engine=setup.engine,
                        workers=setup.workers, show_progress=False)  # fmt: skip
    running = asyncio.create_task(work)
    first, last = await watch(out, len(docs), started, cpu, running)
    summary = await running
    wall = time.perf_counter() - started
    await client.aclose()
    assert summary.done == len(docs), summary
    cpu.stop()
    return Run(wall, first[0], last[0], first[1], last[1], first[2] - driver_started, last[2] - driver_started)


def main(count: int) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp, fake_server_process(LATENCY_S) as url:
        folder = Path(tmp)
        docs = distinct_filings(folder, count)
        for index, setup in enumerate(SETUPS):
            run = asyncio.run(batch(setup, docs, url, folder / f"out{index}.jsonl"))
            steady = (count - 1) / (run.last_s - run.first_s)
            cpu_per_doc_ms = (run.cpu_last_s - run.cpu_first_s) / (count - 1) * 1000
            driver_per_doc_ms = (run.driver_last_s - run.driver_first_s) / (count - 1) * 1000
            rows.append([setup.name, setup.concurrency * (setup.workers or 1), round(run.wall_s, 2), count / run.wall_s,
                         steady, round(cpu_per_doc_ms, 1), round(driver_per_doc_ms, 1), round(run.first_s, 2),
                         round(run.cpu_first_s, 2), round(run.wall_s - run.last_s, 2)])  # fmt: skip
    report(
        "distributed",
        f"{count} documents, 1 call each, {LATENCY_S * 1000:.0f} ms fake server (own process), {os.cpu_count()} cores",
        COLUMNS,
        rows,
        {"latency_s": LATENCY_S, "documents": count, "load_average_at_end": os.getloadavg()},
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("docs", nargs="?", type=int, default=400)
    main(parser.parse_args().docs)
