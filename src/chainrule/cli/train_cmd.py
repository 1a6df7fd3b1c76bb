"""``chainrule train`` and ``chainrule gradcheck``: thin layers over fit and check_model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from chainrule import data, models, optim
from chainrule.cli.model_options import model_for, parse_layers
from chainrule.cli.output import (
    check_table,
    console,
    epoch_callback,
    errors,
    print_json,
    progress,
    user_errors,
)
from chainrule.gradcheck import check_model
from chainrule.train import DivergenceError, fit

ModelOption = Annotated[str, typer.Option("--model", "-m", help="A name from `chainrule models`.")]
HiddenOption = Annotated[int | None, typer.Option(help="Hidden units of a two-layer network.")]
LayersOption = Annotated[
    str | None, typer.Option(help="MLP hidden layer sizes, comma-separated, e.g. 16,16.")
]
ActivationOption = Annotated[str | None, typer.Option(help="MLP hidden activation.")]
SeedOption = Annotated[int, typer.Option(help="Seed of weights, data and shuffling.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print results as JSON.")]


def train(
    model: ModelOption = "two-layer-sigmoid",
    data_name: Annotated[
        str, typer.Option("--data", "-d", help="A name from `chainrule datasets`, or a .csv file.")
    ] = "moons",
    optimizer: Annotated[str, typer.Option(help=f"One of {', '.join(optim.OPTIMIZERS)}.")] = "adam",
    lr: Annotated[float, typer.Option(min=0.0, help="Learning rate.")] = 0.01,
    epochs: Annotated[int, typer.Option(min=1)] = 200,
    batch_size: Annotated[int | None, typer.Option(min=1, help="Omit for full-batch GD.")] = None,
    hidden: HiddenOption = None,
    layers: LayersOption = None,
    activation: ActivationOption = None,
    standardize: Annotated[bool, typer.Option(help="Scale features to mean 0, std 1.")] = True,
    seed: SeedOption = 0,
    save: Annotated[Path | None, typer.Option(help="Write the trained model to this .npz.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Train a model on a data set and report its loss (and accuracy)."""
    with user_errors():
        d = data.load(data_name)
        if standardize:
            d = d.standardized()
        if optimizer not in optim.OPTIMIZERS:
            raise ValueError(
                f"unknown optimizer {optimizer!r}: use one of {', '.join(optim.OPTIMIZERS)}"
            )
        opt = optim.OPTIMIZERS[optimizer](lr)
        net = model_for(
            model,
            d.n_features,
            task=d.task,
            n_classes=max(d.n_classes, 2),
            seed=seed,
            n_hidden=hidden,
            hidden_layers=parse_layers(layers),
            activation=activation,
        )
    with progress(f"{optimizer}, lr={lr:g}", as_json) as bar:
        task = bar.add_task("train", total=epochs, loss=net.loss(d.X, d.y))
        try:
            history = fit(
                net, d.X, d.y, opt, epochs=epochs, batch_size=batch_size, seed=seed,
                callback=epoch_callback(bar, task),
            )  # fmt: skip
        except DivergenceError as e:
            errors.print(f"error: {e}", highlight=False, markup=False, soft_wrap=True)
            raise typer.Exit(code=2) from None
    result: dict[str, Any] = {
        "model": net.name,
        "data": d.name,
        "examples": d.n_examples,
        "optimizer": repr(opt),
        "epochs": epochs,
        "batch_size": batch_size,
        "initial_loss": history.initial_loss,
        "final_loss": history.final_loss,
        "steps": history.steps,
    }
    accuracy = _accuracy(net, d)
    if accuracy is not None:
        result["accuracy"] = accuracy
    if save is not None:
        with user_errors():
            result["saved"] = str(net.save(save))
    if as_json:
        print_json(result)
        return
    table = Table(title=f"{net!r} on {d.name}", title_justify="left", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("optimizer", repr(opt))
    table.add_row("steps", f"{history.steps} ({epochs} epochs)")
    table.add_row("loss", f"{history.initial_loss:.5g} -> {history.final_loss:.5g}")
    if accuracy is not None:
        table.add_row("accuracy", f"{accuracy:.1%}")
    if save is not None:
        table.add_row("saved", result["saved"])
    console.print(table)


def gradcheck(
    model: ModelOption = "two-layer-sigmoid",
    hidden: HiddenOption = None,
    layers: LayersOption = None,
    activation: ActivationOption = None,
    features: Annotated[int, typer.Option(min=1, help="Input features (n).")] = 3,
    examples: Annotated[int, typer.Option(min=1, help="Examples (m).")] = 8,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Check a model's gradients: hand-derived against engine and finite differences."""
    with user_errors():
        spec = models.get(model)
        n = spec.n_features or features
        net = model_for(
            model, n, task=spec.tasks[0], seed=seed, n_hidden=hidden,
            hidden_layers=parse_layers(layers), activation=activation,
        )  # fmt: skip
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, examples))
    y = (
        rng.integers(0, 2, size=(1, examples)).astype(float)
        if net.task == "binary"
        else rng.uniform(0, 1, size=(1, examples))
    )
    check = check_model(net, X, y)
    if as_json:
        print_json(check.as_dict())
    else:
        console.print(check_table(check, f"{net!r}: n={n}, m={examples}, seed={seed}"))
        console.print("all gradients agree" if check else "[red]some gradients disagree[/]")
    if not check:
        raise typer.Exit(code=1)


def _accuracy(net: models.Model, d: data.Dataset) -> float | None:
    if d.task == "regression":
        return None
    predict = getattr(net, "predict_class", None)
    if predict is None:
        predicted = (net.predict(d.X) >= 0.5).astype(np.int64).reshape(-1)
    else:
        predicted = np.asarray(predict(d.X)).reshape(-1)
    return float(np.mean(predicted == d.labels))
