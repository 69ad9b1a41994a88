"""Random and mutated input: whatever a user points eightk at, the reader, the splitter and the cover parser
either read it or refuse it with an `InputError`, and never fail in any other way.

Bounded for CI: a few hundred examples in a few seconds, no example database left behind.
"""

from __future__ import annotations

import datetime as dt
import itertools
import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from eightk.errors import InputError
from eightk.extract.cover import read_cover
from eightk.extract.reader import read_filing
from eightk.extract.sections import reported_items, split_sections

BOUNDED = settings(
    max_examples=120,
    deadline=dt.timedelta(seconds=1),
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)

HTML_SEED = (
    '<html><head><style>p{}</style><title>8-K</title></head><body><div style="display:none"><ix:header>'
    "<ix:hidden>0001</ix:hidden></ix:header></div><p>FORM 8-K</p><p>Date of Report (Date of earliest event "
    "reported): August&nbsp;19, 2010</p><p><b>SanDisk</b><br>Corporation</p><p>(Exact name of registrant as "
    "specified in its charter)</p><table><tr><td>Item&#160;1.01<td>Entry into a Material Definitive Agreement"
    "<tr><td>$</td><td>1,000</td></tr></table><pre>  Item 9.01  Exhibits</pre><p>Pursuant to the requirements "
    "of the Securities Exchange Act of 1934, the registrant has duly caused this report to be signed.</p>"
    "<p>Date: August 25, 2010</p><p>By: /s/ Judy Bruner</p></body></html>"
)
SGML_SEED = (
    "<SEC-DOCUMENT>\n<SEC-HEADER>\nACCESSION NUMBER: 0000950123-10-080629\nCONFORMED SUBMISSION TYPE: 8-K\n"
    "CONFORMED PERIOD OF REPORT: 20100819\nITEM INFORMATION: Other Events\nFILED AS OF DATE: 20100825\n"
    "COMPANY CONFORMED NAME: SANDISK CORP\nCENTRAL INDEX KEY: 0001000180\n</SEC-HEADER>\n<DOCUMENT>\n<TYPE>8-K\n"
    f"<TEXT>\n{HTML_SEED}\n</TEXT>\n</DOCUMENT>\n<DOCUMENT>\n<TYPE>GRAPHIC\n<TEXT>\nbegin 644 a.jpg\nM_]C_\nend\n"
    "</TEXT>\n</DOCUMENT>\n<DOCUMENT>\n<TYPE>EX-99.1\n<TEXT>\n<PAGE>\nItems 1.01 and 5.02 Press release\n"
    "</TEXT>\n</DOCUMENT>\n</SEC-DOCUMENT>\n"
)
TEXT_SEED = (
    "FORM 8-K\nDate of Report (Date of earliest event reported): 08/19/2010\nACME\nCORP.\n____\n"
    "(Exact name of registrant as specified in its charter)\nItem\n5.02 Departure of Directors\nNone.\n"
    "Items 1.01, 2.03 and 9.01 Entry\nExhibit 99.1\nPress release\n"
)
SEEDS = [seed.encode() for seed in (HTML_SEED, SGML_SEED, TEXT_SEED)] + [
    HTML_SEED.encode("utf-16"),
    TEXT_SEED.encode("utf-16-le"),
    TEXT_SEED.encode("cp1252"),
]
TAGS = ["p", "div", "br", "table", "tr", "td", "th", "pre", "span", "ix:header", "script", "DOCUMENT", "TEXT", "b"]
FRAGMENTS = [
    *(f"<{tag}>" for tag in TAGS),
    *(f"</{tag}>" for tag in TAGS),
    "<![CDATA[x]]>", "<!--", "-->", "<!DOCTYPE html>", "<?xml ?>", "&nbsp;", "&#160;", "&#8201;", "&#0;", "&#xD800;",
    "Item 5.02", "Items 1.01 and 9.01", "Item\n", "(Exact name of registrant", "Date of Report", "Date: ",
    "August 19, 2010", "13/45/2010", "\x00", "\ufeff", "\r\n", "SEC-HEADER>", "<SEC-HEADER>", "FILED AS OF DATE: 2",
]  # fmt: skip


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A seed filing with a few random cuts, insertions and byte flips."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for _ in range(draw(st.integers(0, 6))):
        at = draw(st.integers(0, len(data)))
        operation = draw(st.sampled_from(["insert", "cut", "flip", "truncate"]))
        if operation == "insert":
            payload = draw(st.sampled_from(FRAGMENTS)).encode() if draw(st.booleans()) else draw(st.binary(max_size=8))
            data[at:at] = payload
        elif operation == "cut":
            del data[at : at + draw(st.integers(1, 200))]
        elif operation == "flip" and at < len(data):
            data[at] = draw(st.integers(0, 255))
        elif operation == "truncate":
            del data[at:]
    return bytes(data)


def markup() -> st.SearchStrategy[str]:
    return st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=40).map("".join)


def read_everything(source: bytes | str) -> None:
    try:
        filing = read_filing(source, name="fuzz")
    except InputError as error:
        assert str(error) and "\n" not in str(error)
        return
    text = filing.text
    sections = split_sections(text)
    assert sections[0].start == 0 and sections[-1].end == len(text)
    assert all(a.end == b.start for a, b in itertools.pairwise(sections))
    reported_items(sections, text, filing.header)
    read_cover(text, filing.header)


@BOUNDED
@given(mutated())
def test_mutated_filings(source: bytes) -> None:
    read_everything(source)


@BOUNDED
@given(st.one_of(st.binary(max_size=600), markup().map(lambda text: text.encode("utf-8", "surrogatepass"))))
def test_random_bytes_and_markup(source: bytes) -> None:
    read_everything(source)


@BOUNDED
@given(st.one_of(markup(), st.text(max_size=300)), st.sampled_from(["utf-8", "utf-16", "utf-16-le", "utf-16-be"]))
def test_random_text_in_any_encoding(text: str, codec: str) -> None:
    read_everything(text)
    read_everything(("FORM 8-K\n" + text).encode(codec, "surrogatepass"))


@BOUNDED
@given(markup())
def test_splitter_and_cover_take_any_text(text: str) -> None:
    sections = split_sections(text)
    assert not text or (sections[0].start == 0 and sections[-1].end == len(text))
    reported_items(sections, text)
    read_cover(text)


def _read_runs(run: int) -> float:
    """The fastest of three reads of sources with one long run of `run` characters each."""
    sources = (
        "FORM 8-K " + " " * run + "x\n",
        "FORM 8-K\n" + "A" * run + "!\n(Exact name of registrant)",
        "<p>FORM 8-K" + "&nbsp;" * run + "</p>",
        "<SEC-HEADER>\nCOMPANY CONFORMED NAME: a" + " " * run + "b\n</SEC-HEADER><DOCUMENT>FORM 8-K</DOCUMENT>",
    )
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        for source in sources:
            read_everything(source.encode())
            read_cover(source)
        timings.append(time.perf_counter() - started)
    return min(timings)


def test_long_runs_take_linear_time() -> None:
    """A regex that rescans a run at every start is quadratic: four times the run, sixteen times the time.
    Judged by how the time grows, not by seconds, so a loaded machine does not fail it (both sizes are
    measured under the same load); linear growth is four times, quadratic sixteen."""
    assert _read_runs(80_000) / _read_runs(20_000) < 8
