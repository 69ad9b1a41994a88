"""filing text -> sections -> passages -> model calls -> validated, grounded records -> one FilingExtraction."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from pydantic import BaseModel, Field, ValidationError

from eightk.errors import ConfigError, ExtractionFailed, ModelError, NoncompliantModelError
from eightk.extract import cover
from eightk.extract.llm import CallStats, ModelClient
from eightk.extract.merge import merge_appointments, merge_deals
from eightk.extract.passages import Passage, find_passages, windows
from eightk.extract.reader import Filing, read_filing
from eightk.extract.sections import reported_items, split_sections
from eightk.prompts import PromptVersion, load_prompt
from eightk.schemas import (
    Appointment,
    AppointmentsInPassage,
    Deal,
    DealsInPassage,
    EventsInText,
    FilingExtraction,
    GroundingContext,
    locate,
)

CHARS_PER_TOKEN = 4  # a conservative average for English filings and these tokenizers
COMPLETION_TOKENS = {"passages": 450, "whole_filing": 256}


class Usage(BaseModel):
    calls: int = 0
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0


class CallTrace(BaseModel):
    """One model call: what it read, what it cost, what came of it."""

    kind: str | None
    start: int
    end: int
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    records: int = 0
    outcome: str = "valid"  # valid | salvaged | failed
    error: str | None = None


class ExtractionResult(BaseModel):
    """A filing's extraction and its provenance: which model and prompt, what it cost, what went wrong."""

    document: str
    content_hash: str
    extraction: FilingExtraction
    model: str
    prompt: str
    prompt_sha256: str
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    warnings: list[str] = Field(default_factory=list)
    calls: list[CallTrace] = Field(default_factory=list)

    @classmethod
    def failed(cls, filing: Filing, version: PromptVersion, model: str, error: ModelError) -> ExtractionResult:
        """An empty result that keeps what the failed attempts cost and why they failed."""
        calls = [call for call in getattr(error, "calls", []) if isinstance(call, CallTrace)]
        return cls(
            document=filing.name,
            content_hash=filing.content_hash,
            extraction=FilingExtraction(),
            model=model,
            prompt=version.name,
            prompt_sha256=version.sha256,
            usage=Usage(
                calls=len(calls),
                attempts=error.attempts,
                prompt_tokens=error.prompt_tokens,
                completion_tokens=error.completion_tokens,
            ),
            warnings=[str(error)],
            calls=calls,
        )

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes a result reusable: the same text, the same prompt, the same model."""
        return (self.content_hash, self.prompt_sha256, self.model)


@dataclass(frozen=True)
class PlannedCall:
    passage: Passage
    response_model: type[BaseModel]
    messages: list[dict[str, str]]


RESPONSE_MODELS: dict[str | None, type[BaseModel]] = {
    None: EventsInText,
    "deal": DealsInPassage,
    "appointment": AppointmentsInPassage,
}


@cache
def _passage_chars(version: PromptVersion, context_tokens: int) -> int:
    """How much filing text one call may carry: the version's wish, less what its prompt and answer take."""
    completion = COMPLETION_TOKENS[version.strategy]
    kinds: list[str | None] = [None] if version.strategy == "whole_filing" else ["deal", "appointment"]
    empty = {k: version.messages(kind=k, passage="", schema=RESPONSE_MODELS[k].model_json_schema()) for k in kinds}
    overhead = max(sum(len(m["content"]) for m in messages) // CHARS_PER_TOKEN for messages in empty.values())
    wanted = version.window_tokens if version.strategy == "whole_filing" else version.passage_tokens
    budget = min(wanted, context_tokens - completion - overhead - 64)
    if budget < 100:
        raise ConfigError(f"the model's context ({context_tokens} tokens) is too small for prompt {version.name}")
    return budget * CHARS_PER_TOKEN


def plan_calls(text: str, version: PromptVersion, context_tokens: int) -> list[PlannedCall]:
    """The calls a prompt version makes for a filing, each sized to fit the model's context window."""
    max_chars = _passage_chars(version, context_tokens)
    if version.strategy == "whole_filing":
        passages = windows(text, max_chars=max_chars)
    else:
        passages = find_passages(text, max_chars=max_chars, max_per_kind=version.passages_per_kind)
    calls = []
    for passage in passages:
        model = RESPONSE_MODELS[passage.kind]
        messages = version.messages(kind=passage.kind, passage=passage.text(text), schema=model.model_json_schema())
        calls.append(PlannedCall(passage=passage, response_model=model, messages=messages))
    return calls


async def _run_call(
    client: ModelClient, call: PlannedCall, filing: Filing, completion_tokens: int
) -> tuple[list[Deal], list[Appointment], CallTrace, list[str]]:
    grounding = GroundingContext(source=filing.text, window=(call.passage.start, call.passage.end))
    warnings: list[str] = []
    trace = CallTrace(kind=call.passage.kind, start=call.passage.start, end=call.passage.end, attempts=0,
                      prompt_tokens=0, completion_tokens=0, latency_s=0.0)  # fmt: skip
    try:
        answer, stats = await client.structured(
            call.response_model, call.messages, grounding, max_tokens=completion_tokens
        )
    except NoncompliantModelError as error:  # a transport failure propagates: the document must be retried
        stats = CallStats(error.attempts, error.prompt_tokens, error.completion_tokens)
        _fill(trace, stats, outcome="failed")
        trace.error = str(error)[:500]
        return [], [], trace, [f"passage {call.passage.start}-{call.passage.end}: {error}"]
    _fill(trace, stats, outcome="salvaged" if stats.salvaged else "valid")
    if stats.salvaged:
        warnings.append(
            f"passage {call.passage.start}-{call.passage.end}: kept only grounded values after "
            f"{stats.attempts} attempts ({'; '.join(stats.errors)[:300]})"
        )
    deals: list[Deal] = []
    appointments: list[Appointment] = []
    for candidate in [*getattr(answer, "deals", []), *getattr(answer, "appointments", [])]:
        try:
            record = candidate.to_record(grounding)
        except ValidationError as error:
            warnings.append(f"dropped a record that does not validate: {error.errors()[0]['msg']}")
            continue
        if isinstance(record, Deal):
            deals.append(record)
        else:
            appointments.append(record)
    trace.records = len(deals) + len(appointments)
    return deals, appointments, trace, warnings


def _fill(trace: CallTrace, stats: CallStats, *, outcome: str) -> None:
    trace.attempts, trace.prompt_tokens, trace.completion_tokens = (
        stats.attempts,
        stats.prompt_tokens,
        stats.completion_tokens,
    )
    trace.latency_s, trace.outcome = round(stats.latency_s, 3), outcome


async def extract_filing(filing: Filing, version: PromptVersion, client: ModelClient) -> ExtractionResult:
    """Run one prompt version over one filing with one model."""
    started = time.perf_counter()
    sections = split_sections(filing.text)
    calls = plan_calls(filing.text, version, client.context_tokens)
    completion = COMPLETION_TOKENS[version.strategy]
    gathered = await asyncio.gather(*(_run_call(client, call, filing, completion) for call in calls),
                                    return_exceptions=True)  # fmt: skip
    for failure in gathered:
        if isinstance(failure, BaseException):
            raise failure  # an unreachable model: the whole document fails, to be retried as a whole
    outcomes = [o for o in gathered if not isinstance(o, BaseException)]
    deals = merge_deals([d for outcome in outcomes for d in outcome[0]])
    appointments = merge_appointments([a for outcome in outcomes for a in outcome[1]])
    traces = [outcome[2] for outcome in outcomes]
    warnings = [*filing.notes, *(w for outcome in outcomes for w in outcome[3])]
    usage = Usage(
        calls=len(traces),
        attempts=sum(t.attempts for t in traces),
        prompt_tokens=sum(t.prompt_tokens for t in traces),
        completion_tokens=sum(t.completion_tokens for t in traces),
    )
    if traces and all(t.outcome == "failed" for t in traces):
        failure = ExtractionFailed(
            f"{filing.name}: every model call failed; first error: {warnings[len(filing.notes)]}",
            attempts=usage.attempts,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            calls=traces,
        )
        raise failure
    extraction = FilingExtraction(
        company=cover.company(filing.text),
        form_type=cover.form_type(filing.text),
        filing_date=cover.filing_date(filing.text),
        report_date=cover.report_date(filing.text),
        items=reported_items(sections, filing.text),
        deals=deals,
        appointments=appointments,
    )
    return ExtractionResult(
        document=filing.name,
        content_hash=filing.content_hash,
        extraction=extraction,
        model=client.model,
        prompt=version.name,
        prompt_sha256=version.sha256,
        usage=usage,
        latency_s=round(time.perf_counter() - started, 3),
        warnings=warnings,
        calls=traces,
    )


def evidence_verified(result: ExtractionResult, text: str) -> tuple[int, int]:
    """(verified, total) evidence quotes: each is looked up again in the filing text."""
    quotes = [e.quote for r in result.extraction.records() for e in r.evidence]
    return sum(1 for q in quotes if locate(q, text) is not None), len(quotes)


async def aextract(
    source: str | Path | bytes,
    *,
    prompt: str = "v2",
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    client: ModelClient | None = None,
    name: str | None = None,
) -> ExtractionResult:
    """Extract deals and appointments from one filing (a path, its text, or its bytes)."""
    from eightk.extract.config import make_client

    filing = read_filing(source, name=name)
    version = load_prompt(prompt)
    own_client = client is None
    active = client or make_client(model, base_url, api_key)
    try:
        return await extract_filing(filing, version, active)
    finally:
        if own_client:
            await active.aclose()


def extract(
    source: str | Path | bytes,
    *,
    prompt: str = "v2",
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    client: ModelClient | None = None,
    name: str | None = None,
) -> ExtractionResult:
    """Synchronous `aextract`, for scripts and notebooks without a running event loop."""
    return asyncio.run(
        aextract(source, prompt=prompt, model=model, base_url=base_url, api_key=api_key, client=client, name=name)
    )
