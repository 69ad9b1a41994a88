"""Do the cassettes still tell the truth? Re-ask the model live and compare its answers with the recordings.

A cassette holds the answer a model gave once. The same model served by another build, on another machine
or after an upgrade may answer the same request differently (the Sohn and Joss filings did), and replay
would hide that forever. A live check sends a few recorded documents' requests to the model again and
reports, call by call, whether each answer is the recorded one.

Answers are judged per passage read (its kind and span: the calls about it, with their re-asks): "same"
when every request made live is in the cassette with the same answer, "different" when an answer differs,
"unrecorded" when a request is not in the cassette at all (the code, the prompt or the client's settings
changed since recording: the cassette is stale, not the model).
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from vcr.request import Request

from eightk.errors import ConfigError, ExtractionFailed
from eightk.evals.cassettes import cassette_path, hash_request_body, recorder
from eightk.evals.dataset import Sample
from eightk.extract.llm import ModelClient
from eightk.extract.pipeline import extract_filing
from eightk.extract.results import CallTrace
from eightk.prompts import PromptVersion
from eightk.schemas.evidence import active_grounding

Verdict = Literal["same", "different", "unrecorded"]


@dataclass(frozen=True)
class PassageCheck:
    passage: str  # "appointment 598-1203": its kind and span, as the eval log names its calls
    verdict: Verdict


@dataclass(frozen=True)
class DocumentCheck:
    id: str
    passages: list[PassageCheck]

    def count(self, verdict: Verdict) -> int:
        return sum(passage.verdict == verdict for passage in self.passages)

    @property
    def same(self) -> bool:
        return all(passage.verdict == "same" for passage in self.passages)


def answer_of(response: dict[str, Any]) -> str:
    """What the model said in a recorded response: its status and messages, without ids, times or usage."""
    raw = response["body"]["string"]
    try:
        body = json.loads(raw)
    except ValueError:
        return f"{response['status']['code']} {raw!r}"
    messages = [(c.get("message") or {}) for c in body.get("choices") or []] if isinstance(body, dict) else body
    return json.dumps([response["status"]["code"], messages], sort_keys=True)


def recorded_answers(cassette: Path) -> dict[str, str]:
    """Request digest -> recorded answer."""
    data = json.loads(cassette.read_text(encoding="utf-8"))
    return {i["request"]["body"]: answer_of(i["response"]) for i in data["interactions"]}


async def check_document(sample: Sample, version: PromptVersion, client: ModelClient, cassette: Path) -> DocumentCheck:
    """Extract `sample` live, capturing every exchange, and judge each passage's calls against `cassette`.

    An exchange is filed under the passage whose grounding is active when it is recorded (the pipeline
    grounds each call in its passage), so the calls are the ones actually made, whatever planned them.
    """
    passage_of: dict[str, tuple[int, int] | None] = {}  # request digest -> the span of the passage it asked about

    def capture(request: Request) -> Request:
        grounding = active_grounding()
        hashed = hash_request_body(request)
        passage_of[hashed.body.decode("ascii")] = grounding.window if grounding is not None else None
        return hashed

    live = recorder(record=True, before_record_request=capture)
    with tempfile.TemporaryDirectory() as scratch, live.use_cassette(str(Path(scratch) / "live.json")) as taped:
        try:
            traces = (await extract_filing(sample.filing, version, client)).calls
        except ExtractionFailed as error:  # every answer failed validation: they are still there to compare
            traces = [call for call in error.calls if isinstance(call, CallTrace)]
        exchanges = [(request.body.decode("ascii"), answer_of(response))
                     for request, response in zip(taped.requests, taped.responses, strict=True)]  # fmt: skip
    recorded = recorded_answers(cassette)
    checks = []
    for span in dict.fromkeys(passage_of.get(digest) for digest, _ in exchanges):
        ours = [(digest, answer) for digest, answer in exchanges if passage_of.get(digest) == span]
        checks.append(PassageCheck(_label(span, traces), _verdict(ours, recorded)))
    return DocumentCheck(sample.id, checks)


def _label(span: tuple[int, int] | None, traces: list[CallTrace]) -> str:
    """A passage as the eval log names its calls: "appointment 598-1203", "deal 96-366 (2 calls)"."""
    if span is None:
        return "a call outside any passage"
    kinds = [trace.kind or "window" for trace in traces if (trace.start, trace.end) == span]
    calls = f" ({len(kinds)} calls)" if len(kinds) > 1 else ""
    return f"{'/'.join(dict.fromkeys(kinds)) or 'passage'} {span[0]}-{span[1]}{calls}"


def _verdict(exchanges: list[tuple[str, str]], recorded: dict[str, str]) -> Verdict:
    if any(digest not in recorded for digest, _ in exchanges):
        return "unrecorded"
    return "different" if any(recorded[digest] != answer for digest, answer in exchanges) else "same"


async def live_check(
    version: PromptVersion, samples: list[Sample], client: ModelClient, root: Path, limit: int
) -> list[DocumentCheck]:
    """The first `limit` of `samples` recorded for this version and model, each re-run live and judged."""
    recorded = [(s, cassette_path(client.model, version.name, s.id, root)) for s in samples]
    chosen = [(sample, path) for sample, path in recorded if path.is_file()][:limit]
    if not chosen:
        raise ConfigError(f"no recordings of {version.name} on {client.model} in {root} to check")
    return [await check_document(sample, version, client, path) for sample, path in chosen]
