"""The eval suite: every document under every prompt version, replayed from its cassette, offline.

Cassettes are driven by pytest-recording, as its users expect:
- `pytest tests/test_evals.py` replays (`--record-mode=none`, its default; CI adds `--block-network`); a
  request missing from a cassette fails the test.
- `pytest --record-mode=once tests/test_evals.py` records exactly the documents without a cassette, against the
  configured model (`eightk config`); `--record-mode=rewrite -k <document>` re-records one.
- `vcr_config` comes from eightk.testing (bodies hashed, credentials dropped); `vcr_cassette_dir` (EIGHTK_CASSETTES,
  else cassettes/) and `default_cassette_name` (<model>/<prompt>/<document>) are the fixtures below.
Scores may not fall below evals/baseline.json (the regression gate).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from eightk.errors import ConfigError
from eightk.evals.baseline import load_baseline, summarize
from eightk.evals.cassettes import cassette_name, cassette_root, write_empty_cassette
from eightk.evals.dataset import Sample, load_dataset
from eightk.evals.runner import extract_sample, replay_client, run_prompt, score_result, write_model_card
from eightk.extract.config import make_client, model_name
from eightk.extract.llm import ModelClient
from eightk.extract.settings import load_settings
from eightk.prompts import load_prompt

pytestmark = pytest.mark.block_network  # pytest-recording: only loopback, and nothing at all while replaying

MODEL = model_name(load_settings()) or ""
if not MODEL:
    raise ConfigError("name the model whose cassettes to replay or record: EIGHTK_MODEL (the base URL serves it)")
PROMPTS = ["v1", "v2", "v3"]
SAMPLES = load_dataset()
CASES = [(prompt, sample) for prompt in PROMPTS for sample in SAMPLES]
BASELINE = load_baseline().get(MODEL, {})


@pytest.fixture(scope="module")
def vcr_cassette_dir() -> str:
    return str(cassette_root())


@pytest.fixture
def default_cassette_name(prompt: str, sample: Sample) -> str:
    return cassette_name(MODEL, prompt, sample.id)


@pytest.fixture
async def model_client(vcr: Any, vcr_cassette_dir: str, default_cassette_name: str) -> AsyncIterator[ModelClient]:
    """The configured model while the cassette records; while it replays, a client configured as the recording
    one was (its model card) and pointed at nothing."""
    root = Path(vcr_cassette_dir)
    if vcr.write_protected:
        client = replay_client(MODEL, root)
    else:
        client = make_client(cache=False)  # an answer from the disk cache would never reach the cassette
        write_model_card(client, root)
    yield client
    await client.aclose()
    path = root / f"{default_cassette_name}.json"
    if not vcr.write_protected and not vcr.dirty and not path.exists():
        write_empty_cassette(path)  # no passage worth a call: vcrpy saves nothing, `eightk eval` needs a file


@pytest.mark.vcr
@pytest.mark.parametrize(("prompt", "sample"), CASES, ids=[f"{p}-{s.id}" for p, s in CASES])
async def test_document_replays_and_keeps_its_score(prompt: str, sample: Sample, model_client: ModelClient,
                                                    vcr: Any) -> None:  # fmt: skip
    result = await extract_sample(sample, load_prompt(prompt), model_client, replaying=vcr.write_protected,
                                  hint="record it with pytest --record-mode=rewrite -k <document>")  # fmt: skip
    assert result.prompt == prompt and result.model == MODEL
    verified = sum(1 for r in result.extraction.records() for e in r.evidence
                   if e.start is not None and sample.filing.text[e.start : e.end].strip())  # fmt: skip
    assert verified == sum(len(r.evidence) for r in result.extraction.records())
    if prompt in BASELINE:
        score = round(score_result(sample, result).score().total.f1, 6)
        assert score >= BASELINE[prompt]["documents"][sample.id] - 1e-9, "score fell below evals/baseline.json"


@pytest.mark.parametrize("prompt", PROMPTS)
async def test_whole_suite_is_deterministic_and_matches_the_baseline(prompt: str) -> None:
    scores = []
    for _ in range(2):
        client = replay_client(MODEL)
        run = await run_prompt(prompt, client, SAMPLES)
        await client.aclose()
        scores.append(summarize(run))
    assert scores[0] == scores[1]
    if prompt not in BASELINE:
        pytest.skip(f"no baseline for {MODEL}/{prompt}")
    for key in ("micro_f1", "macro_f1", "schema_valid_rate", "evidence_verified_rate"):
        assert scores[0][key] >= BASELINE[prompt][key] - 1e-9, f"{key} fell below evals/baseline.json"
