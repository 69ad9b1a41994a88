"""Appointments: a change in one person's position (appointed, elected, promoted, resigned, retired...).
Everything particular to this kind of record lives here: the record, what a model fills, how a passage
that reports one reads, when two records are one change, and how an appointment is scored.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from enum import StrEnum
from functools import partial
from typing import Any

from pydantic import BaseModel, Field

from eightk.schemas.candidates import Candidate, ResponseModel, as_written, flag
from eightk.schemas.evidence import Evidence, GroundingContext
from eightk.schemas.kinds import RecordKind, ScoredField, exact, register, same_company, same_person
from eightk.schemas.questions import NOTHING, Question, Reading, answer_model, one_of
from eightk.text import mentions
from eightk.text import names as normalize
from eightk.text.dates import parse_date
from eightk.text.fold import Span, locate


class AppointmentAction(StrEnum):
    appointed = "appointed"
    elected = "elected"
    promoted = "promoted"
    resigned = "resigned"
    retired = "retired"
    terminated = "terminated"
    died = "died"
    other = "other"


class Appointment(BaseModel):
    """One change in a person's position: an appointment, election, promotion or departure."""

    person: str = Field(min_length=1, description="Full name as written, without honorifics.")
    action: AppointmentAction
    titles: list[str] = Field(default_factory=list)
    company: str | None = None
    effective_date: dt.date | None = None
    predecessor: str | None = None
    prior_positions: list[str] = Field(default_factory=list)
    interim: bool = False
    age: int | None = Field(default=None, ge=18, le=110)
    evidence: list[Evidence] = Field(min_length=1)


class AppointmentCandidate(Candidate):
    """A change in one person's position. Copy every value exactly as written; null when not stated."""

    person: str = Field(min_length=1, description="The person's full name as written.")
    action: AppointmentAction
    titles: list[str] = Field(max_length=4, description="New titles (or the titles left).")
    company: str | None
    effective_date: str | None = Field(description="When it takes effect, as written.")
    predecessor: str | None
    prior_positions: list[str] = Field(max_length=3)
    interim: bool
    age: int | None
    evidence: str = Field(min_length=1, description="The sentence that reports the change, copied verbatim.")

    def anchor(self) -> str | None:
        return self.person

    def to_record(self, grounding: GroundingContext) -> Appointment:
        return Appointment.model_validate(
            {
                **self.model_dump(exclude={"evidence", "effective_date", "age"}),
                "person": as_written(self.person, grounding),
                "company": as_written(self.company, grounding),
                "predecessor": as_written(self.predecessor, grounding),
                "titles": [as_written(title, grounding) for title in self.titles],
                "interim": bool(flag("interim", self.interim, grounding)),
                "effective_date": parse_date(self.effective_date) if self.effective_date else None,
                "age": self.age if self.age is not None and 18 <= self.age <= 110 else None,
                "evidence": [Evidence(quote=self.evidence)],
            },
            context=grounding.as_context(),
        )


class AppointmentsInPassage(ResponseModel):
    appointments: list[AppointmentCandidate] = Field(max_length=3)


# The words a passage uses for each action: the actions a question offers are those the passage can support.
_ACTION_WORDS = {
    AppointmentAction.appointed: re.compile(r"\bappoint\w*|\bnam(?:ed|es|ing)\b|\bhir(?:ed|es|ing)\b|\bjoin\w*", re.I),
    AppointmentAction.elected: re.compile(r"\belect\w*", re.I),
    AppointmentAction.promoted: re.compile(r"\bpromot\w*", re.I),
    AppointmentAction.resigned: re.compile(
        r"\bresign\w*|\bstep(?:s|ped|ping)? down\b|\bdepart\w*|\bleav(?:e|es|ing)\b", re.I
    ),
    AppointmentAction.retired: re.compile(r"\bretir\w*", re.I),
    AppointmentAction.terminated: re.compile(r"\bterminat\w*|\bdismiss\w*|\bremov(?:ed|al)\b", re.I),
    AppointmentAction.died: re.compile(r"\bdied\b|\bpassed away\b|\bdeath\b", re.I),
}
_SUCCEEDS = re.compile(r"\b(?:succeed(?:s|ed|ing)?|replac(?:es|ed|ing)|successor to)\s+", re.I)
_PEOPLE_PER_PASSAGE = 4
_TITLES_PER_PERSON = 3


def _questions(reading: Reading) -> list[Question]:
    """One question per person the passage names: what happened to them, chosen from the words of the
    sentences that name them (the passage's, when those state no title or date)."""
    questions = []
    for person in reading.people[:_PEOPLE_PER_PASSAGE]:
        spans = reading.sentences_naming(person.text)
        close = reading.around(person.text, spans)
        said = [action.value for action, words in _ACTION_WORDS.items() if any(reading.says(words, s) for s in close)]
        titles = _near(spans, mentions.titles, reading) or [m.text for m in reading.titles]
        dates = _effective(_near(spans, mentions.dates, reading) or [m.text for m in reading.dates], reading)
        fields: list[tuple[str, Any, int | None]] = [("action", one_of([*said, NOTHING]), None)]
        if titles:
            fields.append(("titles", list[one_of(titles)], _TITLES_PER_PERSON))  # type: ignore[misc]
        if dates:
            fields.append(("effective_date", one_of(dates) | None, None))
        options = {"Actions": [*said, NOTHING], "Titles": titles, "Dates": dates}
        model = answer_model("WhatHappened", tuple(fields))
        questions.append(Question(person.text, options, model, partial(_appointment, reading, person.text)))
    return questions


_EFFECTIVE = re.compile(r"\b(?:effective|as of|beginning|starting|commencing|from|until|through)\s+(?:on\s+)?$", re.I)


def _effective(dates: list[str], reading: Reading) -> list[str]:
    """The dates the passage says a change takes effect on ("effective April 1, 2021"), when it says so;
    otherwise every date offered, the announcement's included."""
    said = [
        date
        for date in dates
        for match in re.finditer(re.escape(date), reading.text[reading.start : reading.end])
        if _EFFECTIVE.search(
            reading.text[max(reading.start, reading.start + match.start() - 30) : reading.start + match.start()]
        )
    ]
    return list(dict.fromkeys(said)) or dates


def _near(spans: list[Span], find: Callable[[str, int, int], list[mentions.Mention]], reading: Reading) -> list[str]:
    return list(dict.fromkeys(m.text for span in spans for m in find(reading.text, span.start, span.end)))


def _appointment(reading: Reading, person: str, answer: Any, grounding: GroundingContext) -> Appointment | None:
    if answer.action == NOTHING:
        return None
    evidence = reading.sentence_naming(person) or reading.sentence_naming(person.split()[-1])
    titles: list[str] = list(dict.fromkeys(getattr(answer, "titles", [])))
    written_date = getattr(answer, "effective_date", None)
    return Appointment.model_validate(
        {
            "person": person,
            "action": answer.action,
            "titles": titles,
            "company": mentions.spelled_in(reading.registrant, reading.text) if reading.registrant else None,
            "effective_date": parse_date(written_date) if written_date else None,
            "interim": any(re.search(r"\b(interim|acting)\b", title, re.I) for title in titles),
            "age": mentions.age_of(person, reading.text),
            "predecessor": _predecessor(reading, person) if answer.action != AppointmentAction.resigned else None,
            "evidence": [evidence or reading.sentence_at(reading.start)],
        },
        context=grounding.as_context(),
    )


def _predecessor(reading: Reading, person: str) -> str | None:
    """Whom the person succeeds, when the passage says so in the sentence that names the person."""
    for match in _SUCCEEDS.finditer(reading.text, reading.start, reading.end):
        named = [m for m in reading.people if 0 <= m.span.start - match.end() <= 4 and m.text != person]
        sentence = reading.sentence_at(match.start()).quote
        if named and (locate(person.split()[-1], sentence) is not None or re.match(r"(?:He|She)\b", sentence)):
            return named[0].text
    return None


def _same_appointment(a: Appointment, b: Appointment) -> bool:
    return normalize.person_name(a.person) == normalize.person_name(b.person) and a.action == b.action


def _similarity(gold: Appointment, predicted: Appointment) -> float:
    """Same last name is required; the full name and the action make the pairing surer."""
    g_name, p_name = normalize.person_name(gold.person), normalize.person_name(predicted.person)
    if not g_name or not p_name or g_name.split()[-1] != p_name.split()[-1]:
        return 0.0
    return (1.0 if g_name == p_name else 0.6) + (0.2 if gold.action == predicted.action else 0.0)


def _titles(titles: list[str]) -> set[str]:
    return {normalize.title(t) for t in titles}


APPOINTMENT = register(
    RecordKind(
        name="appointment",
        field="appointments",
        record=Appointment,
        candidate=AppointmentCandidate,
        container=AppointmentsInPassage,
        signals=tuple(
            re.compile(p, re.IGNORECASE)
            for p in (
                r"\b(appoint\w*|named|elected|promot\w*|hired)\b",
                r"\b(resign\w*|retire\w*|step(ped)? down|depart\w*|terminat\w*|passed away|died)\b",
                r"\b(succeed\w*|successor|replac\w*|succession)\b",
                r"\bchief\s+\w+\s+officer\b|\b(co-)?presidents?\b|\b(CEO|CFO|COO|CTO)\b|\bcontroller\b|\btreasurer\b",
                r"\b(board of directors|director|chairman)\b",
                r"\beffective\b|\binterim\b|\bage\s+\d\d\b|,\s*\d\d,",
            )
        ),
        core_signals=3,
        # Departure, election and appointment of directors and officers, other events; before 2004: 5 and 6.
        items=frozenset({"5.02", "7.01", "8.01", "5", "6"}),
        same_event=_same_appointment,
        similarity=_similarity,
        max_per_window=2,
        questions=_questions,
        scored_fields=(
            ScoredField("person", equal=same_person),
            ScoredField("action", equal=exact),
            ScoredField("titles", as_set=_titles),
            ScoredField("company", equal=same_company),
            ScoredField("effective_date", equal=exact),
            ScoredField("predecessor", equal=same_person),
            ScoredField("interim", equal=exact, flag=True),
            ScoredField("age", equal=exact),
        ),
    )
)
