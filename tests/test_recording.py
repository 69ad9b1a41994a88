"""pytest-recording as its users drive it: the eval tests and a user's own test record with `--record-mode=once`
and replay with `--record-mode=none --block-network`, with eightk's cassette settings (eightk.testing)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from eightk.evals.cassettes import CASSETTE_DIR, body_digest
from eightk.extract.server import EMBEDDED_MODEL
from eightk.fakeserver import FakeOpenAI, Reply

ROOT = Path(__file__).resolve().parent.parent
RECORDINGS = CASSETTE_DIR / EMBEDDED_MODEL
MISSING = "immunogen-cfo-appointment-millennium-collaboration-2001"  # 4 model calls with v2
PRESENT = "immunogen-genentech-tap-license-2000"
UNRECORDED = "aarons-ceo-succession-2008"  # 2 model calls with v2, never recorded in the test's cassette folder
SECRET = "sk-user-SECRET0123456789abcdefXYZ"


def interactions(path: Path) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))["interactions"]
    return found


def recorded_model(cassette: Path) -> FakeOpenAI:
    """A fake server that answers each request as the embedded model did when the cassette was recorded."""
    answers = {i["request"]["body"]: i["response"]["body"]["string"] for i in interactions(cassette)}
    return FakeOpenAI(lambda body: Reply("raw", content=answers[body_digest(json.dumps(body))]))


def test_eval_tests_record_exactly_the_missing_cassette_then_replay_offline(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    root = tmp_path / "cassettes"
    (root / EMBEDDED_MODEL / "v2").mkdir(parents=True)
    shutil.copy(RECORDINGS / "model.json", root / EMBEDDED_MODEL / "model.json")
    kept = root / EMBEDDED_MODEL / "v2" / f"{PRESENT}.json"
    shutil.copy(RECORDINGS / "v2" / f"{PRESENT}.json", kept)
    card = json.loads((RECORDINGS / "model.json").read_text())
    monkeypatch.setenv("EIGHTK_CASSETTES", str(root))
    monkeypatch.setenv("EIGHTK_MODEL", card["model"])  # the configured model is the fake, recorded as SmolLM2
    monkeypatch.setenv("EIGHTK_DIALECT", card["dialect"])
    monkeypatch.setenv("EIGHTK_CONTEXT_TOKENS", str(card["context_tokens"]))
    monkeypatch.setenv("EIGHTK_REASKS", str(card["max_retries"]))
    evals = str(ROOT / "tests" / "test_evals.py")
    selected = ["-k", "v2-immunogen", "-p", "no:cacheprovider"]

    with recorded_model(RECORDINGS / "v2" / f"{MISSING}.json") as model:
        monkeypatch.setenv("OPENAI_BASE_URL", model.url)
        recording = pytester.runpytest_subprocess(evals, "--record-mode=once", *selected)
    recording.assert_outcomes(passed=2)
    written = root / EMBEDDED_MODEL / "v2" / f"{MISSING}.json"
    original = interactions(RECORDINGS / "v2" / f"{MISSING}.json")
    assert len(model.requests) == len(original)  # only the missing document called the model
    exchanges = [(i["request"]["body"], i["response"]["body"]["string"]) for i in interactions(written)]  # any order
    assert sorted(exchanges) == sorted((i["request"]["body"], i["response"]["body"]["string"]) for i in original)
    assert kept.read_bytes() == (RECORDINGS / "v2" / f"{PRESENT}.json").read_bytes()

    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")  # nothing listens: answers come from cassettes
    replay = pytester.runpytest_subprocess(evals, "--record-mode=none", "--block-network", "-p", "no:cacheprovider",
                                           "-k", f"v2-immunogen or v2-{UNRECORDED}")  # fmt: skip
    replay.assert_outcomes(passed=2, failed=1)  # the two recorded documents replay; one never recorded fails
    replay.stdout.fnmatch_lines([f"*ReplayMiss: {UNRECORDED} (v2): a request is not in its cassette*"])


USER_TEST = f'''
import socket

import pytest
from eightk import extract
from eightk.testing import FakeOpenAI, answer

FILING = """{{filing}}"""
DEAL = {{deal}}


@pytest.mark.vcr
def test_my_pipeline_finds_the_license(fake_openai, record_mode):
    server = fake_openai([answer(DEAL)])
    result = extract(FILING, model="my-model", base_url=server.url, api_key="{SECRET}")
    assert [deal.deal_type for deal in result.extraction.deals] == ["license"]
    if record_mode == "none":
        assert server.requests == []  # replayed: the server is never asked


@pytest.mark.vcr
def test_my_pipeline_on_another_filing(fake_openai):
    server = fake_openai([answer(DEAL)])
    extract(FILING.replace("June 3", "July 9"), model="my-model", base_url=server.url, api_key="{SECRET}")


@pytest.fixture(scope="module")
def shared_server():
    with FakeOpenAI([answer(DEAL)]) as server:
        yield server


@pytest.mark.vcr
@pytest.mark.parametrize("run", ["first", "second"])
def test_the_same_call_twice(shared_server, run):  # the second is not answered from the first's disk cache
    extract(FILING, model="my-model", base_url=shared_server.url, api_key="{SECRET}")


@pytest.mark.vcr
def test_nothing_but_loopback_is_reachable():  # while recording too (TEST-NET-1: would time out)
    with pytest.raises(RuntimeError, match="Network is disabled"):
        socket.create_connection(("192.0.2.1", 80), timeout=1)
'''


def test_a_users_own_test_records_and_replays_with_eightk_cassettes(pytester: pytest.Pytester) -> None:
    from conftest import FILING, GOOD_DEAL

    pytester.makepyfile(test_mine=USER_TEST.format(filing=FILING, deal=repr(GOOD_DEAL)))
    plugin = ["-p", "eightk.testing", "-p", "no:cacheprovider"]

    pytester.runpytest_subprocess("--record-mode=once", *plugin).assert_outcomes(passed=5)
    cassettes = pytester.path / "cassettes" / "test_mine"
    for run in ("first", "second"):  # each call reached its own test's cassette
        recorded = json.loads((cassettes / f"test_the_same_call_twice[{run}].json").read_text())["interactions"]
        assert [i["request"]["method"] for i in recorded] == ["GET", "POST"]
    stored = (cassettes / "test_my_pipeline_finds_the_license.json").read_text()
    [interaction] = [i for i in json.loads(stored)["interactions"] if i["request"]["method"] == "POST"]
    assert interaction["request"]["body"].startswith("sha256:")  # the filing text is not in the cassette
    assert "Acme Robotics" not in interaction["request"]["body"]
    assert SECRET not in stored and "authorization" not in stored.lower()

    (cassettes / "test_my_pipeline_on_another_filing.json").unlink()
    replay = pytester.runpytest_subprocess("--record-mode=none", "--block-network", *plugin)
    replay.assert_outcomes(passed=4, failed=1)  # the test whose cassette is gone cannot reach its model
    replay.stdout.fnmatch_lines(["FAILED test_mine.py::test_my_pipeline_on_another_filing - *"])
