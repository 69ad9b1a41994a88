"""What the model fills: small, flat, per-event schemas whose every value is copied from the passage.

A small model does well at copying spans and badly at arithmetic and normalization, so it copies ("$2
million", "May 4, 2000") and `to_record` normalizes. The validators check every copied value against the
passage the model was shown: instructor feeds their errors back, and a value still not found after the
last retry is dropped by `salvage`, never kept.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Self

from dateutil import parser as dateparser
from pydantic import BaseModel, Field, ValidationInfo, model_validator

from schemas.grounding import locate
from schemas.money import Money, parse_money
from schemas.records import (
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
    values: list[tuple[str, str]] = []
    for name, value in model:
        path = f"{prefix}{name}"
        items = value if isinstance(value, list) else [value]
        for index, item in enumerate(items):
            item_path = f"{path}[{index}]" if isinstance(value, list) else path
            if isinstance(item, str):
                values.append((item_path, item))
            elif isinstance(item, BaseModel):
                values.extend(_string_values(item, f"{item_path}."))
    return values


def _drop_ungrounded(data: Any, grounding: GroundingContext) -> Any:
    """Strip every string not found in the passage, for the last, lenient parse of a failed attempt."""
    if isinstance(data, str):
        return data if locate(data, grounding.source, grounding.window) else None
    if isinstance(data, list):
        return [kept for kept in (_drop_ungrounded(item, grounding) for item in data) if kept is not None]
    if isinstance(data, dict):
        return {key: _drop_ungrounded(value, grounding) for key, value in data.items()}
    return data


class PartyMention(_Grounded):
    name: str = Field(min_length=1, description="Company name exactly as written in the passage.")
    role: PartyRole


class DealCandidate(_Grounded):
    """A deal the passage reports. Copy every value exactly as written; use null when it is not stated."""

    evidence: str = Field(min_length=1, description="The sentence that reports the deal, copied verbatim.")
    deal_type: DealType
    parties: list[PartyMention] = Field(min_length=1, max_length=6)
    technology_or_asset: str | None = None
    field_or_indication: str | None = None
    territory: str | None = None
    exclusive: bool | None = None
    upfront_payment: str | None = Field(default=None, description='As written, e.g. "$5 million".')
    milestone_payments_total: str | None = Field(default=None, description="Total milestones as written.")
    royalties: bool | None = None
    equity_investment: str | None = None
    total_value: str | None = Field(default=None, description="Total price or value of the deal as written.")
    agreement_date: str | None = Field(default=None, description="Date the agreement was signed, as written.")

    @model_validator(mode="after")
    def _money_and_dates_parse(self) -> Self:
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
                "parties": [party.model_dump() for party in self.parties],
                "technology_or_asset": self.technology_or_asset,
                "field_or_indication": self.field_or_indication,
                "territory": self.territory,
                "exclusive": self.exclusive,
                "upfront_payment": money(self.upfront_payment),
                "milestone_payments_total": money(self.milestone_payments_total),
                "royalties": self.royalties,
                "equity_investment": money(self.equity_investment),
                "total_value": money(self.total_value),
                "agreement_date": parse_date(self.agreement_date) if self.agreement_date else None,
                "evidence": [Evidence(quote=self.evidence)],
            },
            context=grounding.as_context(),
        )


class AppointmentCandidate(_Grounded):
    """A change in one person's position. Copy every value exactly as written; use null when not stated."""

    evidence: str = Field(min_length=1, description="The sentence that reports the change, copied verbatim.")
    person: str = Field(min_length=1, description="The person's full name as written.")
    action: AppointmentAction
    titles: list[str] = Field(default_factory=list, max_length=6, description="New titles (or titles left).")
    company: str | None = None
    effective_date: str | None = Field(default=None, description="When it takes effect, as written.")
    predecessor: str | None = None
    prior_positions: list[str] = Field(default_factory=list, max_length=6)
    interim: bool = False
    age: int | None = None

    def to_record(self, grounding: GroundingContext) -> Appointment:
        return Appointment.model_validate(
            {
                **self.model_dump(exclude={"evidence", "effective_date", "age"}),
                "effective_date": parse_date(self.effective_date) if self.effective_date else None,
                "age": self.age if self.age is not None and 18 <= self.age <= 110 else None,
                "evidence": [Evidence(quote=self.evidence)],
            },
            context=grounding.as_context(),
        )


class DealsInPassage(BaseModel):
    deals: list[DealCandidate] = Field(default_factory=list, max_length=4)


class AppointmentsInPassage(BaseModel):
    appointments: list[AppointmentCandidate] = Field(default_factory=list, max_length=8)


class EventsInText(BaseModel):
    """Both kinds at once, for prompt versions that read a whole filing window in one call."""

    deals: list[DealCandidate] = Field(default_factory=list, max_length=4)
    appointments: list[AppointmentCandidate] = Field(default_factory=list, max_length=8)


def salvage(response_model: type[BaseModel], data: Any, grounding: GroundingContext) -> BaseModel | None:
    """The grounded part of a response that failed every retry: ungrounded values dropped, never kept."""
    try:
        return response_model.model_validate(
            _drop_ungrounded(data, grounding), context={**grounding.as_context(), "salvage": True}
        )
    except ValueError:
        return None
