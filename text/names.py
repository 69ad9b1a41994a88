"""Comparison forms of names, titles and free text, so the scorer judges meaning rather than typography.

"Genentech, Inc." and "Genentech Inc" are one company; "Sr. VP" and "Senior Vice President" one title;
"Gregg D. Beloff" and "Gregg Beloff" one person.
"""

from __future__ import annotations

import re

from eightk.text.fold import fold

_PUNCTUATION = re.compile(r"[^\w\s&]")
_CORPORATE_SUFFIXES = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "ltd", "limited", "llc", "lp", "plc",
    "ag", "sa", "nv", "bv", "gmbh", "se", "the", "holdings", "group",
}  # fmt: skip
_HONORIFICS = {"mr", "mrs", "ms", "dr", "prof", "sir", "phd", "md", "jr", "sr", "ii", "iii", "esq"}
_TITLE_WORDS = {
    "vp": "vice president",
    "svp": "senior vice president",
    "evp": "executive vice president",
    "sr": "senior",
    "exec": "executive",
    "ceo": "chief executive officer",
    "cfo": "chief financial officer",
    "coo": "chief operating officer",
    "cto": "chief technology officer",
    "cao": "chief accounting officer",
    "cmo": "chief medical officer",
    "gc": "general counsel",
    "&": "and",
    "chairman": "chair",
    "chairwoman": "chair",
    "chairperson": "chair",
    "co": "co",
}
_BOARD_SEAT = re.compile(
    r"^(an? )?(member of (the |its |our )?(companys )?board( of directors)?|board member|(the )?board of directors"
    r"|directors?)$"
)
_TITLE_FILLER = re.compile(r"\b(of the (company|board|firm|registrant)|the company's|the)\b")


def words(text: str) -> list[str]:
    return _PUNCTUATION.sub(" ", fold(text)).split()


def company_name(text: str) -> str:
    kept = [word for word in words(text) if word not in _CORPORATE_SUFFIXES]
    return " ".join(kept) or " ".join(words(text))


def person_name(text: str) -> str:
    """First and last name only: initials, honorifics and suffixes dropped."""
    kept = [word for word in words(text) if word not in _HONORIFICS and len(word) > 1]
    return " ".join([kept[0], kept[-1]]) if len(kept) >= 2 else " ".join(kept)


def title(text: str) -> str:
    expanded = " ".join(_TITLE_WORDS.get(word, word) for word in words(text.replace("-", " ")))
    if _BOARD_SEAT.match(expanded):  # "member of the Board of Directors" is the seat gold calls "director"
        return "director"
    return " ".join(_TITLE_FILLER.sub(" ", expanded).split())


def free_text(text: str) -> str:
    return " ".join(words(text))


def same_free_text(a: str, b: str) -> bool:
    """Equal, one containing the other, or sharing most words: free text is judged leniently."""
    left, right = free_text(a), free_text(b)
    if not left or not right:
        return left == right
    if left in right or right in left:
        return True
    a_words, b_words = set(left.split()), set(right.split())
    return len(a_words & b_words) / len(a_words | b_words) >= 0.5
