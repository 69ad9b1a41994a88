"""Locate quoted text in a filing, tolerant of the noise that separates a quote from its source.

Models (and annotators) reflow whitespace, change case and straighten typographic quotes when they copy a
sentence; none of that should make a true quote look invented. Everything else (a changed word or number)
must, so matching is exact after this small normalization and never fuzzy.
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
    for index, char in enumerate(text.translate(_FOLD)):
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


def fold(text: str) -> str:
    """The comparison form of a text: one space between words, lower case, plain quotes and dashes."""
    return _SPACE.sub(" ", text.translate(_FOLD)).strip().lower()


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


def contains(needle: str, haystack: str, window: tuple[int, int] | None = None) -> bool:
    return locate(needle, haystack, window) is not None
