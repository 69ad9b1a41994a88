"""Cover-page facts in the layouts filing agents really use, and on real EDGAR filings."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import pytest

from eightk.extract.cover import company, filing_date, form_type, read_cover, report_date
from eightk.extract.reader import FilingHeader
from eightk.text.dates import find_dates

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))  # the measurement lives with the benchmarks, which it also serves
from benchmarks.reading import DEFAULT_DATA as EDGAR_8K  # noqa: E402
from benchmarks.reading import measure  # noqa: E402

CAPTION = "(Exact name of registrant as specified in its charter)"
HEADER = FilingHeader(
    accession_number="0000950123-10-080629",
    cik="0001000180",
    company_name="SANDISK CORP",
    form_type="8-K/A",
    filed_as_of=dt.date(2010, 8, 25),
    period_of_report=dt.date(2010, 8, 19),
)


def cover_page(above_caption: str) -> str:
    return (
        "FORM 8-K\nCURRENT REPORT\nPursuant to Section 13 or 15(d) of the Securities Exchange Act of 1934\n"
        f"Date of Report (Date of earliest event reported): August 19, 2010\n{above_caption}\n{CAPTION}\n"
        "Delaware | 000-26734 | 77-0191793\n"
    )


@pytest.mark.parametrize(
    "above_caption",
    [
        "SanDisk Corporation",
        "SanDisk Corporation\n____________________________",
        "SanDisk Corporation\n- ----------------------------",
        "\nSanDisk Corporation\n\n===========\n",
        "SanDisk\nCorporation",
        "SANDISK\nCORPORATION",
        "SanDisk Technologies &\nCorporation",
        "   SanDisk   Corporation   ",
        "Delaware | SanDisk Corporation",
    ],
)
def test_registrant_name_survives_rules_blanks_and_split_lines(above_caption: str) -> None:
    found = company(cover_page(above_caption))
    assert found is not None and found.lower().replace("technologies & ", "") == "sandisk corporation"


def test_a_cover_page_run_together_gives_the_name_not_the_run() -> None:
    run = (
        "SECURITIES AND EXCHANGE COMMISSION WASHINGTON, D.C. 20549 --------------- FORM 8-K CURRENT REPORT "
        "Date of Report (Date of earliest event reported): July 1, 2002 ALCOA INC. ---------- " + CAPTION
    )
    assert company(run) == "ALCOA INC."
    assert company("x" * 200 + " " + CAPTION) is None


def test_no_name_rather_than_a_cover_caption() -> None:
    assert company(cover_page("")) is None
    assert company(cover_page("____________")) is None


def test_without_a_caption_the_signature_block_names_the_registrant() -> None:
    text = (
        "Item 8.01 Other Events\nAcme moved.\n"
        "Pursuant to the requirements of the Securities Exchange Act of 1934, the registrant has duly caused "
        "this report to be signed on its behalf by the undersigned hereunto duly authorized.\n\n"
        "ACME ROBOTICS, INC.\nDate: June 5, 2024\nBy: /s/ Jane Roe\n"
    )
    assert company(text) == "ACME ROBOTICS, INC."


@pytest.mark.parametrize(
    ("written", "date"),
    [
        ("August 19, 2010", dt.date(2010, 8, 19)),
        ("August 19,2010", dt.date(2010, 8, 19)),
        ("AUGUST 19, 2010", dt.date(2010, 8, 19)),
        ("Aug. 19, 2010", dt.date(2010, 8, 19)),
        ("Sept. 9, 2010", dt.date(2010, 9, 9)),
        ("August\u00a019, 2010", dt.date(2010, 8, 19)),
        ("November 20,\n      2008", dt.date(2008, 11, 20)),
        ("19 August 2010", dt.date(2010, 8, 19)),
        ("August 19th, 2010", dt.date(2010, 8, 19)),
        ("08/19/2010", dt.date(2010, 8, 19)),
        ("8/19/10", dt.date(2010, 8, 19)),
    ],
)
def test_dates_in_the_forms_filings_write_them(written: str, date: dt.date) -> None:
    assert [found for _, _, found in find_dates(f"on {written}.")] == [date]


def test_impossible_dates_are_no_dates() -> None:
    assert find_dates("February 30, 2010 and 13/45/2010") == []


@pytest.mark.parametrize(
    "layout",
    [
        "Date of Report (Date of earliest event reported): August 19, 2010",
        "Date of Report (Date of earliest event reported)\n\nAugust 19, 2010",
        "Date of report (Date of earliest event reported) August 19, 2010",
        "Date of Report (date of Earliest Event Reported) – August 19, 2010",
        "Date of Report: 08/19/2010",
        "August 19, 2010\n(Date of Report (Date of earliest event reported))",
        "August 19, 2010 | (Date of earliest event reported)",
        "Date of Report (Date of earliest event reported): August 23, 2010 (August 19, 2010)",
    ],
)
def test_report_date_in_its_many_layouts(layout: str) -> None:
    text = f"FORM 8-K\nCURRENT REPORT\n{layout}\n\nAcme Corp\n{CAPTION}\nDelaware\nDated: August 25, 2010\n"
    assert report_date(text) == dt.date(2010, 8, 19)


def test_report_date_under_a_blank_caption_is_the_date_above_it() -> None:
    text = f"FORM 8-K\nAugust 19, 2010\n(Date of earliest event reported)\n\nAcme Corp\n{CAPTION}\n"
    assert report_date(text) == dt.date(2010, 8, 19)


SIGNED = (
    "Item 8.01 Other Events\nOn August 19, 2010, Acme moved.\n"
    "Pursuant to the requirements of the Securities Exchange Act of 1934, the registrant has duly caused this "
    "report to be signed on its behalf by the undersigned hereunto duly authorized.\n\nACME CORP\n{block}\n"
    "Exhibit 99.1\nLetter\nDate: September 1, 2010\nDear Jane,\n"
)


@pytest.mark.parametrize(
    "block",
    [
        "Date: August 25, 2010\nBy: /s/ Jane Roe",
        "Dated: August 25, 2010 | By: | /s/ Jane Roe",
        "By: /s/ Jane Roe\nName: Jane Roe\nDate: August 25, 2010",
        "August 25, 2010 | By: /s/ Jane Roe",
    ],
)
def test_filing_date_is_the_signature_date_not_an_exhibit_date(block: str) -> None:
    assert filing_date(SIGNED.format(block=block)) == dt.date(2010, 8, 25)


def test_an_unsigned_filing_falls_back_to_its_first_date_line() -> None:
    assert filing_date("FORM 8-K\nDate: May 4, 2000\nItem 5. Other Events\nDate: May 9, 2000\n") == dt.date(2000, 5, 4)
    assert filing_date("FORM 8-K\nItem 5. Other Events\n") is None


def test_the_sgml_header_wins_over_the_cover_page() -> None:
    text = cover_page("SanDisk Corporation") + "FORM 8-K\nDate: August 24, 2010\n"
    cover = read_cover(text, HEADER)
    assert cover.company == "SANDISK CORP" and cover.form_type == "8-K/A"
    assert (cover.filing_date, cover.report_date) == (dt.date(2010, 8, 25), dt.date(2010, 8, 19))
    assert (cover.cik, cover.accession_number) == ("0001000180", "0000950123-10-080629")
    plain = read_cover(text)
    assert plain.company == "SanDisk Corporation" and plain.filing_date == dt.date(2010, 8, 24)
    assert plain.cik is None and form_type(text) == "8-K"


@pytest.mark.skipif(not EDGAR_8K.is_dir(), reason=f"{EDGAR_8K} is not here")
def test_cover_facts_on_real_edgar_filings_stay_above_target() -> None:
    result = measure(EDGAR_8K)
    assert result.rate("registrant") >= 97.0, [m for m in result.misses if m.field == "registrant"]
    # The cover page states the date of every filing read here; what remains are filings where EDGAR's
    # period of report is another date than the cover's (the filing date, or the other date of a pair):
    # 95.2% when measured. A miss of any other kind is a regression.
    assert result.rate("report date") >= 95.0
    disagreements = {"cover states both; label is the other", "label not on the cover page"}
    assert [m for m in result.misses if m.field == "report date" and m.category not in disagreements] == []


def test_the_signature_block_name_skips_the_sentence_tail_and_the_registrant_caption() -> None:
    text = (
        "Item 8.01 Other Events\nAcme moved.\nPursuant to the requirements of the Securities Exchange Act of 1934,"
        " the registrant has duly caused this report to be signed on its behalf by\nthe undersigned hereunto "
        "duly authorized.\n\nACME ROBOTICS, INC.\n(Registrant)\nDate: June 5, 2024\nBy: /s/ Jane Roe\n"
    )
    assert company(text) == "ACME ROBOTICS, INC."
