"""The scorer on hand-built cases, where the right answer is known."""

from __future__ import annotations

from typing import Any

from eightk.evals.scorer import score_all, score_document
from eightk.schemas import FilingExtraction


def deal(*parties: tuple[str, str], deal_type: str = "license", upfront: str | None = "$2 million",
         date: str | None = "2000-05-04") -> dict[str, Any]:  # fmt: skip
    return {
        "deal_type": deal_type,
        "parties": [{"name": n, "role": r} for n, r in parties],
        "upfront_payment": {"text": upfront} if upfront else None,
        "agreement_date": date,
        "evidence": [{"quote": "q"}],
    }


def person(
    name: str, action: str = "appointed", titles: tuple[str, ...] = ("Chief Financial Officer",)
) -> dict[str, Any]:
    return {"person": name, "action": action, "titles": list(titles), "evidence": [{"quote": "q"}]}


GOLD = FilingExtraction.model_validate({
    "deals": [deal(("ImmunoGen, Inc.", "licensor"), ("Genentech, Inc.", "licensee"))],
    "appointments": [person("Gregg D. Beloff", titles=("Vice President", "Chief Financial Officer"))],
})  # fmt: skip


def score(predicted: dict[str, Any], gold: FilingExtraction = GOLD) -> Any:
    return score_document("doc", gold, FilingExtraction.model_validate(predicted))


def test_a_perfect_prediction_scores_one() -> None:
    result = score(GOLD.model_dump(mode="json"))
    assert result.total.f1 == 1.0 and result.total.fp == 0 and result.total.fn == 0


def test_an_empty_prediction_has_zero_recall() -> None:
    result = score({})
    assert result.total.recall == 0.0 and result.total.fp == 0


def test_names_titles_and_money_are_compared_by_meaning() -> None:
    predicted = {
        "deals": [deal(("Genentech Inc", "licensee"), ("IMMUNOGEN INC.", "licensor"), upfront="US$2,000,000")],
        "appointments": [person("Gregg Beloff", titles=("VP", "CFO"))],
    }
    result = score(predicted)
    assert result.total.f1 == 1.0


def test_a_swapped_role_is_caught() -> None:
    predicted = {"deals": [deal(("ImmunoGen, Inc.", "licensee"), ("Genentech, Inc.", "licensor"))]}
    result = score(predicted)
    names, roles = result.fields[("deal", "parties")], result.fields[("deal", "party_roles")]
    assert (names.tp, names.fp, names.fn) == (2, 0, 0)
    assert (roles.tp, roles.fp, roles.fn) == (0, 2, 2)


def test_an_extra_record_is_a_false_positive() -> None:
    predicted = GOLD.model_dump(mode="json")
    predicted["deals"].append(deal(("Acme Corp", "acquirer"), ("Beta LLC", "target"), deal_type="merger"))
    result = score(predicted)
    assert result.records["deal"].fp == 1
    assert result.fields[("deal", "deal_type")].fp == 1
    assert result.total.recall == 1.0 and result.total.precision < 1.0


def test_records_are_paired_by_content_not_position() -> None:
    gold = FilingExtraction.model_validate({"appointments": [person("Alice Smith"), person("Bob Jones", "resigned")]})
    predicted = {"appointments": [person("Bob Jones", "resigned"), person("Alice Smith")]}
    assert score(predicted, gold).total.f1 == 1.0


def test_a_wrong_amount_counts_both_a_false_positive_and_a_false_negative() -> None:
    predicted = GOLD.model_dump(mode="json")
    predicted["deals"][0]["upfront_payment"] = {"text": "$7.5 million"}
    counts = score(predicted).fields[("deal", "upfront_payment")]
    assert (counts.tp, counts.fp, counts.fn) == (0, 1, 1)


def test_dates_compare_as_dates() -> None:
    predicted = GOLD.model_dump(mode="json")
    predicted["deals"][0]["agreement_date"] = "2000-05-05"
    assert score(predicted).fields[("deal", "agreement_date")].fp == 1


def test_negative_document_predicted_empty_is_perfect_and_micro_macro_aggregate() -> None:
    empty = FilingExtraction()
    report = score_all([("neg", empty, empty), ("pos", GOLD, FilingExtraction())])
    assert report.documents[0].total.f1 == 1.0
    assert report.micro.recall == 0.0
    assert report.document_macro_f1 == 0.5
    assert set(report.as_dict()) >= {"micro", "macro_f1", "fields", "documents", "types", "records"}


def test_a_board_seat_is_one_title_however_it_is_worded() -> None:
    from eightk.text.names import title

    seats = [
        "director",
        "Director",
        "member of the Board",
        "member of the Company's Board of Directors",
        "Board member",
    ]
    assert {title(seat) for seat in seats} == {"director"}
    assert title("Chairman of the Board") != "director" and title("Director of Finance") != "director"
