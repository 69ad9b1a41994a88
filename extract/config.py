"""Which model to talk to, from the settings (`eightk.extract.settings`: flags and arguments over EIGHTK_* and
OPENAI_* variables): a configured endpoint, or the embedded llama.cpp server when none is configured.

Given a base URL without a model or a dialect, the server is asked (GET /models) before anything is sent: a
dead endpoint fails here, at once and by name; the model is the one it serves (several: the user chooses,
never a guess like gpt-4o-mini); and llama-cpp-python's server, `eightk serve` included, is recognised and
asked in its own dialect, which the default json_schema would get a 500 from.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2 as httpx

from eightk.errors import ConfigError, UnreachableError
from eightk.extract.answercache import AnswerCache
from eightk.extract.edgar import default_cache_dir
from eightk.extract.llm import UNREACHABLE, Dialect, ModelClient, connection_failure
from eightk.extract.ratelimit import Limiter
from eightk.extract.server import DEFAULT_CONTEXT_TOKENS, default_model_path, shared_server
from eightk.extract.settings import Settings, load_settings

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


def answers_dir(settings: Settings | None = None) -> Path:
    """Where model answers are kept: answers/ in EIGHTK_CACHE_DIR, else in the user's cache folder."""
    root = (settings or load_settings()).cache_dir
    return (root or default_cache_dir()) / "answers"


def uses_embedded(settings: Settings) -> bool:
    """No endpoint and no key (or a .gguf to serve): eightk serves the model itself."""
    gguf = settings.model is not None and settings.model.endswith(".gguf")
    return settings.base_url is None and (gguf or (settings.model is None and settings.api_key is None))


def embedded_model_path(settings: Settings) -> Path:
    return Path(settings.model) if settings.model else default_model_path(settings)


def model_name(settings: Settings) -> str | None:
    """The name results and cassettes carry for the configured model, known without starting or asking anything;
    None when only the endpoint can tell (a base URL and no model named)."""
    if uses_embedded(settings):
        return embedded_model_path(settings).stem
    return settings.model or (None if settings.base_url else OPENAI_DEFAULT_MODEL)


@dataclass(frozen=True)
class ClientSpec:
    """A client as configured (the endpoint asked what it serves), before anything is started or connected.

    It pickles, so every Ray worker builds its own client from it, and it names the GGUF file of an embedded
    model instead of the address of a server running here: each node then serves the model itself.
    """

    settings: Mapping[str, Any]  # ModelClient's arguments; its base_url is None while `gguf` is to be served
    gguf: Path | None = None  # the model file to serve with the embedded server
    answers: tuple[Path, str] | None = None  # the answer cache's folder and scope; None: no cache

    @property
    def model(self) -> str:
        return str(self.settings["model"])

    @property
    def context_tokens(self) -> int:
        return int(self.settings["context_tokens"])

    @property
    def dialect(self) -> Dialect:
        return Dialect(self.settings["dialect"])

    @classmethod
    def of(cls, client: ModelClient) -> ClientSpec:
        """The settings of a client that exists. What belongs to this process stays: its limiter, its cache's
        open files (the folder and scope go along), the hook that starts a server here."""
        own = {"limiter", "answer_cache", "before_first_request"}
        settings = {f.name: getattr(client, f.name) for f in dataclasses.fields(client) if f.init and f.name not in own}
        cache = client.answer_cache
        return cls(settings, answers=(cache.directory, cache.scope) if cache is not None else None)

    def connect(self, base_url: str | None = None, limiter: Limiter | None = None) -> ModelClient:
        """A client; an embedded model is served by this process's shared server (started on the first request
        that the cache cannot answer) unless `base_url` names one serving it already."""
        cache = AnswerCache(*self.answers) if self.answers is not None else None
        if self.gguf is not None and base_url is None:
            server = shared_server(self.gguf, start=False)
            return ModelClient(**{**self.settings, "base_url": server.base_url}, answer_cache=cache,
                               before_first_request=server.start, limiter=limiter)  # fmt: skip
        settings = {**self.settings, "base_url": base_url} if base_url else self.settings
        return ModelClient(**settings, answer_cache=cache, limiter=limiter)


def client_spec(settings: Settings | None = None, *, cache: bool = True) -> ClientSpec:
    """The configured model's client, unstarted; with nothing configured, the embedded llama.cpp server.

    cache: keep answers on disk and answer a request seen before from there (`answers_dir()`).
    """
    settings = settings or load_settings()
    answers = answers_dir(settings)
    limits = {"requests_per_minute": settings.rpm, "tokens_per_minute": settings.tpm}
    if uses_embedded(settings):
        path = embedded_model_path(settings)
        embedded = {
            "model": path.stem,  # the alias the embedded server answers to
            "base_url": None,
            "api_key": "embedded",  # the local server checks no key
            "dialect": Dialect.llama_cpp,
            "context_tokens": DEFAULT_CONTEXT_TOKENS,
            "concurrency": 1,  # one llama.cpp slot: more only queues
            # No re-asks by default: replaying the eval with and without them, SmolLM2's second answers were
            # worse than its first (micro F1 0.194 with one re-ask, 0.231 without) at 2.9x the prompt tokens.
            # What fails validation is salvaged instead: grounded values kept, the rest dropped.
            "max_retries": 0 if settings.reasks is None else settings.reasks,
            **limits,
        }
        return ClientSpec(embedded, gguf=path, answers=(answers, f"embedded:{path}") if cache else None)
    base_url, model, dialect = settings.base_url, settings.model, settings.dialect
    api_key = settings.api_key.get_secret_value() if settings.api_key else None
    served = probe(base_url, api_key) if base_url and (model is None or dialect is None) else None
    if model is None:
        model = _served_model(base_url, served) if base_url else OPENAI_DEFAULT_MODEL
    if dialect is None:
        dialect = Dialect.llama_cpp if served and served.llama_cpp_python else Dialect.json_schema
    single_slot = served is not None and served.llama_cpp_python  # one model, one lock: more calls only queue
    default_context = 8192 if base_url else 128000
    remote = {
        "model": model,
        "base_url": base_url,
        "api_key": api_key or "none",
        "dialect": dialect,
        "context_tokens": default_context if settings.context_tokens is None else settings.context_tokens,
        "concurrency": 1 if single_slot else 8,
        "max_retries": 2 if settings.reasks is None else settings.reasks,
        **limits,
    }
    return ClientSpec(remote, answers=(answers, base_url or "openai") if cache else None)


def make_client(settings: Settings | None = None, *, cache: bool = True) -> ModelClient:
    """A client for the configured model (`client_spec`), connected; an embedded server starts on first use."""
    return client_spec(settings, cache=cache).connect()


def _served_model(base_url: str, served: Served | None) -> str:
    if served is None or not served.models:
        raise ConfigError(f"{base_url} does not say which models it serves; name one with --model or EIGHTK_MODEL")
    if len(served.models) > 1:
        raise ConfigError(f"{base_url} serves {len(served.models)} models ({', '.join(served.models[:10])}); "
                          f"choose one with --model or EIGHTK_MODEL")  # fmt: skip
    return served.models[0]

