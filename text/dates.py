"""Calendar dates as filings write them ("May 4, 2000", "05/04/2000"), only when a year is stated."""

from __future__ import annotations

import datetime as dt
import re

from dateutil import parser as dateparser


def parse_date(text: str) -> dt.date | None:
    """A calendar date from text that names a year; None for "March 5" or "the closing"."""
    if not re.search(r"\b(19|20)\d{2}\b", text):
        return None
    try:
        return dateparser.parse(text, fuzzy=True, default=dt.datetime(2000, 1, 1)).date()
    except (ValueError, OverflowError):
        return None
