"""eightk extraction: `extract()` one filing, `extract_many()` a batch, on any OpenAI-compatible model."""

from eightk.extract.pipeline import ExtractionResult, aextract, extract

__all__ = ["ExtractionResult", "aextract", "extract"]
