"""A peer on the same model: Google's langextract, run against the embedded SmolLM2 server through its OpenAI
provider, scored by our scorer beside eightk v2 (replayed from the recorded eval run) on the same filings.

Why: F1 and tokens mean little without a reference; langextract is the nearest off-the-shelf tool (few-shot,
chunked, grounded to character offsets). It gets the same worked examples as our v2 prompt (Norvane/Kestrel,
Halden/Okafor), temperature 0, the same completion cap, one pass, one worker, and (like our response models,
whose list caps keep a small model from repeating a record until max_tokens) at most 3 records per answer
(--max-items; 0 sends langextract's schema uncapped). Its answers are turned into our records by our own
candidate models, `salvage` and `to_record` (every value grounded in the filing as ours are), and merged by
our own `merge_records`; a record that does not validate is dropped and counted. Its
native structured output (`response_format` json_schema) is refused by llama.cpp's server, so the same
example-derived schema is sent the way that server takes it (json_object with a "schema").

langextract does not report token usage: the SDK call it makes is wrapped and the server's `usage` of every
response is added up (prompt tokens include the prefix llama.cpp reuses from the previous request, as ours do).

langextract needs google-genai, which needs tenacity<9.2 while the project pins 9.2.1: it has a venv of its own.

    python3.11 -m venv /tmp/eightk-peer && /tmp/eightk-peer/bin/pip install -r benchmarks/requirements-peer.txt
    /tmp/eightk-peer/bin/python -m benchmarks.peer_langextract [--limit N] [--pattern GLOB] [--max-items N]
    # from the repo root; the default 8 filings take about 17 minutes on 2 cores
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import langextract as lx
from langextract.core.exceptions import InferenceRuntimeError
from langextract.providers.openai import OpenAILanguageModel
from langextract.providers.schemas.openai import OpenAISchema
from pydantic import BaseModel, ValidationError

from benchmarks.common import RESULTS, report
from eightk.evals.dataset import Sample, load_dataset
from eightk.evals.runner import run_eval_sync
from eightk.evals.scorer import Report, score_all
from eightk.extract.merge import merge_records
from eightk.extract.planning import COMPLETION_TOKENS, records_from
from eightk.extract.server import EmbeddedServer
from eightk.prompts import load_prompt
from eightk.schemas import (
    AppointmentAction,
    DealType,
    FilingExtraction,
    GroundingContext,
    PartyRole,
    RecordKind,
    registered,
    salvage,
)

MAX_CHAR_BUFFER = 1000  # langextract's default chunk size
MAX_TOKENS = COMPLETION_TOKENS["passages"]  # our v2 calls' completion cap
PROMPT_DESCRIPTION = f"""\
Extract the deals (license, collaboration, merger, acquisition, asset sale, investment, loan) that the text \
reports as signed, completed or amended, and each person the text reports as appointed, elected, promoted, \
resigning, retiring, terminated or deceased: one record per person and action. Skip agreements only mentioned \
as background, compensation and biography. Copy names, titles, amounts and dates exactly as written; use null \
when a value is not stated.
deal_type is one of: {", ".join(DealType)}. party_roles (one per party, in order) are from: \
{", ".join(PartyRole)}. action is one of: {", ".join(AppointmentAction)}."""

KINDS = {kind.name: kind for kind in registered()}  # langextract's extraction classes are our kind names


# --- our worked examples, as langextract examples; its answers, as our records -----------------------------


def attributes(record: dict[str, Any]) -> dict[str, Any]:
    """A v2 example record as flat langextract attributes: parties become two parallel lists."""
    flat: dict[str, Any] = {}
    for name, value in record.items():
        if name == "parties":
            flat["parties"] = [party["name"] for party in value]
            flat["party_roles"] = [party["role"] for party in value]
        elif name != "evidence":
            flat[name] = value
    return flat


def examples() -> list[Any]:
    """v2's one worked example per kind; each record's evidence quote is its extraction text."""
    version = load_prompt("v2")
    return [
        lx.data.ExampleData(
            text=example.passage,
            extractions=[
                lx.data.Extraction(kind, record["evidence"], attributes=attributes(record))
                for record in example.output[KINDS[kind].field]
            ],
        )
        for kind in KINDS
        for example in version.examples[kind]
    ]


def candidate_data(extraction: Any, text: str) -> dict[str, Any]:
    """A langextract extraction as the fields of our candidate; the evidence is the span it was aligned to."""
    values = dict(extraction.attributes or {})
    if "party_roles" in values:  # a kind with parties: langextract's flat attributes as our party list
        names, roles = values.pop("parties", None) or [], values.pop("party_roles", None) or []
        values["parties"] = [{"name": n, "role": roles[i] if i < len(roles) else "other"} for i, n in enumerate(names)]
    span = extraction.char_interval
    aligned = span is not None and span.start_pos is not None and span.end_pos is not None
    values["evidence"] = text[span.start_pos : span.end_pos] if aligned else extraction.extraction_text
    return values


def to_record(extraction: Any, text: str) -> tuple[RecordKind, BaseModel]:
    """Our record for one extraction, checked and grounded as our pipeline's are; ValueError when it cannot be."""
    kind = KINDS.get(extraction.extraction_class)
    if kind is None:
        raise ValueError(f"unknown class {extraction.extraction_class!r}")
    grounding = GroundingContext(source=text)
    lenient = {**grounding.as_context(), "salvage": True}  # types, enums and amounts checked; grounding next
    candidate = kind.candidate.model_validate(candidate_data(extraction, text), context=lenient)
    kept = salvage(kind.container, {kind.field: [candidate.model_dump()]}, grounding)  # ungrounded nulled, as ours
    if kept is None or not getattr(kept, kind.field):
        raise ValueError("a name or the evidence does not occur in the filing")
    warnings: list[str] = []
    records = records_from((kind,))(kept, grounding, warnings).get(kind.name)
    if not records:
        raise ValueError(warnings[0] if warnings else "the record does not validate")
    return kind, records[0]


def reason(error: ValueError) -> str:
    """Why a record was dropped, short enough to tally: the first failing field and its error type."""
    if isinstance(error, ValidationError):
        first = error.errors()[0]
        return f"{'.'.join(str(part) for part in first['loc'])}: {first['type']}"
    return str(error)[:80]


# --- running langextract --------------------------------------------------------------------------------


class Meter:
    """Wraps the SDK call langextract makes: adds up the server's `usage`, keeps the last request."""

    def __init__(self, create: Callable[..., Any]) -> None:
        self._create = create
        self.counts: Counter[str] = Counter()
        self.last_request: dict[str, Any] = {}

    def __call__(self, **params: Any) -> Any:
        self.last_request = params
        response = self._create(**params)
        self.counts.update(calls=1, prompt_tokens=response.usage.prompt_tokens,
                           completion_tokens=response.usage.completion_tokens,
                           cut_at_max_tokens=int(response.choices[0].finish_reason == "length"))  # fmt: skip
        return response

    def take(self) -> Counter[str]:
        counts, self.counts = self.counts, Counter()
        return counts


def peer_model(server: EmbeddedServer, schema: OpenAISchema | None = None, max_tokens: int = MAX_TOKENS,
               **options: Any) -> Any:  # fmt: skip
    return OpenAILanguageModel(model_id=server.model_alias, base_url=server.base_url, api_key="embedded",
                               openai_schema=schema, temperature=0.0, seed=0, max_workers=1,
                               max_output_tokens=max_tokens, **options)  # fmt: skip


def constrained_output(shots: list[Any], max_items: int) -> dict[str, Any]:
    """langextract's example-derived schema as llama.cpp takes it, its list capped like our response models'
    (a small model under a grammar repeats a record until the cap or max_tokens; cut, a chunk's answer is lost)."""
    schema: dict[str, Any] = OpenAISchema.from_examples(shots).schema_dict
    if max_items:
        schema["properties"][lx.data.EXTRACTIONS_KEY]["maxItems"] = max_items
    return {"type": "json_object", "schema": schema}


def native_schema_refusal(server: EmbeddedServer, shots: list[Any]) -> str | None:
    """What the server answers to langextract's own schema-constrained request (response_format json_schema)."""
    try:
        list(peer_model(server, OpenAISchema.from_examples(shots), max_tokens=1).infer(["Acme hired Bo Li."]))
    except InferenceRuntimeError as error:
        return str(error)
    return None


@dataclass
class PeerFiling:
    doc_id: str
    prediction: FilingExtraction
    seconds: float
    usage: Counter[str]
    extractions: int = 0
    dropped: Counter[str] = field(default_factory=Counter)
    error: str | None = None


def run_peer(model: Any, meter: Meter, shots: list[Any], sample: Sample) -> PeerFiling:
    text = sample.filing.text
    began = time.perf_counter()
    try:
        annotated = lx.extract(text, prompt_description=PROMPT_DESCRIPTION, examples=shots, model=model,
                               max_char_buffer=MAX_CHAR_BUFFER, max_workers=1, batch_length=1, extraction_passes=1,
                               use_schema_constraints=False, show_progress=False)  # fmt: skip
    except InferenceRuntimeError as error:  # scored as an empty prediction, like a failed filing of ours
        failed = {k: v for k, v in meter.last_request.items() if k != "messages"}
        return PeerFiling(sample.id, FilingExtraction(), time.perf_counter() - began, meter.take(),
                          error=f"{error} (request: {json.dumps(failed, default=str)[:500]})")  # fmt: skip
    seconds = time.perf_counter() - began
    result = PeerFiling(sample.id, FilingExtraction(), seconds, meter.take(), extractions=len(annotated.extractions))
    found: dict[str, list[BaseModel]] = {}
    for extraction in annotated.extractions:
        try:
            kind, record = to_record(extraction, text)
        except ValueError as error:
            result.dropped[reason(error)] += 1
            continue
        found.setdefault(kind.name, []).append(record)
    result.prediction = FilingExtraction(
        **{kind.field: merge_records(kind, found.get(kind.name, [])) for kind in KINDS.values()}
    )
    return result


# --- the side-by-side ----------------------------------------------------------------------------------


def select(pattern: str, limit: int) -> list[Sample]:
    """The first `limit` filings in benchmarks.embedded's fixed shuffled order, so its timings overlap."""
    samples = load_dataset(pattern=pattern, sources=["corpus"])
    random.Random(0).shuffle(samples)
    return samples[:limit]


def embedded_v2_seconds(ids: list[str]) -> list[float]:
    """eightk v2's wall seconds for these filings from benchmarks/results/embedded.json, where it has them."""
    path = RESULTS / "embedded.json"
    if not path.is_file():
        return []
    labels = {f"v2 {doc_id[:40]}" for doc_id in ids}
    return [float(row[1]) for row in json.loads(path.read_text())["rows"] if row[0] in labels]


def row(name: str, scored: Report, prompt: list[int], completion: list[int], seconds: str) -> list[Any]:
    types = scored.type_counts()
    scored_types = {kind: counts for kind, counts in types.items() if counts.tp + counts.fp + counts.fn}
    f1 = {kind: f"{scored_types[kind].f1:.3f}" if kind in scored_types else "n/a" for kind in KINDS}
    micro = scored.micro
    return [name, len(scored.documents), micro.precision, micro.recall, micro.f1, *f1.values(),
            statistics.mean(prompt), statistics.mean(completion), seconds]  # fmt: skip


def main(pattern: str, limit: int, max_items: int) -> None:
    samples = select(pattern, limit)
    shots = examples()
    with EmbeddedServer() as server:
        refusal = native_schema_refusal(server, shots)
        model = peer_model(server, response_format=constrained_output(shots, max_items))
        meter = Meter(model._client.chat.completions.create)
        model._client.chat.completions.create = meter
        peers = [run_peer(model, meter, shots, sample) for sample in samples]
    ours = run_eval_sync(["v2"], pattern=pattern, sources=["corpus"])["v2"].results
    peer_report = score_all((s.id, s.gold, p.prediction) for s, p in zip(samples, peers, strict=True))
    our_report = score_all((s.id, s.gold, ours[s.id].extraction) for s in samples)
    timed = embedded_v2_seconds([s.id for s in samples])
    our_seconds = f"{statistics.mean(timed):.1f} ({len(timed)} of {len(samples)})" if timed else "n/a"
    dropped = sum((p.dropped for p in peers), Counter[str]())
    rows = [
        row("langextract", peer_report, [p.usage["prompt_tokens"] for p in peers],
            [p.usage["completion_tokens"] for p in peers], f"{statistics.mean(p.seconds for p in peers):.1f}"),
        row("eightk v2", our_report, [ours[s.id].usage.prompt_tokens for s in samples],
            [ours[s.id].usage.completion_tokens for s in samples], our_seconds),
    ]  # fmt: skip
    calls = sum((p.usage for p in peers), Counter[str]())
    report(
        "peer_langextract" if max_items else "peer_langextract_uncapped",
        f"langextract vs eightk on {server.model_alias}, {len(samples)} filings; langextract: {calls['calls']} calls, "
        f"{sum(p.extractions for p in peers)} extractions, {dropped.total()} dropped, "
        f"{calls['cut_at_max_tokens']} answers cut at max_tokens, {sum(p.error is not None for p in peers)} failed",
        ["system", "docs", "P", "R", "F1", *(f"{kind} F1" for kind in KINDS), "prompt tok", "compl tok", "s/filing"],
        rows,
        {"settings": {"max_char_buffer": MAX_CHAR_BUFFER, "max_tokens": MAX_TOKENS, "max_items": max_items,
                      "extraction_passes": 1, "max_workers": 1, "temperature": 0,
                      "prompt_description": PROMPT_DESCRIPTION},
         "native_json_schema_refused": refusal, "dropped": dict(dropped), "calls": dict(calls),
         "langextract": {"report": peer_report.as_dict(), "filings": [
             {"id": p.doc_id, "seconds": p.seconds, **p.usage, "extractions": p.extractions,
              "dropped": dict(p.dropped), "error": p.error} for p in peers]},
         "eightk_v2": {"report": our_report.as_dict(), "embedded_seconds": timed}},
    )  # fmt: skip


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=8, help="how many filings (default 8)")
    parser.add_argument("--pattern", default="*", help="a glob on the filing id")
    parser.add_argument("--max-items", type=int, default=3, help="cap on extractions per chunk; 0: no cap")
    arguments = parser.parse_args()
    main(arguments.pattern, arguments.limit, arguments.max_items)
