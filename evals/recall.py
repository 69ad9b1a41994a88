"""Passage recall: the share of gold records whose evidence lies in a passage sent for their kind.

A record whose evidence was never sent to the model cannot be extracted by any model, so this bounds
recall from above and tells a reading problem (the passage was not chosen) from a model problem.
"""

from __future__ import annotations

from collections.abc import Iterable

from eightk.schemas import FilingExtraction, registered

Sent = tuple[str | None, int, int]  # (kind name, or None for a window read for every kind; start; end)


def passage_recall(gold: FilingExtraction, sent: Iterable[Sent]) -> tuple[int, int]:
    """(gold records with an evidence quote inside a passage sent for their kind, gold records)."""
    passages = list(sent)
    found = total = 0
    for kind in registered():
        spans = [(start, end) for name, start, end in passages if name in (kind.name, None)]
        for record in gold.records_of(kind):
            total += 1
            quotes = [(e.start, e.end) for e in getattr(record, "evidence", []) if e.start is not None]
            found += any(start <= s and e <= end for s, e in quotes if e is not None for start, end in spans)
    return found, total
