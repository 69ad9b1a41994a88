"""`eightk gold`: start a gold file from a filing, and check gold files against their filings.

eightk gold new FILING --gold DIR                  # a skeleton: cover facts read, records left to a person
eightk gold check [--gold DIR --corpus DIR]        # every quote found, every offset right; exit 1 otherwise
eightk gold check --write                          # also rewrite each valid file canonically (offsets filled)
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, cast

import typer

from eightk.errors import ConfigError
from eightk.evals.dataset import FILING_SUFFIXES, load_dataset, read_gold
from eightk.extract.cover import read_cover
from eightk.extract.reader import read_filing
from eightk.extract.sections import reported_items, split_sections
from eightk.schemas import FilingExtraction, Record, registered

GUIDELINES = Path(__file__).resolve().parent / "GUIDELINES.md"
COMMENT = "$comment"  # a note for the annotator; JSON Schema's name for one, ignored when gold is read

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Write and check your own gold files.")
GoldDir = Annotated[str | None, typer.Option(help="Your gold folder (with --corpus). Default: the bundled set.")]
CorpusDir = Annotated[str | None, typer.Option(help="Your folder of filings, one per gold file, same stem.")]


def skeleton(filing_path: Path, gold: Path) -> dict[str, Any]:
    """A gold file to complete: the cover facts as eightk's reader finds them, no records, and a note."""
    filing = read_filing(filing_path)
    cover = read_cover(filing.text, filing.header)
    extraction = FilingExtraction(
        company=cover.company,
        form_type=cover.form_type,
        filing_date=cover.filing_date,
        report_date=cover.report_date,
        items=reported_items(split_sections(filing.text), filing.text, filing.header),
    )
    note = (
        f"Gold for {filing_path.name}. The cover facts were read by eightk: check them against the filing. "
        f"Add its deals and appointments as {GUIDELINES} says (evidence quotes copied verbatim), then run "
        f"`eightk gold check --gold {gold} --corpus {filing_path.parent} --write` to verify the quotes and fill "
        "their offsets."
    )
    return {COMMENT: note, **extraction.model_dump(mode="json")}


@app.command()
def new(
    filing: Annotated[Path, typer.Argument(help="The filing (.txt, .htm, .html) to write gold for.")],
    gold: Annotated[Path, typer.Option(help="The gold folder to write into.")] = Path("gold"),
    force: Annotated[bool, typer.Option(help="Overwrite an existing gold file.")] = False,
) -> None:
    """Write a gold skeleton for FILING into the gold folder, named after the filing (same stem)."""
    from eightk.extract.cli import friendly_errors

    with friendly_errors():
        if filing.suffix.lower() not in FILING_SUFFIXES:
            raise ConfigError(f"{filing}: a filing is a {', '.join(FILING_SUFFIXES)} file")
        target = gold / f"{filing.stem}.json"
        if target.exists() and not force:
            raise ConfigError(f"{target} exists; pass --force to overwrite it")
        payload = skeleton(filing, gold)
        gold.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        typer.echo(f"wrote {target}: cover facts filled, no records yet")
        typer.echo(f"annotate by {GUIDELINES}")
        typer.echo(f"then: eightk gold check --gold {gold} --corpus {filing.parent} --write")


def offset_problems(raw: dict[str, Any], extraction: FilingExtraction) -> list[str]:
    """Evidence whose stored offsets are not where its quote stands in the filing (or are missing)."""
    problems = []
    for kind in registered():
        for i, (stored, record) in enumerate(zip(raw.get(kind.field) or [], extraction.records_of(kind), strict=True)):
            evidence = cast(Record, record).evidence
            for j, (quote, found) in enumerate(zip(stored.get("evidence") or [], evidence, strict=True)):
                offsets = (quote.get("start"), quote.get("end")) if isinstance(quote, dict) else (None, None)
                if offsets != (found.start, found.end):
                    stored_at = "no offsets" if offsets == (None, None) else f"offsets {offsets[0]}-{offsets[1]}"
                    where = f"{kind.field}[{i}].evidence[{j}]"
                    problems.append(f"{where}: {stored_at}, but the quote stands at {found.start}-{found.end}")
    return problems


@app.command()
def check(
    write: Annotated[bool, typer.Option(help="Rewrite each valid file canonically (offsets filled).")] = False,
    data: Annotated[str | None, typer.Option(help="Folder with the bundled set's filings.")] = None,
    corpus: CorpusDir = None,
    gold: GoldDir = None,
) -> None:
    """Check gold files against their filings: every evidence quote found, at the offsets stored with it.

    Exit 1 on any problem that --write does not fix.
    """
    from eightk.extract.cli import friendly_errors

    with friendly_errors():
        samples = load_dataset(data, corpus=corpus, gold=gold)
    failures = 0
    for sample in samples:
        try:
            raw = read_gold(sample.gold_path)
            extraction = sample.gold
        except ConfigError as error:
            typer.echo(f"INVALID {error}")
            failures += 1
            continue
        problems = offset_problems(raw, extraction)
        if write:
            payload = {k: v for k, v in raw.items() if k.startswith("$")} | extraction.model_dump(mode="json")
            sample.gold_path.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        elif problems:
            typer.echo(f"OFFSETS {sample.gold_path} (--write fixes them)\n  " + "\n  ".join(problems))
            failures += 1
            continue
        counts = ", ".join(f"{len(extraction.records_of(kind))} {kind.field}" for kind in registered())
        fixed = f" ({len(problems)} offsets fixed)" if problems else ""
        typer.echo(f"ok {sample.source}/{sample.id}: {counts}{fixed}")
    typer.echo(f"{len(samples) - failures}/{len(samples)} gold files valid")
    raise typer.Exit(1 if failures else 0)


if __name__ == "__main__":
    app()
