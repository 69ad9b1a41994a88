"""The comparison report, read as a reviewer reads it: on the bundled Agilent filings, replayed offline."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup, Tag

from eightk.evals.compare import Comparison, compare, to_html, to_markdown
from eightk.evals.dataset import load_dataset
from eightk.evals.log import EvalLog
from eightk.evals.runner import run_eval_sync

pytestmark = pytest.mark.block_network
PATTERN = "agilent-*"
SAMPLES = load_dataset(pattern=PATTERN, sources=["corpus"])
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def runs() -> dict[str, EvalLog]:
    return run_eval_sync(["v1", "v2"], pattern=PATTERN, sources=["corpus"])


@pytest.fixture(scope="module")
def comparison(runs: dict[str, EvalLog]) -> Comparison:
    return compare(runs["v1"], runs["v2"])


@pytest.fixture(scope="module")
def page(comparison: Comparison) -> BeautifulSoup:
    return BeautifulSoup(to_html(comparison, SAMPLES), "html.parser")


def test_the_index_lists_documents_by_delta_regressions_first_each_linking_to_its_section(page: BeautifulSoup) -> None:
    rows = page.select("#index tr")[1:]
    deltas = [float(row.select("td")[-1].get_text()) for row in rows]
    assert len(rows) == len(SAMPLES) and deltas == sorted(deltas) and len(set(deltas)) > 1
    for row in rows:
        link = row.select_one("a")
        assert link is not None and page.find(id=str(link["href"]).removeprefix("#")) is not None


def test_a_version_that_predicted_nothing_says_so_and_has_no_precision(
    page: BeautifulSoup, comparison: Comparison
) -> None:
    assert not any(r.extraction.records() for r in comparison.a.results.values()), "v1 predicts nothing here"
    measures = {row.select("td")[0].get_text(): row for row in page.select("#measures tr")[1:]}
    assert measures["micro precision"].select("td")[1].get_text() == "n/a"
    v1_blocks = [h3 for h3 in page.select("div.doc h3") if h3.get_text().startswith("v1")]
    assert len(v1_blocks) == len(SAMPLES)
    assert all(h3.get_text() == "v1" for h3 in v1_blocks)  # not "v1: gold vs predicted"
    assert all(h3.find_next_sibling().get_text().startswith("no prediction") for h3 in v1_blocks)  # type: ignore[union-attr]
    assert "| micro precision | n/a |" in to_markdown(comparison)


def test_when_neither_version_predicted_gold_is_shown_once(runs: dict[str, EvalLog]) -> None:
    page = BeautifulSoup(to_html(compare(runs["v1"], runs["v1"]), SAMPLES), "html.parser")
    gold_blocks = [h3 for h3 in page.select("h3") if h3.get_text() == "gold"]
    assert len(gold_blocks) == sum(1 for sample in SAMPLES if sample.gold.records()) > 0


def test_the_passages_each_version_sent_are_marked_in_the_filing_text(
    page: BeautifulSoup, comparison: Comparison
) -> None:
    sent_anywhere = 0
    for sample in SAMPLES:
        pre = page.find(id=f"doc-{sample.id}").find_next("pre")  # type: ignore[union-attr]
        marked: dict[str, set[int]] = {"sent-a": set(), "sent-b": set(), "ev-gold": set()}
        position = 0
        for node in pre.children:
            text = node.get_text() if isinstance(node, Tag) else str(node)
            for cls in node.get("class", []) if isinstance(node, Tag) else []:
                marked.setdefault(cls, set()).update(range(position, position + len(text)))
            position += len(text)
        assert position == len(sample.filing.text)
        for label, run in (("a", comparison.a), ("b", comparison.b)):
            sent = {i for call in run.results[sample.id].calls for i in range(call.start, call.end)}
            assert marked[f"sent-{label}"] == sent
            sent_anywhere += len(sent)
        evidence = {i for r in sample.gold.records() for e in r.evidence for i in range(e.start or 0, e.end or 0)}
        assert marked["ev-gold"] == evidence
    assert sent_anywhere


@pytest.mark.skipif(shutil.which("chromium") is None, reason="no chromium on PATH (apt-get install chromium)")
def test_the_report_photographs_as_a_page_not_a_blank(page: BeautifulSoup, tmp_path: Path) -> None:
    report = tmp_path / "compare.html"
    report.write_text(str(page))
    subprocess.run([sys.executable, "-m", "scripts.report_screenshot", "--html", str(report), "--out", str(tmp_path)],
                   check=True, cwd=ROOT, timeout=300)  # fmt: skip
    for name in ("index.png", "document.png"):
        assert _distinct_bytes(tmp_path / name) > 50, f"{name} is blank"


def _distinct_bytes(png: Path) -> int:
    """How many byte values the decoded image holds: a blank page has two or three (no Pillow needed)."""
    data, position, idat = png.read_bytes(), 8, b""
    while position < len(data):
        length = int.from_bytes(data[position : position + 4], "big")
        if data[position + 4 : position + 8] == b"IDAT":
            idat += data[position + 8 : position + 8 + length]
        position += 12 + length
    return len(set(zlib.decompress(idat)))
