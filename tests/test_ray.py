"""The Ray engine keeps the local engine's promises: every document once, a killed worker costs a retry and
no document, a flaky server loses nothing, and one rate limit holds across workers. Ray runs in local mode
(two CPUs) against the fake server."""

from __future__ import annotations

import asyncio
import json
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest
import ray
from conftest import FILING, GOOD_DEAL, corpus_files, empty_answer, flaky, make_test_client
from typer.testing import CliRunner

from eightk.cli import app
from eightk.extract.batch import extract_many
from eightk.extract.ledger import BatchSummary, errors_path
from eightk.extract.llm import Dialect, ModelClient, RetryPolicy
from eightk.fakeserver import FakeOpenAI, answer


@pytest.fixture(scope="module", autouse=True)
def local_ray() -> Iterator[None]:
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


async def on_ray(sources: list[Path], out: Path, client: ModelClient, **options: int) -> BatchSummary:
    return await extract_many(sources, out=out, client=client, engine="ray", workers=2, show_progress=False,
                              **options)  # fmt: skip


async def test_every_document_ends_as_one_line_and_a_rerun_skips_them(tmp_path: Path) -> None:
    sources = [*corpus_files(), tmp_path / "missing.txt"]
    out = tmp_path / "results.jsonl"
    with FakeOpenAI(empty_answer) as server:
        client = make_test_client(server.url)
        first = await on_ray(sources, out, client)
        done, failed = lines(out), lines(errors_path(out))
        again = await on_ray(sources, out, client)
    assert sorted(str(r["source"]) for r in done + failed) == sorted(map(str, sources))
    assert [r["source"] for r in failed] == [str(tmp_path / "missing.txt")]
    assert (first.done, first.failed, again.done, again.skipped) == (len(sources) - 1, 1, 0, len(sources) - 1)
    assert first.usage.calls == sum(r["usage"]["calls"] for r in done) == len(server.requests)  # type: ignore[index]
    assert lines(out) == done  # the re-run added no result; the missing file failed again


async def test_a_killed_worker_costs_a_retry_and_no_document(tmp_path: Path) -> None:
    sources = corpus_files()
    out = tmp_path / "results.jsonl"
    killed: list[int] = []

    async def kill_a_worker_mid_run() -> None:
        while len(lines(out)) < 5:
            await asyncio.sleep(0.05)
        name = next(n["name"] for n in ray.util.list_named_actors(all_namespaces=True) if "-worker-0" in n["name"])
        pid = await ray.get_actor(name).pid.remote()
        os.kill(pid, signal.SIGKILL)
        killed.append(len(lines(out)))

    with FakeOpenAI(flaky(0.0, seed=1, delay_s=0.05)) as server:
        client = make_test_client(server.url)
        summary, _ = await asyncio.gather(on_ray(sources, out, client, concurrency=4), kill_a_worker_mid_run())
        resumed = await on_ray(sources, out, client)
    records = lines(out)
    assert killed and killed[0] < len(sources)  # killed while documents were still to come
    assert sorted(str(r["source"]) for r in records) == sorted(map(str, sources))
    assert len({r["key"] for r in records}) == len(records) == len(sources) == summary.done
    assert (resumed.done, resumed.skipped, resumed.failed) == (0, len(sources), 0)
    assert not errors_path(out).exists() or lines(errors_path(out)) == []
    print(f"\nkilled a worker after {killed[0]} documents: {len(server.requests)} requests for "
          f"{summary.usage.calls} counted calls")  # fmt: skip


async def test_a_flaky_server_loses_no_document_and_a_resume_finishes_the_rest(tmp_path: Path) -> None:
    sources = corpus_files()
    out = tmp_path / "results.jsonl"
    with FakeOpenAI(flaky(0.2, seed=7)) as server:
        client = make_test_client(server.url, policy=RetryPolicy(attempts=2, initial_wait_s=0.001, max_wait_s=0.002))
        first = await on_ray(sources, out, client, concurrency=8)
    failed_first = lines(errors_path(out))
    assert first.failed == len(failed_first) > 0 and first.done == len(lines(out)) > len(sources) // 2
    assert sorted(str(r["source"]) for r in lines(out) + failed_first) == sorted(map(str, sources))
    with FakeOpenAI(empty_answer) as server:
        second = await on_ray(sources, out, make_test_client(server.url))
    records = lines(out)
    assert (second.done, second.skipped) == (first.failed, first.done)
    assert len({r["key"] for r in records}) == len(records) == len(sources)


async def test_one_rate_limit_holds_across_two_workers(tmp_path: Path) -> None:
    sources = []
    for index in range(60):  # distinct one-call filings
        sources.append(tmp_path / f"doc{index}.txt")
        sources[-1].write_text(FILING.replace("June 3, 2024", f"June 3, 2024 (filing {index})"))
    with FakeOpenAI([answer(GOOD_DEAL)]) as server:
        # One request per 0.1 s for the whole batch, whichever worker sends it.
        client = ModelClient(
            model="fake", base_url=server.url, api_key="x", dialect=Dialect.json_schema, requests_per_minute=600
        )
        summary = await on_ray(sources, tmp_path / "out.jsonl", client, concurrency=4)
    assert summary.done == len(sources) == len(server.arrivals)
    # In any 3 s: 30 requests, one more (the limit allows no burst), and up to 5 let go earlier that a busy
    # machine delivered late. Two workers with a budget each send about 20 a second once both run.
    busiest = max(sum(1 for t in server.arrivals if start <= t < start + 3.0) for start in server.arrivals)
    assert busiest <= 36, busiest


async def test_a_dead_server_stops_the_batch_and_a_rerun_does_the_rest(tmp_path: Path, free_port: int) -> None:
    sources = corpus_files()[:12]
    out = tmp_path / "results.jsonl"
    stopped = await on_ray(sources, out, make_test_client(f"http://127.0.0.1:{free_port}/v1"), concurrency=2)
    assert stopped.stopped is not None and "cannot reach" in stopped.stopped
    assert stopped.failed >= 3 and stopped.not_attempted > 0  # a filing that needs no call may be done
    assert stopped.done + stopped.failed + stopped.not_attempted == len(sources)
    assert len(lines(errors_path(out))) == stopped.failed  # what was in flight is not written as failed
    with FakeOpenAI(empty_answer) as server:
        again = await on_ray(sources, out, make_test_client(server.url))
    assert (again.done, again.skipped, again.failed, again.stopped) == (
        len(sources) - stopped.done,
        stopped.done,
        0,
        None,
    )
    assert lines(errors_path(out)) == []


def test_the_command_line_runs_a_batch_on_ray(tmp_path: Path) -> None:
    sources = [str(s) for s in corpus_files()[:3]]
    out = tmp_path / "results.jsonl"
    with FakeOpenAI(empty_answer) as server:
        result = CliRunner().invoke(app, ["extract", *sources, "--out", str(out), "--engine", "ray", "--workers", "1",
                                          "--model", "fake", "--base-url", server.url])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "3 extracted, 0 already done, 0 failed" in result.output
    assert sorted(str(r["source"]) for r in lines(out)) == sorted(sources)
