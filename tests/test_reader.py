"""Bad input gets a clear error (or a correct extraction) and never a traceback."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from eightk.errors import InputError
from eightk.extract.reader import FilingHeader, read_filing

EIGHT_K = "FORM 8-K\nItem 5.02 Departure of Directors.\nJane Roe was appointed Chief Financial Officer.\n"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "empty input"),
        (b"   \n\t  ", "empty input"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3 binary", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"text with \x00 NUL bytes", "NUL"),
        (b"It was the best of times, it was the worst of times.", "does not look like an SEC filing"),
        (b"<html><script>var x = 'Item 1.01';</script><body></body></html>", "no text left after removing markup"),
    ],
)
def test_unreadable_input_is_refused_with_a_reason(data: bytes, message: str) -> None:
    with pytest.raises(InputError, match=message):
        read_filing(data, name="input")


def test_too_large_input_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.write(b"FORM 8-K\n" + b"x" * (50 * 1024 * 1024))
    with pytest.raises(InputError, match="larger than"):
        read_filing(path)


@pytest.mark.parametrize("encoding", ["cp1252", "latin-1"])
def test_legacy_encodings_are_decoded(encoding: str) -> None:
    text = EIGHT_K + "Caf\u00e9 Soci\u00e9t\u00e9 G\u00e9n\u00e9rale paid \u00a320 million.\n"
    filing = read_filing(text.encode(encoding))
    assert "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale" in filing.text
    assert filing.notes == [f"decoded as {'cp1252'}"]  # latin-1 bytes here are valid cp1252 too


def test_html_is_stripped_of_scripts_and_styles() -> None:
    html = (
        f"<html><head><style>p{{color:red}}</style></head><body><p>{EIGHT_K}</p><script>evil()</script></body></html>"
    )
    filing = read_filing(html.encode())
    assert filing.markup == "html"
    assert "evil" not in filing.text and "color" not in filing.text and "Jane Roe" in filing.text


def test_missing_path_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such file"):
        read_filing(tmp_path / "nope.txt")


def test_content_hash_is_of_the_normalized_text() -> None:
    assert read_filing(EIGHT_K.replace("\n", "\r\n").encode()).content_hash == read_filing(EIGHT_K).content_hash


def test_error_messages_are_one_line_without_parameter_names(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(EIGHT_K.encode() * 10)
    for source, limit in ((path, 50), (EIGHT_K.encode() * 10, 50)):
        with pytest.raises(InputError) as raised:
            read_filing(source, max_bytes=limit)
        assert "\n" not in str(raised.value) and "max_bytes" not in str(raised.value)


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_is_read_with_or_without_a_byte_order_mark(codec: str) -> None:
    text = EIGHT_K + "Soci\u00e9t\u00e9 G\u00e9n\u00e9rale\n"
    filing = read_filing(text.encode(codec))  # "utf-16" writes a BOM; the -le/-be codecs do not
    assert filing.text == read_filing(text).text
    assert filing.notes == ["decoded as UTF-16"]


def test_plain_text_keeps_its_layout() -> None:
    """Recorded model answers are keyed by the text read: plain text must come through as it was."""
    text = "FORM 8-K\n\tItem 5.02   Departure\nco\u00adoperation | <DOCUMENT type=EX-99.1>\n\n\n\nend\n"
    assert read_filing(text.replace("\n", "\r\n").encode()).text == text.replace("\n\n\n\n", "\n\n\n")


def html_text(body: str) -> str:
    return read_filing(f"<html><body><p>FORM 8-K</p>{body}</body></html>".encode()).text


def test_table_cells_are_separated_and_rows_are_lines() -> None:
    text = html_text(
        "<table><tr><td>Exhibit No.</td><td>Description</td></tr>"
        "<tr><td>2.1</td><td></td><td>Agreement and Plan of Merger</td></tr>"
        "<tr><td>Price</td><td>$</td><td>1,000</td><td>)</td></tr></table>"
    )
    assert "Exhibit No. | Description\n2.1 | Agreement and Plan of Merger\nPrice | $1,000)" in text


def test_cells_and_rows_left_open_close_as_in_a_browser() -> None:
    text = html_text("<table><tr><td>Item 2.01<td>Completion of Acquisition<tr><td>9.01<td>Exhibits</table>")
    assert "Item 2.01 | Completion of Acquisition\n9.01 | Exhibits" in text


def test_a_table_holding_the_whole_document_keeps_its_paragraphs() -> None:
    text = html_text("<table><tr><td><p>Item 8.01 Other Events.</p><p>Acme moved.</p></td></tr></table>")
    assert "Item 8.01 Other Events.\n\nAcme moved." in text


@pytest.mark.parametrize("space", ["&nbsp;", "&#160;", "&#8201;", "\u2009", "\u202f", "\u2002"])
def test_unicode_spaces_become_plain_spaces(space: str) -> None:
    assert "Item 5.02 Departure of Directors" in html_text(f"<p>Item{space}5.02{space}Departure of Directors</p>")


def test_blocks_and_breaks_are_lines_and_invisible_characters_go() -> None:
    text = html_text("<div>Acme\u200b Corp<br>Main Street</div><div>Item 8.01 Other\u00adEvents</div>")
    assert "Acme Corp\nMain Street\n\nItem 8.01 OtherEvents" in text


def test_hidden_inline_xbrl_facts_are_not_text() -> None:
    text = html_text(
        '<div style="display:none"><ix:header><ix:hidden>0001000180 false</ix:hidden></ix:header></div>'
        "<p>Item 8.01 Other Events</p>"
    )
    assert "false" not in text and "0001000180" not in text


def test_deep_nesting_is_read_without_recursion() -> None:
    assert "Item 5.02" in html_text("<div>" * 20_000 + "Item 5.02 Departure" + "</div>" * 20_000)


SUBMISSION = """<SEC-DOCUMENT>0000950123-10-080629.txt : 20100825
<SEC-HEADER>0000950123-10-080629.hdr.sgml : 20100825
ACCESSION NUMBER:\t\t0000950123-10-080629
CONFORMED SUBMISSION TYPE:\t8-K
PUBLIC DOCUMENT COUNT:\t\t3
CONFORMED PERIOD OF REPORT:\t20100819
ITEM INFORMATION:\t\tEntry into a Material Definitive Agreement
ITEM INFORMATION:\t\tFinancial Statements and Exhibits
FILED AS OF DATE:\t\t20100825

FILER:

\tCOMPANY DATA:\t
\t\tCOMPANY CONFORMED NAME:\t\t\tSANDISK CORP
\t\tCENTRAL INDEX KEY:\t\t\t0001000180
\tFILING VALUES:
\t\tFORM TYPE:\t\t8-K
</SEC-HEADER>
<DOCUMENT>
<TYPE>8-K
<SEQUENCE>1
<TEXT>
<html><body><p>Item 1.01 Entry into a Material Definitive Agreement.</p></body></html>
</TEXT>
</DOCUMENT>
<DOCUMENT>
<TYPE>GRAPHIC
<TEXT>
begin 644 logo.jpg
M_]C_X``02D9)1@`!`0$`8`!@``#_VP!#``(!`0$!`0(!`0$"`@("`@0#`@("
end
</TEXT>
</DOCUMENT>
<DOCUMENT>
<TYPE>EX-99.1
<TEXT>
<PAGE>
SanDisk prices notes.
</TEXT>
</DOCUMENT>
</SEC-DOCUMENT>
"""


def test_sgml_header_is_parsed_and_non_prose_documents_skipped() -> None:
    filing = read_filing(SUBMISSION.encode())
    assert filing.header == FilingHeader(
        accession_number="0000950123-10-080629",
        cik="0001000180",
        company_name="SANDISK CORP",
        form_type="8-K",
        filed_as_of=dt.date(2010, 8, 25),
        period_of_report=dt.date(2010, 8, 19),
        items=("Entry into a Material Definitive Agreement", "Financial Statements and Exhibits"),
    )
    assert filing.markup == "sgml" and "begin 644" not in filing.text and "<PAGE>" not in filing.text
    assert "<DOCUMENT type=EX-99.1>\nSanDisk prices notes." in filing.text
    assert filing.notes == ["skipped 1 document(s) without prose: GRAPHIC"]


def test_only_a_submission_has_a_header_and_a_bad_header_date_is_no_date() -> None:
    assert read_filing(EIGHT_K).header is None
    header = read_filing(SUBMISSION.replace("DATE:\t\t20100825", "DATE:\t\t20101325").encode()).header
    assert header is not None and header.filed_as_of is None and header.company_name == "SANDISK CORP"
