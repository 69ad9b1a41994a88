"""Which calls a prompt version makes for a filing: passages (or windows), the answer model, the messages.

Planning needs no model, so the same plan serves extraction, cost estimates and the token benchmark.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache

from pydantic import BaseModel, ValidationError

from eightk.errors import ConfigError
from eightk.extract.passages import Passage, find_passages, windows
from eightk.extract.sections import Section, split_sections
from eightk.prompts import PromptVersion
from eightk.schemas import Candidate, GroundingContext, RecordKind, ResponseModel, kind_named, whole_filing_model
from eightk.schemas.questions import Question, Reading
from eightk.text.mentions import organizations

CHARS_PER_TOKEN = 4  # a conservative average for English filings and these tokenizers
COMPLETION_TOKENS = {"passages": 450, "whole_filing": 256, "questions": 160}
_PEOPLE_PER_FILING = 8  # questions about people, over all passages of a filing: a bound on its calls

Records = dict[str, list[BaseModel]]  # per kind name
ReadAnswer = Callable[[BaseModel, GroundingContext, list[str]], Records]


@dataclass(frozen=True)
class PlannedCall:
    passage: Passage
    kinds: tuple[RecordKind, ...]  # the kinds its answer holds: one for a passage, all for a window
    response_model: type[ResponseModel]
    messages: list[dict[str, str]]
    read: ReadAnswer = field(compare=False)  # the records of the call's answer (warnings appended)


def records_from(kinds: tuple[RecordKind, ...]) -> ReadAnswer:
    """How an answer of candidates becomes records, per kind; a record that does not validate is dropped
    with a warning (its values were grounded, but e.g. a date or an amount did not normalize)."""

    def read(answer: BaseModel, grounding: GroundingContext, warnings: list[str]) -> Records:
        records: Records = {}
        for kind in kinds:
            for candidate in getattr(answer, kind.field, []):
                assert isinstance(candidate, Candidate)
                try:
                    records.setdefault(kind.name, []).append(candidate.to_record(grounding))
                except ValidationError as error:
                    warnings.append(f"dropped a record that does not validate: {error.errors()[0]['msg']}")
        return records

    return read


def _answered(kind: RecordKind, question: Question) -> ReadAnswer:
    def read(answer: BaseModel, grounding: GroundingContext, warnings: list[str]) -> Records:
        try:
            record = question.answer(answer, grounding)
        except ValidationError as error:
            warnings.append(f"dropped a record that does not validate: {error.errors()[0]['msg']}")
            return {}
        return {kind.name: [record]} if record is not None else {}

    return read


def kinds_read(version: PromptVersion) -> tuple[RecordKind, ...]:
    return tuple(kind_named(name) for name in version.kinds)


def _response_model(version: PromptVersion, kind: RecordKind | None) -> type[ResponseModel]:
    return kind.container if kind is not None else whole_filing_model(kinds_read(version))


@cache
def _passage_chars(version: PromptVersion, context_tokens: int) -> int:
    """How much filing text one call may carry: the version's wish, less what its prompt and answer take."""
    completion = COMPLETION_TOKENS[version.strategy]
    kinds: list[RecordKind | None] = [None] if version.strategy == "whole_filing" else list(kinds_read(version))
    empty = [
        version.messages(
            kind=k.name if k else None,
            passage="",
            schema=_response_model(version, k).model_json_schema(),
            example_options=_example_options(version, k) if k else None,
        )
        for k in kinds
    ]
    overhead = max(sum(len(m["content"]) for m in messages) // CHARS_PER_TOKEN for messages in empty)
    wanted = version.window_tokens if version.strategy == "whole_filing" else version.passage_tokens
    budget = min(wanted, context_tokens - completion - overhead - 64)
    if budget < 100:
        raise ConfigError(f"the model's context ({context_tokens} tokens) is too small for prompt {version.name}")
    return budget * CHARS_PER_TOKEN


@cache
def _example_options(version: PromptVersion, kind: RecordKind) -> list[str] | None:
    """The options each worked example shows, found in its passage by the same code as a filing's, and its
    answer checked against them: an example that chooses what its passage does not offer is a mistake."""
    if version.strategy != "questions":
        return None
    if kind.questions is None:
        raise ConfigError(f"record kind {kind.name!r} asks no source-constrained questions (prompt {version.name})")
    shown = []
    for example in version.examples.get(kind.name, []):
        reading = Reading(example.passage, 0, len(example.passage))
        asked = {question.subject: question for question in kind.questions(reading)}
        question = asked.get(example.subject)
        if question is None:
            raise ConfigError(f"prompt {version.name}: its {kind.name} example asks about {example.subject!r}, "
                              f"which its passage does not name as such (found: {', '.join(asked)})")  # fmt: skip
        try:
            question.response_model.model_validate(example.output)
        except ValidationError as error:
            raise ConfigError(f"prompt {version.name}: a {kind.name} example answers outside its options: "
                              f"{error.errors()[0]['msg']} ({json.dumps(example.output)[:200]})") from None  # fmt: skip
        shown.append(question.options_text())
    return shown


def plan_calls(
    text: str,
    version: PromptVersion,
    context_tokens: int,
    sections: list[Section] | None = None,
    registrant: str | None = None,
) -> list[PlannedCall]:
    """The calls a prompt version makes for a filing, each sized to fit the model's context window."""
    max_chars = _passage_chars(version, context_tokens)
    kinds = kinds_read(version)
    if version.strategy == "whole_filing":
        passages = windows(text, max_chars=max_chars)
    else:
        sections = split_sections(text) if sections is None else sections
        passages = find_passages(text, kinds, sections, max_chars=max_chars, max_per_kind=version.passages_per_kind)
    if version.strategy == "questions":
        return _question_calls(text, version, passages, registrant)
    calls = []
    for passage in passages:
        kind = kind_named(passage.kind) if passage.kind is not None else None
        model = _response_model(version, kind)
        messages = version.messages(kind=passage.kind, passage=passage.text(text), schema=model.model_json_schema())
        read = records_from((kind,) if kind is not None else kinds)
        calls.append(PlannedCall(passage, (kind,) if kind is not None else kinds, model, messages, read))
    return calls


def _question_calls(
    text: str, version: PromptVersion, passages: list[Passage], registrant: str | None
) -> list[PlannedCall]:
    """One call per question: per person a passage names (each person once per filing), per deal passage."""
    calls: list[PlannedCall] = []
    asked: set[tuple[str, str]] = set()
    if registrant is None:  # a press release without a cover page: the company it names first is its own
        named = organizations(text, 0, len(text))
        registrant = named[0].text if named else None
    for passage in passages:
        assert passage.kind is not None
        kind = kind_named(passage.kind)
        example_options = _example_options(version, kind)
        for question in kind.questions(Reading(text, passage.start, passage.end, registrant)) if kind.questions else []:
            key = (kind.name, question.subject.lower())
            if question.subject and (key in asked or len(asked) >= _PEOPLE_PER_FILING):
                continue
            asked.add(key)
            messages = version.messages(
                kind=kind.name,
                passage=passage.text(text),
                schema=question.response_model.model_json_schema(),
                subject=question.subject,
                options=question.options_text(),
                example_options=example_options,
            )
            calls.append(PlannedCall(passage, (kind,), question.response_model, messages, _answered(kind, question)))
    return calls
