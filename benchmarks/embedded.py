"""Seconds per filing on the embedded model (this machine), per prompt version: server start once, then
per filing the time in prompt processing and in generation, read from llama.cpp's own timing lines.

    python -m benchmarks.embedded [N]     # the first N corpus filings in a fixed shuffled order (default 8)
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import re
import statistics
import sys
import time
from pathlib import Path

from benchmarks.common import report
from eightk.errors import ExtractionFailed
from eightk.evals.dataset import load_dataset
from eightk.extract.config import make_client
from eightk.extract.pipeline import extract_filing
from eightk.extract.server import shared_server
from eightk.prompts import load_prompt

_TIMING = re.compile(r"(prompt eval|\s eval|total) time =\s+([\d.]+) ms")
_PREFIX = re.compile(r"(\d+) prefix-match hit, remaining (\d+) prompt tokens")


def timings(log: str) -> dict[str, float]:
    totals = {"prompt eval": 0.0, "eval": 0.0, "total": 0.0, "cached_tokens": 0.0, "evaluated_tokens": 0.0}
    for kind, ms in _TIMING.findall(log):
        totals[kind.strip()] += float(ms) / 1000
    for cached, remaining in _PREFIX.findall(log):
        totals["cached_tokens"] += int(cached)
        totals["evaluated_tokens"] += int(remaining)
    return totals


async def main(count: int, prompts: list[str]) -> None:
    samples = load_dataset(sources=["corpus"])
    random.Random(0).shuffle(samples)
    samples = samples[:count]
    started = time.perf_counter()
    server = shared_server()
    startup = time.perf_counter() - started
    log_path = Path(server._log.name)
    client = make_client(cache=False)  # the embedded default as `eightk extract` configures it, minus the cache
    rows = []
    per_version: dict[str, list[float]] = {}
    try:
        for prompt in prompts:
            version = load_prompt(prompt)
            for sample in samples:
                offset = log_path.stat().st_size
                began = time.perf_counter()
                with contextlib.suppress(ExtractionFailed):
                    await extract_filing(sample.filing, version, client)
                wall = time.perf_counter() - began
                spent = timings(log_path.read_text(errors="replace")[offset:])
                per_version.setdefault(prompt, []).append(wall)
                rows.append([f"{prompt} {sample.id[:40]}", wall, spent["prompt eval"], spent["eval"],
                             spent["total"] - spent["prompt eval"] - spent["eval"],
                             int(spent["cached_tokens"]), int(spent["evaluated_tokens"])])  # fmt: skip
    finally:
        await client.aclose()
        server.stop()
    medians = {p: statistics.median(v) for p, v in per_version.items()}
    for prompt, median in medians.items():
        rows.append([f"{prompt} MEDIAN s/filing", median, 0.0, 0.0, 0.0, 0, 0])
    report(
        "embedded",
        f"embedded {server.model_alias} on this machine; server started once in {startup:.1f} s",
        ["filing", "wall s", "prompt eval s", "generation s", "other s (grammar, HTTP)", "cached tok", "evaluated tok"],
        rows,
        {"startup_s": startup, "medians": medians},
    )


if __name__ == "__main__":
    # python -m benchmarks.embedded [COUNT [PROMPT ...]]: 8 filings, every bundled version by default
    asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 8, sys.argv[2:] or ["v1", "v2", "v3"]))
