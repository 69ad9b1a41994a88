"""Eval logs: one versioned JSON file per eval run, which reports, comparisons and the baseline gate read.

A log holds what a reviewer needs to judge a run without re-running it: per document the passages sent
(each call's kind and character span), the calls with their usage, the predictions and the scores; plus
the model, the prompt's name and hash, and the totals. Filing text is never copied into a log.
"""

from __future__ import annotations

import datetime as dt
from functools import cached_property
from importlib import metadata
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from eightk.errors import ConfigError
from eightk.evals.scorer import Counts, DocumentScore, Report
from eightk.extract.results import ExtractionResult


class DocumentLog(BaseModel):
    id: str
    result: ExtractionResult  # predictions, calls (passages sent, usage, outcome), warnings
    fields: dict[str, Counts]  # "deal.parties" -> counts
    records: dict[str, Counts]  # per kind: paired, unpaired predicted (fp), unpaired gold (fn)
    pairs: dict[str, list[tuple[int | None, int | None]]]  # per kind: (gold index, predicted index)
    evidence_quotes: int
    evidence_verified: int
    gold_records: int = 0
    gold_records_sent: int = 0  # gold records whose evidence lies in a passage sent for their kind

    def score(self) -> DocumentScore:
        fields = {tuple(key.split(".", 1)): counts for key, counts in self.fields.items()}
        return DocumentScore(self.id, fields, dict(self.records), dict(self.pairs))  # type: ignore[arg-type]


class EvalLog(BaseModel):
    """One prompt version, one model, one set of documents: everything the run produced and scored."""

    model_config = ConfigDict(ignored_types=(cached_property,))

    version: Literal[1] = 1  # LOG_VERSION: a reader refuses a log whose layout it does not know
    created: dt.datetime = Field(default_factory=lambda: dt.datetime.now(dt.UTC))
    eightk: str = Field(default_factory=lambda: metadata.version("eightk"))
    model: str
    prompt: str
    prompt_sha256: str
    dataset: str  # where the filings and gold came from
    documents: list[DocumentLog] = Field(default_factory=list)
    totals: dict[str, Any] = Field(default_factory=dict)

    @property
    def results(self) -> dict[str, ExtractionResult]:
        return {document.id: document.result for document in self.documents}

    @cached_property
    def report(self) -> Report:
        calls = [call for document in self.documents for call in document.result.calls]
        quotes = sum(document.evidence_quotes for document in self.documents)
        gold = sum(document.gold_records for document in self.documents)
        return Report(
            [document.score() for document in self.documents],
            schema_valid_rate=sum(c.outcome != "failed" for c in calls) / len(calls) if calls else 1.0,
            grounded_rate=sum(c.outcome == "valid" for c in calls) / len(calls) if calls else 1.0,
            evidence_verified_rate=sum(d.evidence_verified for d in self.documents) / quotes if quotes else 1.0,
            passage_recall=sum(d.gold_records_sent for d in self.documents) / gold if gold else 1.0,
        )

    def with_totals(self) -> EvalLog:
        report = self.report
        usage = [document.result.usage for document in self.documents]
        self.totals = {
            **{key: value for key, value in report.as_dict().items() if key != "documents"},
            "calls": sum(u.calls for u in usage),
            "prompt_tokens": sum(u.prompt_tokens for u in usage),
            "completion_tokens": sum(u.completion_tokens for u in usage),
        }
        return self

    def write(self, folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        stamp = self.created.strftime("%Y%m%dT%H%M%S")
        path = folder / f"{stamp}_{_slug(self.model)}_{_slug(self.prompt)}.json"
        path.write_text(self.model_dump_json(indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def read(cls, path: Path) -> EvalLog:
        try:
            return cls.model_validate_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise ConfigError(f"{path} is not an eval log this version of eightk reads ({error})") from None


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in ".-_" else "_" for c in text)
