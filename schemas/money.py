"""Money as filings write it ("up to $40 million", "US$310 million", "(euro)20 million") and as numbers.

The model (or annotator) copies the amount as written; the number is always derived here, so a value can
never drift from its text: a `Money` whose amount disagrees with its own text does not validate.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator


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


class Money(BaseModel):
    """An amount of money, normalized, together with the words the filing used for it."""

    amount: Decimal = Field(description="The amount in whole currency units, e.g. 2000000 for '$2 million'.")
    currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$", description="ISO 4217 code.")
    qualifier: MoneyQualifier = MoneyQualifier.exact
    text: str = Field(min_length=1, description="The amount exactly as written in the filing.")

    @model_validator(mode="before")
    @classmethod
    def _fill_from_text(cls, data: Any) -> Any:
        if isinstance(data, str):
            data = {"text": data}
        if isinstance(data, dict) and data.get("text") and data.get("amount") is None:
            parsed = parse_money(str(data["text"]))
            if parsed is None:
                raise ValueError(f"no amount of money in {data['text']!r}")
            data = {**parsed.model_dump(), **{k: v for k, v in data.items() if v is not None}}
        return data

    @model_validator(mode="after")
    def _amount_matches_text(self) -> Self:
        parsed = parse_money(self.text)
        if parsed is None:
            raise ValueError(f"no amount of money in {self.text!r}")
        if parsed.amount != self.amount or parsed.currency != self.currency:
            raise ValueError(
                f"amount {self.amount} {self.currency} disagrees with the text {self.text!r} "
                f"({parsed.amount} {parsed.currency})"
            )
        return self

    @classmethod
    def from_text(cls, text: str) -> Money:
        return cls.model_validate({"text": text})
