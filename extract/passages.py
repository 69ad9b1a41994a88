"""Find the few short passages of a filing that report an event of each record kind, and cut the rest.

A small model extracts well from one focused paragraph and badly from a whole filing, and a large model
costs less the less it reads. A filing says where its events are: the items of a kind (5.02 for officer
changes, 1.01 or 2.01 for deals) are read first; the rest is scored by the kind's language. Boilerplate is
skipped (forward-looking statements, contacts, signatures, tables of contents), a press release repeating
the 8-K body is read once, and what is sent stays within the model's context budget.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from eightk.extract.sections import NEW_ITEMS, OLD_ITEMS, Section
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
Span = tuple[int, int]
_HEADER_START = re.compile(r"\s*items?\b", re.IGNORECASE)


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


def score(passage_text: str, kind: RecordKind, *, core: bool = True) -> int:
    """How many kinds of signal the passage's non-boilerplate sentences carry; 0 without a core signal
    (unless `core` is False: inside an item of the kind, the item itself says what the text is about)."""
    if _BOILERPLATE.search(passage_text[:200]):
        return 0
    parts = [passage_text[span.start : span.end] for span in sentences(passage_text)]
    substance = " ".join(part for part in parts if not _BOILERPLATE.search(part))
    hits = [bool(pattern.search(substance)) for pattern in kind.signals]
    return sum(hits) if any(hits[: kind.core_signals]) or not core else 0


def find_passages(
    text: str,
    kinds: tuple[RecordKind, ...],
    sections: list[Section],
    *,
    max_chars: int = 1600,
    max_per_kind: int = 3,
) -> list[Passage]:
    """For each kind: its items' text first, then the best paragraphs of the rest, in document order.

    An item is where a filing states the event (Item 5.02 for officer changes, 1.01/2.01 for deals), so an
    item of the kind is read from its start, paragraph by paragraph, rather than picked over by keywords:
    the event sentence that carries no keyword ("will assume the position of chairman") is still sent. A
    press release (and the text before the first item, where filings without headers put the event) is
    scored by the kind's language, and one that repeats the item is not read again.
    """
    chosen: list[Passage] = []
    for kind in kinds:
        items, exhibits = _regions(text, sections, kind)
        from_items = _item_passages(
            [list(_chunks(text, start, end, kind, max_chars)) for start, end in items], text, kind
        )
        scored = [
            Passage(kind.name, s, e, score(text[s:e], kind))
            for start, end in exhibits
            for s, e in _units(text, start, end, max_chars)
        ]
        ranked = sorted((p for p in scored if p.score >= _MINIMUM_SCORE), key=lambda p: (-p.score, p.start))
        kept: list[Passage] = []
        for passage in [*from_items, *ranked]:
            twin = next((k for k in kept if _near_duplicate(passage.text(text), k.text(text))), None)
            if twin is not None:
                # The same news twice (8-K body, then press release): read the body's, which comes first.
                if passage.start < twin.start:
                    kept[kept.index(twin)] = passage
            elif len(kept) < max_per_kind:
                kept.append(passage)
        chosen.extend(kept)
    return sorted(chosen, key=lambda p: (p.start, p.kind or ""))


def _item_passages(items: list[list[Passage]], text: str, kind: RecordKind) -> list[Passage]:
    """Each item's opening chunk, where filings state the event, then the later chunks that report an event
    of the kind themselves (a core signal), best first: a long item may name a second appointment pages on."""
    openings = [chunks[0] for chunks in items if chunks]
    later = [p for chunks in items for p in chunks[1:] if score(p.text(text), kind) > 0]
    return [*openings, *sorted(later, key=lambda p: (-score(p.text(text), kind), p.start))]


def _regions(text: str, sections: list[Section], kind: RecordKind) -> tuple[list[Span], list[Span]]:
    """(the kind's items; the rest worth scoring: the text before the first item,
    where filings without headers put the event, and the press releases). Without item headers, all of it
    is scored."""
    if not any(section.kind == "item" for section in sections):
        return [], [(0, len(text))]
    items = [
        (s.start, s.end)
        for s in sections
        if s.kind == "item" and kind.items & {s.label, *s.combined} and not _header_only(text, s)
    ]
    scored = [
        (s.start, s.end)
        for s in sections
        if s.kind == "cover" or (s.kind == "exhibit" and (not s.label or s.label.startswith("99")))
    ]
    return items, scored


def _header_only(text: str, section: Section) -> bool:
    """A section that is its header line and nothing else: an entry of a table of contents."""
    first, _, rest = text[section.start : section.end].strip().partition("\n")
    titles = sum(
        len(NEW_ITEMS.get(label) or OLD_ITEMS.get(label) or "") for label in (section.label, *section.combined)
    )
    return not rest.strip() and len(first) <= titles + 12 * (1 + len(section.combined)) + 20


def _substantive(text: str, start: int, end: int) -> bool:
    """A sentence of some length that is not a header: a header alone (an item repeated in a table of
    contents) carries the item's keywords but says nothing."""
    for span in sentences(text, start, end):
        sentence = text[span.start : span.end]
        if _HEADER_START.match(sentence):  # the header's line; what follows it on later lines counts
            sentence = sentence.partition("\n")[2]
        if len(sentence.split()) >= 6:
            return True
    return False


def _units(text: str, start: int, end: int, max_chars: int) -> Iterator[Span]:
    """Paragraphs of text[start:end]; a short one is joined to the next unless it is boilerplate, which
    stands alone so that it cannot silence the paragraph it would have been joined to."""
    position = start
    for match in [*_PARAGRAPH_BREAK.finditer(text, start, end), None]:
        stop = match.start() if match else end
        short = stop - position < _MIN_PARAGRAPH_CHARS
        if match and short and not _BOILERPLATE.search(text, position, stop):
            continue
        yield from _fit(text, position, stop, max_chars)
        position = match.end() if match else end


def _chunks(text: str, start: int, end: int, kind: RecordKind, max_chars: int) -> Iterator[Passage]:
    """An item's paragraphs that carry any signal of the kind, in order, joined while they fit."""
    chunk: Span | None = None
    for s, e in _units(text, start, end, max_chars):
        relevant = score(text[s:e], kind, core=False) > 0 and _substantive(text, s, e)
        if chunk is not None and (not relevant or e - chunk[0] > max_chars):
            yield Passage(kind.name, *chunk, score=score(text[chunk[0] : chunk[1]], kind, core=False))
            chunk = None
        if relevant:
            chunk = (chunk[0], e) if chunk is not None else (s, e)
    if chunk is not None:
        yield Passage(kind.name, *chunk, score=score(text[chunk[0] : chunk[1]], kind, core=False))


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
