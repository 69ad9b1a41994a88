"""Which model to talk to: arguments first, then the environment, then the embedded default.

EIGHTK_MODEL     model name, or a path to a .gguf file to serve with the embedded server
OPENAI_BASE_URL  any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, OpenAI)
OPENAI_API_KEY   the key for it (never logged, never recorded)
EIGHTK_DIALECT   llama_cpp | json_schema | tools: how that server enforces a schema
EIGHTK_RPM, EIGHTK_TPM  client-side limits in requests and tokens per minute (a provider's quota)
EIGHTK_REASKS    how often an answer that fails validation is sent back with its errors
"""

from __future__ import annotations

import os
from pathlib import Path

from eightk.errors import ConfigError
from eightk.extract.llm import Dialect, ModelClient
from eightk.extract.server import shared_server

OPENAI_DEFAULT_MODEL = "gpt-4o-mini"


def make_client(
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    *,
    dialect: str | Dialect | None = None,
    concurrency: int | None = None,
    requests_per_minute: float | None = None,
    tokens_per_minute: float | None = None,
    reasks: int | None = None,
) -> ModelClient:
    """A client for the configured model; with nothing configured, the embedded llama.cpp server."""
    requests_per_minute = requests_per_minute or _env_float("EIGHTK_RPM")
    tokens_per_minute = tokens_per_minute or _env_float("EIGHTK_TPM")
    if reasks is None and os.environ.get("EIGHTK_REASKS"):
        reasks = int(_env_float("EIGHTK_REASKS") or 0)
    model = model or os.environ.get("EIGHTK_MODEL")
    base_url = base_url or os.environ.get("OPENAI_BASE_URL")
    api_key = api_key or os.environ.get("OPENAI_API_KEY")
    chosen_dialect = dialect or os.environ.get("EIGHTK_DIALECT")
    gguf = model is not None and model.endswith(".gguf")
    if base_url is None and (gguf or (model is None and api_key is None)):
        server = shared_server(Path(model) if model else None)
        return ModelClient(
            model=server.model_alias,
            base_url=server.base_url,
            api_key="embedded",  # the local server checks no key
            dialect=Dialect.llama_cpp,
            context_tokens=server.context_tokens,
            concurrency=concurrency or 1,  # one llama.cpp slot: more only queues
            # No re-asks by default: replaying the eval with and without them, SmolLM2's second answers were
            # worse than its first (micro F1 0.194 with one re-ask, 0.231 without) at 2.9x the prompt tokens.
            # What fails validation is salvaged instead: grounded values kept, the rest dropped.
            max_retries=0 if reasks is None else reasks,
            requests_per_minute=requests_per_minute,
            tokens_per_minute=tokens_per_minute,
        )
    return ModelClient(
        model=model or OPENAI_DEFAULT_MODEL,
        base_url=base_url,
        api_key=api_key or "none",
        dialect=Dialect(chosen_dialect) if chosen_dialect else Dialect.json_schema,
        context_tokens=int(os.environ.get("EIGHTK_CONTEXT_TOKENS", "8192" if base_url else "128000")),
        concurrency=concurrency or 8,
        max_retries=2 if reasks is None else reasks,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
    )


def _env_float(name: str) -> float | None:
    value = os.environ.get(name)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
