"""Fold the records found in different passages into one record per event.

An 8-K usually reports an event twice, in the item and in the press release, and each passage yields a
record; they are the same deal when they share a party and a type (or two parties), the same appointment
when they name the same person doing the same thing. The first passage's value wins a field, later
passages fill the gaps, and every piece of evidence is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from eightk.schemas import Appointment, Deal
from eightk.schemas import names as normalize

R = TypeVar("R", Deal, Appointment)


def _same_deal(a: Deal, b: Deal) -> bool:
    shared = {normalize.company_name(p.name) for p in a.parties} & {normalize.company_name(p.name) for p in b.parties}
    return len(shared) >= 2 or (len(shared) == 1 and a.deal_type == b.deal_type)


def _same_appointment(a: Appointment, b: Appointment) -> bool:
    return normalize.person_name(a.person) == normalize.person_name(b.person) and a.action == b.action


def _combine(first: R, second: R) -> R:
    merged = first.model_dump()
    for name, value in second.model_dump().items():
        current = merged[name]
        if name == "evidence":
            quotes = {e["quote"] for e in current}
            merged[name] = current + [e for e in value if e["quote"] not in quotes]
        elif name == "parties":
            known = {normalize.company_name(p["name"]) for p in current}
            merged[name] = current + [p for p in value if normalize.company_name(p["name"]) not in known]
        elif isinstance(current, list) and isinstance(value, list):
            seen = {normalize.free_text(str(v)) for v in current}
            merged[name] = current + [v for v in value if normalize.free_text(str(v)) not in seen]
        elif current in (None, False) and value not in (None, False):
            merged[name] = value
    return type(first).model_validate(merged)


def _merge(records: list[R], same: Callable[[R, R], bool]) -> list[R]:
    merged: list[R] = []
    for record in records:
        for index, existing in enumerate(merged):
            if same(existing, record):
                merged[index] = _combine(existing, record)
                break
        else:
            merged.append(record)
    return merged


def merge_deals(deals: list[Deal]) -> list[Deal]:
    return _merge(deals, _same_deal)


def merge_appointments(appointments: list[Appointment]) -> list[Appointment]:
    return _merge(appointments, _same_appointment)


__all__ = ["merge_appointments", "merge_deals"]
