"""Documents per second against a local fake server with a fixed 100 ms latency, at several concurrencies.

The server runs in its own process, as a real one would: in-process, its threads took the GIL from the
client being measured.

    python -m benchmarks.concurrency [DOCS] [--profile]   (--profile: pyinstrument HTML of the run at 16)
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

from pyinstrument import Profiler

from benchmarks.common import RESULTS, distinct_filings, fake_server_process, report
from eightk.extract.batch import extract_many
from eightk.extract.llm import Dialect, ModelClient

LATENCY_S = 0.1


async def run(docs: list[Path], url: str, concurrency: int, out: Path) -> tuple[float, float]:
    """Wall seconds and client CPU seconds for the whole batch."""
    client = ModelClient(model="fake", base_url=url, api_key="x", dialect=Dialect.json_schema,
                         concurrency=concurrency)  # fmt: skip
    started, cpu_started = time.perf_counter(), time.process_time()
    summary = await extract_many(  # v2: the fake server answers in its shape
        docs, out=out, client=client, prompt="v2", concurrency=concurrency, show_progress=False
    )
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    await client.aclose()
    assert summary.done == len(docs), summary
    return elapsed, cpu


def main(count: int, profile: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp, fake_server_process(LATENCY_S) as url:
        folder = Path(tmp)
        docs = distinct_filings(folder, count)
        rows = []
        base = None
        for concurrency in (1, 4, 16, 64):
            profiler = Profiler() if profile and concurrency == 16 else None
            if profiler:
                profiler.start()
            elapsed, cpu = asyncio.run(run(docs, url, concurrency, folder / f"out{concurrency}.jsonl"))
            if profiler:
                profiler.stop()
                profiler.write_html(RESULTS / "concurrency-16.html")
                profiler.print(show_all=False, short_mode=True)
            rate = count / elapsed
            base = base or rate
            rows.append([concurrency, round(elapsed, 2), rate, rate / base, min(concurrency, count) * 1.0,
                         round(cpu / count * 1000, 1)])  # fmt: skip
        report(
            "concurrency",
            f"{count} documents, 1 call each, {LATENCY_S * 1000:.0f} ms server latency",
            ["concurrency", "seconds", "docs/s", "speed-up", "ideal", "client CPU ms/doc"],
            rows,
            {"latency_s": LATENCY_S, "documents": count, "server": "separate process"},
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("docs", nargs="?", type=int, default=200)
    parser.add_argument("--profile", action="store_true")
    arguments = parser.parse_args()
    main(arguments.docs, arguments.profile)
