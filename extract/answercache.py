"""Model answers kept on disk, keyed by the request, so extracting the same filing again costs nothing.

Every request eightk sends fixes temperature 0 and a seed, so the same request is meant to get the same
answer; paying for it twice (7.5 s on the embedded model, tokens on a provider) buys nothing. The key is
the sha256 of where the request goes (`scope`: the endpoint, or the embedded model's file) and of the request
body in canonical JSON, which holds the model, the messages, the schema and the sampling parameters: any
change in any of them is a new key. A re-ask is a request of its own, so a whole conversation replays.

The cache sits above the transport retries: a hit never touches the network, and only a whole 200 answer
with choices is kept, never an error. The same cache serves a single file and a batch, so a batch resumed
after a crash does not pay again for the calls of the document it was in the middle of.

Stored with diskcache (installed with llama-cpp-python's server): an SQLite index that several processes may
share, values written as raw bytes (nothing is unpickled), and bounded in size, the least recently stored
answers going first past `size_limit`.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import diskcache
import httpx2 as httpx

from eightk.errors import ConfigError

DEFAULT_SIZE_LIMIT = 1024**3  # 1 GB: about 300,000 answers of the embedded model


class AnswerCache:
    """Answers on disk under `directory`, for requests sent to `scope`."""

    def __init__(self, directory: Path, scope: str, *, size_limit: int = DEFAULT_SIZE_LIMIT) -> None:
        self.directory = directory
        self.scope = scope
        try:
            self._store = diskcache.Cache(str(directory), size_limit=size_limit)
        except (OSError, sqlite3.Error) as error:
            reason = getattr(error, "strerror", None) or error
            raise ConfigError(f"cannot keep model answers in {directory} ({reason}); set EIGHTK_CACHE_DIR to a "
                              f"writable folder, or turn the cache off (--no-cache)") from None  # fmt: skip

    def key(self, body: bytes) -> str:
        try:
            canonical = json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"))
        except ValueError:
            canonical = body.decode("utf-8", "replace")
        return hashlib.sha256(f"{self.scope}\n{canonical}".encode()).hexdigest()

    def get(self, body: bytes) -> bytes | None:
        found = self._store.get(self.key(body))
        return found if isinstance(found, bytes) else None

    def put(self, body: bytes, answer: bytes) -> None:
        self._store.set(self.key(body), answer)

    def close(self) -> None:
        self._store.close()


def _is_answer(content: bytes) -> bool:
    try:
        data = json.loads(content)
    except ValueError:
        return False
    return isinstance(data, dict) and bool(data.get("choices"))


class CachingTransport(httpx.AsyncBaseTransport):
    """Answers chat completions from the cache when it has them; keeps every new whole answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport, cache: AnswerCache, on_hit: Callable[[], None]) -> None:
        self.inner = inner
        self.cache = cache
        self.on_hit = on_hit  # the caller counts what was not paid for again

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.method != "POST" or not request.url.path.endswith("/chat/completions"):
            return await self.inner.handle_async_request(request)
        body = await request.aread()
        cached = self.cache.get(body)
        if cached is not None:
            self.on_hit()
            return httpx.Response(200, headers={"content-type": "application/json"}, content=cached, request=request)
        response = await self.inner.handle_async_request(request)
        if response.status_code == 200:
            content = await response.aread()
            if _is_answer(content):
                self.cache.put(body, content)
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()
        self.cache.close()
