"""Run prompt versions over the eval set: record model exchanges once, replay them forever after.

dataset (corpus filing + gold) -> solver (the extraction pipeline) -> scorer (evals.scorer)
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from eightk.errors import ExtractionFailed, ReplayMiss, TransportError
from eightk.evals.cassettes import CASSETTE_DIR, _slug, cassette_path, recorder, write_empty_cassette
from eightk.evals.dataset import Sample, load_dataset
from eightk.evals.scorer import Report, score_document
from eightk.extract.llm import Dialect, ModelClient
from eightk.extract.pipeline import ExtractionResult, evidence_verified, extract_filing
from eightk.prompts import load_prompt

RecordMode = Literal["none", "all", "missing"]
REPLAY_URL = "http://127.0.0.1:9/v1"  # never contacted: every request is answered from a cassette


@dataclass
class EvalRun:
    prompt: str
    model: str
    results: dict[str, ExtractionResult] = field(default_factory=dict)
    report: Report = field(default_factory=lambda: Report([]))


def model_card_path(model: str) -> Path:
    return CASSETTE_DIR / _slug(model) / "model.json"


def replay_client(model: str) -> ModelClient:
    """A client configured exactly as the recording one was, pointed at nothing."""
    card = json.loads(model_card_path(model).read_text(encoding="utf-8"))
    return ModelClient(
        model=card["model"],
        base_url=REPLAY_URL,
        api_key="replay",
        dialect=Dialect(card["dialect"]),
        context_tokens=card["context_tokens"],
        max_retries=card["max_retries"],
        concurrency=card.get("concurrency", 1),
    )


def _write_model_card(client: ModelClient) -> None:
    path = model_card_path(client.model)
    path.parent.mkdir(parents=True, exist_ok=True)
    card = {"model": client.model, "dialect": client.dialect.value, "context_tokens": client.context_tokens,
            "max_retries": client.max_retries, "concurrency": client.concurrency}  # fmt: skip
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


async def run_prompt(
    prompt: str, client: ModelClient, samples: list[Sample], *, record: RecordMode = "none"
) -> EvalRun:
    """Extract every sample with one prompt version, each document inside its own cassette.

    record: "none" replays (a missing cassette or request is an error), "all" re-records every document,
    "missing" records only documents that have no cassette yet.
    """
    version = load_prompt(prompt)
    run = EvalRun(prompt=version.name, model=client.model)
    if record != "none":
        _write_model_card(client)
    for sample in samples:
        path = cassette_path(client.model, version.name, sample.id)
        recording = record == "all" or (record == "missing" and not path.is_file())
        if recording:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)
        elif not path.is_file():
            raise ReplayMiss(f"no cassette {path.relative_to(CASSETTE_DIR.parent)}; record it with --record")
        with recorder(recording).use_cassette(str(path), allow_playback_repeats=True):
            try:
                result = await extract_filing(sample.filing, version, client)
            except TransportError as error:
                if not recording and "doesn't contain the request" in str(error):
                    raise ReplayMiss(
                        f"{sample.id} ({version.name}): a request is not in its cassette; the "
                        "code or prompt changed since recording (re-record with --record)"
                    ) from error
                raise
            except ExtractionFailed as error:  # scored as an empty prediction: the failure costs recall
                result = ExtractionResult.failed(sample.filing, version, client.model, error)
        if recording and not path.exists():
            write_empty_cassette(path)  # no passage worth a call: vcrpy writes nothing, replay needs a file
        run.results[sample.id] = result
    run.report = score_run(run, samples)
    return run


def score_run(run: EvalRun, samples: list[Sample]) -> Report:
    documents = [score_document(s.id, s.gold, run.results[s.id].extraction) for s in samples]
    calls = [t for r in run.results.values() for t in r.calls]
    verified = [evidence_verified(run.results[s.id], s.filing.text) for s in samples]
    quotes = sum(total for _, total in verified)
    return Report(
        documents,
        schema_valid_rate=sum(t.outcome != "failed" for t in calls) / len(calls) if calls else 1.0,
        grounded_rate=sum(t.outcome == "valid" for t in calls) / len(calls) if calls else 1.0,
        evidence_verified_rate=sum(ok for ok, _ in verified) / quotes if quotes else 1.0,
    )


async def run_eval(
    prompts: list[str],
    *,
    model: str | None = None,
    pattern: str = "*",
    record: RecordMode = "none",
    corpus: str | None = None,
    client: ModelClient | None = None,
) -> dict[str, EvalRun]:
    """Every prompt version over the matching documents; replayed unless `record`."""
    from eightk.extract.config import make_client
    from eightk.extract.server import default_model_path

    samples = load_dataset(corpus, pattern)
    if client is None:
        client = make_client(model) if record != "none" else replay_client(model or default_model_path().stem)
    try:
        return {prompt: await run_prompt(prompt, client, samples, record=record) for prompt in prompts}
    finally:
        await client.aclose()


def run_eval_sync(prompts: list[str], **kwargs: object) -> dict[str, EvalRun]:
    return asyncio.run(run_eval(prompts, **kwargs))  # type: ignore[arg-type]
