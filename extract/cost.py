"""What a batch costs: planned before it runs, without a model, and as the server reported it after.

Before: every document is read and its calls planned exactly as extraction plans them. Prompt tokens are
estimated, not counted (no provider's tokenizer ships offline): the characters of each call's messages, and of
its response schema where the server is shown one (`json_schema`, `tools`; llama.cpp only compiles it to a
grammar), divided by `CHARS_PER_TOKEN`, plus `TEMPLATE_TOKENS_PER_MESSAGE` for the chat template. Completion
tokens are each call's cap (`max_tokens`), so their dollars are a ceiling. Re-asks and transport retries, which
only a run reveals, are not in the plan. After: the usage each answer reported, every attempt included.

Dollars come from one table, `PRICES`, for OpenAI models; other models (the embedded one, a model on your own
server) have no price here and are reported in tokens only.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from eightk.errors import EightkError
from eightk.extract.cover import read_cover
from eightk.extract.llm import Dialect
from eightk.extract.planning import CHARS_PER_TOKEN, COMPLETION_TOKENS, plan_calls
from eightk.extract.reader import read_filing
from eightk.prompts import PromptVersion

TEMPLATE_TOKENS_PER_MESSAGE = 5  # role markers and separators around each message

# USD per million (prompt, completion) tokens, OpenAI's standard tier as its pricing page listed them in 2025.
# Cached-input discounts and the Batch API's half price are not applied: the figures are what a plain run pays.
PRICES: dict[str, tuple[Decimal, Decimal]] = {
    "gpt-5": (Decimal("1.25"), Decimal("10.00")),
    "gpt-5-mini": (Decimal("0.25"), Decimal("2.00")),
    "gpt-5-nano": (Decimal("0.05"), Decimal("0.40")),
    "gpt-4.1": (Decimal("2.00"), Decimal("8.00")),
    "gpt-4.1-mini": (Decimal("0.40"), Decimal("1.60")),
    "gpt-4.1-nano": (Decimal("0.10"), Decimal("0.40")),
    "gpt-4o": (Decimal("2.50"), Decimal("10.00")),
    "gpt-4o-mini": (Decimal("0.15"), Decimal("0.60")),
    "o3": (Decimal("2.00"), Decimal("8.00")),
    "o4-mini": (Decimal("1.10"), Decimal("4.40")),
    "gpt-3.5-turbo": (Decimal("0.50"), Decimal("1.50")),
}
_SNAPSHOT = re.compile(r"-\d{4}-\d{2}-\d{2}$")  # "gpt-4o-mini-2024-07-18" is priced as "gpt-4o-mini"


def dollars(model: str, prompt_tokens: int, completion_tokens: int) -> Decimal | None:
    """What OpenAI charges for these tokens of `model`; None for a model not in `PRICES`."""
    price = PRICES.get(_SNAPSHOT.sub("", model.removeprefix("openai/")))
    if price is None:
        return None
    return (price[0] * prompt_tokens + price[1] * completion_tokens) / 1_000_000


@dataclass
class BatchPlan:
    """The calls a batch will make, before any is made."""

    documents: int = 0
    calls: int = 0
    prompt_tokens: int = 0  # estimated
    completion_tokens: int = 0  # the most the answers may use
    unreadable: list[str] = field(default_factory=list)  # documents that will fail before any call


def plan_batch(sources: list[Path], version: PromptVersion, context_tokens: int, dialect: Dialect) -> BatchPlan:
    """Plan every document's calls as extraction would, and estimate their tokens."""
    plan = BatchPlan()
    for source in sources:
        try:
            filing = read_filing(source)
        except EightkError as error:
            plan.unreadable.append(str(error))
            continue
        plan.documents += 1
        registrant = read_cover(filing.text, filing.header).company  # as extraction plans: v3 asks about it
        for call in plan_calls(filing.text, version, context_tokens, registrant=registrant):
            characters = sum(len(message["content"]) for message in call.messages)
            if dialect is not Dialect.llama_cpp:
                characters += len(json.dumps(call.response_model.model_json_schema(), separators=(",", ":")))
            plan.calls += 1
            plan.prompt_tokens += characters // CHARS_PER_TOKEN + TEMPLATE_TOKENS_PER_MESSAGE * len(call.messages)
            plan.completion_tokens += COMPLETION_TOKENS[version.strategy]
    return plan
