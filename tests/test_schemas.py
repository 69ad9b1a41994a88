from __future__ import annotations

import random
from decimal import Decimal

import pytest
from pydantic import ValidationError

from eightk.schemas import Evidence, FilingExtraction, GroundingContext, Money, MoneyQualifier
from eightk.text.fold import _FOLD, _fold, locate, sentences
from eightk.text.money import parse_money


@pytest.mark.parametrize(
    ("text", "amount", "currency", "qualifier"),
    [
        ("$2 million", "2000000", "USD", "exact"),
        ("US$310 million", "310000000", "USD", "exact"),
        ("$1.5 billion", "1500000000", "USD", "exact"),
        ("(euro)20 million", "20000000", "EUR", "exact"),
        ("up to $40 million", "40000000", "USD", "up_to"),
        ("approximately $21.50 per share", "21.50", "USD", "approximately"),
        ("more than $1,000,000", "1000000", "USD", "at_least"),
        ("310 million dollars", "310000000", "USD", "exact"),
    ],
)
def test_money_parses_amounts_as_written(text: str, amount: str, currency: str, qualifier: str) -> None:
    money = Money.from_text(text)
    assert money.amount == Decimal(amount)
    assert money.currency == currency
    assert money.qualifier == MoneyQualifier(qualifier)


def test_money_rejects_an_amount_that_disagrees_with_its_text() -> None:
    with pytest.raises(ValidationError, match="disagrees"):
        Money(amount=Decimal(7_500_000), text="$2 million")


def test_a_bare_number_is_not_money() -> None:
    assert parse_money("12,000,000 shares") is None
    with pytest.raises(ValidationError):
        Money.from_text("12,000,000 shares")


def test_locate_tolerates_whitespace_case_and_stray_punctuation_but_not_digits() -> None:
    source = "Genentech,  Inc. will pay\n$2.5 Billion to ImmunoGen."
    assert locate("genentech inc will pay $2.5 billion", source) is not None
    span = locate("Genentech Inc", source)
    assert span is not None and source[span.start : span.end] == "Genentech,  Inc"
    assert locate("$25 billion", source) is None
    assert locate("Genentech will pay", source) is None


@pytest.mark.parametrize("seed", range(5))
def test_every_folded_character_maps_back_to_the_source_character_it_came_from(seed: int) -> None:
    rng = random.Random(seed)
    source = "".join(rng.choice("aB1 2.,;:'\"()[]\n\t\u00a0\u2019\u201c\u2013İ$-") for _ in range(2_000))
    folded = _fold(source)
    assert len(folded.text) == len(folded.origin)
    assert list(folded.origin) == sorted(folded.origin)
    for char, at in zip(folded.text, folded.origin, strict=True):
        original = source[at].translate(_FOLD)
        assert char == " " if original.isspace() else char in original.lower()


def test_evidence_is_checked_against_the_source_and_gets_offsets() -> None:
    source = "On May 4, 2000, ImmunoGen announced a license."
    context = GroundingContext(source=source).as_context()
    evidence = Evidence.model_validate({"quote": "immunogen announced"}, context=context)
    assert (evidence.start, evidence.end) == (16, 35)
    with pytest.raises(ValidationError, match="does not occur"):
        Evidence.model_validate({"quote": "Genentech announced"}, context=context)


def test_sentences_do_not_break_after_abbreviations() -> None:
    text = "ImmunoGen, Inc. and Genentech, Inc. signed. Mr. J. Smith left."
    assert [text[s.start : s.end] for s in sentences(text)] == [
        "ImmunoGen, Inc. and Genentech, Inc. signed.",
        "Mr. J. Smith left.",
    ]


def test_filing_items_are_sorted_and_unique() -> None:
    assert FilingExtraction(items=["9.01", "1.01", "9.01", "5"]).items == ["1.01", "5", "9.01"]
