"""The library reports through `logging` (logger `eightk`), never by printing; the CLI renders it with -v/-q."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from conftest import FILING, GOOD_DEAL, make_test_client
from typer.testing import CliRunner

from eightk.cli import app
from eightk.extract.pipeline import aextract
from eightk.extract.server import EmbeddedServer
from eightk.fakeserver import FakeOpenAI, Reply, answer

runner = CliRunner()
BROKEN = {"deals": [{"deal_type": "bogus"}]}


def eightk_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("eightk")]


async def test_a_retry_is_a_warning_naming_the_status_and_the_url(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="eightk")
    with FakeOpenAI([Reply("status", status=503), answer(GOOD_DEAL)]) as server:
        client = make_test_client(server.url)
        await aextract(FILING, client=client)
        await client.aclose()
    [retry] = [r for r in eightk_records(caplog) if "retrying" in r.getMessage()]
    assert retry.levelno == logging.WARNING and retry.name == "eightk.extract.llm"
    assert f"HTTP 503 from {server.url}/chat/completions; retrying in" in retry.getMessage()
    assert "attempt 1 of 4 failed" in retry.getMessage()


async def test_a_reask_and_a_salvage_are_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="eightk")
    with FakeOpenAI([answer(BROKEN), answer(GOOD_DEAL)]) as server:
        client = make_test_client(server.url)
        await aextract(FILING, client=client)
        await client.aclose()
    [reask] = eightk_records(caplog)
    assert reask.levelno == logging.INFO
    assert reask.getMessage().startswith("fake: answer 1 of 3 did not validate, re-asking: ")

    caplog.clear()
    hallucinated = {"deals": [{**GOOD_DEAL["deals"][0], "evidence": "Acme merged with Gamma Corp for $9 billion"}]}
    with FakeOpenAI([answer(hallucinated)]) as server:
        client = make_test_client(server.url, max_retries=1)
        result = await aextract(FILING, client=client)
        await client.aclose()
    messages = [r.getMessage() for r in eightk_records(caplog)]
    assert messages[0].startswith("fake: answer 1 of 2 did not validate, re-asking")
    assert messages[1:] == ["fake: no valid answer after 2 attempts; kept only its grounded values"]
    assert result.calls[0].outcome == "salvaged"


def test_the_embedded_server_start_is_logged(caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
                                             tmp_path: Path) -> None:  # fmt: skip
    """A stand-in for llama.cpp (a static file server answering /v1/models): the real one is not started here."""
    (tmp_path / "v1").mkdir()
    (tmp_path / "v1" / "models").write_text("{}")
    model = tmp_path / "tiny.gguf"
    model.write_bytes(b"GGUF")
    server = EmbeddedServer(model)
    monkeypatch.setattr(server, "command", lambda: ["http.server", str(server.port), "--bind", "127.0.0.1",
                                                    "--directory", str(tmp_path)])  # fmt: skip
    caplog.set_level(logging.INFO, logger="eightk")
    with server:
        pass
    messages = [r.getMessage() for r in eightk_records(caplog)]
    assert messages[0] == f"starting the llama.cpp server with tiny.gguf on {server.base_url}"
    assert messages[1].startswith("llama.cpp server ready after ")
    assert messages[2].startswith("stopping the llama.cpp server (pid ")


async def test_the_library_prints_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    with FakeOpenAI([Reply("status", status=503), answer(BROKEN), answer(GOOD_DEAL)]) as server:
        client = make_test_client(server.url)
        await aextract(FILING, client=client)
        await client.aclose()
    assert capsys.readouterr() == ("", "")
    assert any(isinstance(h, logging.NullHandler) for h in logging.getLogger("eightk").handlers)


@pytest.mark.parametrize(("flags", "shown"), [([], ["retrying"]), (["-v"], ["retrying", "re-asking"]),
                                              (["-q"], [])])  # fmt: skip
def test_the_cli_shows_as_much_as_asked(filing_file: Path, flags: list[str], shown: list[str]) -> None:
    script = [Reply("status", status=503, headers={"Retry-After": "0"}), answer(BROKEN), answer(GOOD_DEAL)]
    with FakeOpenAI(script) as server:
        result = runner.invoke(app, [*flags, "extract", str(filing_file), "--base-url", server.url, "--model", "m"])
    assert result.exit_code == 0, result.output
    for word in ("retrying", "re-asking"):
        assert (word in result.output) == (word in shown), result.output
    assert logging.getLogger("eightk").level == logging.NOTSET  # the CLI leaves the process's logging as it was
