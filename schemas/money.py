"""Money in the records: an amount, its currency and qualifier, and the words the filing used for it.

The amount is derived from the text by `eightk.text.money`, so a value can never drift from its text: a
`Money` whose amount disagrees with its own text does not validate.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any, Self

from pydantic import BaseModel, Field, model_validator

from eightk.text.money import MoneyQualifier, parse_money


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
