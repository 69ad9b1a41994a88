"""Amounts of money as filings write them ("up to $40 million", "US$310 million", "(euro)20 million").

The number is always derived from the words, never copied: a model or an annotator copies the amount as
written, and this parser is the one place that turns it into an amount, a currency and a qualifier.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from pydantic import BaseModel


class MoneyQualifier(StrEnum):
    exact = "exact"
    up_to = "up_to"
    approximately = "approximately"
    at_least = "at_least"


_CURRENCY_SYMBOLS: dict[str, str] = {
    "us$": "USD",
    "u.s.$": "USD",
    "$": "USD",
    "usd": "USD",
    "c$": "CAD",
    "cad": "CAD",
    "a$": "AUD",
    "aud": "AUD",
    "€": "EUR",
    "(euro)": "EUR",
    "euro": "EUR",
    "eur": "EUR",
    "£": "GBP",
    "gbp": "GBP",
    "¥": "JPY",
    "jpy": "JPY",
    "chf": "CHF",
    "r$": "BRL",
    "brl": "BRL",
}
_CURRENCY_WORDS: dict[str, str] = {
    "dollars": "USD",
    "u.s. dollars": "USD",
    "euros": "EUR",
    "euro": "EUR",
    "pounds": "GBP",
    "yen": "JPY",
    "reais": "BRL",
}
_SCALES: dict[str, int] = {
    "thousand": 10**3,
    "k": 10**3,
    "million": 10**6,
    "mm": 10**6,
    "m": 10**6,
    "mln": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "b": 10**9,
    "trillion": 10**12,
}
_QUALIFIERS: list[tuple[re.Pattern[str], MoneyQualifier]] = [
    (re.compile(r"\bup to\b|\bas much as\b|\bmaximum of\b", re.I), MoneyQualifier.up_to),
    (
        re.compile(r"\bapproximately\b|\babout\b|\baround\b|\broughly\b|\bnearly\b|\bapprox\.", re.I),
        MoneyQualifier.approximately,
    ),
    (re.compile(r"\bat least\b|\bmore than\b|\bin excess of\b|\bover\b|\bminimum of\b", re.I), MoneyQualifier.at_least),
]

_symbol = "|".join(re.escape(s) for s in sorted(_CURRENCY_SYMBOLS, key=len, reverse=True))
_scale = "|".join(sorted(_SCALES, key=len, reverse=True))
_word = "|".join(re.escape(s) for s in sorted(_CURRENCY_WORDS, key=len, reverse=True))
_MONEY = re.compile(
    rf"(?P<symbol>{_symbol})?\s*(?P<number>\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    rf"(?:\s*(?P<scale>{_scale})\b)?(?:\s*(?P<word>{_word})\b)?",
    re.I,
)


class ParsedMoney(BaseModel):
    amount: Decimal
    currency: str
    qualifier: MoneyQualifier


def parse_money(text: str) -> ParsedMoney | None:
    """The first amount of money in `text`, or None when it states none (a bare number is not money)."""
    for match in _MONEY.finditer(text):
        symbol, word = match["symbol"], match["word"]
        if not symbol and not word:
            continue
        try:
            number = Decimal(match["number"].replace(",", ""))
        except InvalidOperation:
            continue
        scale = _SCALES[match["scale"].lower()] if match["scale"] else 1
        currency = _CURRENCY_SYMBOLS[symbol.lower()] if symbol else _CURRENCY_WORDS[word.lower()]
        qualifier = next(
            (q for pattern, q in _QUALIFIERS if pattern.search(text[: match.start()])), MoneyQualifier.exact
        )
        amount = number * scale
        if amount == amount.to_integral_value():
            amount = amount.quantize(Decimal(1))
        return ParsedMoney(amount=amount, currency=currency, qualifier=qualifier)
    return None
