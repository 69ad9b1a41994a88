"""The `eightk` command line, composed here, above the extraction and eval packages that each own commands."""

from __future__ import annotations

import typer

from eightk.evals.cli import compare_command, eval_command, prompts_command
from eightk.evals.gold import app as gold_app
from eightk.extract.cli import extract_command, serve_command

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Structured extraction from SEC Form 8-K filings.")
app.command(name="extract")(extract_command)
app.command(name="serve")(serve_command)
app.command(name="eval")(eval_command)
app.command(name="compare")(compare_command)
app.command(name="prompts")(prompts_command)
app.add_typer(gold_app, name="gold")

if __name__ == "__main__":
    app()
