"""pytest plugin (installed with eightk, entry point `pytest11`): your tests record and replay model calls the
way eightk's own evals do, with pytest-recording's flags and fixtures.

- `vcr_config`: every `@pytest.mark.vcr` cassette is JSON, stores a request body only as its hash (no filing
  text in the repository), matches on method, path and that hash, and drops credentials from headers.
  Override the fixture in a conftest to change it, from `eightk.evals.cassettes.cassette_settings()`.
- Network: `--block-network` still lets a test reach loopback (the fake server, the embedded model), and
  while a cassette records, only loopback is reachable, plus hosts you allow the pytest-recording way
  (`--allowed-hosts`, `@pytest.mark.block_network(allowed_hosts=[...])`, `vcr_config["allowed_hosts"]`).
- The answer cache: a test with a cassette caches model answers in a folder of its own (EIGHTK_CACHE_DIR), so
  every call it makes reaches its cassette.
- `fake_openai`: starts a scripted OpenAI-compatible server on 127.0.0.1 (`eightk.fakeserver`).

Record with `pytest --record-mode=once`, replay with pytest-recording's default `--record-mode=none`. The
cassette settings need pytest-recording installed (eightk's `dev` extra); `fake_openai` does not. Leave the
plugin out with `-p no:eightk.testing`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest

from eightk.fakeserver import FakeOpenAI, Reply, answer

LOOPBACK = [r"127\.0\.0\.1$", r"localhost$", r"::1$"]  # pytest-recording's allowed_hosts are regexes
Script = list[Reply] | Callable[[dict[str, Any]], Reply]


@pytest.fixture
def fake_openai() -> Iterator[Callable[..., FakeOpenAI]]:
    """`fake_openai(script)` starts a fake OpenAI-compatible server answering from `script` (a list of `Reply`,
    or a function of the request body; keywords as `FakeOpenAI`'s); every server started is stopped after the
    test."""
    with ExitStack() as servers:

        def start(script: Script, **options: Any) -> FakeOpenAI:
            return servers.enter_context(FakeOpenAI(script, **options))

        yield start


class _Recording:
    """Registered at `pytest_configure`, after every installed plugin, so that this `vcr_config` wins over
    pytest-recording's empty default whatever order the plugins were loaded in (a conftest still wins)."""

    @pytest.fixture
    def vcr_config(self) -> dict[str, Any]:
        from eightk.evals.cassettes import cassette_settings

        return {**cassette_settings(), "allowed_hosts": LOOPBACK}

    @pytest.fixture(autouse=True)
    def _eightk_cassette(self, request: pytest.FixtureRequest, vcr: Any) -> Iterator[None]:
        """A test with a cassette keeps model answers in a cache of its own: an answer from the shared disk cache
        would never reach the cassette. While the cassette records (pytest-recording then opens the network),
        only loopback and allowed hosts are reachable."""
        if vcr is None:
            yield
            return
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("EIGHTK_CACHE_DIR", str(request.getfixturevalue("tmp_path_factory").mktemp("eightk-cache")))
            if vcr.write_protected:
                yield
                return
            from pytest_recording.network import blocking_context

            allowed = request.getfixturevalue("allowed_hosts") or []
            with blocking_context(allowed_hosts=[*LOOPBACK, *allowed]):
                yield


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.has_plugin("recording"):
        config.pluginmanager.register(_Recording(), "eightk.testing.recording")


__all__ = ["LOOPBACK", "FakeOpenAI", "Reply", "answer"]
