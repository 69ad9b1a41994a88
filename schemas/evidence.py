"""Evidence and what grounds it: every record points at the filing text it came from.

The grounding context (the filing text and the window a quote may come from) is passed to validation as
an argument (`context=`). The one place it cannot be is inside instructor's validation, whose `context=`
would also render each message as a Jinja template (a filing's own `{{ ... }}` evaluated), so `grounded_by`
carries it there through a context variable, scoped to that call.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, model_validator

from eightk.text.fold import locate


class GroundingContext(BaseModel):
    """What a validator needs to check a quote: the filing text and the part of it the quote may come from."""

    model_config = ConfigDict(frozen=True)

    source: str
    window: tuple[int, int] | None = None

    def as_context(self) -> dict[str, Any]:
        return {"grounding": self}


_active_grounding: ContextVar[GroundingContext | None] = ContextVar("eightk_grounding", default=None)


@contextmanager
def grounded_by(grounding: GroundingContext) -> Iterator[None]:
    """Ground every validation in this block (and the tasks it awaits) in `grounding`.

    For validation that runs where no `context=` can be passed: instructor's `context` argument also
    renders every message as a Jinja template, which would evaluate a filing's own `{{ ... }}`.
    """
    token = _active_grounding.set(grounding)
    try:
        yield
    finally:
        _active_grounding.reset(token)


def active_grounding() -> GroundingContext | None:
    """The grounding of the model call running in this task, if any: its passage is `window`."""
    return _active_grounding.get()


def grounding_of(info: ValidationInfo) -> GroundingContext | None:
    context = info.context
    if isinstance(context, dict):
        grounding = context.get("grounding")
        if isinstance(grounding, GroundingContext):
            return grounding
    return active_grounding()


class Evidence(BaseModel):
    """A verbatim quote from the filing and where it stands (character offsets into the filing text)."""

    quote: str = Field(min_length=1)
    start: int | None = Field(default=None, ge=0)
    end: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _grounded(self, info: ValidationInfo) -> Self:
        grounding = grounding_of(info)
        if grounding is None:
            return self
        span = locate(self.quote, grounding.source, grounding.window)
        if span is None:
            raise ValueError(f"evidence quote does not occur in the source text: {self.quote[:120]!r}")
        self.start, self.end = span.start, span.end
        self.quote = grounding.source[span.start : span.end]  # the filing's own characters, verbatim
        return self
