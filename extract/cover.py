"""Filing-level facts that the cover page and signature block state in fixed phrases: no model needed."""

from __future__ import annotations

import datetime as dt
import re

from eightk.text.dates import parse_date

_DATE = r"([A-Z][a-z]+\.?\s+\d{1,2}\s*,\s*\d{4}|\d{1,2}/\d{1,2}/\d{4})"
_REPORT_DATE = re.compile(r"date\s+of\s+(?:report|earliest\s+event\s+reported)[^:\n]{0,60}:?\s*\n?\s*" + _DATE, re.I)
_SIGNED_DATE = re.compile(r"^\s*(?:Date|Dated)\s*:?\s*" + _DATE, re.I | re.M)
_REGISTRANT = re.compile(r"\(\s*Exact\s+name\s+of\s+(?:the\s+)?registrant", re.I)
_AMENDMENT = re.compile(r"FORM\s+8-K/A", re.I)


def report_date(text: str) -> dt.date | None:
    match = _REPORT_DATE.search(text)
    return parse_date(match.group(1)) if match else None


def filing_date(text: str) -> dt.date | None:
    """The signature date: the last "Date: May 4, 2000" line of the 8-K body."""
    matches = list(_SIGNED_DATE.finditer(text))
    return parse_date(matches[0].group(1)) if matches else None


def company(text: str) -> str | None:
    """The registrant's name: the line above "(Exact name of registrant as specified in its charter)"."""
    match = _REGISTRANT.search(text)
    if not match:
        return None
    before = [line.strip() for line in text[: match.start()].splitlines() if line.strip()]
    return before[-1] if before else None


def form_type(text: str) -> str:
    return "8-K/A" if _AMENDMENT.search(text[:5000]) else "8-K"
