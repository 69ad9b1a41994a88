"""Batches lose nothing: random server failures, kill -9 at random moments, resume."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from conftest import make_test_client
from fakeserver import FakeOpenAI, Reply, answer

from eightk.evals.dataset import corpus_dir
from eightk.extract.batch import errors_path, expand_sources, extract_many
from eightk.extract.llm import RetryPolicy


def empty_answer(body: dict[str, Any]) -> Reply:
    """A valid, empty answer of whatever kind was asked for (the schema name says which)."""
    name = body["response_format"]["json_schema"]["name"]
    fields = {"DealsInPassage": ["deals"], "AppointmentsInPassage": ["appointments"]}.get(
        name, ["deals", "appointments"]
    )
    return answer({field: [] for field in fields})


def flaky(rate: float, seed: int, delay_s: float = 0.0) -> Any:
    rng = random.Random(seed)
    lock = threading.Lock()

    def reply(body: dict[str, Any]) -> Reply:
        with lock:
            roll = rng.random()
        if roll < rate / 2:
            return Reply("status", status=500, delay_s=delay_s)
        if roll < rate:
            return Reply("close", delay_s=delay_s)
        good = empty_answer(body)
        good.delay_s = delay_s
        return good

    return reply


def corpus_files() -> list[Path]:
    return expand_sources([str(corpus_dir() / "*.txt")])


async def test_a_flaky_server_loses_no_document(tmp_path: Path) -> None:
    sources = [*corpus_files(), tmp_path / "missing.txt"]
    out = tmp_path / "results.jsonl"
    with FakeOpenAI(flaky(0.2, seed=7)) as server:
        # Two attempts per request: at a 20% failure rate some requests fail both, so some documents fail.
        client = make_test_client(server.url, policy=RetryPolicy(attempts=2, initial_wait_s=0.001, max_wait_s=0.002))
        summary = await extract_many(sources, out=out, client=client, concurrency=8, show_progress=False)
        await client.aclose()
    done = [json.loads(line)["source"] for line in out.read_text().splitlines()]
    failed = [json.loads(line)["source"] for line in errors_path(out).read_text().splitlines()]
    assert summary.done == len(done) and summary.failed == len(failed)
    assert sorted(done + failed) == sorted(str(s) for s in sources)  # every document accounted for, once
    assert str(tmp_path / "missing.txt") in failed
    assert len(done) > len(sources) // 2
    print(f"\nflaky batch: {len(sources)} documents, {len(done)} extracted, {len(failed)} in the error file, "
          f"{len(server.requests)} requests")  # fmt: skip


def test_kill_minus_nine_then_resume_leaves_each_document_exactly_once(tmp_path: Path) -> None:
    sources = corpus_files()
    out = tmp_path / "results.jsonl"
    rng = random.Random(42)
    command = [sys.executable, "-m", "eightk.cli", "extract", *map(str, sources), "--out", str(out),
               "--model", "fake", "--dialect", "json_schema", "--concurrency", "4"]  # fmt: skip
    with FakeOpenAI(flaky(0.0, seed=1, delay_s=0.02)) as server:
        env = {**os.environ, "OPENAI_BASE_URL": server.url, "OPENAI_API_KEY": "test-key"}
        kills = 0
        for _ in range(4):
            process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            time.sleep(rng.uniform(1.0, 2.5))
            if process.poll() is None:
                process.send_signal(signal.SIGKILL)
                kills += 1
            process.wait()
        final = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    assert final.returncode == 0, final.stderr
    lines = out.read_text().splitlines()
    records = [json.loads(line) for line in lines]  # every line is whole JSON
    assert sorted(r["source"] for r in records) == sorted(map(str, sources))
    assert len({r["key"] for r in records}) == len(records) == len(sources)
    print(f"\nkill -9 test: {kills} kills, then a resume; {len(records)} records for {len(sources)} documents")
    assert kills >= 2


async def test_a_changed_prompt_is_rerun_an_unchanged_one_is_not(tmp_path: Path) -> None:
    sources = corpus_files()[:3]
    out = tmp_path / "results.jsonl"
    with FakeOpenAI(empty_answer) as server:
        client = make_test_client(server.url)
        first = await extract_many(sources, out=out, client=client, prompt="v2", show_progress=False)
        again = await extract_many(sources, out=out, client=client, prompt="v2", show_progress=False)
        other = await extract_many(sources, out=out, client=client, prompt="v1", show_progress=False)
        await client.aclose()
    assert (first.done, again.done, again.skipped, other.done) == (3, 0, 3, 3)


def test_a_torn_last_line_is_cut_on_resume(tmp_path: Path) -> None:
    from eightk.extract.batch import JsonlLog

    path = tmp_path / "r.jsonl"
    path.write_text('{"key": "a"}\n{"key": "b", "trunc')
    log = JsonlLog(path)
    assert log.records() == [{"key": "a"}]
    assert path.read_text() == '{"key": "a"}\n'
