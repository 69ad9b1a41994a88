"""The command line: clear one-line errors, never a traceback."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from eightk.cli import app

runner = CliRunner()


def test_help_on_every_command() -> None:
    for command in ([], ["extract"], ["serve"], ["eval"], ["compare"], ["prompts"], ["gold", "new"], ["gold", "check"]):
        result = runner.invoke(app, [*command, "--help"])
        assert result.exit_code == 0 and "Usage" in result.output


def test_bad_inputs_give_one_line_errors(tmp_path: Path) -> None:
    png = tmp_path / "chart.png"
    png.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    for path, message in ((png, "PNG"), (empty, "empty input"), (tmp_path / "none.txt", "no such file")):
        result = runner.invoke(app, ["extract", str(path), "--base-url", "http://127.0.0.1:9/v1", "--model", "x"])
        assert result.exit_code == 1
        assert message in result.output and "Traceback" not in result.output


def test_an_unknown_prompt_version_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["eval", "--prompt", "v9", "--docs", "immunogen-genentech*"])
    assert result.exit_code == 1 and "unknown prompt version" in result.output
