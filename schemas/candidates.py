"""What the model fills: small, flat, per-event schemas whose every value is copied from the passage.

A small model does well at copying spans and badly at arithmetic and normalization, so it copies ("$2
million", "May 4, 2000") and `to_record` normalizes. The validators check every copied value against the
passage the model was shown: instructor feeds their errors back, and a value still not found after the
last retry is dropped by `salvage`, never kept.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from enum import Enum
from functools import cache
from typing import Any, Self, get_args

from dateutil import parser as dateparser
from pydantic import BaseModel, Field, ValidationInfo, model_validator

from eightk.schemas.grounding import locate, sentences
from eightk.schemas.money import Money, parse_money
from eightk.schemas.records import (
    Appointment,
    AppointmentAction,
    Deal,
    DealType,
    Evidence,
    GroundingContext,
    PartyRole,
    grounding_of,
)


def parse_date(text: str) -> dt.date | None:
    """A calendar date from text that names a year; None for "March 5" or "the closing"."""
    if not re.search(r"\b(19|20)\d{2}\b", text):
        return None
    try:
        return dateparser.parse(text, fuzzy=True, default=dt.datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


class _Grounded(BaseModel):
    """Base for candidates: every string value must occur in the passage."""

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


def _anchor(model: BaseModel) -> str | None:
    """The value a record is about: the person, or the first party."""
    person = getattr(model, "person", None)
    parties = getattr(model, "parties", None)
    return person if isinstance(person, str) else (parties[0].name if parties else None)


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
                value, grounded = _sentence_naming(_anchor(model), grounding), True
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


def as_written(value: str | None, grounding: GroundingContext) -> str | None:
    """The source's own spelling of a grounded value ("Genentech, Inc." for "Genentech Inc")."""
    if value is None:
        return None
    span = locate(value, grounding.source, grounding.window)
    return " ".join(grounding.source[span.start : span.end].split()) if span else value


class PartyMention(_Grounded):
    name: str = Field(min_length=1, description="Company name exactly as written in the passage.")
    role: PartyRole


# Every field is required (null allowed): grammar-constrained decoding then emits each key, in this order,
# the way the worked example does, instead of stopping early. Evidence comes last, quoting what was used.
class DealCandidate(_Grounded):
    """A deal the passage reports. Copy every value exactly as written; null when it is not stated."""

    deal_type: DealType
    parties: list[PartyMention] = Field(min_length=1, max_length=4)
    technology_or_asset: str | None
    field_or_indication: str | None
    territory: str | None
    exclusive: bool | None
    upfront_payment: str | None = Field(description='As written, e.g. "$5 million".')
    milestone_payments_total: str | None = Field(description="Total milestones as written.")
    royalties: bool | None
    equity_investment: str | None
    total_value: str | None = Field(description="Total price or value of the deal as written.")
    agreement_date: str | None = Field(description="Date the agreement was signed, as written.")
    evidence: str = Field(min_length=1, description="The sentence that reports the deal, copied verbatim.")

    @model_validator(mode="after")
    def _money_parses(self) -> Self:
        for name in ("upfront_payment", "milestone_payments_total", "equity_investment", "total_value"):
            value = getattr(self, name)
            if value is not None and parse_money(value) is None:
                raise ValueError(f"{name}={value!r} is not an amount of money; copy it like '$5 million' or null")
        return self

    def to_record(self, grounding: GroundingContext) -> Deal:
        def money(text: str | None) -> Money | None:
            return Money.from_text(text) if text else None

        return Deal.model_validate(
            {
                "deal_type": self.deal_type,
                "parties": [{"name": as_written(p.name, grounding), "role": p.role} for p in self.parties],
                "technology_or_asset": self.technology_or_asset,
                "field_or_indication": self.field_or_indication,
                "territory": self.territory,
                "exclusive": flag("exclusive", self.exclusive, grounding),
                "upfront_payment": money(self.upfront_payment),
                "milestone_payments_total": money(self.milestone_payments_total),
                "royalties": flag("royalties", self.royalties, grounding),
                "equity_investment": money(self.equity_investment),
                "total_value": money(self.total_value),
                "agreement_date": parse_date(self.agreement_date) if self.agreement_date else None,
                "evidence": [Evidence(quote=self.evidence)],
            },
            context=grounding.as_context(),
        )


class AppointmentCandidate(_Grounded):
    """A change in one person's position. Copy every value exactly as written; null when not stated."""

    person: str = Field(min_length=1, description="The person's full name as written.")
    action: AppointmentAction
    titles: list[str] = Field(max_length=4, description="New titles (or the titles left).")
    company: str | None
    effective_date: str | None = Field(description="When it takes effect, as written.")
    predecessor: str | None
    prior_positions: list[str] = Field(max_length=3)
    interim: bool
    age: int | None
    evidence: str = Field(min_length=1, description="The sentence that reports the change, copied verbatim.")

    def to_record(self, grounding: GroundingContext) -> Appointment:
        return Appointment.model_validate(
            {
                **self.model_dump(exclude={"evidence", "effective_date", "age"}),
                "person": as_written(self.person, grounding),
                "company": as_written(self.company, grounding),
                "predecessor": as_written(self.predecessor, grounding),
                "titles": [as_written(title, grounding) for title in self.titles],
                "interim": bool(flag("interim", self.interim, grounding)),
                "effective_date": parse_date(self.effective_date) if self.effective_date else None,
                "age": self.age if self.age is not None and 18 <= self.age <= 110 else None,
                "evidence": [Evidence(quote=self.evidence)],
            },
            context=grounding.as_context(),
        )


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


# List caps bound what a grammar-constrained small model can ramble into (it repeats a record until the cap).
class DealsInPassage(ResponseModel):
    deals: list[DealCandidate] = Field(max_length=1)


class AppointmentsInPassage(ResponseModel):
    appointments: list[AppointmentCandidate] = Field(max_length=3)


class EventsInText(ResponseModel):
    """Both kinds at once, for prompt versions that read a whole filing window in one call."""

    deals: list[DealCandidate] = Field(max_length=1)
    appointments: list[AppointmentCandidate] = Field(max_length=2)


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
