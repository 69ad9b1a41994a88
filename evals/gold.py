"""Check gold files against their filings, and write them back in canonical form (amounts, offsets).

python -m evals.gold check            # validate every gold file; exit 1 on any error
python -m evals.gold check --write    # also rewrite each valid file canonically
"""

from __future__ import annotations

import json
import sys

import typer
from pydantic import ValidationError

from eightk.evals.dataset import GOLD_DIR, corpus_dir
from eightk.extract.reader import read_filing
from eightk.schemas import FilingExtraction, GroundingContext, registered

app = typer.Typer(add_completion=False, help=__doc__, no_args_is_help=True)


@app.callback()
def main() -> None:
    """Gold file tools."""


@app.command()
def check(write: bool = False, corpus: str | None = None) -> None:
    """Validate every gold file against its filing."""
    folder = corpus_dir(corpus)
    failures = 0
    filings = sorted(folder.glob("*.txt"))
    for path in filings:
        gold_path = GOLD_DIR / f"{path.stem}.json"
        if not gold_path.exists():
            print(f"MISSING {gold_path.name}")
            failures += 1
            continue
        text = read_filing(path).text
        try:
            gold = FilingExtraction.model_validate_json(
                gold_path.read_text(encoding="utf-8"), context=GroundingContext(source=text).as_context()
            )
        except ValidationError as error:
            print(f"INVALID {gold_path.name}\n{error}")
            failures += 1
            continue
        if write:
            payload = gold.model_dump(mode="json", exclude_defaults=False)
            gold_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        counts = ", ".join(f"{len(gold.records_of(kind))} {kind.field}" for kind in registered())
        print(f"ok {gold_path.name}: {counts}")
    print(f"{len(filings) - failures}/{len(filings)} gold files valid")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    app()
