"""A user's mypy sees eightk's types (the py.typed marker), and `eightk --version` is the installed version."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from typer.testing import CliRunner

import eightk
from eightk.cli import app

USER_SCRIPT = """\
from pathlib import Path

from eightk import ExtractionResult, extract

result: ExtractionResult = extract(Path("8-k.htm"), prompt="v2")
reveal_type(result.extraction.deals)
print(result.extraction.deals[0].upfront_payment.amount)
result.extraction.deals[0].no_such_field
extract(Path("8-k.htm"), prompt=2)
"""


def test_mypy_on_a_users_script_sees_eightks_types(tmp_path: Path, pytestconfig: pytest.Config) -> None:
    script = tmp_path / "user.py"
    script.write_text(USER_SCRIPT)
    cache = pytestconfig.cache.mkdir("user-mypy") if hasattr(pytestconfig, "cache") else tmp_path / "mypy-cache"
    # eightk's folder on the search path as an installed package's would be: mypy reads it only with py.typed.
    env = {**os.environ, "PYTHONPATH": str(Path(eightk.__file__).resolve().parent.parent)}
    checked = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--no-color-output", "--cache-dir",
                              str(cache), str(script)], capture_output=True, text=True, cwd=tmp_path, env=env,
                             check=False)  # fmt: skip
    report = checked.stdout
    assert 'Revealed type is "list[eightk.schemas.deal.Deal]"' in report, report
    assert 'user.py:7: error: Item "None" of "Money | None" has no attribute "amount"' in report, report
    assert 'user.py:8: error: "Deal" has no attribute "no_such_field"' in report, report
    assert 'user.py:9: error: Argument "prompt" to "extract" has incompatible type "int"' in report, report
    assert "Found 3 errors in 1 file" in report, report


def test_version_is_the_installed_distributions() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"eightk {metadata.version('eightk')}\n"
