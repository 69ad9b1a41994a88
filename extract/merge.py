"""Fold the records found in different passages into one record per event.

An 8-K usually reports an event twice, in the item and in the press release, and each passage yields a
record; the record's kind says when two of them are the same event. The first passage's value wins a field,
later passages fill the gaps, and every piece of evidence is kept.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from eightk.schemas import RecordKind
from eightk.text import names as normalize


def _combine(kind: RecordKind, first: BaseModel, second: BaseModel) -> BaseModel:
    merged = first.model_dump()
    for name, value in second.model_dump().items():
        current = merged[name]
        if name == "evidence":
            quotes = {e["quote"] for e in current}
            merged[name] = current + [e for e in value if e["quote"] not in quotes]
        elif isinstance(current, list) and isinstance(value, list):
            key = kind.merge_keys.get(name, _free_text)
            seen = {key(v) for v in current}
            merged[name] = current + [v for v in value if key(v) not in seen]
        elif current in (None, False) and value not in (None, False):
            merged[name] = value
    return type(first).model_validate(merged)


def _free_text(value: Any) -> str:
    return normalize.free_text(str(value))


def merge_records(kind: RecordKind, records: list[BaseModel]) -> list[BaseModel]:
    merged: list[BaseModel] = []
    for record in records:
        for index, existing in enumerate(merged):
            if kind.same_event(existing, record):
                merged[index] = _combine(kind, existing, record)
                break
        else:
            merged.append(record)
    return merged


__all__ = ["merge_records"]
