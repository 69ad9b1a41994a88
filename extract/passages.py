"""Find the few short passages of a filing that report a deal or a change of officers, and cut the rest.

A small model extracts well from one focused paragraph and badly from a whole filing, and a large model
costs less the less it reads. So each paragraph is scored by the language that reports these events, the
boilerplate is skipped (forward-looking statements, contacts, signatures), a press release repeating the
8-K body is read once, and what is sent stays within the model's context budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from eightk.schemas import RecordKind
from eightk.text.fold import fold, sentences

# A passage qualifies with one of its kind's core signals (the event itself) and `_MINIMUM_SCORE` in all.
_MINIMUM_SCORE = 2
_MIN_PARAGRAPH_CHARS = 240  # a heading or a one-line paragraph is read together with what follows
_BOILERPLATE = re.compile(
    r"forward-looking|safe harbor|private securities litigation|pursuant to the requirements of the securities"
    r"|investor\s+(relations|contact)|media\s+contact|incorporated\s+(herein\s+)?by\s+reference|exhibit\s+index"
    r"|check the appropriate box|commission file number|emerging growth company",
    re.IGNORECASE,
)
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n")


@dataclass(frozen=True, slots=True)
class Passage:
    """A span of the filing text worth one model call, and why it was chosen."""

    kind: str | None  # the record kind's name; None: a window of the whole filing, read for every kind
    start: int
    end: int
    score: int = 0

    def text(self, filing_text: str) -> str:
        return filing_text[self.start : self.end]


def paragraphs(text: str, max_chars: int) -> Iterator[tuple[int, int]]:
    """Paragraph spans, with any paragraph longer than `max_chars` cut at sentence ends to fit."""
    position = 0
    for match in [*_PARAGRAPH_BREAK.finditer(text), None]:
        end = match.start() if match else len(text)
        if match and end - position < _MIN_PARAGRAPH_CHARS:
            continue
        yield from _fit(text, position, end, max_chars)
        position = match.end() if match else len(text)


def _fit(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start >= end:
        return
    while end - start > max_chars:
        cut = start + max_chars
        sentence_ends = [span.end for span in sentences(text, start, cut)][:-1]
        cut = sentence_ends[-1] if sentence_ends and sentence_ends[-1] > start + max_chars // 3 else cut
        yield start, cut
        start = cut
        while start < end and text[start].isspace():
            start += 1
    if start < end:
        yield start, end


def score(passage_text: str, kind: RecordKind) -> int:
    """How many kinds of signal the passage's non-boilerplate sentences carry; 0 without a core signal."""
    if _BOILERPLATE.search(passage_text[:200]):
        return 0
    parts = [passage_text[span.start : span.end] for span in sentences(passage_text)]
    substance = " ".join(part for part in parts if not _BOILERPLATE.search(part))
    hits = [bool(pattern.search(substance)) for pattern in kind.signals]
    return sum(hits) if any(hits[: kind.core_signals]) else 0


def find_passages(
    text: str, kinds: tuple[RecordKind, ...], *, max_chars: int = 1600, max_per_kind: int = 3
) -> list[Passage]:
    """The best-scoring paragraphs for each kind, near-duplicates removed, in document order."""
    spans = list(paragraphs(text, max_chars))
    chosen: list[Passage] = []
    for kind in kinds:
        scored = [Passage(kind.name, s, e, score(text[s:e], kind)) for s, e in spans]
        ranked = sorted((p for p in scored if p.score >= _MINIMUM_SCORE), key=lambda p: (-p.score, p.start))
        kept: list[Passage] = []
        for passage in ranked:
            twin = next((k for k in kept if _near_duplicate(passage.text(text), k.text(text))), None)
            if twin is not None:
                # The same news twice (8-K body, then press release): read the body's, which comes first.
                if passage.start < twin.start:
                    kept[kept.index(twin)] = passage
            elif len(kept) < max_per_kind:
                kept.append(passage)
        chosen.extend(kept)
    return sorted(chosen, key=lambda p: (p.start, p.kind or ""))


def windows(text: str, *, max_chars: int) -> list[Passage]:
    """The whole filing as consecutive windows that each fit the budget: nothing is left unread."""
    result: list[Passage] = []
    start = end = None
    for s, e in paragraphs(text, max_chars):
        if start is None:
            start, end = s, e
        elif e - start <= max_chars:
            end = e
        else:
            result.append(Passage(None, start, end or s))
            start, end = s, e
    if start is not None and end is not None:
        result.append(Passage(None, start, end))
    return result


def _near_duplicate(a: str, b: str) -> bool:
    words_a, words_b = set(fold(a).split()), set(fold(b).split())
    if not words_a or not words_b:
        return False
    return len(words_a & words_b) / min(len(words_a), len(words_b)) > 0.8
