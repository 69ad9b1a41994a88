"""The command line: clear one-line errors, never a traceback."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FILING
from typer.testing import CliRunner

from eightk.cli import app
from eightk.fakeserver import FakeOpenAI, Reply

runner = CliRunner()


def test_help_on_every_command_shows_metavars_not_type_labels() -> None:
    for command in ([], ["extract"], ["serve"], ["eval"], ["compare"], ["prompts"], ["config"], ["gold"],
                    ["gold", "new"], ["gold", "check"], ["export"]):  # fmt: skip
        result = runner.invoke(app, [*command, "--help"], env={"COLUMNS": "200"})
        assert result.exit_code == 0 and "Usage" in result.output
        assert not re.search(r"<[\w%\[\], -]+>", result.output), result.output  # typer's `<list[str]>`, `<bool>`
    extract_help = runner.invoke(app, ["extract", "--help"], env={"COLUMNS": "200"}).output
    assert re.search(r"--base-url +URL ", extract_help) and re.search(r"--concurrency +N ", extract_help)


def test_bad_inputs_give_one_line_errors(tmp_path: Path) -> None:
    png = tmp_path / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    for path, message in ((png, "PNG"), (empty, "empty input"), (tmp_path / "none.txt", "no such file")):
        result = runner.invoke(app, ["extract", str(path), "--base-url", "http://127.0.0.1:9/v1", "--model", "x"])
        assert result.exit_code == 1
        assert message in result.output and "Traceback" not in result.output
        assert not re.search(r"[A-Z]\w+(Error|Exception)|max_bytes", result.output)  # no class or parameter names


def test_an_unknown_prompt_version_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "--prompt", "v9", "--docs", "immunogen-genentech*"])
    assert result.exit_code == 1 and "unknown prompt version" in result.output


def test_an_empty_folder_is_one_line_naming_it(tmp_path: Path) -> None:
    (tmp_path / "notes.md").write_text("not a filing")
    result = runner.invoke(app, ["extract", str(tmp_path), "--base-url", "http://127.0.0.1:9/v1", "--model", "x"])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: no filings (.txt, .htm, .html) in {tmp_path}"


def test_several_filings_need_a_results_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text(FILING)
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["extract", str(tmp_path), "--base-url", "http://127.0.0.1:9/v1", "--model", "x"])
    assert result.exit_code == 1
    assert "2 filings: name a results file with --out" in result.output
    assert not (tmp_path / "results.jsonl").exists()


def test_sigterm_ends_a_batch_cleanly(tmp_path: Path) -> None:
    """`kill <pid>` runs the same cleanup as Ctrl-C: exit status 143, no traceback, whole lines only."""
    sources = [tmp_path / f"{n}.txt" for n in range(20)]
    for n, path in enumerate(sources):
        path.write_text(FILING.replace("June 3", f"June {n + 1}"))
    out = tmp_path / "out.jsonl"
    with FakeOpenAI(lambda body: Reply("answer", '{"deals": []}', delay_s=0.3)) as server:
        process = subprocess.Popen(
            [sys.executable, "-m", "eightk.cli", "extract", *map(str, sources), "--out", str(out), "--base-url",
             server.url, "--model", "fake", "--dialect", "json_schema", "--concurrency", "1"],
            stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(server.requests) < 3 and time.monotonic() < deadline:
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, stderr = process.communicate(timeout=30)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr
    assert 1 <= len([json.loads(line) for line in out.read_text().splitlines()]) < len(sources)
