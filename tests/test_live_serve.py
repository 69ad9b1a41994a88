"""`eightk serve`, then `eightk extract --base-url` against it, on the real model; and `kill <pid>` on either
command leaves no model server behind. Run under the model lock: flock /tmp/eightk-model.lock pytest -m live."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx2 as httpx
import pytest
from test_server import alive, wait_until_gone

from eightk.extract.cli import sample_path
from eightk.extract.server import EMBEDDED_MODEL, shared_server

pytestmark = pytest.mark.live
EIGHTK = [sys.executable, "-m", "eightk.cli"]


@pytest.fixture(autouse=True, scope="module")
def one_model_server_at_a_time() -> None:
    """The in-process server of tests/test_live.py would otherwise run beside the ones started here."""
    shared_server(start=False).stop()


def children(pid: int) -> list[int]:
    found = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True, check=False).stdout
    return [int(line) for line in found.split()]


def wait_for_child(pid: int, within_s: float = 60.0) -> int:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if found := children(pid):
            return found[0]
        time.sleep(0.1)
    raise AssertionError(f"{pid} started no child within {within_s} s")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_extract_against_eightk_serve_detects_its_dialect_and_sigterm_stops_the_server() -> None:
    port = free_port()
    serve = subprocess.Popen([*EIGHTK, "serve", "--port", str(port)], stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        model_server = wait_for_child(serve.pid)
        extract = subprocess.run(
            [*EIGHTK, "extract", "--base-url", f"http://127.0.0.1:{port}/v1", str(sample_path("genentech")),
             "--no-cache"],
            capture_output=True, text=True, timeout=600, env={**os.environ, "OPENAI_API_KEY": ""},
        )  # fmt: skip
        print(f"\nextract against eightk serve: exit {extract.returncode}; {extract.stderr.strip()[-300:]}")
        assert extract.returncode == 0, extract.stderr
        assert json.loads(extract.stdout)["items"] == ["5", "7"]
        assert extract.stderr.startswith(EMBEDDED_MODEL)  # the model it serves, asked of it, not gpt-4o-mini
        serve.send_signal(signal.SIGTERM)
        serve.wait(timeout=60)
        assert serve.returncode == 143
        assert wait_until_gone(model_server), "eightk serve left its llama_cpp.server running after SIGTERM"
    finally:
        serve.kill()
        serve.wait()


def test_sigterm_on_extract_stops_its_embedded_server() -> None:
    extract = subprocess.Popen([*EIGHTK, "extract", "--sample", "genentech", "--no-cache"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        model_server = wait_for_child(extract.pid)
        time.sleep(3)  # loading the model, or already answering
        assert alive(model_server)
        extract.send_signal(signal.SIGTERM)
        extract.wait(timeout=60)
        assert wait_until_gone(model_server), "eightk extract left its llama_cpp.server running after SIGTERM"
        assert extract.stderr is not None and "Traceback" not in extract.stderr.read()
    finally:
        extract.kill()
        extract.wait()
