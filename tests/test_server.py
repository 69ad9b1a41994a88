"""The embedded server's child process never outlives eightk, however eightk ends.

A stand-in server (the standard library's http.server answering GET /v1/models from a folder) is started
exactly as the model server is, through the lifeline, so these tests need no model.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

STAND_IN = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from eightk.extract.server import EmbeddedServer

    class StandIn(EmbeddedServer):
        def command(self) -> list[str]:
            return ["http.server", "--bind", "127.0.0.1", "--directory", sys.argv[2], str(self.port)]

    server = StandIn(Path(sys.argv[1])).start()
    print(server._process.pid, flush=True)
    time.sleep(3600)
""")


def alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie waiting to be reaped by whoever adopted it."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def wait_until_gone(pid: int, within_s: float = 15.0) -> bool:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.05)
    return False


@pytest.fixture
def stand_in_site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    (site / "v1").mkdir(parents=True)
    (site / "v1" / "models").write_text('{"data": []}')
    return site


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads process states from /proc")
@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_the_server_child_dies_with_its_parent(how: signal.Signals, stand_in_site: Path, tmp_path: Path) -> None:
    model = tmp_path / "model.gguf"
    model.write_bytes(b"GGUF")
    parent = subprocess.Popen(
        [sys.executable, "-c", STAND_IN, str(model), str(stand_in_site)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert alive(child)  # started, and answered GET /v1/models
        parent.send_signal(how)
        parent.wait(timeout=30)
        assert wait_until_gone(child), f"the server child {child} outlived its parent ({how.name})"
    finally:
        parent.kill()
        parent.wait()
        with_leftover = [pid for pid in [locals().get("child")] if isinstance(pid, int) and alive(pid)]
        for pid in with_leftover:
            os.kill(pid, signal.SIGKILL)
