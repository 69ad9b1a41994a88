"""The eval set: each corpus filing paired with its gold extraction.

Filings are read from the corpus folder (never copied into the project); gold lives in `evals/gold/`.
"""

from __future__ import annotations

import fnmatch
import os
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from eightk.errors import ConfigError
from eightk.extract.reader import Filing, read_filing
from eightk.schemas import FilingExtraction, GroundingContext

PROJECT_ROOT = Path(__file__).resolve().parent.parent
GOLD_DIR = Path(__file__).resolve().parent / "gold"


def corpus_dir(override: str | Path | None = None) -> Path:
    """`override`, else $EIGHTK_CORPUS, else the shared corpus beside the project checkout."""
    chosen = Path(override or os.environ.get("EIGHTK_CORPUS") or PROJECT_ROOT.parent / "shared" / "corpus")
    if not chosen.is_dir():
        raise ConfigError(f"corpus folder {chosen} not found; pass --corpus or set EIGHTK_CORPUS")
    return chosen


@dataclass(frozen=True)
class Sample:
    """One eval document: its id (the file stem), its filing and its gold."""

    id: str
    path: Path
    gold_path: Path

    @cached_property
    def filing(self) -> Filing:
        return read_filing(self.path)

    @cached_property
    def gold(self) -> FilingExtraction:
        return load_gold(self.gold_path, self.filing.text)


def load_gold(path: Path, source: str) -> FilingExtraction:
    """Gold validated against its filing: every evidence quote must occur in the text."""
    return FilingExtraction.model_validate_json(
        path.read_text(encoding="utf-8"), context=GroundingContext(source=source).as_context()
    )


def load_dataset(corpus: str | Path | None = None, pattern: str = "*", gold_dir: Path = GOLD_DIR) -> list[Sample]:
    """Every corpus filing matching `pattern` (a glob on the id); a filing without gold is an error."""
    folder = corpus_dir(corpus)
    samples = []
    for path in sorted(folder.glob("*.txt")):
        if path.name == "MANIFEST.tsv" or not fnmatch.fnmatch(path.stem, pattern):
            continue
        gold_path = gold_dir / f"{path.stem}.json"
        if not gold_path.is_file():
            raise ConfigError(f"no gold for {path.name}: expected {gold_path}")
        samples.append(Sample(id=path.stem, path=path, gold_path=gold_path))
    return samples
