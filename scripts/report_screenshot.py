"""Render the comparison report and photograph it in headless Chromium, as a reviewer would first see it.

python -m scripts.report_screenshot                          # v1 vs v2 on every bundled document, replayed
python -m scripts.report_screenshot --docs 'agilent-*' --out reports/shots
python -m scripts.report_screenshot --html reports/compare.html --document agilent-ceo-succession-2005

Writes index.png (the top of the page: verdict, index, scores) and document.png (one document's section:
the first regression unless --document names one). Needs a `chromium` on PATH (Debian: apt-get install
chromium); nothing else here does.

A page scrolled to a #fragment photographs blank in headless Chromium (150), so a document's section is
shot through a wrapper page that shows the report in a full-window frame opened at that fragment.
"""

from __future__ import annotations

import argparse
import html
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from eightk.evals.compare import compare, to_html
from eightk.evals.dataset import load_dataset
from eightk.evals.runner import run_eval_sync

WINDOW = (1400, 2000)
CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars")  # fmt: skip


def render(a: str, b: str, docs: str, out: Path) -> Path:
    """The report of `a` vs `b` on the bundled documents matching `docs`, replayed from cassettes."""
    runs = run_eval_sync([a, b], pattern=docs)
    out.write_text(to_html(compare(runs[a], runs[b]), load_dataset(pattern=docs)), encoding="utf-8")
    return out


def screenshot(url: str, png: Path, window: tuple[int, int] = WINDOW) -> Path:
    """`url` as headless Chromium paints it in a window of `window` pixels."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("no chromium on PATH (Debian: apt-get install chromium)")
    with tempfile.TemporaryDirectory() as profile:
        size = f"--window-size={window[0]},{window[1]}"
        command = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", f"--screenshot={png}", size, url]
        subprocess.run(command, check=True, capture_output=True, timeout=120)  # noqa: S603 (our program, flags, url)
    return png


def shoot_document(report: Path, document: str, png: Path) -> Path:
    """One document's section of `report`, through a wrapper page (see the module's note)."""
    wrapper = report.with_name(f".{report.stem}-frame.html")
    target = html.escape(f"{report.resolve().as_uri()}#doc-{document}")
    wrapper.write_text(
        f'<!doctype html><body style="margin:0"><iframe src="{target}" style="border:0;width:100%;height:100vh">'
        "</iframe></body>",
        encoding="utf-8",
    )
    try:
        return screenshot(wrapper.resolve().as_uri(), png)
    finally:
        wrapper.unlink()


def first_document(report: Path) -> str:
    """The first document of the index: the worst regression."""
    found = re.search(r'<a href="#doc-([^"]+)">', report.read_text(encoding="utf-8"))
    if found is None:
        raise SystemExit(f"{report} has no document index")
    return html.unescape(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, help="An existing report; default: render one.")
    parser.add_argument("--a", default="v1")
    parser.add_argument("--b", default="v2")
    parser.add_argument("--docs", default="*", help="Glob on document ids when rendering.")
    parser.add_argument("--document", help="The document section to photograph; default: the first in the index.")
    parser.add_argument("--out", type=Path, default=Path("reports/screenshots"))
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    report = args.html or render(args.a, args.b, args.docs, args.out / "compare.html")
    print(screenshot(report.resolve().as_uri(), args.out / "index.png"))
    print(shoot_document(report, args.document or first_document(report), args.out / "document.png"))


if __name__ == "__main__":
    main()
