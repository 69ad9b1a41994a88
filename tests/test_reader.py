"""Bad input gets a clear error (or a correct extraction) and never a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest

from eightk.errors import InputError
from eightk.extract.reader import read_filing

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
