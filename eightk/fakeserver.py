"""A real OpenAI-compatible HTTP server on 127.0.0.1 that misbehaves on command, for eightk's tests and benchmarks
and for yours (`eightk.testing`'s `fake_openai` fixture).

Each request to /v1/chat/completions takes the next behaviour from a script (or asks a function), so a
test states exactly what the "model" does: answer, fail with a status, hang, drip, cut the body short.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """One behaviour. kind: answer | status | hang | drip | truncated | close | empty_choices | raw."""

    kind: str = "answer"
    content: str = "{}"
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    prompt_tokens: int = 100
    completion_tokens: int = 20


def answer(content: dict[str, Any] | str, **kwargs: Any) -> Reply:
    return Reply("answer", content if isinstance(content, str) else json.dumps(content), **kwargs)


def completion_body(reply: Reply, model: str = "fake") -> bytes:
    return json.dumps({
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 0, "model": model,
        "choices": [] if reply.kind == "empty_choices" else [
            {"index": 0, "message": {"role": "assistant", "content": reply.content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": reply.prompt_tokens, "completion_tokens": reply.completion_tokens,
                  "total_tokens": reply.prompt_tokens + reply.completion_tokens},
    }).encode()  # fmt: skip


class _Server(ThreadingHTTPServer):
    request_queue_size = 128  # the default 5 drops connections when a benchmark opens 16 or 64 at once
    daemon_threads = True


class FakeOpenAI:
    def __init__(
        self,
        script: list[Reply] | Callable[[dict[str, Any]], Reply],
        *,
        repeat_last: bool = True,
        models: list[dict[str, Any]] | None = None,
    ) -> None:
        self.script = script
        self.repeat_last = repeat_last
        self.models = [{"id": "fake", "object": "model", "owned_by": "fake"}] if models is None else models
        self.gets: list[str] = []  # paths asked for with GET
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.arrivals: list[float] = []  # time.monotonic() of each chat request, for rate-limit checks
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/v1"

    def next_reply(self, body: dict[str, Any]) -> Reply:
        with self._lock:
            self.arrivals.append(time.monotonic())
            self.requests.append(body)
            if callable(self.script):
                return self.script(body)
            index = len(self.requests) - 1
            if index >= len(self.script) and self.repeat_last:
                index = len(self.script) - 1
            return self.script[index]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out as two writes: without this, +40 ms each

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                fake.gets.append(self.path)
                self._send(200, json.dumps({"object": "list", "data": fake.models}).encode())

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                fake.headers.append(dict(self.headers))
                reply = fake.next_reply(body)
                if reply.delay_s and reply.kind != "drip":
                    time.sleep(reply.delay_s)
                if reply.kind == "hang":
                    time.sleep(3600)
                    return
                if reply.kind == "close":
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if reply.kind == "status":
                    self._send(reply.status, json.dumps({"error": {"message": "fake failure"}}).encode(), reply.headers)
                    return
                payload = (
                    reply.content.encode() if reply.kind == "raw" else completion_body(reply, body.get("model", "fake"))
                )
                if reply.kind == "truncated":
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload[: len(payload) // 2])
                    self.wfile.flush()
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                if reply.kind == "drip":
                    self.send_response(200)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    for i in range(0, len(payload), 16):
                        self.wfile.write(payload[i : i + 16])
                        self.wfile.flush()
                        time.sleep(reply.delay_s)
                    return
                self._send(200, payload, reply.headers)

            def _send(self, status: int, payload: bytes, headers: dict[str, str] | None = None) -> None:
                self.send_response(status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(payload)))
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(payload)

        return Handler

    def __enter__(self) -> FakeOpenAI:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
