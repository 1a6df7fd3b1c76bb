"""The ``chainrule`` command: thin Typer commands over library functions.

Layer ``cli`` of chainrule (see DESIGN.md): may import anything; nothing imports it.
"""

from __future__ import annotations

import typer

from chainrule.cli.derive_cmd import derive_command
from chainrule.cli.landscape_cmd import graph_command, landscape_command
from chainrule.cli.listing import datasets, delta_rule, models
from chainrule.cli.tour import tour
from chainrule.cli.train_cmd import gradcheck, train

app = typer.Typer(
    name="chainrule",
    help="Backpropagation you can see, derive, check and run.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command()(tour)
app.command()(train)
app.command()(gradcheck)
app.command()(models)
app.command()(datasets)
app.command("delta-rule")(delta_rule)
app.command("landscape")(landscape_command)
app.command("graph")(graph_command)
app.command("derive")(derive_command)


def main() -> None:
    """Entry point of the ``chainrule`` console script."""
    app()
