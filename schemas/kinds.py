"""Record kinds as one seam: everything that differs between deals, appointments and any later kind.

A kind is registered once, by its own module (`eightk.schemas.deal`, `eightk.schemas.appointment`), and the
pipeline, passage finder, merger, scorer, comparison and gold check iterate over `registered()`; none of
them names a kind. Adding a kind is its module, a section in each prompt version that reads it, and gold.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from pydantic import BaseModel, Field, create_model

from eightk.schemas.candidates import Candidate, ResponseModel
from eightk.schemas.money import Money
from eightk.schemas.questions import Question, Reading
from eightk.text import names as normalize


@dataclass(frozen=True)
class ScoredField:
    """One scored field of a record and how gold and prediction are compared on it.

    A set-valued field (`as_set`) counts a true positive per shared element, so one right title of two is
    half right; a scalar field is right when `equal` says so; a `flag` that defaults to False counts only
    when set.
    """

    name: str
    attribute: str = ""  # the record attribute read; default: `name`
    equal: Callable[[Any, Any], bool] | None = None
    as_set: Callable[[Any], set[Any]] | None = None
    flag: bool = False

    def value(self, record: BaseModel) -> Any:
        return getattr(record, self.attribute or self.name)


def exact(a: Any, b: Any) -> bool:
    return bool(a == b)


def same_money(a: Money, b: Money) -> bool:
    return (a.amount.normalize(), a.currency) == (b.amount.normalize(), b.currency)


def same_company(a: str, b: str) -> bool:
    return normalize.company_name(a) == normalize.company_name(b)


def same_person(a: str, b: str) -> bool:
    return normalize.person_name(a) == normalize.person_name(b)


@dataclass(frozen=True, eq=False)
class RecordKind:
    """A kind of record: its models, how passages that report it read, how records merge and score."""

    name: str  # "deal": the prompt section, the passage label, the scorer's record type
    field: str  # "deals": the list of `FilingExtraction` that holds its records
    record: type[BaseModel]  # the canonical record, as gold is written
    candidate: type[Candidate]  # what a model fills for one record, copied from the passage
    container: type[ResponseModel]  # one passage call's answer: {field: [candidate, ...]}
    signals: tuple[re.Pattern[str], ...]  # the language of a passage that reports this kind of event
    core_signals: int  # the first this-many signals are the event itself: a passage needs one of them
    items: frozenset[str]  # the 8-K items that report this kind of event (both numberings), read first
    same_event: Callable[[Any, Any], bool]  # two records (from two passages) are one event: merge them
    similarity: Callable[[Any, Any], float]  # how likely a gold and a predicted record are one event; 0: never
    scored_fields: tuple[ScoredField, ...]
    merge_keys: Mapping[str, Callable[[Any], str]] = dataclasses.field(
        default_factory=dict
    )  # list fields deduped by key
    max_per_window: int = 1  # records of this kind one whole-filing window may answer with
    # Source-constrained questions about one passage (`eightk.schemas.questions`); None: the kind has none.
    questions: Callable[[Reading], list[Question]] | None = None


_REGISTRY: dict[str, RecordKind] = {}


def register(kind: RecordKind) -> RecordKind:
    """Add a kind; registering a second kind under a taken name or field is a mistake, not an override."""
    taken = next((k for k in _REGISTRY.values() if kind.name == k.name or kind.field == k.field), None)
    if taken is not None and taken is not kind:
        raise ValueError(f"a record kind named {kind.name!r} (field {kind.field!r}) is already registered")
    _REGISTRY[kind.name] = kind
    return kind


def unregister(name: str) -> None:
    _REGISTRY.pop(name, None)


def registered() -> tuple[RecordKind, ...]:
    return tuple(_REGISTRY.values())


def kind_named(name: str) -> RecordKind:
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no record kind {name!r}; registered: {', '.join(_REGISTRY)}") from None


def kind_of_field(field_name: str) -> RecordKind | None:
    return next((kind for kind in _REGISTRY.values() if kind.field == field_name), None)


def whole_filing_model(kinds: Iterable[RecordKind] | None = None) -> type[ResponseModel]:
    """The answer model of a call that reads a whole filing window for every kind at once."""
    return _whole_filing_model(tuple(kinds if kinds is not None else registered()))


@cache
def _whole_filing_model(kinds: tuple[RecordKind, ...]) -> type[ResponseModel]:
    fields: dict[str, Any] = {
        kind.field: (list[kind.candidate], Field(max_length=kind.max_per_window))  # type: ignore[name-defined]
        for kind in kinds
    }
    model: type[ResponseModel] = create_model(
        "EventsInText",
        __base__=ResponseModel,
        __doc__="Both kinds at once, for prompt versions that read a whole filing window in one call.",
        __module__=__name__,
        **fields,
    )
    return model
