"""Cost before and after: a dry run plans the calls a batch makes without calling a model, and a finished batch
reports the calls, tokens and dollars the server reported."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from conftest import corpus_files, empty_answer, make_test_client
from typer.testing import CliRunner

from eightk.cli import app
from eightk.extract.batch import extract_many
from eightk.extract.cost import dollars, plan_batch
from eightk.extract.llm import Dialect
from eightk.fakeserver import FakeOpenAI
from eightk.prompts import load_prompt


def test_dollars_come_from_the_price_table() -> None:
    assert dollars("gpt-4o-mini", 1_000_000, 1_000_000) == Decimal("0.75")
    assert dollars("gpt-4o-mini-2024-07-18", 2_000_000, 0) == Decimal("0.30")  # a dated snapshot
    assert dollars("gpt-4o", 1_000_000, 0) == Decimal("2.50")  # not gpt-4o-mini's price
    assert dollars("SmolLM2-135M-Instruct.Q4_1", 1_000, 1_000) is None


@pytest.mark.parametrize("prompt", ["v1", "v2", "v3"])
async def test_the_plan_makes_the_calls_a_run_makes(tmp_path: Path, prompt: str) -> None:
    sources = corpus_files()[:8]
    plan = plan_batch(sources, load_prompt(prompt), 8192, Dialect.json_schema)
    with FakeOpenAI(empty_answer) as server:
        client = make_test_client(server.url, max_retries=0)
        summary = await extract_many(sources, out=tmp_path / "r.jsonl", client=client, prompt=prompt,
                                     show_progress=False)  # fmt: skip
        await client.aclose()
    assert plan.documents == summary.done + summary.failed == len(sources)
    assert plan.calls == summary.usage.calls == len(server.requests) >= len(sources)
    # The estimate counts the messages and the response schema each request carries, in characters / 4.
    sent = sum(len(m["content"]) for r in server.requests for m in r["messages"])
    assert sent // 4 < plan.prompt_tokens < sent // 4 * 3


def test_a_dry_run_calls_no_model_and_prices_the_plan(tmp_path: Path) -> None:
    sources = [str(s) for s in corpus_files()[:3]]
    with FakeOpenAI(empty_answer) as server:
        result = CliRunner().invoke(app, ["extract", *sources, str(tmp_path / "none.txt"), "--dry-run",
                                          "--model", "gpt-4o-mini", "--base-url", server.url])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert server.requests == []
    plan = plan_batch([Path(s) for s in sources], load_prompt("v2"), 8192, Dialect.json_schema)
    assert f"3 documents (1 unreadable), {plan.calls} calls, ~{plan.prompt_tokens:,} prompt tokens" in result.output
    assert "gpt-4o-mini's list price" in result.output and "no such file" in result.output


def test_a_finished_batch_reports_calls_tokens_and_dollars(tmp_path: Path) -> None:
    sources = [str(s) for s in corpus_files()[:2]]
    with FakeOpenAI(empty_answer) as server:  # every answer reports 100 prompt and 20 completion tokens
        result = CliRunner().invoke(app, ["extract", *sources, "--out", str(tmp_path / "r.jsonl"),
                                          "--model", "gpt-4o-mini", "--base-url", server.url])  # fmt: skip
    calls = len(server.requests)
    assert result.exit_code == 0, result.output
    assert (
        f"{calls} calls ({calls} attempts), {calls * 100:,} prompt + {calls * 20:,} completion tokens" in result.output
    )
    assert f"${dollars('gpt-4o-mini', calls * 100, calls * 20):,.4f}" in result.output
