"""Run prompt versions over the eval set: record model exchanges once, replay them forever after.

dataset (corpus filing + gold) -> solver (the extraction pipeline) -> scorer (evals.scorer) -> EvalLog
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Literal

from vcr.errors import CannotOverwriteExistingCassetteException

from eightk.errors import ConfigError, ExtractionFailed, ReplayMiss, TransportError
from eightk.evals.cassettes import (
    CASSETTE_DIR,
    _slug,
    cassette_path,
    cassette_root,
    recorder,
    writable_root,
    write_empty_cassette,
)
from eightk.evals.dataset import Sample, load_dataset
from eightk.evals.log import DocumentLog, EvalLog
from eightk.evals.recall import passage_recall
from eightk.evals.scorer import score_document
from eightk.extract.llm import Dialect, ModelClient
from eightk.extract.pipeline import extract_filing
from eightk.extract.results import ExtractionResult
from eightk.prompts import PromptVersion, load_prompt
from eightk.text.fold import locate

RecordMode = Literal["none", "all", "missing", "changed"]
REPLAY_URL = "http://127.0.0.1:9/v1"  # never contacted: every request is answered from a cassette


def model_card_path(model: str, root: Path = CASSETTE_DIR) -> Path:
    return root / _slug(model) / "model.json"


def recorded_models(root: Path) -> list[str]:
    return sorted(json.loads(card.read_text(encoding="utf-8"))["model"] for card in root.glob("*/model.json"))


def replay_model(model: str | None, root: Path) -> str:
    """The model to replay: the one named (flag or EIGHTK_MODEL), else the only one recorded in `root`, else the
    embedded model."""
    from eightk.extract.server import default_model_path

    recorded = recorded_models(root)
    return model or (recorded[0] if len(recorded) == 1 else default_model_path().stem)


def replay_client(model: str, root: Path = CASSETTE_DIR) -> ModelClient:
    """A client configured exactly as the recording one was, pointed at nothing."""
    path = model_card_path(model, root)
    if not path.is_file():
        recorded = ", ".join(recorded_models(root)) if root.is_dir() else ""
        raise ConfigError(
            f"no recordings of model {model} in {root}"
            + (f" (recorded: {recorded})" if recorded else "")
            + "; record them with --record-missing"
        )
    card = json.loads(path.read_text(encoding="utf-8"))
    return ModelClient(
        model=card["model"],
        base_url=REPLAY_URL,
        api_key="replay",
        dialect=Dialect(card["dialect"]),
        context_tokens=card["context_tokens"],
        max_retries=card["max_retries"],
        concurrency=card.get("concurrency", 1),
    )


def write_model_card(client: ModelClient, root: Path) -> None:
    """How the recording client was configured, so that replay sends byte-identical requests."""
    path = model_card_path(client.model, root)
    path.parent.mkdir(parents=True, exist_ok=True)
    card = {"model": client.model, "dialect": client.dialect.value, "context_tokens": client.context_tokens,
            "max_retries": client.max_retries, "concurrency": client.concurrency}  # fmt: skip
    path.write_text(json.dumps(card, indent=2) + "\n", encoding="utf-8")


async def run_prompt(
    prompt: str,
    client: ModelClient,
    samples: list[Sample],
    *,
    record: RecordMode = "none",
    dataset: str = "",
    cassettes: Path = CASSETTE_DIR,
) -> EvalLog:
    """Extract every sample with one prompt version, each document inside its own cassette.

    record: "none" replays (a missing cassette or request is an error), "all" re-records every document,
    "missing" records only documents that have no cassette yet, "changed" also re-records a document whose
    cassette lacks one of its requests (the code or prompt changed what is sent), and only those.
    """
    version = load_prompt(prompt)
    log = EvalLog(model=client.model, prompt=version.name, prompt_sha256=version.sha256, dataset=dataset)
    if record != "none":
        write_model_card(client, writable_root(cassettes))
    for sample in samples:
        path = cassette_path(client.model, version.name, sample.id, cassettes)
        recording = record == "all" or (record in ("missing", "changed") and not path.is_file())
        try:
            result = await _extract_in_cassette(sample, version, client, path, recording)
        except ReplayMiss:
            if record != "changed":
                raise
            result = await _extract_in_cassette(sample, version, client, path, recording=True)
        log.documents.append(score_result(sample, result))
    return log.with_totals()


def _replay_miss(error: BaseException) -> bool:
    """Whether a failed call was a request its cassette does not hold (vcrpy refused to play it back)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, CannotOverwriteExistingCassetteException):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def extract_sample(sample: Sample, version: PromptVersion, client: ModelClient, *, replaying: bool,
                         hint: str) -> ExtractionResult:  # fmt: skip
    """One document's result under whatever cassette is open; a request that a replayed cassette does not hold
    is a ReplayMiss (ending with `hint`: how to re-record), and a document whose every call failed is scored
    as an empty prediction (the failure costs recall)."""
    try:
        return await extract_filing(sample.filing, version, client)
    except TransportError as error:
        if replaying and _replay_miss(error):
            raise ReplayMiss(
                f"{sample.id} ({version.name}): a request is not in its cassette; the code or prompt changed "
                f"since recording ({hint})"
            ) from error
        raise
    except ExtractionFailed as error:
        return ExtractionResult.failed(sample.filing, version, client.model, error)


async def _extract_in_cassette(
    sample: Sample, version: PromptVersion, client: ModelClient, path: Path, recording: bool
) -> ExtractionResult:
    if recording:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.unlink(missing_ok=True)
    elif not path.is_file():
        raise ReplayMiss(f"no cassette {path}; record it with --record-missing")
    with recorder(recording).use_cassette(str(path), allow_playback_repeats=True):
        result = await extract_sample(sample, version, client, replaying=not recording,
                                      hint="re-record with --record-changed")  # fmt: skip
    if recording and not path.exists():
        write_empty_cassette(path)  # no passage worth a call: vcrpy writes nothing, replay needs a file
    return result


def score_result(sample: Sample, result: ExtractionResult) -> DocumentLog:
    """A document's result with its scores, and its evidence quotes looked up again in the filing text."""
    score = score_document(sample.id, sample.gold, result.extraction)
    quotes = [e.quote for record in result.extraction.records() for e in record.evidence]
    sent, gold_records = passage_recall(sample.gold, ((c.kind, c.start, c.end) for c in result.calls))
    return DocumentLog(
        id=sample.id,
        result=result,
        fields={f"{kind}.{name}": counts for (kind, name), counts in score.fields.items()},
        records=score.records,
        pairs=score.pairs,
        evidence_quotes=len(quotes),
        evidence_verified=sum(1 for quote in quotes if locate(quote, sample.filing.text) is not None),
        gold_records=gold_records,
        gold_records_sent=sent,
    )


async def run_eval(
    prompts: list[str],
    *,
    model: str | None = None,
    pattern: str = "*",
    record: RecordMode = "none",
    data: str | None = None,
    sources: list[str] | None = None,
    corpus: str | None = None,
    gold: str | None = None,
    cassettes: str | Path | None = None,
    client: ModelClient | None = None,
) -> dict[str, EvalLog]:
    """Every prompt version over the matching documents; replayed unless `record`, recordings in `cassettes`
    (default: see `cassette_root`)."""
    from eightk.extract.config import make_client, model_name
    from eightk.extract.settings import load_settings

    samples = load_dataset(data, pattern, sources=sources, corpus=corpus, gold=gold)
    dataset = f"{len(samples)} documents matching {pattern!r} from " + ", ".join(
        sorted({f"{s.source} ({s.path.parent}, gold {s.gold_path.parent})" for s in samples})
    )
    root = cassette_root(cassettes, gold)
    if client is None:
        settings = load_settings(model=model)
        if record != "none":
            client = make_client(settings, cache=False)  # an answer from the disk cache would never reach the cassette
        else:
            client = replay_client(replay_model(model_name(settings) if settings.model else None, root), root)
    try:
        return {
            p: await run_prompt(p, client, samples, record=record, dataset=dataset, cassettes=root) for p in prompts
        }
    finally:
        await client.aclose()


def run_eval_sync(prompts: list[str], **kwargs: object) -> dict[str, EvalLog]:
    return asyncio.run(run_eval(prompts, **kwargs))  # type: ignore[arg-type]
