"""End to end on the embedded model: the install is complete if this passes on a fresh machine."""

from __future__ import annotations

import pytest

from eightk.extract import extract
from eightk.extract.cli import sample_path
from eightk.extract.server import EMBEDDED_MODEL, shared_server

pytestmark = pytest.mark.live


def test_the_embedded_model_extracts_the_sample_filing() -> None:
    server = shared_server()
    assert server.base_url.startswith("http://127.0.0.1:")
    result = extract(sample_path("genentech"))
    assert result.model == EMBEDDED_MODEL
    assert result.extraction.items == ["5", "7"]
    assert result.usage.calls >= 1 and result.usage.prompt_tokens > 0 and result.usage.completion_tokens > 0
    text = sample_path("genentech").read_text()
    for record in result.extraction.records():
        for evidence in record.evidence:  # whatever the model said, what we kept is in the filing
            assert evidence.start is not None and evidence.end is not None
            assert " ".join(evidence.quote.split()).lower() in " ".join(text.split()).lower()
