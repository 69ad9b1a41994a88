"""Two eval runs side by side: per field and record type, per document, and whether the difference is real.

The F1 delta's confidence interval comes from a paired bootstrap over documents (the same resampled
documents score both runs), so a difference that a different draw of documents would erase is called
noise rather than progress.
"""

from __future__ import annotations

import html
import itertools
import random
from dataclasses import dataclass
from pathlib import Path

import jinja2

from eightk.errors import ConfigError
from eightk.evals.dataset import Sample
from eightk.evals.log import EvalLog
from eightk.evals.scorer import Counts, DocumentScore, compare_field
from eightk.schemas import FilingExtraction, Money, Party, kind_named

TEMPLATES = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class Row:
    name: str
    a: float
    b: float

    @property
    def delta(self) -> float:
        return self.b - self.a


@dataclass(frozen=True)
class Comparison:
    a: EvalLog
    b: EvalLog
    field_rows: list[Row]
    type_rows: list[Row]
    document_rows: list[Row]
    delta_f1: float
    ci_low: float
    ci_high: float

    @property
    def verdict(self) -> str:
        if self.ci_low > 0:
            return f"{self.b.prompt} is better: the 95% interval of the F1 delta excludes 0"
        if self.ci_high < 0:
            return f"{self.a.prompt} is better: the 95% interval of the F1 delta excludes 0"
        return "no significant difference: the 95% interval of the F1 delta includes 0 (noise)"

    @property
    def wins(self) -> list[str]:
        return [r.name for r in self.document_rows if r.delta > 1e-9]

    @property
    def losses(self) -> list[str]:
        return [r.name for r in self.document_rows if r.delta < -1e-9]


def _micro(documents: list[DocumentScore]) -> float:
    total = Counts()
    for document in documents:
        total.add(document.total)
    return total.f1


def paired_bootstrap(
    a: list[DocumentScore], b: list[DocumentScore], *, rounds: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """95% interval of micro-F1(b) - micro-F1(a) over documents resampled with replacement, in pairs."""
    rng = random.Random(seed)  # noqa: S311 (resampling, not cryptography)
    n = len(a)
    deltas = []
    for _ in range(rounds):
        picks = [rng.randrange(n) for _ in range(n)]
        deltas.append(_micro([b[i] for i in picks]) - _micro([a[i] for i in picks]))
    deltas.sort()
    return deltas[int(0.025 * rounds)], deltas[int(0.975 * rounds) - 1]


def compare(a: EvalLog, b: EvalLog) -> Comparison:
    fields_a, fields_b = a.report.field_counts(), b.report.field_counts()
    field_rows = [Row(f"{t}.{n}", fields_a[(t, n)].f1, fields_b[(t, n)].f1) for t, n in sorted(fields_a)]
    types_a, types_b = a.report.type_counts(), b.report.type_counts()
    type_rows = [Row(t, types_a[t].f1, types_b[t].f1) for t in sorted(types_a)]
    type_rows.append(Row("all (micro)", a.report.micro.f1, b.report.micro.f1))
    docs_b = {d.doc_id: d for d in b.report.documents}
    document_rows = [Row(d.doc_id, d.total.f1, docs_b[d.doc_id].total.f1) for d in a.report.documents]
    document_rows.sort(key=lambda row: (row.delta, row.name))  # regressions first: what a reviewer reads first
    paired_b = [docs_b[d.doc_id] for d in a.report.documents]
    low, high = paired_bootstrap(a.report.documents, paired_b) if a.report.documents else (0.0, 0.0)
    return Comparison(a, b, field_rows, type_rows, document_rows, b.report.micro.f1 - a.report.micro.f1, low, high)


def shown_precision(counts: Counts) -> str:
    """Precision as a reader should see it: "n/a" where nothing was predicted (the scorer counts it 1.0)."""
    return f"{counts.precision:.3f}" if counts.tp + counts.fp else "n/a"


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=jinja2.select_autoescape())
    env.filters["pct"] = lambda value: f"{value:.3f}"
    env.filters["signed"] = lambda value: f"{value:+.3f}"
    env.filters["precision"] = shown_precision
    return env


def to_markdown(comparison: Comparison) -> str:
    return _environment().get_template("compare.md.j2").render(c=comparison)


def highlight(text: str, spans: list[tuple[int, int, str]]) -> str:
    """The filing text as HTML with each (start, end, css class) span marked; overlaps are split."""
    boundaries = sorted({0, len(text), *(s for s, _, _ in spans), *(e for _, e, _ in spans)})
    pieces = []
    for start, end in itertools.pairwise(boundaries):
        classes = sorted({cls for s, e, cls in spans if s <= start and end <= e})
        chunk = html.escape(text[start:end])
        pieces.append(f'<mark class="{" ".join(classes)}">{chunk}</mark>' if classes else chunk)
    return "".join(pieces)


@dataclass(frozen=True)
class FieldCell:
    name: str
    gold: str
    predicted: str
    status: str  # match | miss | extra | missing


def _show(value: object) -> str:
    if value is None or value == []:
        return ""
    if isinstance(value, list):
        return "; ".join(_show(v) for v in value)
    if isinstance(value, Money):
        return value.text
    if isinstance(value, Party):
        return f"{value.name} ({value.role.value})"
    return str(getattr(value, "value", value))


def _pair_rows(gold: FilingExtraction, predicted: FilingExtraction, score: DocumentScore) -> list[dict[str, object]]:
    """Each paired (or unpaired) record with every scored field's gold and predicted value and verdict."""
    rows: list[dict[str, object]] = []
    for record_type, pairs in score.pairs.items():
        kind = kind_named(record_type)
        gold_records, predicted_records = gold.records_of(kind), predicted.records_of(kind)
        for g, p in pairs:
            cells = []
            for spec in kind.scored_fields:
                g_value = spec.value(gold_records[g]) if g is not None else None
                p_value = spec.value(predicted_records[p]) if p is not None else None
                counts = compare_field(spec, g_value, p_value)
                if not counts.tp + counts.fp + counts.fn:
                    continue
                status = "match" if not counts.fp + counts.fn else ("extra" if not counts.fn else
                                                                    "missing" if not counts.fp else "miss")  # fmt: skip
                cells.append(FieldCell(spec.name, _show(g_value), _show(p_value), status))
            rows.append({"type": record_type, "paired": g is not None and p is not None, "cells": cells})
    return rows


def _run_view(run: EvalLog, sample: Sample) -> dict[str, object]:
    """One version on one document: its scores, its records against gold, and what it sent to the model."""
    document = next(d for d in run.documents if d.id == sample.id)
    result = document.result
    score = document.score()
    return {
        "name": run.prompt,
        "score": score,
        "predicted": bool(result.extraction.records()),
        "pairs": _pair_rows(sample.gold, result.extraction, score),
        "calls": len(result.calls),
        "passages": len({(call.start, call.end) for call in result.calls}),
        "unsent": document.gold_records - document.gold_records_sent,
        "failed_calls": sum(call.outcome == "failed" for call in result.calls),
    }


def to_html(comparison: Comparison, samples: list[Sample]) -> str:
    """One self-contained page: an index of documents by F1 delta (regressions first), the summary tables,
    then per document its text with the passages each version sent and the evidence marked, gold vs predicted.
    """
    by_id = {sample.id: sample for sample in samples}
    absent = [row.name for row in comparison.document_rows if row.name not in by_id]
    if absent:
        raise ConfigError(f"the data given has no filing for {len(absent)} compared documents, e.g. {absent[0]}")
    documents = []
    for row in comparison.document_rows:
        sample = by_id[row.name]
        text = sample.filing.text
        spans = [(e.start, e.end, "ev-gold") for r in sample.gold.records() for e in r.evidence
                 if e.start is not None and e.end is not None]  # fmt: skip
        for label, run in (("a", comparison.a), ("b", comparison.b)):
            result = run.results[sample.id]
            spans += [(call.start, call.end, f"sent-{label}") for call in result.calls]
            spans += [(e.start, e.end, f"ev-{label}") for r in result.extraction.records() for e in r.evidence
                      if e.start is not None and e.end is not None]  # fmt: skip
        runs = {"a": _run_view(comparison.a, sample), "b": _run_view(comparison.b, sample)}
        documents.append({"id": sample.id, "row": row, "text": highlight(text, spans), "runs": runs,
                          "gold_records": len(sample.gold.records())})  # fmt: skip
    return _environment().get_template("report.html.j2").render(c=comparison, documents=documents)
