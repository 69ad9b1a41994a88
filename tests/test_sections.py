"""The splitter on the real corpus: old ("Item 5.") and new ("Item 5.02") styles, SGML, HTML."""

from __future__ import annotations

import datetime as dt
import itertools
import sys
from pathlib import Path

import pytest

from eightk.evals.dataset import corpus_dir
from eightk.extract.reader import FilingHeader, read_filing
from eightk.extract.sections import reported_items, split_sections

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # the measurement lives with the benchmarks, which it also serves
from benchmarks.reading import DEFAULT_DATA as EDGAR_8K  # noqa: E402
from benchmarks.reading import measure  # noqa: E402

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


def items_of(text: str, header: FilingHeader | None = None) -> list[str]:
    return reported_items(split_sections(text), text, header)


@pytest.mark.parametrize(
    "header",
    [
        "Item 5.02 Departure of Directors",
        "ITEM 5.02. DEPARTURE OF DIRECTORS",
        "Item 5.02: Departure of Directors",
        "Item\u00a05.02\u00a0Departure of Directors",  # &nbsp; in text that did not pass the reader
        "Item\u20095.02 Departure of Directors",  # thin space
        "Item5.02 Departure of Directors",
        "Item 5.02Departure of Directors",
        "Item\n5.02\nDeparture of Directors",
        "Item 5.02 | Departure of Directors",  # a table row
        "Item 5.02(b) Departure of Directors",
        "   Item 5.02  -  Departure of Directors",
        "Jane Roe resigned. Item 5.02 Departure of Directors",  # run together by an HTML stripper
    ],
)
def test_every_header_style_is_an_item(header: str) -> None:
    text = f"FORM 8-K\n{header}\nJane Roe resigned as a director.\nItem 9.01 Financial Statements and Exhibits\n"
    assert items_of(text) == ["5.02", "9.01"]


@pytest.mark.parametrize(
    ("header", "items"),
    [
        ("Items 1.01 and 5.02 Entry into an Agreement; Departure of Officers", ["1.01", "5.02"]),
        ("Items 1.01, 2.03 and 9.01 Entry into an Agreement", ["1.01", "2.03", "9.01"]),
        ("ITEMS 2.01 & 9.01. Completion of Acquisition", ["2.01", "9.01"]),
        ("Item 2.02 and Item 9.01 Results of Operations", ["2.02", "9.01"]),
        ("Items 5 and 7. Other Events; Exhibits", ["5", "7"]),
    ],
)
def test_a_combined_header_reports_each_number(header: str, items: list[str]) -> None:
    text = f"FORM 8-K\n{header}\nOn May 4, Acme merged.\n"
    sections = split_sections(text)
    assert reported_items(sections, text) == items
    assert [(s.label, s.combined) for s in sections if s.kind == "item"] == [(items[0], tuple(items[1:]))]


@pytest.mark.parametrize(
    "sentence",
    [
        "The information in Item 2.02 above is incorporated by reference.",
        "As described in Item 2.02 above, the results were announced.",
        "Item 2.02 of Form 8-K requires the disclosure.",
        "This report is furnished pursuant to Items 2.02 and 9.01 and shall not be deemed filed.",
        "Item 404(a) of Regulation S-K does not apply.",
        "Item 1A, Risk Factors, of the annual report.",
        "Item 7, 8 and 9 of the annual report.",
    ],
)
def test_cross_references_are_not_headers(sentence: str) -> None:
    assert items_of(f"FORM 8-K\nItem 8.01 Other Events\n{sentence}\n") == ["8.01"]


def test_old_numbering_and_quoted_old_items_in_a_new_filing() -> None:
    old = "FORM 8-K\nItem 5. Other Events\nAcme moved.\nItem 7. Financial Statements and Exhibits\n99.1 Release\n"
    assert items_of(old) == ["5", "7"]
    new = "FORM 8-K\nItem 8.01 Other Events\nAcme moved.\nItem 7. Management's Discussion (from the 10-K)\n"
    assert items_of(new) == ["8.01"]
    assert items_of("FORM 8-K\nItem 13. Not an 8-K item\nItem 6.07 Nor this\n") == []


@pytest.mark.parametrize("answer", ["None.", "Not applicable.", "N/A"])
def test_an_item_answered_none_is_not_reported(answer: str) -> None:
    assert items_of(f"FORM 8-K\nItem 8.01 Other Events\nAcme moved.\nItem\n9.01\n{answer}\n") == ["8.01"]


def submission_header(filed: dt.date | None, *declared: str) -> FilingHeader:
    return FilingHeader("0000000000-10-000001", "0000000001", "ACME CORP", "8-K", filed, filed, declared)


NEW_STYLE = "FORM 8-K\nItem 2.02 Results of Operations\nAcme earned.\nItem 7.01 Regulation FD Disclosure\nSlides.\n"


def test_declared_items_drop_undeclared_and_add_missing() -> None:
    header = submission_header(
        dt.date(2010, 8, 25),
        "Results of Operations and Financial Condition",
        "Financial Statements and Exhibits",
    )
    assert items_of(NEW_STYLE) == ["2.02", "7.01"]
    assert items_of(NEW_STYLE, header) == ["2.02", "9.01"]


def test_declared_items_map_by_era_and_unknown_titles_keep_what_the_text_shows() -> None:
    old_style = "FORM 8-K\nItem 1. Changes in Control of Registrant\nAcme was bought.\n"
    old_header = submission_header(dt.date(2003, 5, 1), "Changes in control of registrant")
    assert items_of(old_style, old_header) == ["1"]  # "5.01" after August 23, 2004
    unknown = submission_header(dt.date(2010, 8, 25), "Results of Operations and Financial Condition", "Misc.")
    assert items_of(NEW_STYLE, unknown) == ["2.02", "7.01"]
    numbered = submission_header(None, "2.02", "7.01")
    assert items_of(NEW_STYLE, numbered) == ["2.02", "7.01"]


@pytest.mark.skipif(not EDGAR_8K.is_dir(), reason=f"{EDGAR_8K} is not here")
def test_items_on_real_edgar_filings_stay_above_target() -> None:
    result = measure(EDGAR_8K)
    assert result.rate("items") >= 98.0, [m for m in result.misses if m.field == "items"]
