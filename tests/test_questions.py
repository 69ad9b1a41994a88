"""Source-constrained extraction (prompt v3): candidates found without a model, enums the model must choose
from, facts filled in by code, and the whole pipeline against a fake server."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import make_test_client
from pydantic import ValidationError

from eightk.errors import ConfigError
from eightk.extract.pipeline import extract_filing
from eightk.extract.planning import plan_calls
from eightk.extract.reader import read_filing
from eightk.fakeserver import FakeOpenAI, Reply, answer
from eightk.prompts import PROMPT_DIR, load_prompt
from eightk.schemas import APPOINTMENT, DEAL, GroundingContext
from eightk.schemas.questions import NOTHING, Reading
from eightk.text import mentions

DEAL_TEXT = (
    "On July 28, 2023, Biogen Inc. (“Biogen”), River Acquisition, Inc. (“Merger Sub”) and Reata "
    "Pharmaceuticals, Inc. (“Reata”) entered into an Agreement and Plan of Merger. Biogen will acquire Reata "
    "for $172.50 per share in cash, or approximately $7.3 billion."
)
PEOPLE_TEXT = (
    "On May 1, 2024, the Board of Directors of Acme Corp. (the “Company”) appointed Jane A. Doe, 52, as Chief "
    "Financial Officer, effective June 3, 2024. Ms. Doe succeeds Robert Lane, who resigned as Chief Financial "
    "Officer and Treasurer. The Company is based in Santa Clara, California."
)


def _all(text: str) -> tuple[str, int, int]:
    return text, 0, len(text)


def test_organizations_are_completed_to_their_defined_full_names() -> None:
    found = [m.text for m in mentions.organizations(*_all(DEAL_TEXT))]
    assert found == ["Biogen Inc.", "River Acquisition, Inc.", "Reata Pharmaceuticals, Inc."]
    later = DEAL_TEXT.index("Biogen will")
    assert [m.text for m in mentions.organizations(DEAL_TEXT, later, len(DEAL_TEXT))] == [
        "Biogen Inc.",
        "Reata Pharmaceuticals, Inc.",
    ]


def test_the_company_is_the_registrant_in_the_filings_own_spelling() -> None:
    text = "ACME CORP.\n\nOn May 1, 2024, Acme Corp. said the Company signed a lease."
    start = text.index("the Company")
    found = mentions.organizations(text, start, len(text), registrant="ACME CORP.")
    assert [m.text for m in found] == ["Acme Corp."]


def test_people_are_named_in_full_and_places_are_not_people() -> None:
    found = [m.text for m in mentions.people(*_all(PEOPLE_TEXT))]
    assert found == ["Jane A. Doe", "Robert Lane"]
    assert mentions.age_of("Jane A. Doe", PEOPLE_TEXT) == 52
    assert mentions.age_of("Robert C. Lane, Jr.", "Mr. Lane, Jr., 49, joined") == 49  # by surname, past "Jr."
    later = PEOPLE_TEXT.index("Ms. Doe")
    assert [m.text for m in mentions.people(PEOPLE_TEXT, later, later + 8)] == ["Jane A. Doe"]


def test_titles_amounts_and_dates_are_found_as_written() -> None:
    assert [m.text for m in mentions.titles(*_all(PEOPLE_TEXT))] == [
        "Director",
        "Chief Financial Officer",
        "Treasurer",
    ]
    assert [m.text for m in mentions.money(*_all(DEAL_TEXT))] == ["$172.50", "approximately $7.3 billion"]
    assert [m.text for m in mentions.dates(*_all(PEOPLE_TEXT))] == ["May 1, 2024", "June 3, 2024"]


def _appointment_questions() -> list[Any]:
    assert APPOINTMENT.questions is not None
    return APPOINTMENT.questions(Reading(PEOPLE_TEXT, 0, len(PEOPLE_TEXT), registrant="ACME CORP."))


def test_an_answer_can_only_choose_what_the_passage_states() -> None:
    question = _appointment_questions()[0]
    schema = question.response_model.model_json_schema()
    titles = schema["properties"]["titles"]["items"]["enum"]
    assert titles == ["Director", "Chief Financial Officer", "Treasurer"]
    assert set(schema["properties"]["action"]["enum"]) == {"appointed", "resigned", NOTHING}
    # "effective June 3, 2024": the date it takes effect, not the day it was announced
    effective = schema["properties"]["effective_date"]["anyOf"][0]
    assert effective.get("enum", [effective.get("const")]) == ["June 3, 2024"]
    with pytest.raises(ValidationError):  # the worked example's title, not in this passage
        question.response_model.model_validate(
            {"action": "appointed", "titles": ["Chief Operating Officer"], "effective_date": None}
        )


def test_code_fills_in_what_needs_no_model() -> None:
    jane, robert = _appointment_questions()
    grounding = GroundingContext(source=PEOPLE_TEXT, window=(0, len(PEOPLE_TEXT)))
    chosen = jane.response_model.model_validate(
        {"action": "appointed", "titles": ["Chief Financial Officer"], "effective_date": "June 3, 2024"}
    )
    record = jane.answer(chosen, grounding)
    assert record is not None
    assert (record.person, record.company, record.age, str(record.effective_date)) == (
        "Jane A. Doe",
        "Acme Corp.",
        52,
        "2024-06-03",
    )
    assert record.evidence[0].quote.startswith("On May 1, 2024, the Board")
    nothing = robert.response_model.model_validate({"action": NOTHING, "titles": [], "effective_date": None})
    assert robert.answer(nothing, grounding) is None


def test_a_party_role_that_does_not_fit_the_deal_type_is_not_kept() -> None:
    assert DEAL.questions is not None
    (question,) = DEAL.questions(Reading(DEAL_TEXT, 0, len(DEAL_TEXT)))
    grounding = GroundingContext(source=DEAL_TEXT, window=(0, len(DEAL_TEXT)))
    chosen = question.response_model.model_validate({
        "deal_type": "merger",
        "parties": [{"name": "Biogen Inc.", "role": "acquirer"},
                    {"name": "Reata Pharmaceuticals, Inc.", "role": "seller"}],
        "total_value": "approximately $7.3 billion",
        "agreement_date": "July 28, 2023",
    })  # fmt: skip
    deal = question.answer(chosen, grounding)
    assert deal is not None
    assert [(p.name, p.role.value) for p in deal.parties] == [
        ("Biogen Inc.", "acquirer"),
        ("Reata Pharmaceuticals, Inc.", "other"),
    ]
    assert deal.total_value is not None and str(deal.total_value.amount) == "7300000000"


def test_a_worked_example_must_answer_within_its_own_options(tmp_path: Path) -> None:
    data = (PROMPT_DIR / "v3.yaml").read_text()
    broken = tmp_path / "broken.yaml"
    broken_example = data.replace("titles: [Chief Operating Officer]", "titles: [Chief Magic Officer]")
    broken.write_text(broken_example.replace("name: v3", "name: broken"))  # a bundled name is for bundled text
    with pytest.raises(ConfigError, match="answers outside its options"):
        plan_calls(PEOPLE_TEXT, load_prompt(str(broken)), 8192)


def _filing(tmp_path: Path) -> Path:
    path = tmp_path / "acme.txt"
    cover = "FORM 8-K\nCURRENT REPORT\n\nACME CORP.\n(Exact name of registrant as specified in its charter)\n\n"
    path.write_text(f"{cover}Item 5.02 Departure of Directors or Certain Officers.\n\n{PEOPLE_TEXT}\n")
    return path


def _last_user(body: dict[str, Any]) -> str:
    return str(body["messages"][-1]["content"])


async def test_one_short_call_per_person_and_a_record_per_change(tmp_path: Path) -> None:
    def reply(body: dict[str, Any]) -> Reply:
        if _last_user(body).endswith("What happened to Jane A. Doe?"):
            return answer(
                {"action": "appointed", "titles": ["Chief Financial Officer"], "effective_date": "June 3, 2024"}
            )
        return answer(
            {"action": "resigned", "titles": ["Chief Financial Officer", "Treasurer"], "effective_date": None}
        )

    with FakeOpenAI(reply) as server:
        client = make_test_client(server.url, max_retries=0)
        result = await extract_filing(read_filing(_filing(tmp_path)), load_prompt("v3"), client)
        await client.aclose()
    questions = [_last_user(body).rsplit("\n", 1)[-1] for body in server.requests]
    assert sorted(questions) == ["What happened to Jane A. Doe?", "What happened to Robert Lane?"]  # in any order
    about_jane = next(_last_user(body) for body in server.requests if _last_user(body).endswith("Jane A. Doe?"))
    assert "Titles: Director; Chief Financial Officer; Treasurer" in about_jane
    people = {(a.person, a.action.value, tuple(a.titles)) for a in result.extraction.appointments}
    assert people == {
        ("Jane A. Doe", "appointed", ("Chief Financial Officer",)),
        ("Robert Lane", "resigned", ("Chief Financial Officer", "Treasurer")),
    }
    assert {a.company for a in result.extraction.appointments} == {"Acme Corp."}


async def test_an_invented_value_never_becomes_a_record(tmp_path: Path) -> None:
    invented = {"action": "appointed", "titles": ["Chief Operating Officer"], "effective_date": None}
    with FakeOpenAI(lambda body: answer(invented)) as server:
        client = make_test_client(server.url, max_retries=1)
        with pytest.raises(Exception, match="every model call failed"):
            await extract_filing(read_filing(_filing(tmp_path)), load_prompt("v3"), client)
        await client.aclose()
    assert len(server.requests) == 4  # two people, each asked and re-asked once
    reasks = [body for body in server.requests if "Input should be" in json.dumps(body["messages"])]
    assert len(reasks) == 2  # each re-ask tells the model the options it must choose from


def test_the_predecessor_is_the_person_the_appointee_succeeds() -> None:
    jane, _ = _appointment_questions()
    grounding = GroundingContext(source=PEOPLE_TEXT, window=(0, len(PEOPLE_TEXT)))
    chosen = jane.response_model.model_validate({"action": "appointed", "titles": [], "effective_date": None})
    record = jane.answer(chosen, grounding)
    assert record is not None and record.predecessor == "Robert Lane"


def test_v3_is_the_default_unless_eightk_prompt_says_otherwise(monkeypatch: pytest.MonkeyPatch) -> None:
    from eightk.extract.settings import default_prompt

    monkeypatch.delenv("EIGHTK_PROMPT", raising=False)
    assert default_prompt() == "v3"
    monkeypatch.setenv("EIGHTK_PROMPT", "v1")
    assert default_prompt() == "v1"


LICENSE_TEXT = (
    "On March 1, 2021, Norvane Therapeutics, Inc. entered into a license agreement with Kestrel Biologics AG. "
    "Norvane will receive an up-front payment of $5 million and milestone payments."
)


@pytest.mark.parametrize(
    ("text", "registrant", "chosen", "settled"),
    [  # the small model put both parties on one side; the passage and the deal type decide
        (LICENSE_TEXT, None, ("license", "licensor", "licensor"), ("licensor", "licensee")),
        (DEAL_TEXT, "Biogen Inc.", ("merger", "target", "target"), ("acquirer", "target")),
    ],
)
def test_party_roles_are_settled_by_the_passage_and_the_deal_type(
    text: str, registrant: str | None, chosen: tuple[str, str, str], settled: tuple[str, str]
) -> None:
    assert DEAL.questions is not None
    (question,) = DEAL.questions(Reading(text, 0, len(text), registrant=registrant))
    names = [m.text for m in mentions.organizations(text, 0, len(text)) if "Merger Sub" not in m.text]
    names = [n for n in names if "River" not in n]
    deal_type, first, second = chosen
    amount = mentions.money(text, 0, len(text))[0].text
    terms = {"total_value": None, "upfront_payment": amount, "milestone_payments_total": None}
    answer = question.response_model.model_validate({
        "deal_type": deal_type,
        "parties": [{"name": names[0], "role": first}, {"name": names[1], "role": second}],
        **(terms if deal_type == "license" else {"total_value": amount}),
        "agreement_date": mentions.dates(text, 0, len(text))[0].text,
    })  # fmt: skip
    deal = question.answer(answer, GroundingContext(source=text, window=(0, len(text))))
    assert deal is not None and tuple(p.role.value for p in deal.parties) == settled
