"""The data contract of eightk: canonical records per kind, what models fill, and grounding."""

from eightk.schemas.appointment import (
    APPOINTMENT,
    Appointment,
    AppointmentAction,
    AppointmentCandidate,
    AppointmentsInPassage,
)
from eightk.schemas.candidates import Candidate, ResponseModel, salvage
from eightk.schemas.deal import DEAL, Deal, DealCandidate, DealsInPassage, DealType, Party, PartyMention, PartyRole
from eightk.schemas.evidence import Evidence, GroundingContext, grounded_by
from eightk.schemas.kinds import RecordKind, ScoredField, kind_named, register, registered, whole_filing_model
from eightk.schemas.money import Money
from eightk.schemas.records import FilingExtraction, Record
from eightk.text.money import MoneyQualifier

__all__ = [
    "APPOINTMENT",
    "DEAL",
    "Appointment",
    "AppointmentAction",
    "AppointmentCandidate",
    "AppointmentsInPassage",
    "Candidate",
    "Deal",
    "DealCandidate",
    "DealType",
    "DealsInPassage",
    "Evidence",
    "FilingExtraction",
    "GroundingContext",
    "Money",
    "MoneyQualifier",
    "Party",
    "PartyMention",
    "PartyRole",
    "Record",
    "RecordKind",
    "ResponseModel",
    "ScoredField",
    "grounded_by",
    "kind_named",
    "register",
    "registered",
    "salvage",
    "whole_filing_model",
]
