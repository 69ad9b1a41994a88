"""Field-level precision, recall and F1 of a predicted `FilingExtraction` against gold.

Records are paired by an optimal assignment (deals by their parties, appointments by person), never by
list position. Each field is then compared with its own notion of equality. For a paired record a field
counts a TP when equal, FP+FN when both set but different, FN when only gold has it, FP when only the
prediction has it; an unpaired prediction counts an FP for each field it sets, an unpaired gold record an
FN for each field it has. Set-valued fields (parties, titles) count per element.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

from eightk.schemas import FilingExtraction, RecordKind, ScoredField, registered

RecordType = str  # a registered kind's name


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


# --- how each field is compared (each kind says which fields and with what) ------------------------------


def compare_field(spec: ScoredField, gold: Any, predicted: Any) -> Counts:
    """Counts for one field of a paired record (gold or predicted may be None)."""
    if spec.as_set is not None:
        g, p = spec.as_set(gold or []), spec.as_set(predicted or [])
        return Counts(tp=len(g & p), fp=len(p - g), fn=len(g - p))
    if spec.flag:  # a flag that defaults to False is only information when set
        gold, predicted = gold or None, predicted or None
    if gold is None and predicted is None:
        return Counts()
    if gold is None:
        return Counts(fp=1)
    if predicted is None:
        return Counts(fn=1)
    assert spec.equal is not None
    return Counts(tp=1) if spec.equal(gold, predicted) else Counts(fp=1, fn=1)


def _present(spec: ScoredField, value: Any) -> int:
    if spec.as_set is not None:
        return len(spec.as_set(value or []))
    return int(bool(value) if spec.flag else value is not None)


# --- pairing records ------------------------------------------------------------------------------------


def pair(kind: RecordKind, gold: list[Any], predicted: list[Any]) -> list[tuple[int | None, int | None]]:
    """Optimal one-to-one pairing (Hungarian); unpaired records come back with None on the other side."""
    pairs: list[tuple[int | None, int | None]] = []
    if gold and predicted:
        matrix = np.array([[kind.similarity(g, p) for p in predicted] for g in gold])
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
    for kind in registered():
        gold_records, predicted_records = gold.records_of(kind), predicted.records_of(kind)
        pairs = pair(kind, gold_records, predicted_records)
        result.pairs[kind.name] = pairs
        result.records[kind.name] = Counts(
            tp=sum(1 for g, p in pairs if g is not None and p is not None),
            fp=sum(1 for g, _ in pairs if g is None),
            fn=sum(1 for _, p in pairs if p is None),
        )
        for spec in kind.scored_fields:
            counts = result.fields.setdefault((kind.name, spec.name), Counts())
            for g, p in pairs:
                g_value = spec.value(gold_records[g]) if g is not None else None
                p_value = spec.value(predicted_records[p]) if p is not None else None
                if g is not None and p is not None:
                    counts.add(compare_field(spec, g_value, p_value))
                elif g is not None:
                    counts.add(Counts(fn=_present(spec, g_value)))
                else:
                    counts.add(Counts(fp=_present(spec, p_value)))
    return result


@dataclass
class Report:
    """Scores over a set of documents: per field, per record type, per document; micro and macro."""

    documents: list[DocumentScore]
    schema_valid_rate: float = 1.0  # calls whose answer parsed as the schema (possibly after re-asks)
    grounded_rate: float = 1.0  # calls whose every value was found in the source, without dropping any
    evidence_verified_rate: float = 1.0  # evidence quotes found again in the filing text
    passage_recall: float = 1.0  # gold records whose evidence was in a passage sent for their kind

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
            "passage_recall": self.passage_recall,
            "records": {k: v.as_dict() for k, v in self.record_counts().items()},
            "types": {k: v.as_dict() for k, v in self.type_counts().items()},
            "fields": {f"{t}.{n}": c.as_dict() for (t, n), c in sorted(self.field_counts().items())},
            "documents": {d.doc_id: d.total.as_dict() for d in self.documents},
        }


def score_all(pairs: Iterable[tuple[str, FilingExtraction, FilingExtraction]]) -> Report:
    return Report([score_document(doc_id, gold, predicted) for doc_id, gold, predicted in pairs])
