"""Prompt and completion tokens per filing for each prompt version, against a naive baseline: one call with
the whole filing and the whole `FilingExtraction` schema (grammar-enforced, like ours), its records kept
when they validate and their evidence is found in the filing. F1 is measured for all of them, so "fewer
tokens" is only claimed at equal or better quality.

Everything is replayed from cassettes (the naive run's in cassettes/<model>/naive/). `--record` calls the
embedded model for the naive run again (about 15 minutes on 2 cores).

    python -m benchmarks.tokens [--record]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
from dataclasses import dataclass, field

import openai
from pydantic import BaseModel, ValidationError

from benchmarks.common import report
from eightk.evals.cassettes import cassette_path, recorder
from eightk.evals.dataset import Sample, load_dataset
from eightk.evals.runner import REPLAY_URL, run_eval_sync
from eightk.evals.scorer import Report, score_all
from eightk.extract.server import EmbeddedServer, default_model_path
from eightk.schemas import FilingExtraction, GroundingContext, registered

NAIVE_SYSTEM = "Extract every deal and every appointment in this SEC 8-K filing as JSON matching this schema:\n"
NAIVE_MAX_TOKENS = 768


@dataclass
class NaiveRun:
    extractions: dict[str, FilingExtraction] = field(default_factory=dict)
    prompt_tokens: list[int] = field(default_factory=list)
    completion_tokens: list[int] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)  # documents the server refused (e.g. over its context)
    dropped_records: int = 0


def _grounded(model: type[BaseModel], data: object, text: str) -> BaseModel | None:
    try:
        return model.model_validate(data, context=GroundingContext(source=text).as_context())
    except ValidationError:
        return None


async def naive_extraction(client: openai.AsyncOpenAI, model: str, sample: Sample, run: NaiveRun) -> None:
    text = sample.filing.text
    schema = FilingExtraction.model_json_schema()
    try:
        response = await client.chat.completions.create(
            model=model,
            messages=[
                {"role": "system", "content": NAIVE_SYSTEM + json.dumps(schema, separators=(",", ":"))},
                {"role": "user", "content": text},
            ],
            temperature=0,
            seed=0,
            max_tokens=NAIVE_MAX_TOKENS,
            extra_body={"response_format": {"type": "json_object", "schema": schema}},
        )
    except openai.APIStatusError as error:
        run.rejected.append(f"{sample.id}: {error.status_code}")
        run.extractions[sample.id] = FilingExtraction()
        return
    usage = response.usage
    run.prompt_tokens.append(usage.prompt_tokens if usage else 0)
    run.completion_tokens.append(usage.completion_tokens if usage else 0)
    try:
        answer = json.loads(response.choices[0].message.content or "{}")
    except json.JSONDecodeError:  # cut off at max_tokens
        answer = {}
    kept: dict[str, list[BaseModel]] = {}
    for kind in registered():
        wanted = answer.get(kind.field) or []
        kept[kind.field] = [r for r in (_grounded(kind.record, item, text) for item in wanted) if r is not None]
        run.dropped_records += len(wanted) - len(kept[kind.field])
    run.extractions[sample.id] = FilingExtraction(**kept)


async def naive_run(samples: list[Sample], record: bool) -> NaiveRun:
    run = NaiveRun()
    model = default_model_path().stem
    server = EmbeddedServer().start() if record else None
    client = openai.AsyncOpenAI(base_url=server.base_url if server else REPLAY_URL, api_key="none", max_retries=0,
                                timeout=600)  # fmt: skip
    try:
        for sample in samples:
            path = cassette_path(model, "naive", sample.id)
            path.parent.mkdir(parents=True, exist_ok=True)
            if record:
                path.unlink(missing_ok=True)
            with recorder(record).use_cassette(str(path)):
                await naive_extraction(client, model, sample, run)
    finally:
        await client.close()
        if server:
            server.stop()
    return run


def row(name: str, prompt: list[int], completion: list[int], calls: float, scores: Report) -> list[object]:
    return [name, statistics.mean(prompt), statistics.mean(completion), calls, scores.micro.f1,
            scores.micro.precision, scores.micro.recall]  # fmt: skip


def main(record: bool) -> None:
    samples = load_dataset(sources=["corpus"])  # the naive run is recorded for the corpus
    naive = asyncio.run(naive_run(samples, record))
    naive_scores = score_all((s.id, s.gold, naive.extractions[s.id]) for s in samples)
    answered = len(naive.prompt_tokens)
    rows = [row(f"naive: whole filing + whole schema, 1 call ({answered} answered)", naive.prompt_tokens,
                naive.completion_tokens, 1.0, naive_scores)]  # fmt: skip
    for prompt, run in run_eval_sync(["v1", "v2", "v3"], sources=["corpus"]).items():
        usage = [r.usage for r in run.results.values()]
        calls = statistics.mean(u.calls for u in usage)
        prompt_tokens, completion_tokens = [u.prompt_tokens for u in usage], [u.completion_tokens for u in usage]
        rows.append(row(f"{prompt} (all attempts)", prompt_tokens, completion_tokens, calls, run.report))
    ratio = rows[-1][1] / rows[0][1]  # type: ignore[operator]
    report(
        "tokens",
        f"tokens per filing, mean over {len(samples)} filings (v2 prompt tokens = {ratio:.2f} x naive)",
        ["strategy", "prompt tokens", "completion tokens", "calls", "micro F1", "precision", "recall"],
        rows,
        {"v2_to_naive_ratio": ratio, "naive_rejected": naive.rejected, "naive_dropped_records": naive.dropped_records},
    )
    if naive.rejected:
        print(f"the server refused {len(naive.rejected)} naive calls: {', '.join(naive.rejected)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--record", action="store_true", help="call the embedded model for the naive baseline")
    main(parser.parse_args().record)
