"""Check gold files against their filings, and write them back in canonical form (amounts, offsets).

python -m eightk.evals.gold check            # validate every gold file; exit 1 on any error
python -m eightk.evals.gold check --write    # also rewrite each valid file canonically
"""

from __future__ import annotations

import json
import sys

import typer
from pydantic import ValidationError

from eightk.evals.dataset import load_dataset
from eightk.schemas import registered

app = typer.Typer(add_completion=False, help=__doc__, no_args_is_help=True)


@app.callback()
def main() -> None:
    """Gold file tools."""


@app.command()
def check(write: bool = False, data: str | None = None, corpus: str | None = None, gold: str | None = None) -> None:
    """Validate every gold file against its filing: each evidence quote must occur in the filing's text."""
    samples = load_dataset(data, corpus=corpus, gold=gold)
    failures = 0
    for sample in samples:
        try:
            extraction = sample.gold
        except ValidationError as error:
            print(f"INVALID {sample.gold_path}\n{error}")
            failures += 1
            continue
        if write:
            payload = extraction.model_dump(mode="json", exclude_defaults=False)
            sample.gold_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        counts = ", ".join(f"{len(extraction.records_of(kind))} {kind.field}" for kind in registered())
        print(f"ok {sample.source}/{sample.id}: {counts}")
    print(f"{len(samples) - failures}/{len(samples)} gold files valid")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    app()
