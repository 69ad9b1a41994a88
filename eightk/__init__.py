"""eightk: structured extraction of deals and appointments from SEC Form 8-K filings, with evals.

from eightk import extract
result = extract(Path("8-k.htm"))

The library reports retries, re-asks, salvages and the embedded server through `logging` (logger `eightk`)
and shows nothing unless the application configures logging; the CLI does, with -v/-q.
"""

import logging

from eightk.errors import (
    ConfigError,
    EightkError,
    ExtractionFailed,
    InputError,
    ModelError,
    NoncompliantModelError,
    ReplayMiss,
    ServerError,
    TransportError,
    UnreachableError,
)
from eightk.extract.batch import extract_many
from eightk.extract.ledger import BatchSummary
from eightk.extract.llm import ModelClient
from eightk.extract.pipeline import aextract, extract
from eightk.extract.reader import Filing, read_filing
from eightk.extract.results import ExtractionResult
from eightk.schemas import Appointment, Deal, Evidence, FilingExtraction, Money, Party

logging.getLogger("eightk").addHandler(logging.NullHandler())

__all__ = [
    "Appointment",
    "BatchSummary",
    "ConfigError",
    "Deal",
    "EightkError",
    "Evidence",
    "ExtractionFailed",
    "ExtractionResult",
    "Filing",
    "FilingExtraction",
    "InputError",
    "ModelClient",
    "ModelError",
    "Money",
    "NoncompliantModelError",
    "Party",
    "ReplayMiss",
    "ServerError",
    "TransportError",
    "UnreachableError",
    "aextract",
    "extract",
    "extract_many",
    "read_filing",
]
