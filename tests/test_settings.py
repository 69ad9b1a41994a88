"""One typed settings object: read from EIGHTK_* / OPENAI_*, validated once, overridden by flags and arguments;
a bad value is one line naming what the user wrote; `eightk config` shows it all with the key masked."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from eightk.cli import app
from eightk.errors import ConfigError
from eightk.extract.config import make_client, model_name, uses_embedded
from eightk.extract.settings import Settings, env_names, load_settings

runner = CliRunner()
KEY = "sk-test-SECRET0123456789abcdefXYZ"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for field in Settings.model_fields:
        for name in env_names(field):
            monkeypatch.delenv(name, raising=False)


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("EIGHTK_RPM", "-5", "EIGHTK_RPM must be greater than 0, got '-5'"),
        ("EIGHTK_TPM", "lots", "EIGHTK_TPM must be a valid number, got 'lots'"),
        ("EIGHTK_REASKS", "-1", "EIGHTK_REASKS must be greater than or equal to 0, got '-1'"),
        ("EIGHTK_REASKS", "two", "EIGHTK_REASKS must be a valid integer, got 'two'"),
        ("EIGHTK_CONCURRENCY", "0", "EIGHTK_CONCURRENCY must be greater than 0, got '0'"),
        ("EIGHTK_DIALECT", "foo", "EIGHTK_DIALECT must be 'llama_cpp', 'json_schema' or 'tools', got 'foo'"),
        ("OPENAI_BASE_URL", "localhost:80", "OPENAI_BASE_URL must be an http:// or https:// URL, got 'localhost:80'"),
        ("EIGHTK_CONTEXT_TOKENS", "0", "EIGHTK_CONTEXT_TOKENS must be greater than 0, got '0'"),
    ],
)  # fmt: skip
def test_a_bad_variable_is_one_line_naming_it(monkeypatch: pytest.MonkeyPatch, variable: str, value: str,
                                              message: str) -> None:  # fmt: skip
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    assert str(raised.value) == message
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 1
    assert result.output.strip() == f"error: {message}"


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--concurrency", "0"], "error: --concurrency must be greater than 0, got 0"),
        (["--dialect", "foo"], "error: --dialect must be 'llama_cpp', 'json_schema' or 'tools', got 'foo'"),
        (["--reasks", "-1"], "error: --reasks must be greater than or equal to 0, got -1"),
        (["--rpm", "0"], "error: --rpm must be greater than 0, got 0.0"),
        (["--base-url", "127.0.0.1:80"], "error: --base-url must be an http:// or https:// URL, got '127.0.0.1:80'"),
    ],
)  # fmt: skip
def test_a_bad_flag_is_one_line_naming_it_before_anything_runs(filing_file: Path, flags: list[str],
                                                               message: str) -> None:  # fmt: skip
    result = runner.invoke(app, ["extract", str(filing_file), *flags])
    assert result.exit_code == 1
    assert result.output.strip() == message  # no class name, no traceback, no second line


def test_flags_and_arguments_win_over_the_environment_and_zero_is_a_value(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("EIGHTK_REASKS", "3")
    monkeypatch.setenv("EIGHTK_CONCURRENCY", "7")
    assert load_settings().reasks == 3 and load_settings().concurrency == 7
    assert load_settings(reasks=0).reasks == 0  # not "unset, so the environment's 3"
    assert load_settings(reasks=None).reasks == 3  # None is "not given"
    monkeypatch.setenv("EIGHTK_MODEL", "m")  # model and dialect named: the endpoint is not asked for them
    monkeypatch.setenv("EIGHTK_DIALECT", "json_schema")
    assert make_client(load_settings(reasks=0)).max_retries == 0
    monkeypatch.setenv("EIGHTK_REASKS", "0")
    assert make_client().max_retries == 0


def test_the_openai_variables_stand_in_for_eightks_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("OPENAI_MODEL", "qwen")
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    settings = load_settings()
    assert (settings.base_url, settings.model) == ("http://127.0.0.1:9/v1", "qwen")
    assert settings.api_key is not None and settings.api_key.get_secret_value() == KEY
    assert KEY not in repr(settings) and KEY not in str(settings)
    monkeypatch.setenv("EIGHTK_MODEL", "llama")
    assert load_settings().model == "llama"  # eightk's own name first
    monkeypatch.setenv("EIGHTK_DIALECT", "json_schema")  # model and dialect named: the endpoint is not asked
    client = make_client()
    assert (client.model, client.base_url, client.api_key) == ("llama", "http://127.0.0.1:9/v1", KEY)


def test_nothing_configured_means_the_embedded_model() -> None:
    settings = load_settings()
    assert uses_embedded(settings) and model_name(settings) == "SmolLM2-135M-Instruct.Q4_1"
    assert not uses_embedded(load_settings(api_key="x")) and model_name(load_settings(api_key="x")) == "gpt-4o-mini"


def test_eightk_config_shows_each_setting_its_source_and_a_masked_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:8765/v1")
    monkeypatch.setenv("EIGHTK_REASKS", "0")
    monkeypatch.setenv("COLUMNS", "200")
    result = runner.invoke(app, ["config"])
    assert result.exit_code == 0, result.output
    assert KEY not in result.output and "sk-…fXYZ" in result.output
    lines = {line.split("│")[1].strip(): line for line in result.output.splitlines() if line.count("│") > 3}
    assert "OPENAI_API_KEY" in lines["EIGHTK_API_KEY / OPENAI_API_KEY"].split("│")[3]  # where it came from
    assert lines["EIGHTK_REASKS"].split("│")[2].strip() == "0"
    assert lines["EIGHTK_RPM"].split("│")[3].strip() == "default"
    assert "model in use: the one it serves (asked before the first request) at http://127.0.0.1:8765/v1" in (
        result.output
    )


async def test_a_batch_or_client_with_no_concurrency_is_refused_not_a_hang(tmp_path: Path, filing_file: Path) -> None:
    from eightk.extract.batch import extract_many
    from eightk.extract.llm import Dialect, ModelClient

    client = make_client(load_settings(base_url="http://127.0.0.1:9/v1", model="m", dialect="json_schema"))
    with pytest.raises(ConfigError, match="concurrency must be at least 1, got 0"):
        await extract_many([filing_file], out=tmp_path / "out.jsonl", client=client, concurrency=0)
    await client.aclose()
    with pytest.raises(ConfigError, match="concurrency must be at least 1, got 0"):
        ModelClient(model="m", base_url=None, api_key="k", dialect=Dialect.json_schema, concurrency=0)
