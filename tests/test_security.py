"""No secret in a cassette, a log or an error; no filing text in a cassette; safe loading; loopback only."""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path

import pytest
from conftest import FILING, GOOD_DEAL, make_test_client

from eightk.errors import ConfigError, TransportError
from eightk.evals.cassettes import CASSETTE_DIR, recorder
from eightk.evals.dataset import corpus_dir
from eightk.extract.pipeline import aextract
from eightk.extract.server import EmbeddedServer
from eightk.fakeserver import FakeOpenAI, Reply, answer
from eightk.prompts import load_prompt

SECRET = "sk-test-SECRET0123456789abcdefXYZ"
CREDENTIAL = re.compile(r"(?i)(authorization|bearer|api[-_]key)\W|sk-[A-Za-z0-9]{8,}")


async def test_a_recorded_cassette_holds_no_key_and_no_filing_text(tmp_path: Path) -> None:
    path = tmp_path / "cassette.json"
    with FakeOpenAI([answer(GOOD_DEAL)]) as server:
        client = make_test_client(server.url, api_key=SECRET)
        with recorder(record=True).use_cassette(str(path)):
            await aextract(FILING, client=client)
        await client.aclose()
    sent = {k.lower(): v for k, v in server.headers[0].items()}
    assert sent["authorization"] == f"Bearer {SECRET}"  # the key was really sent
    stored = path.read_text()
    assert SECRET not in stored and not CREDENTIAL.search(stored)
    body = json.loads(stored)["interactions"][0]["request"]["body"]
    assert body.startswith("sha256:") and "Acme Robotics" not in body


def test_committed_cassettes_hold_no_credential_and_no_filing_text() -> None:
    cassettes = sorted(CASSETTE_DIR.rglob("*.json"))
    assert cassettes, "no cassettes committed"
    texts = {p.stem: p.read_text(encoding="utf-8") for p in corpus_dir().glob("*.txt")}
    for cassette in cassettes:
        stored = cassette.read_text(encoding="utf-8")
        assert not CREDENTIAL.search(stored), cassette
        if cassette.stem in texts:
            for interaction in json.loads(stored)["interactions"]:  # a GET (the endpoint's /models) has no body
                assert interaction["request"]["body"].startswith("sha256:") or (
                    interaction["request"]["method"] == "GET" and not interaction["request"]["body"]
                ), cassette
            filing = " ".join(texts[cassette.stem].split())
            windows = [filing[i : i + 160] for i in range(0, max(1, len(filing) - 160), 800)]
            flat = " ".join(stored.split())
            assert not any(w in flat for w in windows if len(w) == 160), f"{cassette} carries filing text"


async def test_the_key_reaches_no_log_and_no_error_message(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with FakeOpenAI([Reply("status", status=401)]) as server:
        client = make_test_client(server.url, api_key=SECRET)
        with pytest.raises(TransportError) as raised:
            await aextract(FILING, client=client)
        await client.aclose()
    assert SECRET not in caplog.text
    assert SECRET not in str(raised.value) and SECRET not in repr(raised.value)


def test_prompt_files_load_with_safe_yaml(tmp_path: Path) -> None:
    evil = tmp_path / "evil.yaml"
    evil.write_text("name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(ConfigError, match="is not YAML"):  # safe_load refuses the tag; nothing runs
        load_prompt(str(evil))


def test_the_embedded_server_binds_loopback_only() -> None:
    command = EmbeddedServer(Path("model.gguf"), port=5000).command()
    assert command[command.index("--host") + 1] == "127.0.0.1"
