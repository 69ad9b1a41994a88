"""The data contract of eightk: canonical records, the smaller candidates models fill, and grounding."""

from eightk.schemas.candidates import (
    AppointmentCandidate,
    AppointmentsInPassage,
    DealCandidate,
    DealsInPassage,
    EventsInText,
    PartyMention,
    parse_date,
    salvage,
)
from eightk.schemas.grounding import Span, fold, locate
from eightk.schemas.money import Money, MoneyQualifier, parse_money
from eightk.schemas.records import (
    Appointment,
    AppointmentAction,
    Deal,
    DealType,
    Evidence,
    FilingExtraction,
    GroundingContext,
    Party,
    PartyRole,
    grounded_by,
)

__all__ = [
    "Appointment",
    "AppointmentAction",
    "AppointmentCandidate",
    "AppointmentsInPassage",
    "Deal",
    "DealCandidate",
    "DealType",
    "DealsInPassage",
    "EventsInText",
    "Evidence",
    "FilingExtraction",
    "GroundingContext",
    "Money",
    "MoneyQualifier",
    "Party",
    "PartyMention",
    "PartyRole",
    "Span",
    "fold",
    "grounded_by",
    "locate",
    "parse_date",
    "parse_money",
    "salvage",
]
