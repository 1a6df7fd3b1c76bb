"""The ``chainrule`` command: thin Typer commands over library functions."""

from __future__ import annotations

import typer

from chainrule.cli.demo import demo

app = typer.Typer(
    name="chainrule",
    help="Backpropagation you can see, derive, check and run.",
    no_args_is_help=True,
    add_completion=False,
)
app.command()(demo)


@app.callback()
def _root() -> None:
    """Backpropagation you can see, derive, check and run."""


def main() -> None:
    """Entry point of the ``chainrule`` console script."""
    app()
