"""The eval set: filings paired with their gold extraction, from one or more sources.

A source is a folder of filings and a folder of gold files, one gold file per filing (same stem); a gold
file names its filing, so a folder may hold more filings than have gold. The bundled set has two sources,
read from the shared data folder beside the project (never copied into it): `corpus` (plain-text 8-Ks) and
`edgar-crawler-8k` (EDGAR HTML). A user's own set is one source: `--corpus DIR --gold DIR`.
"""

from __future__ import annotations

import fnmatch
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from eightk.errors import ConfigError
from eightk.extract.reader import Filing, read_filing
from eightk.extract.settings import load_settings
from eightk.schemas import FilingExtraction, GroundingContext

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = Path(__file__).resolve().parent / "gold"
FILING_SUFFIXES = (".txt", ".htm", ".html")


@dataclass(frozen=True)
class Source:
    name: str
    filings: Path
    gold: Path


def data_dir(override: str | Path | None = None) -> Path:
    """`override`, else $EIGHTK_DATA, else the shared folder beside the project checkout."""
    chosen = Path(override) if override is not None else load_settings().data or PROJECT_ROOT.parent / "shared"
    if not chosen.is_dir():
        raise ConfigError(f"data folder {chosen} not found; pass --data or set EIGHTK_DATA")
    return chosen


def bundled_sources(data: str | Path | None = None) -> list[Source]:
    root = data_dir(data)
    return [
        Source("corpus", root / "corpus", GOLD_DIR / "corpus"),
        Source("edgar-crawler-8k", root / "edgar-crawler-8k" / "filings", GOLD_DIR / "edgar-crawler-8k"),
    ]


def corpus_dir(data: str | Path | None = None) -> Path:
    """The folder of the plain-text corpus filings."""
    return bundled_sources(data)[0].filings


@dataclass(frozen=True)
class Sample:
    """One eval document: its id (the file stem), its filing and its gold."""

    id: str
    path: Path
    gold_path: Path
    source: str = "corpus"

    @cached_property
    def filing(self) -> Filing:
        return read_filing(self.path)

    @cached_property
    def gold(self) -> FilingExtraction:
        return load_gold(self.gold_path, self.filing.text)


def read_gold(path: Path) -> dict[str, Any]:
    """A gold file's JSON object, as written (keys starting with "$" are notes for the annotator)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as error:
        raise ConfigError(f"{path} is not JSON: {error}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} is not a JSON object")
    return data


def load_gold(path: Path, source: str) -> FilingExtraction:
    """Gold validated against its filing: every evidence quote must occur in the text."""
    data = {key: value for key, value in read_gold(path).items() if not key.startswith("$")}
    try:
        return FilingExtraction.model_validate(data, context=GroundingContext(source=source).as_context())
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in error.errors())
        raise ConfigError(f"{path} does not hold for its filing: {problems}") from None


def load_dataset(
    data: str | Path | None = None,
    pattern: str = "*",
    *,
    sources: Sequence[str] | None = None,
    corpus: str | Path | None = None,
    gold: str | Path | None = None,
) -> list[Sample]:
    """Every gold file whose id matches `pattern`, with its filing: from the bundled sources (all, or those
    named), or from a user's own `corpus` and `gold` folders. A gold file without its filing is an error, and
    so is finding no gold file at all (a typo in a glob or a folder scores nothing, silently, otherwise)."""
    if (corpus is None) != (gold is None):
        raise ConfigError("give both --corpus (the filings) and --gold (their gold files), or neither")
    chosen = (
        [Source("own", Path(corpus), Path(gold))]
        if corpus is not None and gold is not None
        else [s for s in bundled_sources(data) if sources is None or s.name in sources]
    )
    samples = []
    for source in chosen:
        for folder, what in ((source.gold, "gold"), (source.filings, "filings")):
            if not folder.is_dir():
                raise ConfigError(f"{what} folder {folder} not found")
        for gold_path in sorted(source.gold.glob("*.json")):
            if not fnmatch.fnmatch(gold_path.stem, pattern):
                continue
            path = next((source.filings / f"{gold_path.stem}{s}" for s in FILING_SUFFIXES
                         if (source.filings / f"{gold_path.stem}{s}").is_file()), None)  # fmt: skip
            if path is None:
                raise ConfigError(f"no filing for gold {gold_path.name} in {source.filings}")
            samples.append(Sample(id=gold_path.stem, path=path, gold_path=gold_path, source=source.name))
    if not samples:
        folders = ", ".join(str(source.gold) for source in chosen)
        raise ConfigError(f"no gold file matching {pattern!r} in {folders}")
    return samples
