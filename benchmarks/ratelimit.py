"""Do client-side limits hold? A batch runs with a requests/min or tokens/min limit set, against a fake server
that answers at once and reports varying token usage; the rates are measured from the server's side.

A limit holds when the rate over the run, and over every 10-second window, is within 5% of it: never above
(the quota), and, for the limit that binds, not below (the limiter should not waste what is allowed).

    python -m benchmarks.ratelimit
"""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.common import distinct_filings, report
from eightk.extract.batch import extract_many
from eightk.extract.llm import Dialect, ModelClient

COLUMNS = ["scenario", "concurrency", "unit", "limit/min", "run rate/min", "peak window/min", "never over",
           "not under", "seconds", "requests"]  # fmt: skip
WINDOW_S = 10.0
TOLERANCE = 0.05


@dataclass(frozen=True)
class Scenario:
    name: str
    documents: int
    concurrency: int
    requests_per_minute: float | None = None
    tokens_per_minute: float | None = None


SCENARIOS = [
    Scenario("requests/min", 200, 16, requests_per_minute=1_200),
    Scenario("requests/min", 200, 64, requests_per_minute=600),
    Scenario("tokens/min", 200, 16, tokens_per_minute=600_000),
    Scenario("both (tokens bind)", 200, 16, requests_per_minute=720, tokens_per_minute=480_000),
]


class UsageServer:
    """Fake-server script: each answer reports 400-1,600 prompt and 20-200 completion tokens (seeded)."""

    def __init__(self) -> None:
        from conftest import GOOD_DEAL

        from eightk.fakeserver import answer

        self.good_deal = GOOD_DEAL
        self.answer = answer
        self.random = random.Random(0)
        self.tokens: list[int] = []

    def __call__(self, body: dict[str, Any]) -> Any:
        prompt, completion = self.random.randint(400, 1_600), self.random.randint(20, 200)
        self.tokens.append(prompt + completion)
        return self.answer(self.good_deal, prompt_tokens=prompt, completion_tokens=completion)


def rates(arrivals: list[float], costs: list[int]) -> tuple[float, float]:
    """(per minute over the run, per minute in the busiest window). A request's cost counts from its arrival."""
    span = arrivals[-1] - arrivals[0]
    overall = sum(costs[:-1]) / span * 60  # the last request's cost is paid after it, outside the span
    peak = 0.0
    for index, start in enumerate(arrivals):
        if start + WINDOW_S > arrivals[-1]:
            break
        spent = sum(c for t, c in zip(arrivals[index:], costs[index:], strict=True) if t < start + WINDOW_S)
        peak = max(peak, spent / WINDOW_S * 60)
    return overall, peak


async def run(scenario: Scenario, docs: list[Path], out: Path) -> tuple[list[float], list[int], float]:
    from eightk.fakeserver import FakeOpenAI

    script = UsageServer()
    with FakeOpenAI(script) as server:
        client = ModelClient(model="fake", base_url=server.url, api_key="x", dialect=Dialect.json_schema,
                             concurrency=scenario.concurrency, requests_per_minute=scenario.requests_per_minute,
                             tokens_per_minute=scenario.tokens_per_minute)  # fmt: skip
        started = time.perf_counter()
        summary = await extract_many(docs, out=out, client=client, prompt="v2", concurrency=scenario.concurrency,
                                     show_progress=False)  # fmt: skip
        elapsed = time.perf_counter() - started
        await client.aclose()
    assert summary.done == len(docs), summary
    return server.arrivals, script.tokens, elapsed


def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        docs = distinct_filings(Path(tmp), max(s.documents for s in SCENARIOS))
        for index, scenario in enumerate(SCENARIOS):
            arrivals, tokens, elapsed = asyncio.run(run(scenario, docs[: scenario.documents], Path(tmp) / f"{index}"))
            measured = {
                unit: (limit, *rates(arrivals, costs))
                for unit, limit, costs in (
                    ("requests", scenario.requests_per_minute, [1] * len(arrivals)),
                    ("tokens", scenario.tokens_per_minute, tokens),
                )
            }
            used = {unit: overall / limit for unit, (limit, overall, _) in measured.items() if limit}
            binding = max(used, key=lambda unit: used[unit])
            for unit, (limit, overall, peak) in measured.items():
                held = "-" if limit is None else "yes" if max(overall, peak) <= limit * (1 + TOLERANCE) else "NO"
                close = "-" if limit is None or unit != binding else "yes" if used[unit] >= 1 - TOLERANCE else "NO"
                rows.append([scenario.name, scenario.concurrency, unit, limit or "none", round(overall),
                             round(peak), held, close, round(elapsed, 1), len(arrivals)])  # fmt: skip
    report(
        "ratelimit",
        f"client-side limits, measured at the server (busiest window: {WINDOW_S:.0f} s, tolerance {TOLERANCE:.0%})",
        COLUMNS,
        rows,
        {"window_s": WINDOW_S, "tolerance": TOLERANCE},
    )


if __name__ == "__main__":
    main()
