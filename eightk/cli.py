"""The `eightk` command line, composed here, above the extraction and eval packages that each own commands.

The root owns what every command shares: `--version`, and how much of the library's logging (logger
`eightk`: retries, re-asks, salvages, the embedded server) is shown, rendered by Rich on stderr.
"""

from __future__ import annotations

import logging
from importlib import metadata
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.logging import RichHandler
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

from eightk.evals.cli import compare_command, eval_command, prompts_command
from eightk.evals.gold import app as gold_app
from eightk.extract.cli import config_command, export_command, extract_command, serve_command


class _Argument(TyperArgument):
    def display_type_rich(self, ctx: Any) -> str | None:
        return None  # the argument's name says what it is; typer would add `<list[str]>`


class _Option(TyperOption):
    def display_type_rich(self, ctx: Any) -> str | None:
        return self.metavar  # FILE, URL, N as declared; a flag shows nothing rather than `<bool>`


def _without_type_labels(params: list[Any]) -> list[Any]:
    for param in params:
        if isinstance(param, TyperArgument):
            param.__class__ = _Argument
        elif isinstance(param, TyperOption):
            param.__class__ = _Option
    return params


class Command(TyperCommand):
    """A command whose help shows metavars, not typer's raw type labels (`<list[str]>`, `<bool>`)."""

    def get_params(self, ctx: Any) -> list[Any]:
        return _without_type_labels(list(super().get_params(ctx)))


class Group(TyperGroup):
    def get_params(self, ctx: Any) -> list[Any]:
        return _without_type_labels(list(super().get_params(ctx)))


app = typer.Typer(add_completion=False, no_args_is_help=True, cls=Group)
for name, command in (("extract", extract_command), ("export", export_command), ("serve", serve_command),
                      ("eval", eval_command),
                      ("compare", compare_command), ("prompts", prompts_command),
                      ("config", config_command)):  # fmt: skip
    app.command(name=name, cls=Command)(command)
for info in gold_app.registered_commands:  # its own commands, as help shows them here
    info.cls = Command
app.add_typer(gold_app, name="gold", cls=Group)

VERBOSE_HELP = "-v: also re-asks, salvages and the model server (retries always show); -vv: debug."
_log_handler = RichHandler(console=Console(stderr=True), show_time=False, show_path=False, markup=False)


def _show_version(value: bool) -> None:
    if value:
        typer.echo(f"eightk {metadata.version('eightk')}")
        raise typer.Exit()


@app.callback()
def main(
    ctx: typer.Context,
    verbose: Annotated[int, typer.Option("--verbose", "-v", count=True, show_default=False, help=VERBOSE_HELP)] = 0,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Errors only.")] = False,
    version: Annotated[
        bool, typer.Option("--version", callback=_show_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Structured extraction from SEC Form 8-K filings."""
    logger = logging.getLogger("eightk")
    previous = logger.level
    logger.setLevel(logging.ERROR if quiet else {0: logging.WARNING, 1: logging.INFO}.get(verbose, logging.DEBUG))
    logger.addHandler(_log_handler)

    def restore() -> None:  # the process may go on (tests, an embedding app): leave its logging as it was
        logger.removeHandler(_log_handler)
        logger.setLevel(previous)

    ctx.call_on_close(restore)


if __name__ == "__main__":
    app()
