"""Locate quoted text in a filing, tolerant of the noise that separates a quote from its source.

Models (and annotators) reflow whitespace, change case, straighten typographic quotes and drop a comma
("Genentech Inc" for "Genentech, Inc.") when they copy; none of that should make a true quote look
invented. Everything else (a changed word or digit) must, so matching is exact after this small
normalization and never fuzzy. Punctuation between digits is kept: "$2.5 billion" is not "$25 billion".
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache

_FOLD = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u2013": "-",
        "\u2014": "-",
        "\u00a0": " ",
    }
)
_IGNORED_PUNCTUATION = frozenset(",.;:'\"()[]")


@dataclass(frozen=True, slots=True)
class Span:
    """Half-open character offsets into the filing text."""

    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _Folded:
    text: str
    origin: tuple[int, ...]  # origin[i] is the source index of folded character i


_PUNCTUATION = re.compile("[" + re.escape("".join(sorted(_IGNORED_PUNCTUATION))) + "]")
_OTHER_SPACE = re.compile(r"[^\S ]")
_SPACE_RUN = re.compile(r"^ +| {2,}")


def _fold(text: str) -> _Folded:
    """Two passes of regex matches and slices, never a Python loop over characters: every filing is folded,
    and a character loop made folding most of the toolkit's own time in a replayed eval (profiled)."""
    translated = text.translate(_FOLD)
    # 1. Drop ignored punctuation, except between digits ("$2.5", "1,000").
    kept: list[str] = []
    origin: list[int] = []
    position = 0
    for mark in _PUNCTUATION.finditer(translated):
        index = mark.start()
        if not _between_digits(translated, index):
            kept.append(translated[position:index])
            origin.extend(range(position, index))
            position = index + 1
    kept.append(translated[position:])
    origin.extend(range(position, len(translated)))
    spaced = _OTHER_SPACE.sub(" ", "".join(kept))  # one for one: offsets unchanged
    # 2. One space for each run of whitespace; none at the start.
    collapsed: list[str] = []
    collapsed_origin: list[int] = []
    position = 0
    for run in _SPACE_RUN.finditer(spaced):
        keep_until = run.start() if run.start() == 0 else run.start() + 1
        collapsed.append(spaced[position:keep_until])
        collapsed_origin.extend(origin[position:keep_until])
        position = run.end()
    collapsed.append(spaced[position:])
    collapsed_origin.extend(origin[position:])
    joined = "".join(collapsed)
    lowered = joined.lower()
    if len(lowered) != len(joined):  # a character whose lower case is longer ("İ"): align one by one
        pairs = [
            (lower, source) for char, source in zip(joined, collapsed_origin, strict=True) for lower in char.lower()
        ]
        lowered, collapsed_origin = "".join(p[0] for p in pairs), [p[1] for p in pairs]
    return _Folded(lowered, tuple(collapsed_origin))


# A filing is searched many times (every value and quote of every call), so its folded form is kept; needles
# are short and folded afresh, so they cannot push the filings out of the cache.
_fold_source = lru_cache(maxsize=16)(_fold)


def _between_digits(text: str, index: int) -> bool:
    return 0 < index < len(text) - 1 and text[index - 1].isdigit() and text[index + 1].isdigit()


def fold(text: str) -> str:
    """The comparison form of a text: one space between words, lower case, no quotes or stray punctuation."""
    return _fold(text).text.strip()


def locate(needle: str, haystack: str, window: tuple[int, int] | None = None) -> Span | None:
    """Offsets of the first occurrence of `needle` in `haystack[window]`, or None when it is not there."""
    wanted = fold(needle)
    if not wanted:
        return None
    folded = _fold_source(haystack)
    lo, hi = window or (0, len(haystack))
    # Translate the source window into folded coordinates by bisection over the origin map.
    folded_lo = bisect_left(folded.origin, lo)
    folded_hi = bisect_left(folded.origin, hi)
    position = folded.text.find(wanted, folded_lo, folded_hi)
    if position < 0:
        return None
    return Span(folded.origin[position], folded.origin[position + len(wanted) - 1] + 1)


_SENTENCE_BREAK = re.compile(r"[.!?][\"')\]]?\s+(?=[A-Z\"(])")
_ABBREVIATIONS = frozenset(
    [
        "inc",
        "corp",
        "co",
        "ltd",
        "llc",
        "plc",
        "mr",
        "mrs",
        "ms",
        "dr",
        "jr",
        "sr",
        "st",
        "no",
        "nos",
        "vs",
        "u.s",
        "u.k",
        "n.a",
        "s.a",
        "n.v",
        "e.g",
        "i.e",
        "approx",
    ]
)


def sentences(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Sentence spans of `text[start:end]`, not broken after "Inc." or "Mr." or an initial."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    begin = start
    for match in _SENTENCE_BREAK.finditer(text, start, end):
        word = text[begin : match.start()].rsplit(maxsplit=1)[-1].lower() if text[begin : match.start()].strip() else ""
        if word.strip("(\"'") in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        spans.append(Span(begin, match.start() + 1))
        begin = match.end()
    if text[begin:end].strip():
        spans.append(Span(begin, end))
    return [
        Span(sp.start + (len(text[sp.start : sp.end]) - len(text[sp.start : sp.end].lstrip())), sp.end) for sp in spans
    ]
