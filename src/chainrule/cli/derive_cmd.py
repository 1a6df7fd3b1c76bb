"""``chainrule derive``: a network's backprop equations, derived by the engine's rules."""

from __future__ import annotations

from typing import Annotated

import typer

from chainrule import models
from chainrule.cli.output import console, user_errors
from chainrule.symbolic import derive, in_notation
from chainrule.symbolic import render as R  # noqa: N812

FORMATS = ("text", "latex", "markdown", "numpy")
LOSSES = {"mse": "identity", "bce": "sigmoid", "cross-entropy": "softmax"}


def derive_command(
    model: Annotated[
        str, typer.Argument(help="A model from `chainrule models`.")
    ] = "two-layer-sigmoid",
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "text",
    form: Annotated[
        str, typer.Option(help="cached (named adjoints) or closed (substituted).")
    ] = "cached",
    layers: Annotated[
        str | None, typer.Option(help="MLP sizes, inputs to outputs, e.g. 4,8,1.")
    ] = None,
    activation: Annotated[str, typer.Option(help="MLP hidden activation.")] = "tanh",
    loss: Annotated[str, typer.Option(help="MLP loss: mse, bce or cross-entropy.")] = "mse",
    notation: Annotated[
        str,
        typer.Option(
            help="columns (seed 000: X is (n, m)), rows (PyTorch: X is (m, n)) or inout "
            "(seed 001: W is (in, out), error terms δ)."
        ),
    ] = "columns",
) -> None:
    """Derive and print the backprop equations of a network."""
    with user_errors():
        if fmt not in FORMATS:
            raise ValueError(f"--format must be one of {', '.join(FORMATS)}, got {fmt!r}")
        if form not in ("cached", "closed"):
            raise ValueError(f"--form must be cached or closed, got {form!r}")
        if model == "mlp" or layers is not None:
            if loss not in LOSSES:
                raise ValueError(f"--loss must be one of {', '.join(LOSSES)}, got {loss!r}")
            sizes = [int(s) for s in (layers or "4,8,1").split(",")]
            net: models.Model = models.MLP(sizes, activation=activation, output=LOSSES[loss])
        else:
            spec = models.get(model)
            hidden = {"n_hidden": 4} if "n_hidden" in spec.hyperparameter_names else {}
            net = models.build(model, spec.n_features or 3, task=spec.tasks[0], **hidden)
        derivation = in_notation(derive(net), notation)
    if fmt == "text":
        console.print(R.text(derivation, form), highlight=False, soft_wrap=True)
    elif fmt == "latex":
        print(R.latex(derivation, form))
    elif fmt == "markdown":
        print(R.markdown(derivation, form))
    else:
        print(R.numpy_code(derivation), end="")
