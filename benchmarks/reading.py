"""How well the reader, the section splitter and the cover parser read real EDGAR 8-Ks: the share of
edgar-crawler-8k filings whose reported item set, registrant name and report date match the labels that
project wrote from EDGAR's own metadata (and, for information, how often the signature date is the filing
date). Every remaining miss is listed with the reason it missed, so a
regression shows which kind of filing it hit.

    python -m benchmarks.reading [--data DIR]

On the reader as it was before HTML was laid out by a parser (commit 21a4561): items 58.0%, registrant
87.8%, report date 92.3%, signature date 87.8%.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from eightk.errors import InputError
from eightk.extract.cover import read_cover
from eightk.extract.reader import read_filing
from eightk.extract.sections import reported_items, split_sections
from eightk.text.dates import find_dates
from eightk.text.names import company_name

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "edgar-crawler-8k"
# EDGAR appends the state of incorporation to some conformed names ("ALCOA INC /PA/", "SPACEHAB INC \\WA\\").
_EDGAR_STATE_TAG = re.compile(r"\s*[/\\][A-Z]{2,3}[/\\]?\s*$")


@dataclass(frozen=True)
class Miss:
    filing: str
    field: str  # one of FIELDS
    category: str
    detail: str


# The three measured against targets, and the signature date, which is shown for what it tells: a filing is
# usually signed on the day EDGAR accepts it, sometimes days before.
FIELDS = ("items", "registrant", "report date", "signature date")


@dataclass
class Measurement:
    filings: int = 0
    right: Counter[str] = field(default_factory=Counter)
    misses: list[Miss] = field(default_factory=list)

    def rate(self, field_name: str) -> float:
        return 100.0 * self.right[field_name] / self.filings if self.filings else 0.0


def same_company(found: str, label: str) -> bool:
    """Equal once case, accents, punctuation, corporate suffixes and EDGAR's state tag are set aside."""
    return _plain(found) == _plain(_EDGAR_STATE_TAG.sub("", label))


def _plain(name: str) -> str:
    """EDGAR's conformed names are ASCII: "Estée" is "ESTEE" there."""
    return company_name("".join(c for c in unicodedata.normalize("NFKD", name) if not unicodedata.combining(c)))


def _labelled_items(label: dict[str, str]) -> list[str]:
    return sorted((key.removeprefix("item_") for key, value in label.items() if key.startswith("item_") and value),
                  key=_item_order)  # fmt: skip


def _item_order(number: str) -> tuple[int, ...]:
    return tuple(int(part) for part in number.split("."))


def _items_miss(found: list[str], expected: list[str]) -> tuple[str, str] | None:
    missing, extra = sorted(set(expected) - set(found), key=_item_order), sorted(set(found) - set(expected))
    if not missing and not extra:
        return None
    if not found:
        return "no item found", f"expected {expected}"
    category = "missed and extra items" if missing and extra else "missed items" if missing else "extra items"
    return category, f"missed {missing}, extra {extra}"


def _registrant_miss(found: str | None, label: str) -> tuple[str, str] | None:
    if found is not None and same_company(found, label):
        return None
    if found is None:
        return "not found", f"expected {label!r}"
    if len(found) > 80:
        return "blob", f"{found[:60]!r}... ({len(found)} characters), expected {label!r}"
    if not re.search(r"[A-Za-z]{2}", found):
        return "rule or placeholder", f"got {found!r}, expected {label!r}"
    return "other name", f"got {found!r}, expected {label!r}"


def _report_date_miss(found: dt.date | None, label: str, cover_page: str) -> tuple[str, str] | None:
    if found is not None and found.isoformat() == label:
        return None
    if found is None:
        return "not found", f"expected {label}"
    stated = {date.isoformat() for _, _, date in find_dates(cover_page)}
    if label in stated:
        return "cover states both; label is the other", f"got {found}, expected {label}"
    return "label not on the cover page", f"got {found} as the cover states, expected {label}"


def _signature_date_miss(found: dt.date | None, label: str) -> tuple[str, str] | None:
    if found is not None and found.isoformat() == label:
        return None
    if found is None:
        return "not found", f"expected {label}"
    days = (dt.date.fromisoformat(label) - found).days
    category = "signed 1-7 days before filing" if 0 < days <= 7 else "other date"
    return category, f"got {found}, expected {label}"


def _measure_one(path: Path, label: dict[str, str], result: Measurement) -> None:
    name = path.stem
    result.filings += 1
    try:
        filing = read_filing(path)
    except InputError as error:
        result.misses.extend(Miss(name, field_name, "unreadable", str(error)) for field_name in FIELDS)
        return
    text, found = filing.text, read_cover(filing.text, filing.header)
    sections = split_sections(text)
    cover_page = sections[0].text(text) if sections and sections[0].kind == "cover" else ""
    checks = {
        "items": _items_miss(reported_items(sections, text, filing.header), _labelled_items(label)),
        "registrant": _registrant_miss(found.company, label["company"]),
        "report date": _report_date_miss(found.report_date, label["period_of_report"], cover_page),
        "signature date": _signature_date_miss(found.filing_date, label["filing_date"]),
    }
    for field_name, miss in checks.items():
        if miss is None:
            result.right[field_name] += 1
        else:
            result.misses.append(Miss(name, field_name, *miss))


@cache
def measure(data: Path) -> Measurement:
    """Every filing of `data`/filings against its label in `data`/expected."""
    result = Measurement()
    for path in sorted((data / "filings").glob("*.htm")):
        label = json.loads((data / "expected" / f"{path.stem}.json").read_text())
        _measure_one(path, label, result)
    return result


def main() -> None:
    from benchmarks.common import report

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the edgar-crawler-8k folder")
    parser.add_argument("--name", default="reading", help="results file name (benchmarks/results/NAME.json)")
    args = parser.parse_args()
    if not (args.data / "filings").is_dir():
        parser.error(f"{args.data} has no filings/ folder; pass the edgar-crawler-8k folder with --data")
    result = measure(args.data.resolve())
    for miss in result.misses:
        print(f"{miss.field:<14} {miss.category:<38} {miss.filing}: {miss.detail}")
    categories = Counter((miss.field, miss.category) for miss in result.misses)
    for (field_name, category), count in sorted(categories.items()):
        print(f"{count:4}  {field_name}: {category}")
    rows = [[field_name, result.right[field_name], result.rate(field_name)] for field_name in FIELDS]
    report(args.name, f"Reading {result.filings} edgar-crawler-8k filings", ["measure", "right", "%"], rows,
           {"data": str(args.data), "misses": [vars(miss) for miss in result.misses]})  # fmt: skip


if __name__ == "__main__":
    main()
