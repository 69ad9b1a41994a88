"""What eightk extracts from one filing: the cover facts and a list of records per registered kind.

Deals and appointments are typed fields, the shape gold is written in and users read; a kind registered
later (`eightk.schemas.kinds.register`) keeps its records under its own field name, validated by its own
record model, and an unknown field is an error rather than silently kept.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol, Self, cast

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from eightk.schemas.appointment import Appointment
from eightk.schemas.deal import Deal
from eightk.schemas.evidence import Evidence
from eightk.schemas.kinds import RecordKind, kind_of_field, registered


class Record(Protocol):
    """What every kind's record has: the evidence that ties it to the filing."""

    evidence: list[Evidence]


def _no_additional_properties(schema: dict[str, Any]) -> None:
    schema.pop("additionalProperties", None)  # extra fields are registered kinds only, checked below


class FilingExtraction(BaseModel):
    """Everything eightk extracts from one filing."""

    model_config = ConfigDict(extra="allow", json_schema_extra=_no_additional_properties)

    company: str | None = None
    form_type: str = "8-K"
    filing_date: dt.date | None = None
    report_date: dt.date | None = Field(default=None, description="Date of the earliest event reported.")
    items: list[str] = Field(default_factory=list, description='Items reported, e.g. ["1.01", "9.01"].')
    deals: list[Deal] = Field(default_factory=list)
    appointments: list[Appointment] = Field(default_factory=list)

    def records_of(self, kind: RecordKind) -> list[BaseModel]:
        records: list[BaseModel] = getattr(self, kind.field, None) or []
        return list(records)

    def records(self) -> list[Record]:
        return [cast(Record, record) for kind in registered() for record in self.records_of(kind)]

    @field_validator("items")
    @classmethod
    def _items_sorted_unique(cls, items: list[str]) -> list[str]:
        return sorted(set(items), key=lambda item: [int(part) for part in item.split(".") if part.isdigit()])

    @model_validator(mode="after")
    def _registered_kinds_only(self, info: ValidationInfo) -> Self:
        extra = self.__pydantic_extra__ or {}
        for name, value in extra.items():
            kind = kind_of_field(name)
            if kind is None:
                raise ValueError(f"{name!r} is neither a filing field nor the records of a registered kind")
            extra[name] = [
                item if isinstance(item, kind.record) else kind.record.model_validate(item, context=info.context)
                for item in value or []
            ]
        return self
