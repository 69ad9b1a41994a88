"""The model-facing schemas: grounded values pass, invented ones are re-asked, salvage keeps only grounded."""

from __future__ import annotations

import copy

import pytest
from conftest import FILING, GOOD_DEAL
from pydantic import ValidationError

from eightk.schemas import AppointmentsInPassage, DealsInPassage, GroundingContext, salvage

CONTEXT = GroundingContext(source=FILING)


def test_a_grounded_answer_validates_and_normalizes() -> None:
    answer = DealsInPassage.model_validate(GOOD_DEAL, context=CONTEXT.as_context())
    deal = answer.deals[0].to_record(CONTEXT)
    assert deal.upfront_payment is not None and deal.upfront_payment.amount == 5_000_000
    assert deal.milestone_payments_total is not None and deal.milestone_payments_total.qualifier == "up_to"
    assert deal.agreement_date is not None and deal.agreement_date.isoformat() == "2024-06-03"
    assert deal.evidence[0].start is not None and FILING[deal.evidence[0].start :].startswith("Acme Robotics")


def test_a_value_copied_from_the_few_shot_example_is_rejected() -> None:
    copied = copy.deepcopy(GOOD_DEAL)
    copied["deals"][0]["upfront_payment"] = "$7.5 million"  # type: ignore[index]
    with pytest.raises(ValidationError, match=r"upfront_payment='\$7.5 million' does not occur"):
        DealsInPassage.model_validate(copied, context=CONTEXT.as_context())


def test_salvage_drops_ungrounded_values_and_locates_evidence() -> None:
    noisy = copy.deepcopy(GOOD_DEAL)
    deal = noisy["deals"][0]  # type: ignore[index]
    deal["upfront_payment"] = "$7.5 million"
    deal["territory"] = "worldwide"
    deal["evidence"] = "a sentence the model made up"
    kept = salvage(DealsInPassage, noisy, CONTEXT)
    assert kept is not None
    candidate = kept.deals[0]  # type: ignore[attr-defined]
    assert candidate.upfront_payment is None and candidate.territory is None
    assert candidate.milestone_payments_total == "up to $60 million"
    assert candidate.evidence in FILING and "Acme Robotics" in candidate.evidence


def test_salvage_drops_a_record_whose_subject_is_invented() -> None:
    invented = {"appointments": [{
        "person": "Maria T. Okafor", "action": "appointed", "titles": ["Chief Operating Officer"], "company": None,
        "effective_date": None, "predecessor": None, "prior_positions": [], "interim": False, "age": 47,
        "evidence": "appointed Maria T. Okafor",
    }]}  # fmt: skip
    kept = salvage(AppointmentsInPassage, invented, CONTEXT)
    assert kept is not None and kept.appointments == []  # type: ignore[attr-defined]


def test_an_age_not_in_the_passage_is_rejected() -> None:
    source = GroundingContext(source="Jane Roe, 52, was appointed Chief Financial Officer.")
    record = {"appointments": [{
        "person": "Jane Roe", "action": "appointed", "titles": ["Chief Financial Officer"], "company": None,
        "effective_date": None, "predecessor": None, "prior_positions": [], "interim": False, "age": 47,
        "evidence": "Jane Roe, 52, was appointed Chief Financial Officer.",
    }]}  # fmt: skip
    with pytest.raises(ValidationError, match="age=47"):
        AppointmentsInPassage.model_validate(record, context=source.as_context())
    record["appointments"][0]["age"] = 52
    assert AppointmentsInPassage.model_validate(record, context=source.as_context()).appointments[0].age == 52


def test_a_name_keeps_the_period_of_its_abbreviation() -> None:
    from eightk.schemas.candidates import as_written

    grounding = GroundingContext(
        source="ImmunoGen, Inc. hired Robert C. Loudermilk, Jr. in May. It signed with Beta LLC."
    )
    assert as_written("ImmunoGen, Inc", grounding) == "ImmunoGen, Inc."
    assert as_written("Robert C. Loudermilk, Jr", grounding) == "Robert C. Loudermilk, Jr."
    assert as_written("May", grounding) == "May" and as_written("Beta LLC", grounding) == "Beta LLC"
