"""One structured call to any OpenAI-compatible model: instructor for schema and re-asks, tenacity for faults.

Two kinds of failure, two mechanisms. Transport faults (429, 5xx, refused connections, timeouts) are retried
below the SDK by `RetryingTransport`, so instructor only ever sees answers. A connection that cannot even be
opened is retried once only: that server is down, not busy, and backing off for 15 s only delays saying so.
Answers that do not validate (bad JSON, wrong shape, a quote or value not in the source) are fed back to the
model by instructor's re-ask loop. Every attempt's tokens are counted, whether it validated or not.
"""

from __future__ import annotations

import asyncio
import contextvars
import email.utils
import functools
import json
import logging
import os
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

import httpx2 as httpx
import instructor
import openai
from instructor.core import IncompleteOutputException, InstructorRetryException
from pydantic import BaseModel
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, retry_if_result

from eightk.errors import ConfigError, EightkError, NoncompliantModelError, TransportError, UnreachableError
from eightk.extract.answercache import AnswerCache, CachingTransport
from eightk.extract.ratelimit import Limiter, RateLimitedTransport, RateLimiter
from eightk.schemas import GroundingContext, grounded_by, salvage

T = TypeVar("T", bound=BaseModel)
log = logging.getLogger(__name__)
logging.getLogger("instructor").addHandler(logging.NullHandler())  # eightk reports what matters, below

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})


class Dialect(StrEnum):
    """How a backend wants to be asked for schema-conforming JSON."""

    llama_cpp = "llama_cpp"  # response_format={"type": "json_object", "schema": ...} (grammar-enforced)
    json_schema = "json_schema"  # OpenAI structured outputs; vLLM, Ollama, llama.cpp's C++ server
    tools = "tools"  # function calling, for models that only do that well


@dataclass
class CallStats:
    """What one structured call cost, over all of its attempts."""

    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    latency_s: float = 0.0
    cached: int = 0  # attempts answered from the on-disk cache, paid for by an earlier run
    salvaged: bool = False
    errors: list[str] = field(default_factory=list)


_current_call: contextvars.ContextVar[CallStats | None] = contextvars.ContextVar("eightk_call", default=None)


def _count_attempt(response: Any) -> None:
    stats = _current_call.get()
    if stats is None:
        return
    stats.attempts += 1
    usage = getattr(response, "usage", None)
    if usage is not None:
        stats.prompt_tokens += usage.prompt_tokens or 0
        stats.completion_tokens += usage.completion_tokens or 0


def _count_cached() -> None:
    stats = _current_call.get()
    if stats is not None:
        stats.cached += 1


# --- transport retries -----------------------------------------------------------------------------------


def retry_after_seconds(response: httpx.Response) -> float | None:
    """Seconds the server asked us to wait (Retry-After as seconds or HTTP date), if it said."""
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        parsed = email.utils.parsedate_to_datetime(value)
        return max(0.0, parsed.timestamp() - time.time()) if parsed else None


UNREACHABLE = (httpx.ConnectError, httpx.ConnectTimeout)  # refused, no route, no such host, no answer to SYN


def connection_failure(error: BaseException) -> str:
    """Why a connection failed, as the system said it ('Connection refused'), not as a wrapper rephrased it
    ('All connection attempts failed')."""
    reason = str(error) or type(error).__name__
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, OSError) and (seen.errno or seen.strerror):
            reason = os.strerror(seen.errno) if seen.errno else str(seen.strerror)
        seen = seen.__cause__ or seen.__context__
    return reason


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    initial_wait_s: float = 0.5
    max_wait_s: float = 30.0
    max_retry_after_s: float = 120.0  # a server asking for longer is treated as asking for this long
    connect_attempts: int = 2  # for a connection that cannot be opened: the server is down, not busy

    def stop(self, state: RetryCallState) -> bool:
        """Out of attempts: all of them, or the fewer allowed while the server cannot even be reached."""
        if state.attempt_number >= self.attempts:
            return True
        outcome = state.outcome
        unreachable = outcome is not None and isinstance(outcome.exception(), UNREACHABLE)
        return unreachable and state.attempt_number >= self.connect_attempts

    def wait(self, state: RetryCallState) -> float:
        """Retry-After when the server gives one (capped), else exponential backoff with full jitter."""
        outcome = state.outcome
        if outcome is not None and not outcome.failed:
            asked = retry_after_seconds(outcome.result())
            if asked is not None:
                return min(asked, self.max_retry_after_s)
        ceiling = min(self.max_wait_s, self.initial_wait_s * 2 ** (state.attempt_number - 1))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 (jitter, not crypto)


def log_retry(logger: logging.Logger, state: RetryCallState, target: str, attempts: int) -> None:
    """One warning per retry: what failed, where, and when the next try goes out (tenacity's `before_sleep`)."""
    outcome = state.outcome
    if outcome is None:
        return
    error = outcome.exception()
    cause = connection_failure(error) if error is not None else f"HTTP {outcome.result().status_code}"
    wait = state.next_action.sleep if state.next_action else 0.0
    logger.warning("%s from %s; retrying in %.1f s (attempt %d of %d failed)", cause, target, wait,
                   state.attempt_number, attempts)  # fmt: skip


class RetryingTransport(httpx.AsyncBaseTransport):
    """Retries transport faults and retryable statuses; gives back the last answer when retries run out."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None, policy: RetryPolicy | None = None) -> None:
        self.inner = inner or httpx.AsyncHTTPTransport()
        self.policy = policy or RetryPolicy()
        self.retries = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()

        async def attempt() -> httpx.Response:
            response = await self.inner.handle_async_request(
                httpx.Request(
                    request.method, request.url, headers=request.headers, content=body, extensions=request.extensions
                )
            )
            await response.aread()  # read here, so a body cut short is a transport fault and retried
            return response

        retrying = AsyncRetrying(
            stop=self.policy.stop,
            wait=self.policy.wait,
            retry=retry_if_exception_type(httpx.TransportError)
            | retry_if_result(lambda r: r.status_code in RETRY_STATUSES),
            retry_error_callback=lambda state: _last_answer(state),
            before_sleep=lambda state: self._count_retry(state, str(request.url.copy_with(query=None))),
        )
        response: httpx.Response = await retrying(attempt)
        return response

    def _count_retry(self, state: RetryCallState, url: str) -> None:
        self.retries += 1
        log_retry(log, state, url, self.policy.attempts)

    async def aclose(self) -> None:
        await self.inner.aclose()


class StartingTransport(httpx.AsyncBaseTransport):
    """Runs a blocking `start` once, in a thread, before the first request that reaches it goes out: the
    embedded server is started only when an answer is not in the cache."""

    def __init__(self, inner: httpx.AsyncBaseTransport, start: Callable[[], object]) -> None:
        self.inner = inner
        self.start = start
        self._started = False
        self._lock = threading.Lock()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not self._started:
            await asyncio.to_thread(self._start_once)
        return await self.inner.handle_async_request(request)

    def _start_once(self) -> None:
        with self._lock:
            if not self._started:
                self.start()
                self._started = True

    async def aclose(self) -> None:
        await self.inner.aclose()


def _last_answer(state: RetryCallState) -> httpx.Response:
    assert state.outcome is not None
    last: httpx.Response = state.outcome.result()  # re-raises the last transport error, or returns the last bad status
    return last


@functools.cache
def _instructor_model(response_model: type[T]) -> type[T]:
    """The response model as instructor wants it. Given a plain pydantic class, instructor derives a new
    class from it on every call, then that class's JSON schema: most of the toolkit's CPU per call (profiled
    in benchmarks/concurrency.py). Derived once per class here, the request it sends is byte-identical."""
    return instructor.openai_schema(response_model)


# --- the client --------------------------------------------------------------------------------------------


@dataclass
class ModelClient:
    """An instructor-patched async OpenAI client for one model, with bounded concurrency."""

    model: str
    base_url: str | None
    api_key: str
    dialect: Dialect
    context_tokens: int = 8192
    max_retries: int = 2  # re-asks after the first answer; each re-ask adds one exchange to the conversation
    concurrency: int = 4
    timeout_s: float = 120.0
    retry_policy: RetryPolicy = field(default_factory=RetryPolicy)
    requests_per_minute: float | None = None  # client-side limits; every attempt and re-ask counts
    tokens_per_minute: float | None = None
    answer_cache: AnswerCache | None = None  # answers kept on disk: the same request is not paid for twice
    before_first_request: Callable[[], object] | None = None  # e.g. start the embedded server, on a cache miss
    limiter: Limiter | None = None  # a limit shared beyond this client (a cluster's); default: the two above
    _client: Any = field(init=False, repr=False)
    _transport: RetryingTransport = field(init=False, repr=False)
    _semaphore: asyncio.Semaphore | None = field(init=False, default=None, repr=False)

    def __post_init__(self) -> None:
        if self.concurrency < 1:  # a semaphore of 0 would wait forever
            raise ConfigError(f"concurrency must be at least 1, got {self.concurrency}")
        wire: httpx.AsyncBaseTransport = httpx.AsyncHTTPTransport()
        if self.limiter is None and (self.requests_per_minute or self.tokens_per_minute):
            self.limiter = RateLimiter(self.requests_per_minute, self.tokens_per_minute)
        if self.limiter is not None:
            wire = RateLimitedTransport(wire, self.limiter)
        self._transport = RetryingTransport(wire, policy=self.retry_policy)
        outer: httpx.AsyncBaseTransport = self._transport
        if self.before_first_request is not None:
            outer = StartingTransport(outer, self.before_first_request)
        if self.answer_cache is not None:
            outer = CachingTransport(outer, self.answer_cache, on_hit=_count_cached)
        http_client = httpx.AsyncClient(transport=outer, timeout=httpx.Timeout(self.timeout_s, connect=5.0))
        raw = openai.AsyncOpenAI(base_url=self.base_url, api_key=self.api_key, http_client=http_client, max_retries=0)
        mode = instructor.Mode.TOOLS if self.dialect is Dialect.tools else instructor.Mode.JSON_SCHEMA
        self._client = instructor.from_openai(raw, mode=mode)
        self._client.on("completion:response", _count_attempt)
        self._client.on("parse:error", self._log_reask)

    def _log_reask(self, error: Exception, *, attempt_number: int, max_attempts: int | None,
                   is_last_attempt: bool) -> None:  # fmt: skip
        """Instructor's `parse:error` hook: an answer that did not validate goes back to the model."""
        if not is_last_attempt:  # the last one is reported by what follows it: a salvage or an error
            first_line = str(error).strip().splitlines()[0][:300] if str(error).strip() else type(error).__name__
            log.info("%s: answer %d of %s did not validate, re-asking: %s", self.model, attempt_number,
                     max_attempts or "?", first_line)  # fmt: skip

    @property
    def endpoint(self) -> str:
        """Where requests go, for messages: the base URL, or OpenAI's when none was given."""
        return self.base_url or "https://api.openai.com/v1"

    async def structured(
        self,
        response_model: type[T],
        messages: list[dict[str, str]],
        grounding: GroundingContext,
        *,
        max_tokens: int = 768,
    ) -> tuple[T, CallStats]:
        """A validated, grounded `response_model`; salvages the grounded part when re-asks run out."""
        stats = CallStats()
        token = _current_call.set(stats)
        started = time.perf_counter()
        extra: dict[str, Any] = {"temperature": 0, "seed": 0, "max_tokens": max_tokens}
        if self.dialect is Dialect.llama_cpp:
            schema = response_model.model_json_schema()
            extra["extra_body"] = {"response_format": {"type": "json_object", "schema": schema}}
        try:
            if self._semaphore is None:
                self._semaphore = asyncio.Semaphore(self.concurrency)
            async with self._semaphore:
                with grounded_by(grounding):  # not instructor's `context=`: it renders messages as Jinja
                    result = await self._client.chat.completions.create(
                        model=self.model,
                        response_model=_instructor_model(response_model),
                        messages=messages,
                        max_retries=self.max_retries,
                        **extra,
                    )
            return result, stats
        except InstructorRetryException as error:
            return self._after_failure(error, response_model, grounding, stats), stats
        except IncompleteOutputException as error:  # the answer ran into max_tokens: nothing to parse
            raise NoncompliantModelError(
                f"answer cut off at max_tokens={max_tokens} after {stats.attempts} attempts",
                attempts=stats.attempts,
                prompt_tokens=stats.prompt_tokens,
                completion_tokens=stats.completion_tokens,
            ) from error
        finally:
            stats.latency_s = time.perf_counter() - started
            _current_call.reset(token)

    def _after_failure(
        self, error: Exception, response_model: type[T], grounding: GroundingContext, stats: CallStats
    ) -> T:
        cause = error.__cause__
        costs = {"attempts": stats.attempts, "prompt_tokens": stats.prompt_tokens,
                 "completion_tokens": stats.completion_tokens}  # fmt: skip
        if isinstance(cause, openai.APIStatusError):
            raise TransportError(f"{self.endpoint} answered HTTP {cause.status_code}: {cause.message[:300]}",
                                 **costs) from cause  # fmt: skip
        if isinstance(cause, openai.APIConnectionError):
            root = cause.__cause__
            if isinstance(root, EightkError):
                raise root from None  # the embedded server did not start: its own message says why
            reason = connection_failure(root) if root is not None else str(cause)
            if isinstance(root, UNREACHABLE):
                raise UnreachableError(f"cannot reach {self.endpoint} ({reason}); is the server running?",
                                       **costs) from cause  # fmt: skip
            if isinstance(cause, openai.APITimeoutError):
                raise TransportError(f"{self.endpoint} did not answer within {self.timeout_s:g} s", **costs) from cause
            raise TransportError(f"{self.endpoint}: the connection failed ({reason})", **costs) from cause
        stats.errors.append(str(cause or error)[:500])
        last = getattr(error, "last_completion", None)
        content = last.choices[0].message.content if last is not None and last.choices else None
        try:
            data = json.loads(content) if content else None
        except json.JSONDecodeError:
            data = None
        recovered = salvage(response_model, data, grounding) if data is not None else None
        if recovered is None:
            raise NoncompliantModelError(
                f"no valid answer after {stats.attempts} attempts: {str(cause or error)[:300]}", **costs
            ) from error
        stats.salvaged = True
        log.info("%s: no valid answer after %d attempts; kept only its grounded values", self.model, stats.attempts)
        return recovered  # type: ignore[return-value]

    async def aclose(self) -> None:
        await self._client.client.close()
