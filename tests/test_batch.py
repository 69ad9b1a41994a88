"""Batches lose nothing: random server failures, kill -9 at random moments, resume."""

from __future__ import annotations

import io
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import FILING, corpus_files, distinct_filings, empty_answer, flaky, make_test_client

from eightk.errors import ConfigError
from eightk.extract.batch import extract_many
from eightk.extract.ledger import errors_path
from eightk.extract.llm import RetryPolicy
from eightk.extract.progress import BatchProgress, Pace
from eightk.fakeserver import FakeOpenAI


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
    from eightk.extract.ledger import JsonlLog

    path = tmp_path / "r.jsonl"
    path.write_text('{"key": "a"}\n{"key": "b", "trunc')
    log = JsonlLog(path)
    assert log.records() == [{"key": "a"}]
    assert path.read_text() == '{"key": "a"}\n'


async def test_a_dead_server_stops_the_batch_and_leaves_the_rest_to_a_rerun(tmp_path: Path, free_port: int) -> None:
    sources = distinct_filings(tmp_path / "filings", 16)
    out = tmp_path / "results.jsonl"
    url = f"http://127.0.0.1:{free_port}/v1"
    client = make_test_client(url)
    summary = await extract_many(sources, out=out, client=client, concurrency=2, show_progress=False)
    await client.aclose()
    failed = [json.loads(line) for line in errors_path(out).read_text().splitlines()]
    assert summary.stopped is not None and f"cannot reach {url}" in summary.stopped
    assert 3 <= summary.failed <= 4 and len(failed) == summary.failed  # the 3 in a row, and one in flight at most
    assert summary.not_attempted == 16 - summary.failed and summary.done == 0
    with FakeOpenAI(empty_answer) as server:  # the server is back: the next run does everything, once
        client = make_test_client(server.url)
        again = await extract_many(sources, out=out, client=client, concurrency=2, show_progress=False)
        await client.aclose()
    assert (again.done, again.failed, again.stopped) == (16, 0, None)
    assert errors_path(out).read_text() == ""  # no line left for a document done since


async def test_a_rerun_replaces_the_error_lines_of_the_documents_it_retried(tmp_path: Path) -> None:
    good = distinct_filings(tmp_path / "filings", 2)
    missing = [tmp_path / f"missing-{number}.txt" for number in range(6)]
    out = tmp_path / "results.jsonl"
    lines = []
    with FakeOpenAI(empty_answer) as server:
        client = make_test_client(server.url)
        for _ in range(3):
            await extract_many([*good, *missing], out=out, client=client, show_progress=False)
            lines.append(len(errors_path(out).read_text().splitlines()))
        missing[0].write_text(FILING)  # one of them appears: it is done, and its error line goes
        final = await extract_many([*good, *missing], out=out, client=client, show_progress=False)
        await client.aclose()
    assert lines == [6, 6, 6]
    assert (final.done, final.skipped, final.failed) == (1, 2, 5)
    sources = [json.loads(line)["source"] for line in errors_path(out).read_text().splitlines()]
    assert sorted(sources) == sorted(map(str, missing[1:]))


async def test_progress_without_a_terminal_is_lines(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    sources = distinct_filings(tmp_path / "filings", 3)
    with FakeOpenAI(empty_answer) as server:
        client = make_test_client(server.url)
        await extract_many(sources, out=tmp_path / "out.jsonl", client=client, show_progress=True)
        await extract_many(sources, out=tmp_path / "out.jsonl", client=client, show_progress=True)
        await client.aclose()
    lines = capsys.readouterr().err.splitlines()
    assert lines[0] == "extracting (v2): 3 documents"
    assert lines[1].startswith("extracting (v2): 3/3 (3 extracted, 0 failed, 0 already done), ")
    assert lines[1].endswith(" docs/s") or lines[1].endswith(" s/doc")
    assert lines[2:] == ["extracting (v2): 3 documents", "extracting (v2): 3/3 (0 extracted, 0 failed, 3 already done)"]


def test_the_pace_is_shown_once_known_and_counts_down_between_documents() -> None:
    pace = Pace(total=5, started=100.0)
    assert pace.describe(now=103.0) == ""  # nothing finished yet: no "0.00 docs/s", no frozen ETA
    pace.skipped = 1  # already done: neither slows nor speeds the estimate
    pace.done, pace.last_finished = 2, 110.0  # 5 s a document, 4 to work on: done at 120
    assert pace.describe(now=110.0) == "5.0 s/doc, about 10 s left"
    assert pace.describe(now=114.0) == "5.0 s/doc, about 6 s left"
    assert pace.describe(now=114.0, left=False) == "5.0 s/doc"  # the last line of a batch that stopped early
    pace.done, pace.last_finished = 20, 110.0
    pace.total = 100
    assert pace.describe(now=110.0) == "2.00 docs/s, about 40 s left"


def test_a_progress_bar_on_a_terminal_never_shows_a_rate_of_zero() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    screen = Terminal()
    with BatchProgress("extracting (v2)", 2, stream=screen) as progress:
        progress.advance("done")
        progress.advance("failed")
    shown = screen.getvalue()
    assert progress.mode == "bar" and "2/2" in shown and "docs/s" in shown and "0.00 docs/s" not in shown


async def test_the_ray_engine_without_ray_installed_says_how_to_get_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "eightk.extract.ray_engine", None)  # as if `ray` were not installed
    client = make_test_client("http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match=r"pip install 'eightk\[ray\]'"):
        await extract_many(corpus_files()[:1], out=tmp_path / "r.jsonl", client=client, engine="ray")


async def test_the_ray_engine_names_a_cluster_it_cannot_join(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    client = make_test_client("http://127.0.0.1:9/v1")
    with pytest.raises(ConfigError, match="cannot join the Ray cluster at auto"):
        await extract_many(corpus_files()[:1], out=tmp_path / "r.jsonl", client=client, engine="ray",
                           ray_address="auto")  # fmt: skip
