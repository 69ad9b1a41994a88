"""What an extraction returns: the records and their provenance (model, prompt, calls, cost, warnings)."""

from __future__ import annotations

from pydantic import BaseModel, Field

from eightk.errors import ModelError
from eightk.extract.reader import Filing
from eightk.prompts import PromptVersion
from eightk.schemas import FilingExtraction


class Usage(BaseModel):
    """What the calls cost when they were made; `cached` of the attempts came from the on-disk answer cache, so
    this run did not pay for them again."""

    calls: int = 0
    attempts: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cached: int = 0


class CallTrace(BaseModel):
    """One model call: what it read, what it cost, what came of it."""

    kind: str | None
    start: int
    end: int
    attempts: int
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    cached: int = 0  # attempts answered from the on-disk answer cache
    records: int = 0
    outcome: str = "valid"  # valid | salvaged | failed
    error: str | None = None


class ExtractionResult(BaseModel):
    """A filing's extraction and its provenance: which model and prompt, what it cost, what went wrong.

    Every evidence offset refers to the filing's normalized text, `read_filing(source).text`, whose sha256 is
    `content_hash`: the same text whatever the input was (HTML, an EDGAR submission, UTF-16).
    """

    document: str
    content_hash: str
    cik: str | None = None  # where EDGAR's header says (a full submission)
    accession_number: str | None = None
    extraction: FilingExtraction
    model: str
    prompt: str
    prompt_sha256: str
    usage: Usage = Field(default_factory=Usage)
    latency_s: float = 0.0
    warnings: list[str] = Field(default_factory=list)
    calls: list[CallTrace] = Field(default_factory=list)

    @classmethod
    def failed(cls, filing: Filing, version: PromptVersion, model: str, error: ModelError) -> ExtractionResult:
        """An empty result that keeps what the failed attempts cost and why they failed."""
        calls = [call for call in getattr(error, "calls", []) if isinstance(call, CallTrace)]
        return cls(
            document=filing.name,
            content_hash=filing.content_hash,
            extraction=FilingExtraction(),
            model=model,
            prompt=version.name,
            prompt_sha256=version.sha256,
            usage=Usage(
                calls=len(calls),
                attempts=error.attempts,
                prompt_tokens=error.prompt_tokens,
                completion_tokens=error.completion_tokens,
            ),
            warnings=[str(error)],
            calls=calls,
        )
