"""Calendar dates as filings write them ("May 4, 2000", "05/04/2000"), only when a year is stated."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "oct": 10, "nov": 11,
    "dec": 12,
}  # fmt: skip
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?"
    r"|nov(?:ember)?|dec(?:ember)?)"
)
_DAY = r"\d{1,2}(?:st|nd|rd|th)?"
_YEAR = r"(?:19|20)\d{2}"
# "August 19, 2010", "AUGUST 19,2010", "Aug. 19 2010", "19 August 2010", "08/19/2010", "8-19-10".
# Any spacing, a line break included: cover pages wrap "November 20,\n2008" and write "August&nbsp;19".
_DATE = re.compile(
    rf"\b(?P<month>{_MONTH})\.?\s*(?P<day>{_DAY})\s*,?\s*(?P<year>{_YEAR})\b"
    rf"|\b(?P<day2>{_DAY})\s+(?P<month2>{_MONTH})\.?,?\s+(?P<year2>{_YEAR})\b"
    r"|\b(?P<month3>\d{1,2})[/-](?P<day3>\d{1,2})[/-](?P<year3>(?:19|20)?\d{2})\b",
    re.IGNORECASE,
)


def parse_date(text: str) -> dt.date | None:
    """A calendar date from text that names a year; None for "March 5" or "the closing"."""
    if not re.search(r"\b(19|20)\d{2}\b", text):
        return None
    try:
        return dateparser.parse(text, fuzzy=True, default=dt.datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None


def find_dates(text: str) -> list[tuple[int, int, dt.date]]:
    """Every calendar date written in `text` in a form filings use, with its span."""
    found = []
    for match in _DATE.finditer(text):
        date = _to_date(match)
        if date is not None:
            found.append((match.start(), match.end(), date))
    return found


def _to_date(match: re.Match[str]) -> dt.date | None:
    if match["month"] or match["month2"]:
        month = _MONTHS[(match["month"] or match["month2"])[:3].lower()]
        day, year = int(re.sub(r"\D", "", match["day"] or match["day2"])), int(match["year"] or match["year2"])
    else:
        month, day, year = int(match["month3"]), int(match["day3"]), int(match["year3"])
        if year < 100:
            year += 2000 if year < 50 else 1900
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None
