"""Split a filing into its cover, its items and its exhibits.

Item headers come in two eras ("Item 5. Other Events" before August 2004, "Item 5.02 Departure of ..."
after) and in several layouts: on a line of their own, run together on one line by an HTML stripper, or
repeated in a table of contents. Exhibits (mostly press releases) start at an "Exhibit 99.1" line, an SGML
`<DOCUMENT type=EX-99.1>` marker, or, in filings that drop their headers, right after the signature block.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

SectionKind = Literal["cover", "item", "exhibit"]

_ITEM = re.compile(
    r"(?P<lead>^|(?<=[.:;!?)\"'])[ \t]+|(?<=\n))[ \t]*ITEMS?[ \t]+(?P<number>\d{1,2}(?:\.\d{2})?)(?:\([a-z]\))?"
    r"(?P<after>[ \t.:\-]*(?P<title>[^\n]{0,160}))",
    re.IGNORECASE | re.MULTILINE,
)
# Words that show "Item 2.02" is a cross-reference inside a sentence, not a header.
_REFERENCE = re.compile(r"^(of|is|are|and|or|to|above|below|hereof|herein|through|in|as|which)\b", re.I)
_EXHIBIT_LINE = re.compile(
    r"^[ \t]*(?:EXHIBIT|EX-)[ \t]*(?:NO\.?[ \t]*)?\(?(?P<number>\d{1,3}(?:\.\d{1,3})?)\)?[ \t.]*"
    r"(?P<title>(?:to[ \t]+Form[ \t]+8-?K)?)[ \t]*$",
    re.IGNORECASE | re.MULTILINE,
)
_SGML_EXHIBIT = re.compile(r"^<DOCUMENT type=EX-(?P<number>[\d.]+)[^>]*>", re.IGNORECASE | re.MULTILINE)
_NOTHING_TO_REPORT = re.compile(r"^\s*(none|not applicable|n/a)\.?\s*$", re.IGNORECASE | re.MULTILINE)
_SIGNATURE_END = re.compile(
    r"duly\s+(?:caused|authorized)[^\n]*\n(?:[^\n]*\n){0,14}?[^\n]*(?:/s/|\bBy:)[^\n]*\n(?:[^\n]{0,80}\n){0,4}",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Section:
    """A labelled slice of the filing text; `label` is the item or exhibit number."""

    kind: SectionKind
    label: str
    title: str
    start: int
    end: int
    combined: tuple[str, ...] = ()

    def text(self, filing_text: str) -> str:
        return filing_text[self.start : self.end]


def split_sections(text: str) -> list[Section]:
    """The filing as consecutive sections that together cover all of it, in order."""
    starts: list[tuple[int, SectionKind, str, str]] = []
    for match in _ITEM.finditer(text):
        title = match["title"].strip()
        if match.group(0).lstrip().lower().startswith("items") or _REFERENCE.match(title):
            continue
        header_start = match.start("number") - len("item ")
        starts.append((max(header_start, match.start()), "item", match["number"], title.rstrip(". ")))
    exhibit_starts = [(m.start(), m["number"], m["title"]) for m in _EXHIBIT_LINE.finditer(text)]
    exhibit_starts += [(m.start(), m["number"], "") for m in _SGML_EXHIBIT.finditer(text)]
    last_item = max((start for start, *_ in starts), default=-1)
    for position, number, title in exhibit_starts:
        # An "Exhibit 99.1" line before the last item header belongs to an exhibit index, not an exhibit.
        if position > last_item:
            starts.append((position, "exhibit", number, title.strip()))
    if not any(kind == "exhibit" for _, kind, *_ in starts):
        signature = _SIGNATURE_END.search(text, pos=max(last_item, 0))
        if signature and len(text) - signature.end() > 400:
            starts.append((signature.end(), "exhibit", "", "unlabelled exhibit after the signature"))
    starts.sort()
    # A table of contents or an exhibit index repeats a header: keep only the first of a run of equal labels.
    starts = [s for i, s in enumerate(starts) if i == 0 or s[1:3] != starts[i - 1][1:3]]
    sections: list[Section] = []
    cover_end = starts[0][0] if starts else len(text)
    if cover_end > 0:
        sections.append(Section("cover", "", "cover page", 0, cover_end))
    for index, (start, kind, label, title) in enumerate(starts):
        end = starts[index + 1][0] if index + 1 < len(starts) else len(text)
        if end > start:
            sections.append(Section(kind, label, title, start, end))
    return sections


def reported_items(sections: list[Section], text: str) -> list[str]:
    """Item numbers the filing reports, each once, in order; an item answered "None." is not reported."""
    reported = []
    for section in sections:
        if section.kind != "item":
            continue
        body = section.text(text).split("\n", 1)[1] if "\n" in section.text(text) else ""
        first_line = next((line for line in body.splitlines() if line.strip()), "")
        if not _NOTHING_TO_REPORT.match(first_line):
            reported.append(section.label)
    return list(dict.fromkeys(reported))
