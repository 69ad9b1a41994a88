"""eightk: structured extraction of deals and appointments from SEC Form 8-K filings, with evals.

    from eightk import extract
    result = extract(Path("8-k.htm"))
"""

from eightk.extract.batch import BatchSummary, extract_many
from eightk.extract.llm import ModelCallError, ModelClient
from eightk.extract.pipeline import ExtractionResult, aextract, extract
from eightk.extract.reader import InputError
from eightk.schemas import Appointment, Deal, Evidence, FilingExtraction, Money, Party

__all__ = [
    "Appointment",
    "BatchSummary",
    "Deal",
    "Evidence",
    "ExtractionResult",
    "FilingExtraction",
    "InputError",
    "ModelCallError",
    "ModelClient",
    "Money",
    "Party",
    "aextract",
    "extract",
    "extract_many",
]
