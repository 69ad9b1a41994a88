"""The records eightk produces and its gold is written in: deals and appointments, each tied to its source.

These are the canonical, normalized forms (money as numbers, dates as dates). What a model is asked to
fill is smaller and closer to the text: see `schemas.candidates`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from eightk.schemas.grounding import locate
from eightk.schemas.money import Money


class GroundingContext(BaseModel):
    """What a validator needs to check a quote: the filing text and the part of it the quote may come from."""

    model_config = ConfigDict(frozen=True)

    source: str
    window: tuple[int, int] | None = None

    def as_context(self) -> dict[str, Any]:
        return {"grounding": self}


_active_grounding: ContextVar[GroundingContext | None] = ContextVar("eightk_grounding", default=None)


@contextmanager
def grounded_by(grounding: GroundingContext) -> Iterator[None]:
    """Ground every validation in this block (and the tasks it awaits) in `grounding`.

    For validation that runs where no `context=` can be passed: instructor's `context` argument also
    renders every message as a Jinja template, which would evaluate a filing's own `{{ ... }}`.
    """
    token = _active_grounding.set(grounding)
    try:
        yield
    finally:
        _active_grounding.reset(token)


def grounding_of(info: ValidationInfo) -> GroundingContext | None:
    context = info.context
    if isinstance(context, dict):
        grounding = context.get("grounding")
        if isinstance(grounding, GroundingContext):
            return grounding
    return _active_grounding.get()


class Evidence(BaseModel):
    """A verbatim quote from the filing and where it stands (character offsets into the filing text)."""

    quote: str = Field(min_length=1)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> Self:
        grounding = grounding_of(info)
        if grounding is None:
            return self
        span = locate(self.quote, grounding.source, grounding.window)
        if span is None:
            raise ValueError(f"evidence quote does not occur in the source text: {self.quote[:120]!r}")
        self.start, self.end = span.start, span.end
        self.quote = grounding.source[span.start : span.end]  # the filing's own characters, verbatim
        return self


class PartyRole(StrEnum):
    licensor = "licensor"
    licensee = "licensee"
    partner = "partner"
    acquirer = "acquirer"
    target = "target"
    buyer = "buyer"
    seller = "seller"
    lender = "lender"
    borrower = "borrower"
    investor = "investor"
    issuer = "issuer"
    other = "other"


class DealType(StrEnum):
    license = "license"
    collaboration = "collaboration"
    option = "option"
    acquisition = "acquisition"
    merger = "merger"
    asset_purchase = "asset_purchase"
    divestiture = "divestiture"
    equity_investment = "equity_investment"
    financing = "financing"
    supply = "supply"
    other = "other"


class AppointmentAction(StrEnum):
    appointed = "appointed"
    elected = "elected"
    promoted = "promoted"
    resigned = "resigned"
    retired = "retired"
    terminated = "terminated"
    died = "died"
    other = "other"


class Party(BaseModel):
    name: str = Field(min_length=1, description="The party's name as written in the filing.")
    role: PartyRole


class Deal(BaseModel):
    """One agreement the filing reports as entered into, amended, completed or terminated."""

    deal_type: DealType
    parties: list[Party] = Field(min_length=1)
    technology_or_asset: str | None = None
    field_or_indication: str | None = None
    territory: str | None = None
    exclusive: bool | None = None
    upfront_payment: Money | None = None
    milestone_payments_total: Money | None = None
    royalties: bool | None = None
    royalty_terms: str | None = None
    equity_investment: Money | None = None
    total_value: Money | None = None
    other_payments: list[Money] = Field(default_factory=list)
    term: str | None = None
    agreement_date: dt.date | None = None
    effective_date: dt.date | None = None
    evidence: list[Evidence] = Field(min_length=1)


class Appointment(BaseModel):
    """One change in a person's position: an appointment, election, promotion or departure."""

    person: str = Field(min_length=1, description="Full name as written, without honorifics.")
    action: AppointmentAction
    titles: list[str] = Field(default_factory=list)
    company: str | None = None
    effective_date: dt.date | None = None
    predecessor: str | None = None
    prior_positions: list[str] = Field(default_factory=list)
    interim: bool = False
    age: int | None = Field(default=None, ge=18, le=110)
    evidence: list[Evidence] = Field(min_length=1)


class FilingExtraction(BaseModel):
    """Everything eightk extracts from one filing."""

    company: str | None = None
    form_type: str = "8-K"
    filing_date: dt.date | None = None
    report_date: dt.date | None = Field(default=None, description="Date of the earliest event reported.")
    items: list[str] = Field(default_factory=list, description='Items reported, e.g. ["1.01", "9.01"].')
    deals: list[Deal] = Field(default_factory=list)
    appointments: list[Appointment] = Field(default_factory=list)

    def records(self) -> list[Deal | Appointment]:
        return [*self.deals, *self.appointments]

    @field_validator("items")
    @classmethod
    def _items_sorted_unique(cls, items: list[str]) -> list[str]:
        return sorted(set(items), key=lambda item: [int(part) for part in item.split(".") if part.isdigit()])
