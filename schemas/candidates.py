"""What a model fills: small, flat, per-event schemas whose every value is copied from the passage.

A small model does well at copying spans and badly at arithmetic and normalization, so it copies ("$2
million", "May 4, 2000") and each kind's `to_record` normalizes. The validators check every copied value
against the passage the model was shown: instructor feeds their errors back, and a value still not found
after the last retry is dropped by `salvage`, never kept. This module is the machinery every kind shares;
the candidates themselves live with their kind (`eightk.schemas.deal`, `eightk.schemas.appointment`).
"""

from __future__ import annotations

import json
import re
from enum import Enum
from functools import cache
from typing import Any, Self, get_args

from pydantic import BaseModel, ValidationInfo, model_validator

from eightk.schemas.evidence import GroundingContext, grounding_of
from eightk.text.fold import locate, sentences


class Grounded(BaseModel):
    """Base for what a model copies: every string value must occur in the passage."""

    def _ungrounded(self, grounding: GroundingContext) -> list[str]:
        problems = []
        for path, value in _string_values(self):
            if locate(value, grounding.source, grounding.window) is None:
                problems.append(f"{path}={value!r} does not occur in the passage; copy it exactly or use null")
        for name, number in _numbers(self):
            if not _number_in(number, grounding):
                problems.append(f"{name}={number} does not occur in the passage; use null")
        return problems

    @model_validator(mode="after")
    def _check_grounding(self, info: ValidationInfo) -> Self:
        grounding = grounding_of(info)
        if grounding is not None and not (info.context or {}).get("salvage"):
            problems = self._ungrounded(grounding)
            if problems:
                raise ValueError("; ".join(problems))
        return self


def _string_values(model: BaseModel, prefix: str = "") -> list[tuple[str, str]]:
    """Every free-text value of a candidate with its path (enum values are the schema's, not copied)."""
    values: list[tuple[str, str]] = []
    for name, value in model:
        path = f"{prefix}{name}"
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            item_path = f"{path}[{index}]" if isinstance(value, list) else path
            if isinstance(item, str) and not isinstance(item, Enum):
                values.append((item_path, item))
            elif isinstance(item, BaseModel):
                values.extend(_string_values(item, f"{item_path}."))
    return values


def _sentence_naming(anchor: str | None, grounding: GroundingContext) -> str | None:
    """The first sentence of the passage that names `anchor`: evidence located by us, not by the model."""
    if not anchor:
        return None
    start, end = grounding.window or (0, len(grounding.source))
    for span in sentences(grounding.source, start, end):
        sentence = grounding.source[span.start : span.end].strip()
        if sentence and locate(anchor, sentence) is not None:
            return sentence[:600]
    return None


def _numbers(model: BaseModel) -> list[tuple[str, int]]:
    return [(n, v) for n, v in model if isinstance(v, int) and not isinstance(v, bool)]


def _number_in(number: int, grounding: GroundingContext) -> bool:
    start, end = grounding.window or (0, len(grounding.source))
    return re.search(rf"(?<![\d.,]){number}(?![\d]|[.,]\d)", grounding.source[start:end]) is not None


def _strip_ungrounded(model: BaseModel, grounding: GroundingContext) -> BaseModel | None:
    """The model with ungrounded nullable values nulled; None when a value that cannot be null is ungrounded."""
    data: dict[str, Any] = {}
    for name, value in model:
        required = type(None) not in get_args(type(model).model_fields[name].annotation)
        if isinstance(value, str) and not isinstance(value, Enum):
            grounded = locate(value, grounding.source, grounding.window) is not None
            if not grounded and name == "evidence":
                anchor = model.anchor() if isinstance(model, Candidate) else None
                value, grounded = _sentence_naming(anchor, grounding), True
            if (not grounded or value is None) and required:
                return None
            data[name] = value if grounded else None
        elif isinstance(value, list):
            kept = []
            for item in value:
                if isinstance(item, BaseModel):
                    item = _strip_ungrounded(item, grounding)
                elif isinstance(item, str) and locate(item, grounding.source, grounding.window) is None:
                    item = None
                if item is not None:
                    kept.append(item)
            if not kept and value and type(model).model_fields[name].metadata:  # a list with a min_length
                return None
            data[name] = kept
        elif isinstance(value, int) and not isinstance(value, bool) and not _number_in(value, grounding):
            data[name] = None
        else:
            data[name] = value
    return type(model).model_validate(data, context={**grounding.as_context(), "salvage": True})


_FLAG_WORDS = {
    "exclusive": re.compile(r"exclusiv", re.I),
    "royalties": re.compile(r"royalt", re.I),
    "interim": re.compile(r"\binterim\b|\bacting\b", re.I),
}


def flag(name: str, value: bool | None, grounding: GroundingContext) -> bool | None:
    """A yes/no the passage can support: `True` needs its word in the passage ("exclusive", "royalties",
    "interim"); `False` where the word is there is as likely a misreading. Either way unsupported means
    unknown (None): a small model copies the example's `true`, and the text decides."""
    if value is None:
        return None
    start, end = grounding.window or (0, len(grounding.source))
    mentioned = _FLAG_WORDS[name].search(grounding.source, start, end) is not None
    return value if value == mentioned else None


_ABBREVIATED = re.compile(
    r"\b(inc|corp|co|ltd|jr|sr|l\.p|n\.a|n\.v|s\.a|b\.v|a\.g|s\.p\.a|p\.c|l\.l\.c)$", re.IGNORECASE
)


def as_written(value: str | None, grounding: GroundingContext) -> str | None:
    """The source's own spelling of a grounded value ("Genentech, Inc." for "Genentech Inc")."""
    if value is None:
        return None
    span = locate(value, grounding.source, grounding.window)
    if span is None:
        return value
    end = span.end
    # Matching ignores punctuation, so a match stops before the period of "Inc." or "Jr."; a name keeps it.
    if grounding.source[end : end + 1] == "." and _ABBREVIATED.search(grounding.source, span.start, end):
        end += 1
    return " ".join(grounding.source[span.start : end].split())


class Candidate(Grounded):
    """One record as a model fills it for one passage; its kind turns it into the canonical record."""

    def anchor(self) -> str | None:
        """The value the record is about (a person, the first party): evidence is looked for around it."""
        return None

    def to_record(self, grounding: GroundingContext) -> BaseModel:
        raise NotImplementedError


@cache
def _schema_json(model: type[BaseModel], key: tuple[Any, ...]) -> str:
    args, kwargs = key
    schema = BaseModel.model_json_schema.__func__(model, *args, **dict(kwargs))  # type: ignore[attr-defined]
    return json.dumps(schema)


class ResponseModel(BaseModel):
    """A model a call answers with. Its JSON schema goes into every request (and into instructor's own
    preparation of it), so it is generated once per class, not per call: profiling showed 11 ms each.
    Each caller gets its own copy, parsed from the cached JSON (faster than a deep copy)."""

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        schema: dict[str, Any] = json.loads(_schema_json(cls, (args, tuple(sorted(kwargs.items())))))
        return schema


def salvage(response_model: type[BaseModel], data: Any, grounding: GroundingContext) -> BaseModel | None:
    """The grounded part of an answer that failed every re-ask: each record kept only with its grounded
    values, a record whose evidence or name is not in the source dropped. Never keeps an ungrounded value."""
    if not isinstance(data, dict):
        return None
    lenient = {**grounding.as_context(), "salvage": True}
    kept: dict[str, list[BaseModel]] = {}
    for name, field in response_model.model_fields.items():
        item_type = next(iter(get_args(field.annotation)), None)
        if not (isinstance(item_type, type) and issubclass(item_type, BaseModel)):
            continue
        kept[name] = []
        for item in data.get(name) or []:
            try:
                candidate = item_type.model_validate(item, context=lenient)
            except ValueError:
                continue
            stripped = _strip_ungrounded(candidate, grounding)
            if stripped is not None:
                kept[name].append(stripped)
    try:
        return response_model.model_validate(
            {k: [v.model_dump() for v in vs] for k, vs in kept.items()}, context=lenient
        )
    except ValueError:
        return None
