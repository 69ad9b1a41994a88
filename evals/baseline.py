"""The regression gate: replayed scores may not fall below the committed baseline.

A change that lowers a score must update `evals/baseline.json` in the same commit (`eightk eval
--update-baseline`), so every drop is a visible, reviewed line in a diff rather than a silent loss.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from eightk.evals.log import EvalLog

BASELINE_PATH = Path(__file__).resolve().parent / "baseline.json"
TOLERANCE = 1e-9


def summarize(run: EvalLog) -> dict[str, Any]:
    report = run.report
    return {
        "micro_f1": round(report.micro.f1, 6),
        "macro_f1": round(report.macro_f1, 6),
        "schema_valid_rate": round(report.schema_valid_rate, 6),
        "grounded_rate": round(report.grounded_rate, 6),
        "evidence_verified_rate": round(report.evidence_verified_rate, 6),
        "passage_recall": round(report.passage_recall, 6),
        "documents": {d.doc_id: round(d.total.f1, 6) for d in report.documents},
    }


def load_baseline(path: Path = BASELINE_PATH) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}


def write_baseline(runs: dict[str, EvalLog], path: Path = BASELINE_PATH) -> None:
    baseline = load_baseline(path)
    for run in runs.values():
        baseline.setdefault(run.model, {})[run.prompt] = summarize(run)
    path.write_text(json.dumps(baseline, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def regressions(runs: dict[str, EvalLog], baseline: dict[str, Any]) -> list[str]:
    """Every score below its baseline, as a readable line; empty when nothing fell."""
    found = []
    for run in runs.values():
        expected = baseline.get(run.model, {}).get(run.prompt)
        if expected is None:
            found.append(f"{run.model}/{run.prompt}: no baseline (run eightk eval --update-baseline)")
            continue
        actual = summarize(run)
        for key in ("micro_f1", "macro_f1", "schema_valid_rate", "grounded_rate", "evidence_verified_rate",
                    "passage_recall"):  # fmt: skip
            if key in expected and actual[key] < expected[key] - TOLERANCE:
                found.append(f"{run.model}/{run.prompt}: {key} {expected[key]:.4f} -> {actual[key]:.4f}")
        for doc_id, f1 in actual["documents"].items():
            if doc_id in expected["documents"] and f1 < expected["documents"][doc_id] - TOLERANCE:
                found.append(f"{run.model}/{run.prompt}: {doc_id} F1 {expected['documents'][doc_id]:.4f} -> {f1:.4f}")
    return found
