"""Which calls a prompt version makes for a filing: passages (or windows), the answer model, the messages.

Planning needs no model, so the same plan serves extraction, cost estimates and the token benchmark.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from eightk.errors import ConfigError
from eightk.extract.passages import Passage, find_passages, windows
from eightk.extract.sections import Section, split_sections
from eightk.prompts import PromptVersion
from eightk.schemas import RecordKind, ResponseModel, kind_named, whole_filing_model

CHARS_PER_TOKEN = 4  # a conservative average for English filings and these tokenizers
COMPLETION_TOKENS = {"passages": 450, "whole_filing": 256}


@dataclass(frozen=True)
class PlannedCall:
    passage: Passage
    kinds: tuple[RecordKind, ...]  # the kinds its answer holds: one for a passage, all for a window
    response_model: type[ResponseModel]
    messages: list[dict[str, str]]


def kinds_read(version: PromptVersion) -> tuple[RecordKind, ...]:
    return tuple(kind_named(name) for name in version.kinds)


def _response_model(version: PromptVersion, kind: RecordKind | None) -> type[ResponseModel]:
    return kind.container if kind is not None else whole_filing_model(kinds_read(version))


@cache
def _passage_chars(version: PromptVersion, context_tokens: int) -> int:
    """How much filing text one call may carry: the version's wish, less what its prompt and answer take."""
    completion = COMPLETION_TOKENS[version.strategy]
    kinds: list[RecordKind | None] = [None] if version.strategy == "whole_filing" else list(kinds_read(version))
    empty = [
        version.messages(kind=k.name if k else None, passage="", schema=_response_model(version, k).model_json_schema())
        for k in kinds
    ]
    overhead = max(sum(len(m["content"]) for m in messages) // CHARS_PER_TOKEN for messages in empty)
    wanted = version.window_tokens if version.strategy == "whole_filing" else version.passage_tokens
    budget = min(wanted, context_tokens - completion - overhead - 64)
    if budget < 100:
        raise ConfigError(f"the model's context ({context_tokens} tokens) is too small for prompt {version.name}")
    return budget * CHARS_PER_TOKEN


def plan_calls(
    text: str, version: PromptVersion, context_tokens: int, sections: list[Section] | None = None
) -> list[PlannedCall]:
    """The calls a prompt version makes for a filing, each sized to fit the model's context window."""
    max_chars = _passage_chars(version, context_tokens)
    kinds = kinds_read(version)
    if version.strategy == "whole_filing":
        passages = windows(text, max_chars=max_chars)
    else:
        sections = split_sections(text) if sections is None else sections
        passages = find_passages(text, kinds, sections, max_chars=max_chars, max_per_kind=version.passages_per_kind)
    calls = []
    for passage in passages:
        kind = kind_named(passage.kind) if passage.kind is not None else None
        model = _response_model(version, kind)
        messages = version.messages(kind=passage.kind, passage=passage.text(text), schema=model.model_json_schema())
        calls.append(PlannedCall(passage, (kind,) if kind is not None else kinds, model, messages))
    return calls
