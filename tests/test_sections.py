"""The splitter on the real corpus: old ("Item 5.") and new ("Item 5.02") styles, SGML, HTML."""

from __future__ import annotations

import itertools

import pytest

from eightk.evals.dataset import corpus_dir
from eightk.extract.reader import read_filing
from eightk.extract.sections import reported_items, split_sections

EXPECTED = {
    # document: (items reported, exhibit labels)
    "immunogen-genentech-tap-license-2000": (["5", "7"], ["99.1"]),
    "immunogen-cfo-appointment-millennium-collaboration-2001": (["5", "7"], [""]),
    "alnylam-roche-zilebesiran-collaboration-2023": (["1.01", "7.01", "9.01"], ["99.1"]),
    "abvc-biopharma-results-nonreliance-2025": (["2.02", "4.02", "7.01", "9.01"], ["99.1"]),
    "agilent-varian-merger-agreement-2009": (["1.01", "8.01", "9.01"], ["99.1"]),
    "alcoa-camargo-correa-stake-acquisition-2003": (["5", "7"], ["99"]),
    "alcoa-ivex-acquisition-completed-2002": (["5", "7"], []),
    "cisco-combinet-acquisition-1995": (["2", "7"], ["20.1"]),
    "rock-of-ages-acquisition-and-officer-change-2000": (["5"], ["99", "99.1"]),
    "google-tilghman-director-and-letter-agreement-2005": (["1.01", "5.02", "9.01"], ["10.18", "99.1"]),
    "taser-martz-director-appointment-2005": (["5.02", "9.01"], ["99.1"]),
    "taser-tasertron-asset-acquisition-2003": (["2", "7"], ["10.1", "99.1"]),
    "biogen-reata-merger-agreement-2023": (["1.01", "5.03", "9.01"], []),
    "oasis-entertainment-auditor-change-2002": (["4"], ["16.1"]),
    "jpmorgan-co-presidents-appointment-2026": (["5.02", "9.01"], []),
}


@pytest.mark.parametrize("doc_id", sorted(EXPECTED))
def test_items_and_exhibits_of_corpus_filings(doc_id: str) -> None:
    text = read_filing(corpus_dir() / f"{doc_id}.txt").text
    sections = split_sections(text)
    items, exhibits = EXPECTED[doc_id]
    assert reported_items(sections, text) == items
    assert [s.label for s in sections if s.kind == "exhibit"] == exhibits


def test_every_corpus_filing_splits_into_contiguous_sections() -> None:
    for path in sorted(corpus_dir().glob("*.txt")):
        text = read_filing(path).text
        sections = split_sections(text)
        assert sections[0].start == 0 and sections[-1].end == len(text), path.name
        assert all(a.end == b.start for a, b in itertools.pairwise(sections)), path.name


def test_sgml_submission_with_html_documents() -> None:
    submission = """<SEC-DOCUMENT>
<DOCUMENT>
<TYPE>8-K
<TEXT>
<html><body><p>FORM 8-K</p><p>Item 1.01 Entry into a Material Definitive Agreement.</p>
<p>Acme Corp. entered into a merger agreement.</p><script>alert('x')</script>
<p>Item 9.01 Financial Statements and Exhibits.</p></body></html>
</TEXT>
</DOCUMENT>
<DOCUMENT>
<TYPE>EX-99.1
<TEXT>
<html><body><p>Acme announces merger</p></body></html>
</TEXT>
</DOCUMENT>
</SEC-DOCUMENT>"""
    filing = read_filing(submission.encode())
    assert filing.markup == "sgml" and "alert" not in filing.text
    sections = split_sections(filing.text)
    assert reported_items(sections, filing.text) == ["1.01", "9.01"]
    assert [s.label for s in sections if s.kind == "exhibit"] == ["99.1"]
