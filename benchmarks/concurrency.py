"""Documents per second against a local fake server with a fixed 100 ms latency, at several concurrencies.

python -m benchmarks.concurrency [--docs 200]
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from conftest import FILING, GOOD_DEAL
from fakeserver import FakeOpenAI, answer

from benchmarks.common import report
from extract.batch import extract_many
from extract.llm import Dialect, ModelClient

LATENCY_S = 0.1


async def run(docs: list[Path], url: str, concurrency: int, out: Path) -> float:
    client = ModelClient(model="fake", base_url=url, api_key="x", dialect=Dialect.json_schema,
                         concurrency=concurrency)  # fmt: skip
    started = time.perf_counter()
    summary = await extract_many(docs, out=out, client=client, concurrency=concurrency, show_progress=False)
    elapsed = time.perf_counter() - started
    await client.aclose()
    assert summary.done == len(docs), summary
    return elapsed


def main(count: int = 200) -> None:
    with tempfile.TemporaryDirectory() as tmp, FakeOpenAI([answer(GOOD_DEAL, delay_s=LATENCY_S)]) as server:
        folder = Path(tmp)
        docs = []
        for index in range(count):  # distinct texts, so no result is reused
            path = folder / f"doc{index:03}.txt"
            path.write_text(FILING.replace("June 3, 2024", f"June 3, 2024 (filing {index})"))
            docs.append(path)
        rows = []
        base = None
        for concurrency in (1, 4, 16, 64):
            elapsed = asyncio.run(run(docs, server.url, concurrency, folder / f"out{concurrency}.jsonl"))
            rate = count / elapsed
            base = base or rate
            rows.append([concurrency, round(elapsed, 2), rate, rate / base, min(concurrency, count) * 1.0])
        report(
            "concurrency",
            f"{count} documents, 1 call each, {LATENCY_S * 1000:.0f} ms server latency",
            ["concurrency", "seconds", "docs/s", "speed-up", "ideal"],
            rows,
            {"latency_s": LATENCY_S, "documents": count},
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
