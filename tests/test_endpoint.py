"""Which server, which model, which dialect: asked of the endpoint, never guessed; a dead one fails at once."""

from __future__ import annotations

from typing import Any

import pytest
from conftest import FILING, GOOD_DEAL

from eightk.errors import ConfigError, UnreachableError
from eightk.extract.config import make_client
from eightk.extract.llm import Dialect, ModelClient
from eightk.extract.pipeline import aextract
from eightk.extract.settings import load_settings
from eightk.fakeserver import FakeOpenAI, Reply, answer

# What llama-cpp-python's server (`eightk serve`) answers at /v1/models (llama_cpp/server/app.py, get_models).
LLAMA_CPP_PYTHON_MODELS = [{"id": "SmolLM2-135M-Instruct.Q4_1", "object": "model", "owned_by": "me", "permissions": []}]


def like_llama_cpp_python(body: dict[str, Any]) -> Reply:
    """Refuses OpenAI's json_schema response format with a 500, as llama-cpp-python 0.3.x does."""
    if body.get("response_format", {}).get("type") != "json_object":
        return Reply("status", status=500)
    return answer(GOOD_DEAL)


def client_for(**settings: Any) -> ModelClient:
    return make_client(load_settings(**settings))


@pytest.fixture(autouse=True)
def no_model_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("EIGHTK_MODEL", "EIGHTK_DIALECT", "OPENAI_BASE_URL", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)


async def test_a_llama_cpp_python_server_is_asked_in_its_own_dialect_and_for_its_model() -> None:
    with FakeOpenAI(like_llama_cpp_python, models=LLAMA_CPP_PYTHON_MODELS) as server:
        client = client_for(base_url=server.url)
        result = await aextract(FILING, client=client)
        await client.aclose()
    assert (client.dialect, client.model, client.concurrency) == (Dialect.llama_cpp, "SmolLM2-135M-Instruct.Q4_1", 1)
    assert server.gets == ["/v1/models"]
    assert server.requests[0]["response_format"]["type"] == "json_object"
    assert server.requests[0]["model"] == "SmolLM2-135M-Instruct.Q4_1"
    assert result.extraction.deals


def test_another_server_gets_json_schema_and_a_dialect_given_is_kept() -> None:
    with FakeOpenAI([], models=[{"id": "qwen", "object": "model", "owned_by": "vllm"}]) as server:
        assert client_for(base_url=server.url).dialect is Dialect.json_schema
    with FakeOpenAI([], models=LLAMA_CPP_PYTHON_MODELS) as server:
        assert client_for(base_url=server.url, dialect="tools").dialect is Dialect.tools
        assert client_for(model="m", base_url=server.url, dialect="json_schema").dialect is Dialect.json_schema
    assert server.gets == ["/v1/models"]  # with both a model and a dialect given, the server is not asked


def test_without_a_model_the_one_served_is_used_and_several_must_be_chosen() -> None:
    with FakeOpenAI([], models=[{"id": "a", "owned_by": "x"}, {"id": "b", "owned_by": "x"}]) as server:
        with pytest.raises(ConfigError, match=r"serves 2 models \(a, b\); choose one with --model"):
            client_for(base_url=server.url)
        assert client_for(model="b", base_url=server.url).model == "b"
    with FakeOpenAI([], models=[]) as server, pytest.raises(ConfigError, match="does not say which models"):
        client_for(base_url=server.url)


def test_a_dead_endpoint_fails_at_once_by_name(free_port: int) -> None:
    url = f"http://127.0.0.1:{free_port}/v1"
    with pytest.raises(UnreachableError) as raised:
        client_for(base_url=url)
    assert str(raised.value) == f"cannot reach {url} (Connection refused); is the server running?"
