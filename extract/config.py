"""Which model to talk to: arguments first, then the environment, then the embedded default.

EIGHTK_MODEL     model name, or a path to a .gguf file to serve with the embedded server
OPENAI_BASE_URL  any OpenAI-compatible endpoint (vLLM, Ollama, llama.cpp, OpenAI)
OPENAI_API_KEY   the key for it (never logged, never recorded)
EIGHTK_DIALECT   llama_cpp | json_schema | tools: how that server enforces a schema
EIGHTK_RPM, EIGHTK_TPM  client-side limits in requests and tokens per minute (a provider's quota)
EIGHTK_REASKS    how often an answer that fails validation is sent back with its errors
EIGHTK_CACHE_DIR where model answers are kept (in answers/), as EDGAR filings are

Given a base URL without a model or a dialect, the server is asked (GET /models) before anything is sent: a
dead endpoint fails here, at once and by name; the model is the one it serves (several: the user chooses,
never a guess like gpt-4o-mini); and llama-cpp-python's server, `eightk serve` included, is recognised and
asked in its own dialect, which the default json_schema would get a 500 from.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import httpx2 as httpx

from eightk.errors import ConfigError, UnreachableError
from eightk.extract.answercache import AnswerCache
from eightk.extract.edgar import default_cache_dir
from eightk.extract.llm import UNREACHABLE, Dialect, ModelClient, connection_failure
from eightk.extract.server import shared_server

OPENAI_DEFAULT_MODEL = "gpt-4o-mini"  # only for OpenAI itself: an API key and no base URL
# llama-cpp-python's server lists its models as owned by "me" (llama_cpp/server/app.py, get_models, 0.3.x);
# llama.cpp's own C++ server says "llamacpp" and takes json_schema, as OpenAI, vLLM and Ollama do.
LLAMA_CPP_PYTHON_OWNER = "me"
PROBE_TIMEOUT = httpx.Timeout(120.0, connect=5.0)  # llama-cpp-python answers /models after the call in progress


@dataclass(frozen=True)
class Served:
    """What an endpoint says it serves."""

    models: list[str]
    llama_cpp_python: bool


def probe(base_url: str, api_key: str | None) -> Served | None:
    """The endpoint's models, or None if it does not list them; `UnreachableError` if nothing answers."""
    headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
    url = f"{base_url.rstrip('/')}/models"
    try:
        response = httpx.get(url, headers=headers, timeout=PROBE_TIMEOUT)
    except UNREACHABLE as error:
        raise UnreachableError(f"cannot reach {base_url} ({connection_failure(error)}); is the server running?",
                               attempts=0, prompt_tokens=0, completion_tokens=0) from None  # fmt: skip
    except httpx.TransportError:
        return None
    try:
        listed = response.json().get("data") if response.status_code == 200 else None
    except ValueError:
        listed = None
    if not isinstance(listed, list):
        return None
    entries = [entry for entry in listed if isinstance(entry, dict) and entry.get("id")]
    return Served(
        models=[str(entry["id"]) for entry in entries],
        llama_cpp_python=bool(entries) and all(entry.get("owned_by") == LLAMA_CPP_PYTHON_OWNER for entry in entries),
    )


def answers_dir() -> Path:
    """Where model answers are kept: answers/ in EIGHTK_CACHE_DIR, else in the user's cache folder."""
    root = os.environ.get("EIGHTK_CACHE_DIR")
    return (Path(root) if root else default_cache_dir()) / "answers"


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
    cache: bool = True,
) -> ModelClient:
    """A client for the configured model; with nothing configured, the embedded llama.cpp server.

    cache: keep answers on disk and answer a request seen before from there (`answers_dir()`).
    """
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
        server = shared_server(Path(model) if model else None, start=False)
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
            answer_cache=AnswerCache(answers_dir(), f"embedded:{server.model_path}") if cache else None,
            before_first_request=server.start,  # not started at all when every answer is in the cache
        )
    served = probe(base_url, api_key) if base_url and (model is None or chosen_dialect is None) else None
    if model is None:
        model = _served_model(base_url, served) if base_url else OPENAI_DEFAULT_MODEL
    if chosen_dialect is None:
        chosen_dialect = Dialect.llama_cpp if served and served.llama_cpp_python else Dialect.json_schema
    single_slot = served is not None and served.llama_cpp_python  # one model, one lock: more calls only queue
    return ModelClient(
        model=model,
        base_url=base_url,
        api_key=api_key or "none",
        dialect=Dialect(chosen_dialect),
        context_tokens=int(os.environ.get("EIGHTK_CONTEXT_TOKENS", "8192" if base_url else "128000")),
        concurrency=concurrency or (1 if single_slot else 8),
        answer_cache=AnswerCache(answers_dir(), base_url or "openai") if cache else None,
        max_retries=2 if reasks is None else reasks,
        requests_per_minute=requests_per_minute,
        tokens_per_minute=tokens_per_minute,
    )


def _served_model(base_url: str, served: Served | None) -> str:
    if served is None or not served.models:
        raise ConfigError(f"{base_url} does not say which models it serves; name one with --model or EIGHTK_MODEL")
    if len(served.models) > 1:
        raise ConfigError(f"{base_url} serves {len(served.models)} models ({', '.join(served.models[:10])}); "
                          f"choose one with --model or EIGHTK_MODEL")  # fmt: skip
    return served.models[0]


def _env_float(name: str) -> float | None:
    value = os.environ.get(name)
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise ConfigError(f"{name} must be a number, got {value!r}") from None
