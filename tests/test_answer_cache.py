"""The on-disk answer cache: a request answered once is not paid for again, by a single file or a batch."""

from __future__ import annotations

import itertools
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from conftest import FAST_RETRIES, FILING, GOOD_DEAL
from test_batch import empty_answer
from test_faults import hallucinated
from typer.testing import CliRunner

from eightk.cli import app
from eightk.errors import TransportError
from eightk.extract.answercache import AnswerCache
from eightk.extract.batch import extract_many
from eightk.extract.config import answers_dir
from eightk.extract.llm import Dialect, ModelClient, RetryPolicy
from eightk.extract.pipeline import aextract
from eightk.fakeserver import FakeOpenAI, Reply, answer

runner = CliRunner()


def client_for(url: str, *, cache: bool = True, policy: RetryPolicy = FAST_RETRIES) -> ModelClient:
    """A client keeping answers for one endpoint, whatever port its fake server is on this time."""
    return ModelClient(model="fake", base_url=url, api_key="key", dialect=Dialect.json_schema, retry_policy=policy,
                       answer_cache=AnswerCache(answers_dir(), "the endpoint") if cache else None)  # fmt: skip


async def test_a_conversation_is_answered_from_the_cache_the_second_time(answer_cache_in_tmp: Path) -> None:
    with FakeOpenAI([answer(hallucinated()), answer(GOOD_DEAL)]) as server:  # one re-ask, then a valid answer
        first = await aextract(FILING, client=(client := client_for(server.url)))
        await client.aclose()
        again = await aextract(FILING, client=(client := client_for(server.url)))
        await client.aclose()
    assert len(server.requests) == 2  # both exchanges of the first run, none of the second
    assert (first.usage.attempts, first.usage.cached) == (2, 0)
    assert (again.usage.attempts, again.usage.cached) == (2, 2)
    assert again.extraction == first.extraction
    assert (answer_cache_in_tmp / "answers").is_dir()


async def test_no_cache_asks_again_and_a_changed_request_is_a_new_key() -> None:
    with FakeOpenAI(empty_answer) as server:
        for prompt, cache in (("v2", True), ("v2", False), ("v1", True), ("v2", True)):
            await aextract(FILING, prompt=prompt, client=(client := client_for(server.url, cache=cache)))
            await client.aclose()
    assert len(server.requests) == 3  # v2, v2 again without the cache, v1 (other messages); then v2 cached


async def test_failures_are_not_kept() -> None:
    with FakeOpenAI([Reply("status", status=503)] * 2 + [answer(GOOD_DEAL)]) as server:
        client = client_for(server.url, policy=RetryPolicy(attempts=2, initial_wait_s=0.001, max_wait_s=0.002))
        with pytest.raises(TransportError):
            await aextract(FILING, client=client)
        result = await aextract(FILING, client=client)  # the 503 is asked again, not replayed
        cached = await aextract(FILING, client=client)
        await client.aclose()
    assert len(server.requests) == 3
    assert result.extraction.deals and (result.usage.cached, cached.usage.cached) == (0, 1)


def test_a_single_file_rerun_and_a_batch_share_the_cache(filing_file: Path, tmp_path: Path) -> None:
    with FakeOpenAI([answer(GOOD_DEAL)]) as server:
        args = ["extract", str(filing_file), "--base-url", server.url, "--model", "fake", "--dialect", "json_schema"]
        first = runner.invoke(app, args)
        again = runner.invoke(app, args)
        batch = runner.invoke(app, [*args, "--out", str(tmp_path / "out.jsonl")])
        asked = len(server.requests)
        fresh = runner.invoke(app, [*args, "--no-cache"])
    assert first.exit_code == again.exit_code == batch.exit_code == fresh.exit_code == 0, first.output
    assert asked == 1 and len(server.requests) == 2
    assert "1 attempts (1 from the cache)" in again.output and "from the cache" not in first.output
    assert json.loads((tmp_path / "out.jsonl").read_text())["usage"]["cached"] == 1


async def test_a_batch_cut_off_mid_document_does_not_pay_again_for_the_calls_it_made(tmp_path: Path) -> None:
    """The first run's server dies after one answer; the re-run pays only for what was not answered."""
    two_items = FILING.replace("Item 9.01", "Item 5.02 Departure of Directors.\n\nOn June 3, 2024, Acme Robotics, "
                               "Inc. appointed Jane Roe as Chief Financial Officer.\n\nItem 9.01")  # fmt: skip
    source = tmp_path / "two.txt"
    source.write_text(two_items)
    out = tmp_path / "out.jsonl"

    arrivals = itertools.count()
    lock = threading.Lock()

    def answers_once(body: dict[str, Any]) -> Reply:
        with lock:
            first_request = next(arrivals) == 0
        return empty_answer(body) if first_request else Reply("status", status=500)

    with FakeOpenAI(answers_once) as dying:
        client = client_for(dying.url, policy=RetryPolicy(attempts=1))
        first = await extract_many([source], out=out, client=client, show_progress=False)
        await client.aclose()
    with FakeOpenAI(empty_answer) as server:
        client = client_for(server.url)
        second = await extract_many([source], out=out, client=client, show_progress=False)
        await client.aclose()
    assert len(dying.requests) == 2 and (first.done, first.failed) == (0, 1)
    assert (second.done, second.failed) == (1, 0)
    assert len(server.requests) == 1  # the call answered before the server died came from the cache
