"""The eval suite: every corpus document under every prompt version, replayed from cassettes, offline.

Runs with network blocked (pytest-recording's --block-network in .ci/run); a request missing from a
cassette fails the test. Scores may not fall below evals/baseline.json (the regression gate).
"""

from __future__ import annotations

import pytest

from eightk.evals.baseline import load_baseline, summarize
from eightk.evals.dataset import load_dataset
from eightk.evals.runner import replay_client, run_prompt
from eightk.extract.server import EMBEDDED_MODEL

pytestmark = pytest.mark.block_network  # pytest-recording: any real connection attempt fails the test

MODEL = EMBEDDED_MODEL
PROMPTS = ["v1", "v2", "v3"]
SAMPLES = load_dataset()
CASES = [(prompt, sample) for prompt in PROMPTS for sample in SAMPLES]
BASELINE = load_baseline()


@pytest.mark.parametrize(("prompt", "sample"), CASES, ids=[f"{p}-{s.id}" for p, s in CASES])
async def test_document_replays_and_keeps_its_score(prompt: str, sample) -> None:  # type: ignore[no-untyped-def]
    client = replay_client(MODEL)
    run = await run_prompt(prompt, client, [sample])
    await client.aclose()
    result = run.results[sample.id]
    assert result.prompt == prompt and result.model == MODEL
    verified = sum(1 for r in result.extraction.records() for e in r.evidence
                   if e.start is not None and sample.filing.text[e.start : e.end].strip())  # fmt: skip
    assert verified == sum(len(r.evidence) for r in result.extraction.records())
    expected = BASELINE[MODEL][prompt]["documents"][sample.id]
    assert summarize(run)["documents"][sample.id] >= expected - 1e-9, "score fell below evals/baseline.json"


@pytest.mark.parametrize("prompt", PROMPTS)
async def test_whole_suite_is_deterministic_and_matches_the_baseline(prompt: str) -> None:
    scores = []
    for _ in range(2):
        client = replay_client(MODEL)
        run = await run_prompt(prompt, client, SAMPLES)
        await client.aclose()
        scores.append(summarize(run))
    assert scores[0] == scores[1]
    expected = BASELINE[MODEL][prompt]
    for key in ("micro_f1", "macro_f1", "schema_valid_rate", "evidence_verified_rate"):
        assert scores[0][key] >= expected[key] - 1e-9, f"{key} fell below evals/baseline.json"
