"""How well the reader, the section splitter and the cover parser read real EDGAR 8-Ks: the share of
edgar-crawler-8k filings whose reported item set, registrant name and report date match the labels that
project wrote from EDGAR's own metadata. Every remaining miss is listed with the reason it missed, so a
regression shows which kind of filing it hit.

    python -m benchmarks.reading [--data DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
from collections import Counter
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from eightk.errors import InputError
from eightk.extract import cover
from eightk.extract.reader import read_filing
from eightk.extract.sections import reported_items, split_sections
from eightk.schemas.names import company_name

DEFAULT_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "edgar-crawler-8k"
# EDGAR appends the state of incorporation to some conformed names ("APPLE INC /CA/", "ALCOA INC /PA/").
_EDGAR_STATE_TAG = re.compile(r"\s*/[A-Z]{2,3}/?\s*$")


@dataclass(frozen=True)
class Miss:
    filing: str
    field: str  # items | registrant | report date
    category: str
    detail: str


@dataclass
class Measurement:
    filings: int = 0
    items_exact: int = 0
    registrant: int = 0
    report_date: int = 0
    misses: list[Miss] = field(default_factory=list)

    def rate(self, hits: int) -> float:
        return 100.0 * hits / self.filings if self.filings else 0.0


def same_company(found: str, label: str) -> bool:
    """Equal once case, punctuation, corporate suffixes and EDGAR's state tag are set aside."""
    return company_name(found) == company_name(_EDGAR_STATE_TAG.sub("", label))


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


def _date_miss(found: dt.date | None, label: str) -> tuple[str, str] | None:
    if found is not None and found.isoformat() == label:
        return None
    return ("not found", f"expected {label}") if found is None else ("other date", f"got {found}, expected {label}")


def _measure_one(path: Path, label: dict[str, str], result: Measurement) -> None:
    name = path.stem
    result.filings += 1
    try:
        filing = read_filing(path)
    except InputError as error:
        for field_name in ("items", "registrant", "report date"):
            result.misses.append(Miss(name, field_name, "unreadable", str(error)))
        return
    text = filing.text
    checks = [
        ("items", _items_miss(reported_items(split_sections(text), text), _labelled_items(label))),
        ("registrant", _registrant_miss(cover.company(text), label["company"])),
        ("report date", _date_miss(cover.report_date(text), label["period_of_report"])),
    ]
    for field_name, miss in checks:
        if miss is None:
            if field_name == "items":
                result.items_exact += 1
            elif field_name == "registrant":
                result.registrant += 1
            else:
                result.report_date += 1
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
    result = measure(args.data.resolve())
    categories = Counter((miss.field, miss.category) for miss in result.misses)
    rows = [
        ["items exact match", result.items_exact, result.rate(result.items_exact)],
        ["registrant", result.registrant, result.rate(result.registrant)],
        ["report date", result.report_date, result.rate(result.report_date)],
    ]
    for miss in result.misses:
        print(f"{miss.field:<12} {miss.category:<22} {miss.filing}: {miss.detail}")
    for (field_name, category), count in sorted(categories.items()):
        print(f"{count:4}  {field_name}: {category}")
    report(args.name, f"Reading {result.filings} edgar-crawler-8k filings", ["measure", "right", "%"], rows,
           {"data": str(args.data), "misses": [vars(miss) for miss in result.misses]})  # fmt: skip


if __name__ == "__main__":
    main()
