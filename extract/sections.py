"""Split a filing into its cover, its items and its exhibits.

Item headers come in two eras ("Item 5. Other Events" before August 23, 2004, "Item 5.02 Departure of ..."
after) and in every layout filing agents produce: on a line of their own, run together on one line by an
HTML stripper, in a table row ("Item 2.02 | Results of Operations"), with a non-breaking or thin space, a
line break or no space at all between "Item" and its number, and combined ("Items 1.01 and 5.02 ...").
A table of contents may repeat them. An item number inside a sentence ("as described in Item 2.02
above") is a cross-reference, not a header. Exhibits (mostly press releases) start at an "Exhibit 99.1"
line, an SGML `<DOCUMENT type=EX-99.1>` marker, or, in filings that drop their headers, right after the
signature block.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Literal

from eightk.extract.reader import FilingHeader

SectionKind = Literal["cover", "item", "exhibit"]

# The items of Form 8-K since August 23, 2004, and before it, by their official titles; EDGAR's header
# declares items by these titles ("ITEM INFORMATION: Results of Operations and Financial Condition").
NEW_ITEMS = {
    "1.01": "Entry into a Material Definitive Agreement",
    "1.02": "Termination of a Material Definitive Agreement",
    "1.03": "Bankruptcy or Receivership",
    "1.04": "Mine Safety - Reporting of Shutdowns and Patterns of Violations",
    "1.05": "Material Cybersecurity Incidents",
    "2.01": "Completion of Acquisition or Disposition of Assets",
    "2.02": "Results of Operations and Financial Condition",
    "2.03": "Creation of a Direct Financial Obligation or an Obligation under an Off-Balance Sheet Arrangement",
    "2.04": "Triggering Events That Accelerate or Increase a Direct Financial Obligation",
    "2.05": "Costs Associated with Exit or Disposal Activities",
    "2.06": "Material Impairments",
    "3.01": "Notice of Delisting or Failure to Satisfy a Continued Listing Rule or Standard",
    "3.02": "Unregistered Sales of Equity Securities",
    "3.03": "Material Modification to Rights of Security Holders",
    "4.01": "Changes in Registrant's Certifying Accountant",
    "4.02": "Non-Reliance on Previously Issued Financial Statements or a Related Audit Report",
    "5.01": "Changes in Control of Registrant",
    "5.02": "Departure of Directors or Certain Officers; Election of Directors; Appointment of Certain Officers",
    "5.03": "Amendments to Articles of Incorporation or Bylaws; Change in Fiscal Year",
    "5.04": "Temporary Suspension of Trading Under Registrant's Employee Benefit Plans",
    "5.05": "Amendments to the Registrant's Code of Ethics, or Waiver of a Provision of the Code of Ethics",
    "5.06": "Change in Shell Company Status",
    "5.07": "Submission of Matters to a Vote of Security Holders",
    "5.08": "Shareholder Director Nominations",
    "6.01": "ABS Informational and Computational Material",
    "6.02": "Change of Servicer or Trustee",
    "6.03": "Change in Credit Enhancement or Other External Support",
    "6.04": "Failure to Make a Required Distribution",
    "6.05": "Securities Act Updating Disclosure",
    "6.06": "Static Pool",
    "6.10": "Alternative Filings of Asset-Backed Issuers",
    "7.01": "Regulation FD Disclosure",
    "8.01": "Other Events",
    "9.01": "Financial Statements and Exhibits",
}
OLD_ITEMS = {
    "1": "Changes in Control of Registrant",
    "2": "Acquisition or Disposition of Assets",
    "3": "Bankruptcy or Receivership",
    "4": "Changes in Registrant's Certifying Accountant",
    "5": "Other Events",
    "6": "Resignations of Registrant's Directors",
    "7": "Financial Statements and Exhibits",
    "8": "Change in Fiscal Year",
    "9": "Regulation FD Disclosure",
    "10": "Amendments to the Registrant's Code of Ethics, or Waiver of a Provision of the Code of Ethics",
    "11": "Temporary Suspension of Trading Under Registrant's Employee Benefit Plans",
    "12": "Results of Operations and Financial Condition",
}
NEW_NUMBERING_SINCE = dt.date(2004, 8, 23)

_SPACE = "[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]"
# "5.02" may run into its title ("Item 9.01Financial"); "5" may not run into letters ("Item 1A" is a 10-K's).
_NUMBER = r"(?:\d\.\d{2}(?!\d)|\d{1,2}(?![\dA-Za-z]|\.\d))(?:\([a-z]\))?"
_HEADER = (
    rf"(?P<word>ITEMS?)(?:{_SPACE}*\n)?{_SPACE}*"
    rf"(?P<numbers>{_NUMBER}(?:{_SPACE}*(?:,|,?{_SPACE}*(?:and|&)){_SPACE}*(?:ITEM{_SPACE}*)?{_NUMBER})*)"
    rf"(?P<after>[{_SPACE[1:-1]}.:\-–—|]*(?P<title>[^\n]{{0,160}}))"
)
# A header starts a line, or follows the end of a sentence or a table cell that an HTML stripper ran into it.
_ITEM = re.compile(rf"(?:^|(?<=[.:;!?)\"'|]){_SPACE}){_SPACE}*{_HEADER}", re.IGNORECASE | re.MULTILINE)
_ITEM_AT = re.compile(_HEADER, re.IGNORECASE)
_ONE_NUMBER = re.compile(r"\d{1,2}(?:\.\d{2})?")
# Words that show "Item 2.02" is a cross-reference inside a sentence, not a header.
_REFERENCE = re.compile(
    r"^(of|is|are|and|or|to|above|below|hereof|herein|hereto|through|in|as|which|under|on|for|by|with|that|will"
    r"|shall|has|have|was|were|also|pursuant|requires?|provides?)\b",
    re.IGNORECASE,
)
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
_TITLE_WORDS = re.compile(r"[a-z]+")


@dataclass(frozen=True, slots=True)
class Section:
    """A labelled slice of the filing text; `label` is the item or exhibit number.

    A combined header ("Items 1.01 and 5.02") makes one section for both items: `label` is the first
    number and `combined` the others, since the text below it answers them together.
    """

    kind: SectionKind
    label: str
    title: str
    start: int
    end: int
    combined: tuple[str, ...] = ()

    def text(self, filing_text: str) -> str:
        return filing_text[self.start : self.end]


@dataclass(frozen=True, slots=True)
class _Start:
    position: int
    kind: SectionKind
    label: str
    title: str
    combined: tuple[str, ...] = ()


def _item_starts(text: str) -> list[_Start]:
    starts = []
    for match in _ITEM.finditer(text):
        title = match["title"].strip()
        if _REFERENCE.match(title):
            continue
        numbers = [n for n in _ONE_NUMBER.findall(match["numbers"]) if n in NEW_ITEMS or n in OLD_ITEMS]
        if not numbers or (match["word"].lower() == "item" and len(numbers) > 1 and "," in match["numbers"]):
            continue  # "Item 7, 8" is a list inside a sentence; a header lists several only after "Items"
        position = match.start("word")
        starts.append(_Start(position, "item", numbers[0], title.strip(".:|– ").rstrip(". "), tuple(numbers[1:])))
    # A filing uses one numbering; "Item 7" in a new-style filing quotes another form (10-K, Regulation S-K).
    if any("." in start.label for start in starts):
        starts = [start for start in starts if "." in start.label]
    return starts


def split_sections(text: str) -> list[Section]:
    """The filing as consecutive sections that together cover all of it, in order."""
    starts = _item_starts(text)
    exhibit_starts = [(m.start(), m["number"], m["title"]) for m in _EXHIBIT_LINE.finditer(text)]
    exhibit_starts += [(m.start(), m["number"], "") for m in _SGML_EXHIBIT.finditer(text)]
    last_item = max((start.position for start in starts), default=-1)
    for position, number, title in exhibit_starts:
        # An "Exhibit 99.1" line before the last item header belongs to an exhibit index, not an exhibit.
        if position > last_item:
            starts.append(_Start(position, "exhibit", number, title.strip()))
    if not any(start.kind == "exhibit" for start in starts):
        signature = _SIGNATURE_END.search(text, pos=max(last_item, 0))
        if signature and len(text) - signature.end() > 400:
            starts.append(_Start(signature.end(), "exhibit", "", "unlabelled exhibit after the signature"))
    starts.sort(key=lambda start: start.position)
    # A table of contents or an exhibit index repeats a header: keep only the first of a run of equal labels.
    starts = [
        s for i, s in enumerate(starts) if i == 0 or (s.kind, s.label) != (starts[i - 1].kind, starts[i - 1].label)
    ]
    sections: list[Section] = []
    cover_end = starts[0].position if starts else len(text)
    if cover_end > 0:
        sections.append(Section("cover", "", "cover page", 0, cover_end))
    for index, start in enumerate(starts):
        end = starts[index + 1].position if index + 1 < len(starts) else len(text)
        if end > start.position:
            sections.append(Section(start.kind, start.label, start.title, start.position, end, start.combined))
    return sections


def reported_items(sections: list[Section], text: str, header: FilingHeader | None = None) -> list[str]:
    """Item numbers the filing reports, each once, in order; an item answered "None." is not reported.

    When the SEC header declares the items (a full submission), it is the filer's own statement of what
    the filing reports: an item it does not declare is a cross-reference or a quoted form read as a
    header, and an item it declares that the text does not head is still reported.
    """
    reported = []
    for section in sections:
        if section.kind != "item":
            continue
        header_line = _ITEM_AT.match(text, section.start)
        body = text[header_line.end() if header_line else section.start : section.end]
        first_line = next((line for line in body.splitlines() if line.strip()), "")
        if not _NOTHING_TO_REPORT.match(first_line):
            reported.extend([section.label, *section.combined])
    found = list(dict.fromkeys(reported))
    declared, unnamed = _declared_items(header) if header else ([], 0)
    if not declared:
        return found
    # A declared line that names no known item may be any item, so nothing found can be ruled out then.
    kept = found if unnamed else [item for item in found if item in declared]
    return kept + [item for item in declared if item not in kept]


def _declared_items(header: FilingHeader) -> tuple[list[str], int]:
    """The item numbers the header's ITEM INFORMATION lines name, and how many lines named none."""
    if header.filed_as_of is None:
        catalogues = [NEW_ITEMS, OLD_ITEMS]
    else:
        catalogues = [NEW_ITEMS] if header.filed_as_of >= NEW_NUMBERING_SINCE else [OLD_ITEMS]
    numbers, unknown = [], 0
    for line in header.items:
        number = line.strip().removeprefix("Item ").strip(" .:")
        if any(number in catalogue for catalogue in catalogues):
            numbers.append(number)
            continue
        titled = (n for catalogue in catalogues for n, title in catalogue.items() if _same_title(line, title))
        named = next(titled, None)
        if named:
            numbers.append(named)
        else:
            unknown += 1
    return list(dict.fromkeys(numbers)), unknown


def _same_title(declared: str, official: str) -> bool:
    """EDGAR's item titles are the form's, give or take punctuation, case and a shortened tail."""
    ours, theirs = _TITLE_WORDS.findall(declared.lower()), _TITLE_WORDS.findall(official.lower())
    shared = min(len(ours), len(theirs))
    return shared >= 2 and ours[:shared] == theirs[:shared] and (shared >= 4 or len(ours) == len(theirs))
