"""Source-constrained questions: the model chooses among what the passage states, it cannot write a value.

A kind that supports them (`RecordKind.questions`) turns one passage into short questions ("what happened
to Jane Doe?", "which deal does this passage report?"), each with an answer model whose every copied field
is an `enum` of the passage's own candidates (found by `eightk.text.mentions`). A backend that enforces the
JSON schema (llama.cpp's grammar, strict structured outputs) then cannot produce an invented name, title,
amount or date; one that does not gets the same enum checked by validation and re-asked. The answer is
turned into the canonical record by the question itself, with the facts that need no model (the registrant,
the full form of a name, the age the filing gives, the sentence that is evidence) filled in by code.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from typing import Any, Literal

from pydantic import BaseModel, Field, create_model

from eightk.schemas.candidates import ResponseModel
from eightk.schemas.evidence import Evidence, GroundingContext
from eightk.text import mentions
from eightk.text.fold import Span, locate, sentences

NOTHING = "none"  # the answer that makes no record: a person only quoted, an agreement only mentioned


@dataclass(frozen=True)
class Reading:
    """One passage of a filing and what it names, computed once for all the questions asked about it."""

    text: str  # the whole filing: short names are completed from anywhere in it
    start: int
    end: int
    registrant: str | None = None

    @property
    def window(self) -> tuple[int, int]:
        return (self.start, self.end)

    @cached_property
    def organizations(self) -> list[mentions.Mention]:
        return mentions.organizations(self.text, self.start, self.end, self.registrant)

    @cached_property
    def short_names(self) -> dict[str, str]:
        """The short names the filing defines for companies ("Biogen"), to their full names."""
        return mentions.defined_names(self.text)

    @cached_property
    def people(self) -> list[mentions.Mention]:
        return mentions.people(self.text, self.start, self.end)

    @cached_property
    def titles(self) -> list[mentions.Mention]:
        return mentions.titles(self.text, self.start, self.end)

    @cached_property
    def money(self) -> list[mentions.Mention]:
        return mentions.money(self.text, self.start, self.end)

    @cached_property
    def dates(self) -> list[mentions.Mention]:
        return mentions.dates(self.text, self.start, self.end)

    def says(self, pattern: Any, span: Span | None = None) -> bool:
        """Whether the passage (or a span of it) matches a compiled pattern."""
        start, end = (span.start, span.end) if span else (self.start, self.end)
        return pattern.search(self.text, start, end) is not None

    def sentence_at(self, position: int) -> Evidence:
        """The sentence of the passage around a character position: a record's evidence, located by code."""
        for span in sentences(self.text, self.start, self.end):
            if span.start <= position < span.end:
                return _evidence(self.text, span)
        return _evidence(self.text, Span(self.start, self.end))

    def sentences_naming(self, name: str) -> list[Span]:
        """The sentences of the passage that name someone (by the last word of their name, as filings do)."""
        last = name.split()[-1].strip(".,")
        return [
            span
            for span in sentences(self.text, self.start, self.end)
            if locate(last, self.text, (span.start, span.end)) is not None
        ]

    def around(self, name: str, sentence_spans: list[Span], before: int = 50, after: int = 70) -> list[Span]:
        """The words close to each mention of someone, within the sentences that name them: where the verb
        of what happened to them stands ("appointed Judy Martz to replace Bernard Kerik, who resigned")."""
        last = re.escape(name.split()[-1].strip(".,"))
        spans = []
        for sentence in sentence_spans:
            for match in re.finditer(rf"\b{last}\b", self.text[sentence.start : sentence.end]):
                at = sentence.start + match.start()
                spans.append(Span(max(sentence.start, at - before), min(sentence.end, at + len(last) + after)))
        return spans

    def sentence_naming(self, value: str) -> Evidence | None:
        found = locate(value, self.text, self.window)
        return self.sentence_at(found.start) if found is not None else None


def _evidence(text: str, span: Span) -> Evidence:
    start, end = span.start, min(span.end, span.start + 600)
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Evidence(quote=text[start:end], start=start, end=end)


@dataclass(frozen=True)
class Question:
    """One call: about `subject` (a person, or "" for the whole passage), with the passage's options."""

    subject: str
    options: dict[str, list[str]]  # shown to the model after the passage, label -> values
    response_model: type[ResponseModel]
    answer: Callable[[Any, GroundingContext], BaseModel | None] = field(compare=False)

    def options_text(self) -> str:
        return "\n".join(f"{label}: {'; '.join(values)}" for label, values in self.options.items() if values)


def one_of(values: Sequence[str]) -> Any:
    """A `Literal` of the given values: an `enum` in the JSON schema the backend enforces."""
    return Literal[tuple(dict.fromkeys(values))]


@lru_cache(maxsize=4096)  # bounded: a batch of millions of filings asks with millions of different options
def answer_model(name: str, fields: tuple[tuple[str, Any, int | None], ...]) -> type[ResponseModel]:
    """An answer model of required fields (name, type, at most this many items for a list), built once per
    distinct set of options. Required and in order, so a grammar emits every key the way the examples do."""
    definitions: dict[str, Any] = {
        field_name: (annotation, Field(max_length=most) if most is not None else ...)
        for field_name, annotation, most in fields
    }
    model: type[ResponseModel] = create_model(name, __base__=ResponseModel, __module__=__name__, **definitions)
    return model
