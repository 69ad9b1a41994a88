"""The record-kind seam: a third kind, defined here and nowhere else, flows through the whole toolkit.

Auditor changes (Item 4.01) are registered by this test only. Planning finds their passages, a call to a
fake OpenAI-compatible server answers with the kind's own schema, two passages' records merge into one, and
the scorer scores it against gold: no module outside this file knows the kind exists.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import make_test_client
from pydantic import BaseModel, Field, ValidationError

from eightk.errors import ConfigError
from eightk.evals.scorer import score_document
from eightk.extract.pipeline import aextract
from eightk.extract.planning import plan_calls
from eightk.fakeserver import FakeOpenAI, Reply, answer
from eightk.prompts import load_prompt
from eightk.schemas import (
    Candidate,
    Evidence,
    FilingExtraction,
    GroundingContext,
    RecordKind,
    ResponseModel,
    ScoredField,
    register,
)
from eightk.schemas.candidates import as_written
from eightk.schemas.kinds import exact, same_company, unregister
from eightk.text import names as normalize


class AuditorChange(BaseModel):
    former_auditor: str | None = None
    new_auditor: str
    dismissed: bool | None = None
    evidence: list[Evidence] = Field(min_length=1)


class AuditorChangeCandidate(Candidate):
    """An auditor change. Copy the firms' names exactly as written."""

    former_auditor: str | None
    new_auditor: str
    dismissed: bool | None
    evidence: str

    def anchor(self) -> str | None:
        return self.new_auditor

    def to_record(self, grounding: GroundingContext) -> AuditorChange:
        return AuditorChange.model_validate(
            {
                "former_auditor": as_written(self.former_auditor, grounding),
                "new_auditor": as_written(self.new_auditor, grounding),
                "dismissed": self.dismissed,
                "evidence": [Evidence(quote=self.evidence)],
            },
            context=grounding.as_context(),
        )


class AuditorChangesInPassage(ResponseModel):
    auditor_changes: list[AuditorChangeCandidate] = Field(max_length=1)


def _same_change(a: AuditorChange, b: AuditorChange) -> bool:
    return normalize.company_name(a.new_auditor) == normalize.company_name(b.new_auditor)


AUDITOR_CHANGE = RecordKind(
    name="auditor_change",
    field="auditor_changes",
    record=AuditorChange,
    candidate=AuditorChangeCandidate,
    container=AuditorChangesInPassage,
    signals=tuple(
        re.compile(p, re.I)
        for p in (r"\b(dismiss\w*|engag\w*|appoint\w*)\b", r"independent registered public accounting firm", r"audit")
    ),
    core_signals=1,
    items=frozenset({"4.01", "4"}),
    same_event=_same_change,
    similarity=lambda gold, predicted: float(_same_change(gold, predicted)),
    scored_fields=(
        ScoredField("former_auditor", equal=same_company),
        ScoredField("new_auditor", equal=same_company),
        ScoredField("dismissed", equal=exact),
    ),
)

PARAGRAPH = (
    "On March 2, 2024, the Audit Committee of Acme Robotics, Inc. dismissed Old & Partners LLP as the "
    "Company's independent registered public accounting firm and approved the engagement of Crane Audit LLP "
    "as its independent registered public accounting firm for the fiscal year ending December 31, 2024. "
    "The reports of Old & Partners LLP contained no adverse opinion and no disagreement arose during the audit."
)
FILING = f"""FORM 8-K
CURRENT REPORT Pursuant to Section 13 or 15(d) of the Securities Exchange Act of 1934

Item 4.01 Changes in Registrant's Certifying Accountant.

{PARAGRAPH}

Item 9.01 Financial Statements and Exhibits.

Exhibit 99.1

Acme Robotics announced today that Crane Audit LLP will audit its 2024 financial statements, following the
dismissal of Old & Partners LLP by the Audit Committee. Crane Audit LLP was engaged after a review of several
firms; the Company thanked Old & Partners LLP for its years of audit work for the Company and its board.
"""

PROMPT = """\
name: toy-auditor
description: One section, for the auditor-change kind this test registers.
strategy: passages
passage_tokens: 300
passages_per_kind: 2
sections:
  auditor_change: |
    Extract the change of the company's auditor that the passage reports.
system: |
  {{ section }}
  Copy the firms' names exactly as written. Answer in JSON.
user: |
  {{ passage }}
"""


@pytest.fixture
def auditor_kind() -> Iterator[RecordKind]:
    register(AUDITOR_CHANGE)
    yield AUDITOR_CHANGE
    unregister(AUDITOR_CHANGE.name)


@pytest.fixture
def toy_prompt(tmp_path: Path) -> str:
    path = tmp_path / "toy-auditor.yaml"
    path.write_text(PROMPT)
    return str(path)


def _reply(body: dict[str, Any]) -> Reply:
    """The body's passage decides the answer: each passage yields the change, worded as that passage words it."""
    passage = body["messages"][-1]["content"]
    item = "dismissed Old" in passage
    change = {
        "former_auditor": "Old & Partners LLP" if item else None,
        "new_auditor": "Crane Audit LLP",
        "dismissed": True if item else None,
        "evidence": "dismissed Old & Partners LLP as the Company's independent"
        if item
        else "Crane Audit LLP will audit",
    }
    return answer({"auditor_changes": [change]})


def test_planning_reads_the_new_kind_with_its_own_section_and_schema(auditor_kind: RecordKind, toy_prompt: str) -> None:
    calls = plan_calls(FILING, load_prompt(toy_prompt), context_tokens=8192)
    assert calls and all(call.kinds == (auditor_kind,) for call in calls)
    assert all(call.response_model is AuditorChangesInPassage for call in calls)
    assert "Extract the change of the company's auditor" in calls[0].messages[0]["content"]


async def test_a_new_kind_flows_from_passages_through_a_model_call_to_merged_scored_records(
    auditor_kind: RecordKind, toy_prompt: str
) -> None:
    with FakeOpenAI(_reply) as server:
        client = make_test_client(server.url)
        result = await aextract(FILING, prompt=toy_prompt, client=client)
        await client.aclose()
    sent = server.requests[0]["response_format"]["json_schema"]["schema"]
    assert "auditor_changes" in sent["properties"]
    assert len(server.requests) == 2  # the item and the press release: two passages, one call each

    changes = result.extraction.records_of(auditor_kind)
    assert len(changes) == 1  # one event, reported twice, merged
    change = changes[0]
    assert isinstance(change, AuditorChange)
    assert change.former_auditor == "Old & Partners LLP" and change.dismissed is True
    assert len(change.evidence) == 2 and all(FILING[e.start : e.end] == e.quote for e in change.evidence)  # type: ignore[misc]
    assert json.loads(result.model_dump_json())["extraction"]["auditor_changes"][0]["new_auditor"] == "Crane Audit LLP"

    gold = FilingExtraction.model_validate(
        {
            "auditor_changes": [
                {
                    "former_auditor": "Old & Partners LLP",
                    "new_auditor": "Crane Audit LLP",
                    "dismissed": True,
                    "evidence": [{"quote": PARAGRAPH[:80]}],
                }
            ]
        },
        context=GroundingContext(source=FILING).as_context(),
    )
    score = score_document("toy", gold, result.extraction)
    assert score.records["auditor_change"].tp == 1
    assert {name: counts.tp for (kind, name), counts in score.fields.items() if kind == "auditor_change"} == {
        "former_auditor": 1,
        "new_auditor": 1,
        "dismissed": 1,
    }


def test_records_of_an_unregistered_kind_are_refused() -> None:
    with pytest.raises(ValidationError, match="auditor_changes"):
        FilingExtraction.model_validate({"auditor_changes": [{"new_auditor": "Crane Audit LLP"}]})


def test_a_prompt_without_a_section_for_a_kind_is_an_error_not_another_kinds_instructions(
    auditor_kind: RecordKind,
) -> None:
    with pytest.raises(ConfigError, match="no section for record kind 'auditor_change'"):
        load_prompt("v2").messages(kind="auditor_change", passage="x", schema={})
