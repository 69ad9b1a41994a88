"""The Python API as a notebook user meets it: text or a file, and `extract()` inside a running event loop."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import FILING, GOOD_DEAL

from eightk import extract
from eightk.errors import InputError
from eightk.extract.reader import read_filing
from eightk.fakeserver import FakeOpenAI, answer

APPOINTMENT = "Item 5.02. On May 1, 2024, Acme Corp. appointed Jane Doe as Chief Financial Officer."


def test_a_str_is_the_filings_text_and_a_path_is_a_file(filing_file: Path) -> None:
    assert read_filing(APPOINTMENT).text == APPOINTMENT  # never looked for on disk
    assert read_filing(filing_file).text == read_filing(FILING).text
    assert read_filing(filing_file).name == "acme-8k.txt"


@pytest.mark.parametrize("name", ["8-k.htm", "filings/acme.txt", "acme-8k.txt"])
def test_a_str_that_looks_like_a_file_name_is_refused_with_the_fix(name: str) -> None:
    with pytest.raises(InputError) as raised:
        read_filing(name)
    assert str(raised.value) == (
        f"{name!r} looks like a file name, but a str is read as the filing's text; "
        f"to read the file, pass Path({name!r})"
    )


async def test_extract_works_inside_a_running_event_loop_as_in_jupyter() -> None:
    asyncio.get_running_loop()  # as in a notebook cell: a loop is running, asyncio.run() is refused
    with FakeOpenAI([answer(GOOD_DEAL)]) as server:
        result = extract(FILING, model="fake", base_url=server.url, api_key="key")
    assert result.extraction.deals[0].upfront_payment is not None
    assert result.model == "fake" and len(server.requests) == 1


def test_extract_works_without_a_loop_too() -> None:
    with FakeOpenAI([answer(GOOD_DEAL)]) as server:
        result = extract(FILING, model="fake", base_url=server.url, api_key="key")
    assert result.extraction.deals
