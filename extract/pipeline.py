"""filing -> sections -> passages -> model calls -> validated, grounded records -> one FilingExtraction.

The orchestration only: planning the calls is `eightk.extract.planning`, what comes back is
`eightk.extract.results`, and everything particular to a kind of record is its `RecordKind`.
"""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures import ThreadPoolExecutor

from eightk.errors import ExtractionFailed, NoncompliantModelError
from eightk.extract.cover import read_cover
from eightk.extract.llm import CallStats, ModelClient
from eightk.extract.merge import merge_records
from eightk.extract.planning import COMPLETION_TOKENS, PlannedCall, Records, kinds_read, plan_calls
from eightk.extract.reader import Filing, read_filing
from eightk.extract.results import CallTrace, ExtractionResult, Usage
from eightk.extract.sections import reported_items, split_sections
from eightk.extract.settings import default_prompt
from eightk.prompts import PromptVersion, load_prompt
from eightk.schemas import FilingExtraction, GroundingContext


async def _run_call(
    client: ModelClient, call: PlannedCall, filing: Filing, completion_tokens: int
) -> tuple[Records, CallTrace, list[str]]:
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
        return {}, trace, [f"passage {call.passage.start}-{call.passage.end}: {error}"]
    _fill(trace, stats, outcome="salvaged" if stats.salvaged else "valid")
    if stats.salvaged:
        warnings.append(
            f"passage {call.passage.start}-{call.passage.end}: kept only grounded values after "
            f"{stats.attempts} attempts ({'; '.join(stats.errors)[:300]})"
        )
    records = call.read(answer, grounding, warnings)
    trace.records = sum(len(found) for found in records.values())
    return records, trace, warnings


def _fill(trace: CallTrace, stats: CallStats, *, outcome: str) -> None:
    trace.attempts, trace.prompt_tokens, trace.completion_tokens = (
        stats.attempts,
        stats.prompt_tokens,
        stats.completion_tokens,
    )
    trace.latency_s, trace.outcome, trace.cached = round(stats.latency_s, 3), outcome, stats.cached


async def extract_filing(filing: Filing, version: PromptVersion, client: ModelClient) -> ExtractionResult:
    """Run one prompt version over one filing with one model."""
    started = time.perf_counter()
    sections = split_sections(filing.text)
    facts = read_cover(filing.text, filing.header)
    calls = plan_calls(filing.text, version, client.context_tokens, sections, registrant=facts.company)
    completion = COMPLETION_TOKENS[version.strategy]
    gathered = await asyncio.gather(*(_run_call(client, call, filing, completion) for call in calls),
                                    return_exceptions=True)  # fmt: skip
    for failure in gathered:
        if isinstance(failure, BaseException):
            raise failure  # an unreachable model: the whole document fails, to be retried as a whole
    outcomes = [o for o in gathered if not isinstance(o, BaseException)]
    traces = [trace for _, trace, _ in outcomes]
    warnings = [*filing.notes, *(w for _, _, found in outcomes for w in found)]
    usage = Usage(
        calls=len(traces),
        attempts=sum(t.attempts for t in traces),
        prompt_tokens=sum(t.prompt_tokens for t in traces),
        completion_tokens=sum(t.completion_tokens for t in traces),
        cached=sum(t.cached for t in traces),
    )
    if traces and all(t.outcome == "failed" for t in traces):
        raise ExtractionFailed(
            f"{filing.name}: every model call failed; first error: {warnings[len(filing.notes)]}",
            attempts=usage.attempts,
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            calls=traces,
        )
    found: Records = {}
    for records, _, _ in outcomes:
        for name, kept in records.items():
            found.setdefault(name, []).extend(kept)
    merged = {kind.field: merge_records(kind, found.get(kind.name, [])) for kind in kinds_read(version)}
    extraction = FilingExtraction(
        company=facts.company,
        form_type=facts.form_type,
        filing_date=facts.filing_date,
        report_date=facts.report_date,
        items=reported_items(sections, filing.text, filing.header),
        **merged,
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
        cik=facts.cik,
        accession_number=facts.accession_number,
    )


async def aextract(
    source: str | os.PathLike[str] | bytes,
    *,
    prompt: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    client: ModelClient | None = None,
    name: str | None = None,
    cache: bool = True,
) -> ExtractionResult:
    """Extract deals and appointments from one filing.

    source: a `Path` is a file to read; a `str` is the filing's text itself, never a file name; `bytes` its raw
    content. With no `client`, one is made from the arguments and the environment (`make_client`), and
    `cache=False` makes it ask the model again instead of answering a request seen before from the disk cache.
    """
    from eightk.extract.config import make_client
    from eightk.extract.settings import load_settings

    filing = read_filing(source, name=name)
    version = load_prompt(prompt or default_prompt())
    own_client = client is None
    # Making a client may ask the server what it serves: off the event loop, which may be a notebook's.
    active = client if client is not None else await asyncio.to_thread(
        make_client, load_settings(model=model, base_url=base_url, api_key=api_key), cache=cache
    )
    try:
        return await extract_filing(filing, version, active)
    finally:
        if own_client:
            await active.aclose()


def extract(
    source: str | os.PathLike[str] | bytes,
    *,
    prompt: str | None = None,
    model: str | None = None,
    base_url: str | None = None,
    api_key: str | None = None,
    client: ModelClient | None = None,
    name: str | None = None,
    cache: bool = True,
) -> ExtractionResult:
    """`aextract` for code that does not await: scripts, and notebooks too.

    `extract(Path("8-k.htm"))` reads a file; `extract("Item 5.02. On May 1, 2024, ...")` extracts from that text.
    Inside a running event loop (Jupyter), where `asyncio.run` is refused, the extraction runs to completion
    on a loop of its own in a worker thread; there, `await aextract(...)` does the same without the thread.
    """
    work = aextract(source, prompt=prompt, model=model, base_url=base_url, api_key=api_key, client=client,
                    name=name, cache=cache)  # fmt: skip
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="eightk-extract") as worker:
        return worker.submit(asyncio.run, work).result()
