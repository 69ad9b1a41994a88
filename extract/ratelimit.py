"""Client-side rate limits (requests and tokens per minute), so a batch stays under a provider's quota
instead of finding it through 429s and backoff.

Each limit is a budget that refills continuously at its rate and may go into debt: a request is sent as soon
as no limit is in debt, then pays its cost. There is no burst allowance, so over any window the spend is the
rate times the window plus at most one request. A request's tokens are not known until it is answered, so it
pays an estimate up front (its size in bytes / 4) and the difference when the server reports `usage`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Protocol

import httpx2 as httpx

BYTES_PER_TOKEN = 4


@dataclass
class Budget:
    """One rate limit: `level` is what may still be spent now (negative: debt being repaid)."""

    per_minute: float
    level: float = 0.0
    updated: float = field(default_factory=time.monotonic)

    def refill(self, now: float) -> None:
        self.level = min(0.0, self.level + (now - self.updated) * self.per_minute / 60)
        self.updated = now

    def seconds_until_clear(self) -> float:
        return max(0.0, -self.level * 60 / self.per_minute)


class Limiter(Protocol):
    """What a transport asks of a limit: this process's `RateLimiter`, or one budget a whole cluster shares."""

    async def acquire(self, estimated_tokens: int) -> None: ...

    async def settle(self, estimated_tokens: int, actual_tokens: int) -> None: ...


class RateLimiter:
    """Requests-per-minute and tokens-per-minute budgets shared by every request of one client."""

    def __init__(self, requests_per_minute: float | None = None, tokens_per_minute: float | None = None) -> None:
        for name, value in (("requests_per_minute", requests_per_minute), ("tokens_per_minute", tokens_per_minute)):
            if value is not None and value <= 0:
                raise ValueError(f"{name} must be positive, got {value}")
        self.requests = Budget(requests_per_minute) if requests_per_minute else None
        self.tokens = Budget(tokens_per_minute) if tokens_per_minute else None
        self._changed: asyncio.Condition | None = None

    @property
    def budgets(self) -> list[Budget]:
        return [b for b in (self.requests, self.tokens) if b is not None]

    async def acquire(self, estimated_tokens: int) -> None:
        """Wait until no budget is in debt, then spend one request and the estimated tokens."""
        if self._changed is None:
            self._changed = asyncio.Condition()
        async with self._changed:
            while True:
                now = time.monotonic()
                for budget in self.budgets:
                    budget.refill(now)
                wait = max((b.seconds_until_clear() for b in self.budgets), default=0.0)
                if wait <= 0:
                    break
                with contextlib.suppress(TimeoutError):  # woken early when a request gives tokens back
                    await asyncio.wait_for(self._changed.wait(), timeout=wait)
            if self.requests is not None:
                self.requests.level -= 1
            if self.tokens is not None:
                self.tokens.level -= estimated_tokens

    async def settle(self, estimated_tokens: int, actual_tokens: int) -> None:
        """Charge (or give back) the difference between a request's estimated and reported tokens."""
        if self.tokens is None or actual_tokens == estimated_tokens:
            return
        self.tokens.level -= actual_tokens - estimated_tokens
        if actual_tokens < estimated_tokens and self._changed is not None:
            async with self._changed:
                self._changed.notify_all()


def reported_tokens(response: httpx.Response) -> int | None:
    """Total tokens from an OpenAI-style `usage` in a JSON answer, if it has one."""
    try:
        usage = json.loads(response.content).get("usage") or {}
    except (ValueError, AttributeError):
        return None
    total = usage.get("total_tokens")
    if total is None and "prompt_tokens" in usage:
        total = usage["prompt_tokens"] + usage.get("completion_tokens", 0)
    return int(total) if total is not None else None


class RateLimitedTransport(httpx.AsyncBaseTransport):
    """Holds each request until the limiter lets it go; settles its tokens from the answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limiter: Limiter) -> None:
        self.inner = inner
        self.limiter = limiter

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        estimate = len(await request.aread()) // BYTES_PER_TOKEN
        await self.limiter.acquire(estimate)
        response = await self.inner.handle_async_request(request)  # a transport fault keeps the estimate spent
        await response.aread()
        actual = reported_tokens(response)
        if actual is None:
            actual = estimate if response.is_success else 0  # a rejected request is not billed
        await self.limiter.settle(estimate, actual)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
