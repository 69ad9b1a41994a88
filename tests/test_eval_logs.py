"""Eval logs are versioned data: written once, read back to the same scores, compared without re-running."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eightk.errors import ConfigError
from eightk.evals.compare import compare
from eightk.evals.dataset import load_dataset
from eightk.evals.log import EvalLog
from eightk.evals.runner import replay_client, run_prompt
from eightk.extract.server import EMBEDDED_MODEL

pytestmark = pytest.mark.block_network


async def test_a_log_reads_back_to_the_same_report_and_compares_without_running(tmp_path: Path) -> None:
    samples = load_dataset(pattern="agilent-*", sources=["corpus"])
    client = replay_client(EMBEDDED_MODEL)
    log = await run_prompt("v1", client, samples, dataset="corpus agilent-*")
    await client.aclose()
    path = log.write(tmp_path)
    payload = json.loads(path.read_text())
    assert payload["version"] == 1 and payload["prompt"] == "v1" and payload["prompt_sha256"] == log.prompt_sha256
    document = payload["documents"][0]
    assert {"result", "fields", "records", "pairs", "gold_records", "gold_records_sent"} <= set(document)
    assert all({"kind", "start", "end", "prompt_tokens"} <= set(call) for call in document["result"]["calls"])
    assert payload["totals"]["prompt_tokens"] == sum(
        d["result"]["usage"]["prompt_tokens"] for d in payload["documents"]
    )

    read = EvalLog.read(path)
    assert read.report.as_dict() == log.report.as_dict()
    same = compare(read, log)
    assert same.delta_f1 == 0 and same.ci_low == 0 and same.ci_high == 0


def test_a_file_that_is_not_an_eval_log_is_refused_in_one_line(tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text('{"version": 99}')
    with pytest.raises(ConfigError, match="is not an eval log"):
        EvalLog.read(path)
