"""A user's own eval set, end to end through the command line: gold written from a skeleton and checked,
recorded against a (fake) model into cassettes beside the gold, replayed, and checked live for drift."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import FILING, GOOD_DEAL
from typer.testing import CliRunner

from eightk.cli import app
from eightk.errors import ConfigError
from eightk.evals import cassettes
from eightk.evals.gold import GUIDELINES
from eightk.fakeserver import FakeOpenAI, Reply, answer
from eightk.prompts import PROMPT_DIR, load_prompt

runner = CliRunner()
EVIDENCE = "Acme Robotics, Inc. entered into an exclusive license agreement with Beta Motors GmbH"


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def own_set(tmp_path: Path) -> tuple[Path, Path]:
    """A folder with one filing, and a gold folder beside it holding its annotated gold."""
    filings, gold = tmp_path / "filings", tmp_path / "gold"
    filings.mkdir()
    (filings / "acme-license.txt").write_text(FILING)
    code, output = invoke("gold", "new", str(filings / "acme-license.txt"), "--gold", str(gold))
    assert code == 0, output
    path = gold / "acme-license.json"
    skeleton = json.loads(path.read_text())
    skeleton["deals"] = [{"deal_type": "license", "exclusive": True, "upfront_payment": {"text": "$5 million"},
                          "parties": [{"name": "Acme Robotics, Inc.", "role": "licensor"},
                                      {"name": "Beta Motors GmbH", "role": "licensee"}],
                          "evidence": [{"quote": EVIDENCE}]}]  # fmt: skip
    path.write_text(json.dumps(skeleton))
    return filings, gold


def test_gold_new_writes_a_skeleton_with_the_cover_facts_and_the_guidelines(tmp_path: Path) -> None:
    (tmp_path / "acme.txt").write_text(FILING)
    code, output = invoke("gold", "new", str(tmp_path / "acme.txt"), "--gold", str(tmp_path / "mine"))
    assert code == 0 and str(GUIDELINES) in output
    skeleton = json.loads((tmp_path / "mine" / "acme.json").read_text())
    assert skeleton["items"] == ["1.01", "9.01"] and skeleton["form_type"] == "8-K"
    assert skeleton["deals"] == [] and skeleton["appointments"] == []
    assert str(GUIDELINES) in skeleton["$comment"] and GUIDELINES.is_file()

    code, output = invoke("gold", "new", str(tmp_path / "acme.txt"), "--gold", str(tmp_path / "mine"))
    assert code == 1 and "exists; pass --force" in output


def test_gold_check_finds_quotes_and_offsets_and_write_fixes_offsets(own_set: tuple[Path, Path]) -> None:
    filings, gold = own_set
    folders = ("--gold", str(gold), "--corpus", str(filings))
    code, output = invoke("gold", "check", *folders)
    assert code == 1 and "deals[0].evidence[0]: no offsets" in output
    code, output = invoke("gold", "check", *folders, "--write")
    assert code == 0 and "1 offsets fixed" in output
    stored = json.loads((gold / "acme-license.json").read_text())
    assert FILING[stored["deals"][0]["evidence"][0]["start"] :].startswith("Acme Robotics, Inc. entered")
    assert "$comment" in stored  # the annotator's note survives a canonical rewrite
    assert invoke("gold", "check", *folders)[0] == 0

    stored["deals"][0]["evidence"][0]["start"] += 1
    (gold / "acme-license.json").write_text(json.dumps(stored))
    code, output = invoke("gold", "check", *folders)
    assert code == 1 and "but the quote stands at" in output

    stored["deals"][0]["evidence"][0]["quote"] = "a sentence this filing does not hold"
    (gold / "acme-license.json").write_text(json.dumps(stored))
    code, output = invoke("gold", "check", *folders, "--write")
    assert code == 1 and "INVALID" in output and "does not occur" in output


def test_own_set_records_beside_its_gold_replays_and_live_checks(own_set: tuple[Path, Path], tmp_path: Path) -> None:
    filings, gold = own_set
    folders = ("--corpus", str(filings), "--gold", str(gold), "--prompt", "v2", "--log-dir", str(tmp_path / "logs"))
    code, output = invoke("eval", *folders)
    assert code == 1 and "no recordings of model" in output and "--record-missing" in output

    with FakeOpenAI([answer(GOOD_DEAL)]) as server:
        code, output = invoke("eval", *folders, "--record-missing", *live_options(server.url))
        assert code == 0, output
        assert server.requests, "recording called the model"
    cassette = tmp_path / "cassettes" / "fake" / "v2" / "acme-license.json"
    assert cassette.is_file() and (tmp_path / "cassettes" / "fake" / "model.json").is_file()
    assert f"cassettes: {tmp_path / 'cassettes'}" in output.replace("\n", "")

    code, output = invoke("eval", *folders)  # replayed: no server, the model read from the only model card
    assert code == 0 and "v2 on fake: 1 documents" in output

    changed = copy.deepcopy(GOOD_DEAL)
    changed["deals"][0]["upfront_payment"] = None
    for reply, verdict, exit_code in ((GOOD_DEAL, "1 of 1 documents answered as recorded", 0),
                                      (changed, "0 of 1 documents answered as recorded", 1)):  # fmt: skip
        with FakeOpenAI([answer(reply)]) as server:
            code, output = invoke("eval", *folders, "--live-check", "1", *live_options(server.url))
        assert code == exit_code and verdict in output, output
    assert "deal " in output and "(different)" in output and "1 of 1 passages answered otherwise" in output

    (gold / "acme-license.json").write_text((gold / "acme-license.json").read_text().replace(EVIDENCE, "Acme sold"))
    code, output = invoke("eval", *folders)
    assert code == 1 and "does not hold for its filing" in output and "Traceback" not in output


def live_options(url: str) -> tuple[str, ...]:
    return ("--base-url", url, "--model", "fake", "--dialect", "json_schema")


def test_a_new_prompt_version_from_a_copy_is_recorded_and_compared(own_set: tuple[Path, Path], tmp_path: Path) -> None:
    filings, gold = own_set
    v2 = (PROMPT_DIR / "v2.yaml").read_text()
    edited = v2.replace("Copy names, titles, amounts", "Copy every name, title, amount")
    assert edited != v2
    mine = tmp_path / "my.yaml"
    mine.write_text(edited)  # still named v2: its recordings would overwrite the bundled version's
    code, output = invoke("prompts", str(mine))
    assert code == 1 and "give it its own `name:`" in output
    mine.write_text(edited.replace("name: v2", "name: mine"))

    code, output = invoke("prompts", str(mine))
    assert code == 0 and "mine" in output and load_prompt(str(mine)).sha256[:12] in output
    assert load_prompt("v2").sha256[:12] in output and "v2.yaml" in output

    def by_prompt(body: dict[str, Any]) -> Reply:  # the edited prompt misses the upfront payment
        worse = copy.deepcopy(GOOD_DEAL)
        worse["deals"][0]["upfront_payment"] = None
        return answer(worse if "Copy every name" in body["messages"][0]["content"] else GOOD_DEAL)

    folders = ("--corpus", str(filings), "--gold", str(gold), "--log-dir", str(tmp_path / "logs"))
    with FakeOpenAI(by_prompt) as server:
        versions = ("-p", "v2", "-p", str(mine))
        code, output = invoke("eval", *folders, *versions, "--record-missing", *live_options(server.url))
        assert code == 0, output
    assert (tmp_path / "cassettes" / "fake" / "mine" / "acme-license.json").is_file()

    report = tmp_path / "compare.html"
    code, output = invoke("compare", "v2", str(mine), *folders, "--html", str(report))
    assert code == 0, output
    assert "acme-license" in output and "-0.074" in output  # the upfront payment lost
    assert "mine ┃" in output and str(mine) not in output.replace("\n", "")  # columns are named by version
    assert "mine" in report.read_text()


def test_recording_never_writes_into_an_installed_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    installed = tmp_path / "site-packages" / "cassettes"  # what CASSETTE_DIR is outside a checkout: no folder
    monkeypatch.setattr(cassettes, "CASSETTE_DIR", installed)
    with pytest.raises(ConfigError, match="pass --cassettes DIR"):
        cassettes.writable_root(cassettes.cassette_root())
    assert cassettes.cassette_root(gold=tmp_path / "gold") == tmp_path / "cassettes"
    assert cassettes.writable_root(tmp_path / "mine") == tmp_path / "mine"
