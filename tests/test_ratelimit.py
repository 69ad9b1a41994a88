"""Client-side rate limits: requests are held back, never dropped, and tokens are settled from `usage`."""

from __future__ import annotations

import asyncio

import httpx2 as httpx
import pytest
from conftest import FILING, GOOD_DEAL

from eightk.extract.llm import Dialect, ModelClient
from eightk.extract.pipeline import extract_filing
from eightk.extract.ratelimit import RateLimiter, reported_tokens
from eightk.extract.reader import read_filing
from eightk.fakeserver import FakeOpenAI, answer
from eightk.prompts import load_prompt


async def run_documents(url: str, count: int, **limits: float) -> None:
    client = ModelClient(model="fake", base_url=url, api_key="x", dialect=Dialect.json_schema, concurrency=8,
                         **limits)  # fmt: skip
    filing = read_filing(FILING, name="acme")
    try:
        await asyncio.gather(*(extract_filing(filing, load_prompt("v2"), client) for _ in range(count)))
    finally:
        await client.aclose()


async def test_requests_per_minute_spaces_requests_even_when_many_are_in_flight() -> None:
    with FakeOpenAI([answer(GOOD_DEAL)]) as server:
        await run_documents(server.url, 6, requests_per_minute=600)  # one request per 0.1 s
    assert len(server.arrivals) == 6
    # Spacing is measured where requests arrive, so one may land late behind a busy server thread and shorten
    # the next gap; what the limit guarantees is the pace: 6 requests span at least 5 intervals.
    assert server.arrivals[-1] - server.arrivals[0] > 0.45, server.arrivals


async def test_tokens_per_minute_is_paced_by_the_tokens_the_server_reports() -> None:
    with FakeOpenAI([answer(GOOD_DEAL, prompt_tokens=100, completion_tokens=20)]) as server:
        await run_documents(server.url, 5, tokens_per_minute=72_000)  # 1,200 tokens/s: 120 tokens = 0.1 s
    span = server.arrivals[-1] - server.arrivals[0]
    assert len(server.arrivals) == 5
    assert span > 0.36, span  # four gaps of 0.1 s once the estimates are settled to 120 tokens


async def test_settling_gives_back_overestimated_tokens_and_charges_underestimated_ones() -> None:
    limiter = RateLimiter(tokens_per_minute=60_000)
    await limiter.acquire(1_000)
    assert limiter.tokens is not None and limiter.tokens.level == pytest.approx(-1_000, abs=20)
    await limiter.settle(1_000, 120)
    assert limiter.tokens.level == pytest.approx(-120, abs=20)
    await limiter.settle(100, 400)
    assert limiter.tokens.level == pytest.approx(-420, abs=20)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="requests_per_minute must be positive"):
        RateLimiter(requests_per_minute=0)


@pytest.mark.parametrize(
    ("body", "tokens"),
    [
        (b'{"usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}}', 15),
        (b'{"usage": {"prompt_tokens": 10, "completion_tokens": 5}}', 15),
        (b'{"choices": []}', None),
        (b"not json", None),
    ],
)
def test_reported_tokens(body: bytes, tokens: int | None) -> None:
    assert reported_tokens(httpx.Response(200, content=body)) == tokens
