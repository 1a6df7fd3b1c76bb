"""``chainrule derive``: a network's backprop equations, derived by the engine's rules."""

from __future__ import annotations

from typing import Annotated

import typer

from chainrule.cli.model_options import model_for, parse_layers, refuse_unless
from chainrule.cli.options import (
    MAX_CLASSES,
    ActivationOption,
    FeaturesOption,
    HiddenOption,
    LayersOption,
    integer,
)
from chainrule.cli.output import console

FORMATS = ("text", "latex", "markdown", "numpy")
FORMS = ("cached", "closed")
NOTATIONS = ("columns", "rows", "inout")
TASK_OF_LOSS = {"mse": "regression", "bce": "binary", "cross-entropy": "multiclass"}


def derive_command(
    model_arg: Annotated[
        str | None,
        typer.Argument(metavar="[MODEL]", help="The same as --model.", show_default=False),
    ] = None,
    model: Annotated[
        str | None,
        typer.Option(
            "--model",
            "-m",
            help="A model from `chainrule models` [default: two-layer-sigmoid, or mlp "
            "when --layers, --activation, --loss or --classes is given].",
        ),
    ] = None,
    fmt: Annotated[str, typer.Option("--format", help=f"One of {', '.join(FORMATS)}.")] = "text",
    form: Annotated[
        str, typer.Option(help="cached (named adjoints) or closed (substituted).")
    ] = "cached",
    features: FeaturesOption = None,
    hidden: HiddenOption = None,
    layers: LayersOption = None,
    activation: ActivationOption = None,
    loss: Annotated[
        str | None, typer.Option(help="MLP loss: mse, bce or cross-entropy [default: mse].")
    ] = None,
    classes: Annotated[
        int | None,
        typer.Option(
            parser=integer(2, MAX_CLASSES),
            help=f"Classes of a cross-entropy MLP, 2 to {MAX_CLASSES} [default: 3].",
        ),
    ] = None,
    notation: Annotated[
        str,
        typer.Option(
            help="columns (seed 000: X is (n, m)), rows (PyTorch: X is (m, n)) or inout "
            "(seed 001: W is (in, out), error terms δ)."
        ),
    ] = "columns",
    standalone: Annotated[
        bool,
        typer.Option(
            "--standalone",
            help="With --format latex: a whole LaTeX document (align*) that compiles as it is.",
        ),
    ] = False,
) -> None:
    """Derive and print the backprop equations of a network."""
    from chainrule.cli.train_cmd import n_features
    from chainrule.symbolic import derive, in_notation
    from chainrule.symbolic import render as R  # noqa: N812

    for option, value, choices in (
        ("--format", fmt, FORMATS), ("--form", form, FORMS), ("--notation", notation, NOTATIONS),
    ):  # fmt: skip
        if value not in choices:
            raise ValueError(f"{option} {value!r} is unknown: use one of {', '.join(choices)}")
    refuse_unless(
        not standalone or fmt == "latex", "--standalone", f"--format {fmt}",
        "it applies to --format latex",
    )  # fmt: skip
    if model_arg is not None and model is not None and model_arg != model:
        raise ValueError(f"the model is named twice, {model_arg!r} and --model {model!r}: give one")
    mlp_only = layers is not None or activation is not None or loss is not None
    name = model or model_arg or ("mlp" if mlp_only or classes is not None else "two-layer-sigmoid")
    refuse_unless(loss is None or name == "mlp", "--loss", name, "it sets the loss of an MLP")
    if loss is not None and loss not in TASK_OF_LOSS:
        raise ValueError(f"--loss {loss!r} is unknown: use one of {', '.join(TASK_OF_LOSS)}")
    task = TASK_OF_LOSS[loss or "mse"]
    refuse_unless(
        classes is None or task == "multiclass",
        "--classes",
        name,
        "it applies with --loss cross-entropy",
    )
    from chainrule import models

    spec = models.get(name)
    if name != "mlp":
        task = spec.tasks[0]
    net = model_for(
        name, n_features(name, features), task=task, n_classes=classes or 3,
        n_hidden=hidden if hidden is not None or "n_hidden" not in spec.hyperparameter_names else 4,
        hidden_layers=parse_layers(layers), activation=activation,
    )  # fmt: skip
    derivation = in_notation(derive(net), notation)
    if fmt == "text":
        console().print(R.text(derivation, form), highlight=False, markup=False, soft_wrap=True)
    elif fmt == "latex":
        print(R.latex_block(derivation, form, standalone=standalone))
    elif fmt == "markdown":
        print(R.markdown(derivation, form))
    else:
        print(R.numpy_code(derivation), end="")
