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
_SPACE = re.compile(r"\s+")
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


@lru_cache(maxsize=64)
def _fold(text: str) -> _Folded:
    chars: list[str] = []
    origin: list[int] = []
    previous_space = True  # drop leading whitespace
    folded = text.translate(_FOLD)
    for index, char in enumerate(folded):
        if char in _IGNORED_PUNCTUATION and not _between_digits(folded, index):
            continue
        if char.isspace():
            if previous_space:
                continue
            char = " "
            previous_space = True
        else:
            previous_space = False
        chars.append(char.lower())
        origin.append(index)
    return _Folded("".join(chars), tuple(origin))


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
    folded = _fold(haystack)
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
