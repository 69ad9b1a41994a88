"""Filing-level facts that the cover page and signature block state in fixed phrases: no model needed.

A full EDGAR submission carries an SGML header in which EDGAR itself records the registrant, the form
type, the filing date and the period of report; when it is there it is taken over anything read from
the cover page, whose layout every filing agent varies (the name above or beside its caption, split
over two lines, underlined by a rule; the date after its caption, below it, or above it).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass

from eightk.extract.reader import FilingHeader
from eightk.text.dates import find_dates

_REPORT_CAPTION = re.compile(r"date\s+of\s+(?:report|earliest\s+event)", re.IGNORECASE)
# "January 27, 2005 (January 24, 2005)": the date of the report, then the earliest event it reports.
_EARLIEST_AFTER = re.compile(r"[ \t]*\(([^()\n]{6,30})\)")
_REGISTRANT_CAPTION = re.compile(r"Exact\s+name\s+of\s+(?:the\s+)?registrants?\b", re.IGNORECASE)
# The sentence a signature block starts with; a "SIGNATURE" heading alone also heads a table of contents line.
_SIGNATURE_START = re.compile(
    r"pursuant\s+to\s+the\s+requirements\s+of\s+the\s+securities\s+exchange\s+act\s+of\s+1934,?\s+(?:as\s+amended,?\s+)?"
    r"the\s+registrant|duly\s+caused\s+this",
    re.IGNORECASE,
)
_SIGNED_DATE = re.compile(r"^[ \t|]*Dated?\b[\s|:.]*", re.IGNORECASE | re.MULTILINE)
_SIGNER = re.compile(r"^[ \t|]*(?:By|BY)\b|\b(?:By|BY)\s*:|/s/", re.MULTILINE)
_SIGNING_WORDS = re.compile(r"\b(?:undersigned|authorized|behalf|signed)\b", re.IGNORECASE)
_SIGNATURE_WINDOW = 1200  # characters after "Pursuant to the requirements..." in which the block lies
_AMENDMENT = re.compile(r"FORM\s+8-K/A", re.I)
_RULE = re.compile(r"^[\s_\-=*~.|·•]*$")  # a line of underscores, dashes or dots drawn under or over a name
# Lines of the cover page that are not the registrant's name, though they may sit right above it.
_COVER_LINE = re.compile(
    r"8-K|current\s+report|securities\s+exchange|exchange\s+commission|washington|pursuant\s+to|section\s+13"
    r"|date\s+of|commission\s+file|\bform\b|^\(|:\s*$|table\s+of\s+contents",
    re.IGNORECASE,
)
# What the second line of a name split over two lines looks like when it cannot stand alone.
_NAME_TAIL = re.compile(
    r"^(?:(?-i:[a-z&])|(?:(?:the|and|&|of)\s+)?(?:inc|incorporated|corp|corporation|co|company|companies|ltd|limited"
    r"|llc|l\.l\.c|lp|l\.p|plc|n\.v|s\.a|holdings?|group|trust|bancorp|partners)\b[\s.,]*(?:(?:inc|ltd)\.?[\s.,]*)?$)",
    re.IGNORECASE,
)
_NAME_HEAD_OPEN = re.compile(r"(?:,|&|\band|\bof|\bthe)\s*$", re.IGNORECASE)
_CAPITAL_WORD = r"(?:[A-Z][\w.,'&-]*|&|of|and|the)"
_CAPITALISED = re.compile(rf"^{_CAPITAL_WORD}(?:\s+{_CAPITAL_WORD})*\s*$")
_PIECE_BREAK = re.compile(r" \| |[-_=*]{3,}")
_MAX_NAME = 120  # a registrant's name; anything longer is a run of cover text, not a name


@dataclass(frozen=True)
class Cover:
    """The facts a filing states about itself, for one call instead of five."""

    company: str | None
    form_type: str
    filing_date: dt.date | None
    report_date: dt.date | None
    cik: str | None
    accession_number: str | None


def read_cover(text: str, header: FilingHeader | None = None) -> Cover:
    return Cover(
        company=company(text, header),
        form_type=form_type(text, header),
        filing_date=filing_date(text, header),
        report_date=report_date(text, header),
        cik=header.cik if header else None,
        accession_number=header.accession_number if header else None,
    )


def report_date(text: str, header: FilingHeader | None = None) -> dt.date | None:
    """The date of the earliest event reported: EDGAR's period of report, else the cover page's date.

    The date follows its caption ("Date of Report (Date of earliest event reported): August 19, 2010",
    on the same line or the next), or, when the caption is printed in parentheses under a blank, stands
    on the line above it. "March 11, 2018 (March 15, 2018)" gives the report's date and, in brackets, the
    earliest event's: the bracketed one is the period of report, even when it is the later of the two.
    """
    if header and header.period_of_report:
        return header.period_of_report
    caption = _REPORT_CAPTION.search(text, 0, 20_000)
    if caption is None:
        return None
    line_start = text.rfind("\n", 0, caption.start()) + 1
    registrant = _REGISTRANT_CAPTION.search(text, caption.end(), caption.end() + 400)
    after = text[caption.end() : registrant.start() if registrant else caption.end() + 250]
    dates = find_dates(after)
    under_a_blank = text[line_start : caption.start()].strip(" \t|").startswith("(")
    if dates and not (under_a_blank and "\n\n" in after[: dates[0][0]]):
        _, end, date = dates[0]
        earliest = _EARLIEST_AFTER.match(after, end)
        second = find_dates(earliest.group(1)) if earliest else []
        return second[0][2] if second else date
    before = find_dates(text[max(0, line_start - 200) : caption.start()])
    return before[-1][2] if before else None


def filing_date(text: str, header: FilingHeader | None = None) -> dt.date | None:
    """EDGAR's filing date, else the signature date: the first date of the 8-K's signature block.

    The first, not the last: exhibits after the signature (letters, agreements, press releases) carry
    "Date:" lines of their own. In the block, a date counts on a "Date:"/"Dated:" line or at the start
    of a line next to the "By: /s/" line; any other date there is a footnote's or an exhibit letter's.
    A filing without a recognisable signature block gets its first "Date:" line.
    """
    if header and header.filed_as_of:
        return header.filed_as_of
    for signature in _SIGNATURE_START.finditer(text):
        block = text[signature.end() : signature.end() + _SIGNATURE_WINDOW]
        signed = [*_labelled_dates(block), *_dates_by_the_signer(block)]
        if signed:
            return min(signed)[1]
    return next((date for _, date in _labelled_dates(text)), None)


def _labelled_dates(text: str) -> Iterator[tuple[int, dt.date]]:
    for label in _SIGNED_DATE.finditer(text):
        dated = find_dates(text[label.end() : label.end() + 40])
        if dated and dated[0][0] == 0:
            yield label.start(), dated[0][2]


def _dates_by_the_signer(block: str) -> Iterator[tuple[int, dt.date]]:
    for start, end, date in find_dates(block):
        line_start = block.rfind("\n", 0, start) + 1
        if not block[line_start:start].strip(" \t|") and _SIGNER.search(block[max(0, line_start - 160) : end + 160]):
            yield start, date


def company(text: str, header: FilingHeader | None = None) -> str | None:
    """The registrant's name: EDGAR's conformed name, else the cover page's name above its caption
    "(Exact name of registrant as specified in its charter)", else the name the signature block signs for.

    Rules and blanks between name and caption are skipped, a name broken over two lines is joined, and
    a cover page run together into one long line gives no name rather than the run.
    """
    if header and header.company_name:
        return header.company_name
    caption = _REGISTRANT_CAPTION.search(text, 0, 30_000)
    if caption is None:
        return _signing_company(text)
    line_start = text.rfind("\n", 0, caption.start()) + 1
    beside = _last_cell(text[line_start : caption.start()].rstrip(" \t("))
    if beside and not _RULE.match(beside):
        return _name(beside)
    lines = text[max(0, line_start - 2000) : line_start].split("\n")[:-1]
    while lines and (not lines[-1].strip() or _RULE.match(lines[-1])):
        lines.pop()
    if not lines or _COVER_LINE.search(lines[-1]) or not re.search(r"[A-Za-z]", lines[-1]):
        return None
    name = _last_cell(lines[-1])
    above = lines[-2].strip() if len(lines) >= 2 else ""
    if _could_continue(above) and _split_name(above, name):
        name = f"{_last_cell(above)} {name}"
    return _name(name)


def _split_name(above: str, name: str) -> bool:
    """Whether two adjacent lines read as one name: the second cannot stand alone ("Corporation"), the
    first cannot end one ("Acme &"), or both are set alike, in capitals or as a short run of capitalised
    words ("HORIZON" over "FINANCIAL CORP.", "The Walt" over "Disney Company")."""
    if _NAME_TAIL.match(name) or _NAME_HEAD_OPEN.search(above) or (above.isupper() and name.isupper()):
        return True
    return len(above.split()) <= 3 and _CAPITALISED.match(above) is not None and _CAPITALISED.match(name) is not None


def _could_continue(line: str) -> bool:
    """Whether a line above the name may be its first half: short, and no rule, date or cover caption."""
    return 0 < len(line) < 60 and not (_RULE.match(line) or _COVER_LINE.search(line) or find_dates(line))


def _last_cell(line: str) -> str:
    """The part of a line nearest the caption: the last table cell, the text after the last rule or date
    when a cover page was run together into one line ("... July 1, 2002 ALCOA INC. ---------- (Exact")."""
    pieces = [piece for piece in _PIECE_BREAK.split(line) if piece.strip(" \t|")]
    last = pieces[-1] if pieces else ""
    dates = find_dates(last)
    return (last[dates[-1][1] :] if dates else last).strip(" \t|")


def _name(candidate: str) -> str | None:
    name = " ".join(candidate.split()).strip(" ,;")
    return name if 1 < len(name) <= _MAX_NAME and re.search(r"[A-Za-z]{2}", name) else None


def _signing_company(text: str) -> str | None:
    """The line the signature block signs for: "ACME CORP." above "By: /s/ ...", under the signing sentence."""
    signature = _SIGNATURE_START.search(text)
    if signature is None:
        return None
    block = text[signature.end() : signature.end() + _SIGNATURE_WINDOW].split("\n")[1:]
    signer = next((index for index, line in enumerate(block) if _SIGNER.search(line)), None)
    if signer is None:
        return None
    named = [line for line in block[max(0, signer - 8) : signer] if _could_sign(line)]
    return _name(_last_cell(named[-1])) if named else None


def _could_sign(line: str) -> bool:
    """Not a blank, rule, date, caption ("(Registrant)", "Dated:") or the tail of the signing sentence."""
    stripped = line.strip(" \t|")
    return bool(stripped) and not (
        _RULE.match(stripped)
        or stripped.startswith("(")
        or stripped.endswith(":")
        or find_dates(stripped)
        or _SIGNING_WORDS.search(stripped)
    )


def form_type(text: str, header: FilingHeader | None = None) -> str:
    if header and header.form_type:
        return header.form_type
    return "8-K/A" if _AMENDMENT.search(text[:5000]) else "8-K"
