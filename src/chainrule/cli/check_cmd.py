"""``chainrule check-backward``: check the backward pass in a learner's own file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from chainrule.cli.options import JsonOption, SeedOption, number
from chainrule.cli.output import console, fail, print_json

MAX_TIMEOUT = 3600.0


def check_backward_command(
    file: Annotated[
        Path,
        typer.Argument(
            help="A Python file that defines backward(params, X, y) returning a dict of "
            "gradients keyed like the model's parameters.",
            show_default=False,
        ),
    ],
    model: Annotated[
        str, typer.Option("--model", "-m", help="A model from `chainrule models`.")
    ] = "two-layer-sigmoid",
    function: Annotated[
        str, typer.Option(help="The name of the function to check in the file.")
    ] = "backward",
    seed: SeedOption = 0,
    timeout: Annotated[
        float,
        typer.Option(
            parser=number(0.0, MAX_TIMEOUT, low_open=True),
            help="Seconds the file may run before it is stopped.",
        ),
    ] = 30.0,
    as_json: JsonOption = False,
) -> None:
    """Run a learner's backward pass on random problems and say which gradient is wrong and why.

    Exit status 0 when every gradient is right, 1 when one is not (or the file
    had to be stopped), 2 on a usage error.
    """
    from chainrule.exercises import LearnerTimeoutError, check_file

    try:
        report = check_file(file, model, seed=seed, function=function, timeout=timeout)
    except LearnerTimeoutError as e:
        raise fail(str(e), code=1) from None
    if as_json:
        print_json(report.as_dict())
    else:
        console().print(str(report), highlight=False, markup=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(code=1)
