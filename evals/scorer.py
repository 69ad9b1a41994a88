"""Field-level precision, recall and F1 of a predicted `FilingExtraction` against gold.

Records are paired by an optimal assignment (deals by their parties, appointments by person), never by
list position. Each field is then compared with its own notion of equality. For a paired record a field
counts a TP when equal, FP+FN when both set but different, FN when only gold has it, FP when only the
prediction has it; an unpaired prediction counts an FP for each field it sets, an unpaired gold record an
FN for each field it has. Set-valued fields (parties, titles) count per element.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel
from scipy.optimize import linear_sum_assignment

from eightk.schemas import Appointment, Deal, FilingExtraction, Money
from eightk.schemas import names as normalize

RecordType = Literal["deal", "appointment"]


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, other: Counts) -> None:
        self.tp += other.tp
        self.fp += other.fp
        self.fn += other.fn

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float]:
        return {"tp": self.tp, "fp": self.fp, "fn": self.fn, "precision": self.precision,
                "recall": self.recall, "f1": self.f1}  # fmt: skip


# --- how each field is compared -------------------------------------------------------------------------


def _money_key(value: Money) -> tuple[Any, str]:
    return (value.amount.normalize(), value.currency)


def _scalar(key: Callable[[Any], Any]) -> Callable[[Any, Any], bool]:
    return lambda a, b: bool(key(a) == key(b))


def _identity(value: Any) -> Any:
    return value


_EQUALS: dict[str, Callable[[Any, Any], bool]] = {
    "money": _scalar(_money_key),
    "exact": _scalar(_identity),
    "text": normalize.same_free_text,
    "company": _scalar(normalize.company_name),
    "person": _scalar(normalize.person_name),
}

_FIELDS: dict[RecordType, dict[str, str]] = {
    "deal": {
        "deal_type": "exact",
        "parties": "party_names",  # who is party to the deal ...
        "party_roles": "party_roles",  # ... and in which role (a swapped role is wrong here, right above)
        "technology_or_asset": "text",
        "field_or_indication": "text",
        "territory": "text",
        "exclusive": "exact",
        "upfront_payment": "money",
        "milestone_payments_total": "money",
        "royalties": "exact",
        "equity_investment": "money",
        "total_value": "money",
        "agreement_date": "exact",
        "effective_date": "exact",
    },
    "appointment": {
        "person": "person",
        "action": "exact",
        "titles": "titles",
        "company": "company",
        "effective_date": "exact",
        "predecessor": "person",
        "interim": "flag",
        "age": "exact",
    },
}
SCORED_FIELDS = _FIELDS


_SET_KINDS = ("party_names", "party_roles", "titles")


def _as_set(kind: str, value: Any) -> set[Any]:
    if kind == "party_names":
        return {normalize.company_name(p.name) for p in value}
    if kind == "party_roles":
        return {(normalize.company_name(p.name), p.role) for p in value}
    return {normalize.title(t) for t in value}


def field_value(record: BaseModel, name: str) -> Any:
    return getattr(record, "parties" if name == "party_roles" else name)


def compare_field(kind: str, gold: Any, predicted: Any) -> Counts:
    """Counts for one field of a paired record (gold or predicted may be None)."""
    if kind in _SET_KINDS:
        g, p = _as_set(kind, gold or []), _as_set(kind, predicted or [])
        return Counts(tp=len(g & p), fp=len(p - g), fn=len(g - p))
    if kind == "flag":  # a flag that defaults to False is only information when set
        gold, predicted = gold or None, predicted or None
        kind = "exact"
    if gold is None and predicted is None:
        return Counts()
    if gold is None:
        return Counts(fp=1)
    if predicted is None:
        return Counts(fn=1)
    return Counts(tp=1) if _EQUALS[kind](gold, predicted) else Counts(fp=1, fn=1)


def _present(kind: str, value: Any) -> int:
    if kind in _SET_KINDS:
        return len(_as_set(kind, value or []))
    return int(bool(value) if kind == "flag" else value is not None)


# --- pairing records ------------------------------------------------------------------------------------


def similarity(record_type: RecordType, gold: BaseModel, predicted: BaseModel) -> float:
    """How likely two records are the same event: 0 means never pair them."""
    if record_type == "deal":
        assert isinstance(gold, Deal) and isinstance(predicted, Deal)
        g = {normalize.company_name(p.name) for p in gold.parties}
        p = {normalize.company_name(p.name) for p in predicted.parties}
        shared = len(g & p) / len(g | p) if g | p else 0.0
        return shared + (0.1 * shared if gold.deal_type == predicted.deal_type else 0.0)
    assert isinstance(gold, Appointment) and isinstance(predicted, Appointment)
    g_name, p_name = normalize.person_name(gold.person), normalize.person_name(predicted.person)
    if not g_name or not p_name or g_name.split()[-1] != p_name.split()[-1]:
        return 0.0
    return (1.0 if g_name == p_name else 0.6) + (0.2 if gold.action == predicted.action else 0.0)


def pair(record_type: RecordType, gold: list[Any], predicted: list[Any]) -> list[tuple[int | None, int | None]]:
    """Optimal one-to-one pairing (Hungarian); unpaired records come back with None on the other side."""
    pairs: list[tuple[int | None, int | None]] = []
    if gold and predicted:
        matrix = np.array([[similarity(record_type, g, p) for p in predicted] for g in gold])
        rows, cols = linear_sum_assignment(matrix, maximize=True)
        pairs = [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if matrix[r, c] > 0]
    paired_gold = {g for g, _ in pairs}
    paired_predicted = {p for _, p in pairs}
    pairs += [(g, None) for g in range(len(gold)) if g not in paired_gold]
    pairs += [(None, p) for p in range(len(predicted)) if p not in paired_predicted]
    return pairs


# --- scoring documents and sets of documents --------------------------------------------------------------


@dataclass
class DocumentScore:
    doc_id: str
    fields: dict[tuple[RecordType, str], Counts] = field(default_factory=dict)
    records: dict[RecordType, Counts] = field(default_factory=dict)
    pairs: dict[RecordType, list[tuple[int | None, int | None]]] = field(default_factory=dict)

    @property
    def total(self) -> Counts:
        total = Counts()
        for counts in self.fields.values():
            total.add(counts)
        return total


def score_document(doc_id: str, gold: FilingExtraction, predicted: FilingExtraction) -> DocumentScore:
    result = DocumentScore(doc_id)
    for record_type, gold_records, predicted_records in (
        ("deal", gold.deals, predicted.deals),
        ("appointment", gold.appointments, predicted.appointments),
    ):
        record_type_: RecordType = record_type  # type: ignore[assignment]
        pairs = pair(record_type_, gold_records, predicted_records)
        result.pairs[record_type_] = pairs
        result.records[record_type_] = Counts(
            tp=sum(1 for g, p in pairs if g is not None and p is not None),
            fp=sum(1 for g, _ in pairs if g is None),
            fn=sum(1 for _, p in pairs if p is None),
        )
        for name, kind in _FIELDS[record_type_].items():
            counts = result.fields.setdefault((record_type_, name), Counts())
            for g, p in pairs:
                g_value = field_value(gold_records[g], name) if g is not None else None
                p_value = field_value(predicted_records[p], name) if p is not None else None
                if g is not None and p is not None:
                    counts.add(compare_field(kind, g_value, p_value))
                elif g is not None:
                    counts.add(Counts(fn=_present(kind, g_value)))
                else:
                    counts.add(Counts(fp=_present(kind, p_value)))
    return result


@dataclass
class Report:
    """Scores over a set of documents: per field, per record type, per document; micro and macro."""

    documents: list[DocumentScore]
    schema_valid_rate: float = 1.0  # calls whose answer parsed as the schema (possibly after re-asks)
    grounded_rate: float = 1.0  # calls whose every value was found in the source, without dropping any
    evidence_verified_rate: float = 1.0  # evidence quotes found again in the filing text

    def field_counts(self) -> dict[tuple[RecordType, str], Counts]:
        totals: dict[tuple[RecordType, str], Counts] = {}
        for document in self.documents:
            for key, counts in document.fields.items():
                totals.setdefault(key, Counts()).add(counts)
        return totals

    def record_counts(self) -> dict[RecordType, Counts]:
        totals: dict[RecordType, Counts] = {}
        for document in self.documents:
            for key, counts in document.records.items():
                totals.setdefault(key, Counts()).add(counts)
        return totals

    def type_counts(self) -> dict[RecordType, Counts]:
        totals: dict[RecordType, Counts] = {}
        for (record_type, _), counts in self.field_counts().items():
            totals.setdefault(record_type, Counts()).add(counts)
        return totals

    @property
    def micro(self) -> Counts:
        total = Counts()
        for counts in self.field_counts().values():
            total.add(counts)
        return total

    @property
    def macro_f1(self) -> float:
        """Mean F1 over fields that occur at all (in gold or prediction)."""
        scored = [c.f1 for c in self.field_counts().values() if c.tp + c.fp + c.fn]
        return float(np.mean(scored)) if scored else 1.0

    @property
    def document_macro_f1(self) -> float:
        return float(np.mean([d.total.f1 for d in self.documents])) if self.documents else 1.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "micro": self.micro.as_dict(),
            "macro_f1": self.macro_f1,
            "document_macro_f1": self.document_macro_f1,
            "schema_valid_rate": self.schema_valid_rate,
            "grounded_rate": self.grounded_rate,
            "evidence_verified_rate": self.evidence_verified_rate,
            "records": {k: v.as_dict() for k, v in self.record_counts().items()},
            "types": {k: v.as_dict() for k, v in self.type_counts().items()},
            "fields": {f"{t}.{n}": c.as_dict() for (t, n), c in sorted(self.field_counts().items())},
            "documents": {d.doc_id: d.total.as_dict() for d in self.documents},
        }


def score_all(pairs: Iterable[tuple[str, FilingExtraction, FilingExtraction]]) -> Report:
    return Report([score_document(doc_id, gold, predicted) for doc_id, gold, predicted in pairs])
