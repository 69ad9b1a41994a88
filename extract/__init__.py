"""eightk extraction: `extract()` one filing, `extract_many()` a batch, on any OpenAI-compatible model."""

from eightk.extract.pipeline import aextract, extract
from eightk.extract.results import ExtractionResult

__all__ = ["ExtractionResult", "aextract", "extract"]
