"""``chainrule train`` and ``chainrule gradcheck``: thin layers over fit and check_model."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chainrule.cli.model_options import model_for, parse_layers
from chainrule.cli.options import (
    MAX_BATCH,
    MAX_EPOCHS,
    ActivationOption,
    AlphaOption,
    DropoutOption,
    ExamplesOption,
    FeaturesOption,
    HiddenOption,
    InitOption,
    JsonOption,
    L1Option,
    LayersOption,
    LossOption,
    LrOption,
    ModelOption,
    OutputUnitOption,
    SeedOption,
    fraction,
    integer,
)
from chainrule.cli.output import console, epoch_callback, print_json, progress, writing

if TYPE_CHECKING:
    from chainrule.data import Dataset

TASK_CHOICES = ("regression", "binary", "multiclass")
MAX_CHECK_WORK = 5e9  # parameters² × examples: finite differences take seconds below it


def train(
    model: ModelOption = "two-layer-sigmoid",
    data_name: Annotated[
        str, typer.Option("--data", "-d", help="A name from `chainrule datasets`, or a .csv file.")
    ] = "moons",
    target: Annotated[
        str | None,
        typer.Option(help="The target column of a .csv file, by name or index [default: last]."),
    ] = None,
    task: Annotated[
        str | None,
        typer.Option(
            help="The task of a .csv file: regression, binary or multiclass [default: inferred]."
        ),
    ] = None,
    test_size: Annotated[
        float,
        typer.Option(parser=fraction, help="Fraction of examples held out for testing (0: none)."),
    ] = 0.2,
    optimizer: Annotated[
        str, typer.Option(help="An optimizer, such as adam or sgd (an unknown name lists all).")
    ] = "adam",
    lr: LrOption = 0.01,
    epochs: Annotated[
        int, typer.Option(parser=integer(1, MAX_EPOCHS), help=f"Epochs, 1 to {MAX_EPOCHS}.")
    ] = 200,
    batch_size: Annotated[
        int | None,
        typer.Option(parser=integer(1, MAX_BATCH), help="Examples per step; omit for full batch."),
    ] = None,
    hidden: HiddenOption = None,
    layers: LayersOption = None,
    activation: ActivationOption = None,
    alpha: AlphaOption = None,
    dropout: DropoutOption = None,
    l1: L1Option = None,
    init: InitOption = None,
    output_unit: OutputUnitOption = None,
    loss: LossOption = None,
    standardize: Annotated[
        bool, typer.Option(help="Scale features to mean 0, std 1 (fitted on the training part).")
    ] = True,
    seed: SeedOption = 0,
    save: Annotated[Path | None, typer.Option(help="Write the trained model to this .npz.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Train a model and report its loss and accuracy on training and held-out data."""
    from chainrule import optim
    from chainrule.train import fit

    whole = load_data(data_name, target, task)
    if optimizer not in optim.OPTIMIZERS:
        raise ValueError(
            f"--optimizer {optimizer!r} is unknown: use one of {', '.join(optim.OPTIMIZERS)}"
        )
    if save is not None:
        _check_save(save)
    train_set, test_set, scaling = held_out(whole, test_size, seed, standardize)
    opt = optim.OPTIMIZERS[optimizer](lr)
    net = model_for(
        model,
        whole.n_features,
        task=whole.task,
        n_classes=max(whole.n_classes, 2),
        seed=seed,
        n_hidden=hidden,
        hidden_layers=parse_layers(layers),
        activation=activation,
        alpha=alpha,
        dropout=dropout,
        l1=l1,
        init=init,
        output=output_unit,
        loss=loss,
    )
    with progress(f"{optimizer}, lr={lr:g}", as_json) as bar:
        bar_task = bar.add_task("train", total=epochs, loss=net.loss(train_set.X, train_set.y))
        history = fit(
            net, train_set.X, train_set.y, opt, epochs=epochs, batch_size=batch_size, seed=seed,
            callback=epoch_callback(bar, bar_task),
        )  # fmt: skip
    parts = {"train": train_set} | ({"test": test_set} if test_set is not None else {})
    scores = {part: evaluate(net, d) for part, d in parts.items()}
    result: dict[str, Any] = {
        "model": net.name,
        "data": whole.name,
        "task": whole.task,
        "examples": {part: d.n_examples for part, d in parts.items()},
        "optimizer": repr(opt),
        "epochs": epochs,
        "batch_size": batch_size,
        "standardized": standardize,
        "steps": history.steps,
        "initial_loss": history.initial_loss,
        "final_loss": history.final_loss,
    }
    for part, score in scores.items():
        for key, value in score.items():
            result[f"{part}_{key}"] = value
    if save is not None:
        from chainrule.models import Standardized

        trained = Standardized(net, *scaling) if scaling is not None else net
        with writing("--save", save):
            result["saved"] = str(trained.save(save))
    if as_json:
        print_json(result)
        return
    _print_table(net, whole, opt, history, epochs, scores, parts, result.get("saved"))


def _print_table(
    net: Any,
    whole: Dataset,
    opt: Any,
    history: Any,
    epochs: int,
    scores: dict[str, dict[str, float]],
    parts: dict[str, Dataset],
    saved: str | None,
) -> None:
    from rich.table import Table

    table = Table(title=f"{net!r} on {whole.name}", title_justify="left", show_header=False)
    table.add_column("", style="bold")
    table.add_column("")
    table.add_row("optimizer", repr(opt))
    table.add_row("steps", f"{history.steps} ({epochs} epochs)")
    table.add_row("descent", f"loss {history.initial_loss:.5g} -> {history.final_loss:.5g}")
    for part, score in scores.items():
        label = "training" if part == "train" else "test"
        m = parts[part].n_examples
        table.add_row(f"{label} loss", f"{score['loss']:.5g} (m={m})")
        if "accuracy" in score:
            table.add_row(f"{label} accuracy", f"{score['accuracy']:.1%}")
    if "test" not in parts:
        table.add_row("test", "none held out (--test-size 0)")
    if saved is not None:
        table.add_row("saved", saved)
    console().print(table)


def load_data(name: str, target: str | None, task: str | None) -> Dataset:
    """A built-in data set, or a CSV file read with ``target`` and ``task``.

    Raises:
        ValueError: an unknown name, a file that cannot be read, or --target
            or --task given for a built-in set.
    """
    from chainrule import data

    if task is not None and task not in TASK_CHOICES:
        raise ValueError(f"--task {task!r} is unknown: use one of {', '.join(TASK_CHOICES)}")
    if name in data.DATASETS:
        for option, value in (("--target", target), ("--task", task)):
            if value is not None:
                raise ValueError(f"{option} applies to a .csv file, not the built-in set {name!r}")
        return data.load(name)
    if not name.endswith(".csv"):
        return data.load(name)  # refuses the name, listing the built-in sets
    if Path(name).is_dir():
        raise ValueError(f"--data {name}: is a folder; give a .csv file")
    column: str | int | None = target
    if target is not None and target.strip().lstrip("-").isdigit():
        column = int(target)
    return data.load_csv(name, target=column, task=task)


def held_out(
    whole: Dataset, test_size: float, seed: int, standardize: bool
) -> tuple[Dataset, Dataset | None, tuple[Any, Any] | None]:
    """(training part, test part or None, (mean, std) or None).

    Both parts are standardised with the training part's mean and standard
    deviation (n, 1) when ``standardize``; those are returned to be saved with
    the model.

    Raises:
        ValueError: the split would leave no training examples.
    """
    from dataclasses import replace

    from chainrule import data

    if test_size == 0:
        train_set, test_set = whole, None
    else:
        if whole.n_examples < 2:
            raise ValueError(
                f"--test-size {test_size:g}: the data has {whole.n_examples} example, "
                "too few to hold any out; use --test-size 0"
            )
        train_set, test_set = whole.split(test_size, seed=seed)
        if train_set.n_examples == 0:
            raise ValueError(
                f"--test-size {test_size:g} leaves no training examples of "
                f"{whole.n_examples}; use a smaller fraction"
            )
    if not standardize:
        return train_set, test_set, None
    X, mean, std = data.standardize(train_set.X)
    train_set = replace(train_set, X=X)
    if test_set is not None:
        test_set = replace(test_set, X=(test_set.X - mean) / std)
    return train_set, test_set, (mean, std)


def evaluate(net: Any, d: Dataset) -> dict[str, float]:
    """The model's mean loss on ``d`` and, for a classification, its accuracy."""
    import numpy as np

    score = {"loss": float(net.loss(d.X, d.y))}
    if d.task != "regression":
        predict = getattr(net, "predict_class", None)
        if predict is None:
            predicted = (net.predict(d.X) >= 0.5).astype(np.int64).reshape(-1)
        else:
            predicted = np.asarray(predict(d.X)).reshape(-1)
        score["accuracy"] = float(np.mean(predicted == d.labels))
    return score


def _check_save(path: Path) -> None:
    if path.is_dir():
        raise ValueError(
            f"--save {path}: is a folder; give a file name such as {path / 'model.npz'}"
        )
    folder = path.parent
    if not folder.is_dir():
        raise ValueError(f"--save {path}: the folder {folder} does not exist; create it first")


def gradcheck(
    model: ModelOption = "two-layer-sigmoid",
    hidden: HiddenOption = None,
    layers: LayersOption = None,
    activation: ActivationOption = None,
    features: FeaturesOption = None,
    examples: ExamplesOption = 8,
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Check a model's gradients: hand-derived against engine and finite differences."""
    from chainrule import models
    from chainrule.cli.output import check_table
    from chainrule.gradcheck import check_model

    n = n_features(model, features)
    net = model_for(
        model, n, task=models.get(model).tasks[0], seed=seed, n_hidden=hidden,
        hidden_layers=parse_layers(layers), activation=activation,
    )  # fmt: skip
    work = float(net.n_parameters) ** 2 * examples
    if work > MAX_CHECK_WORK:
        raise ValueError(
            f"{net.n_parameters} parameters and {examples} examples are too many to check by "
            f"finite differences (parameters² × examples = {work:.2g}, at most "
            f"{MAX_CHECK_WORK:g}); use a smaller --features, --hidden, --layers or --examples"
        )
    X, y = sample_data(net, n, examples, seed)
    check = check_model(net, X, y)
    if as_json:
        print_json(check.as_dict())
    else:
        console().print(check_table(check, f"{net!r}: n={n}, m={examples}, seed={seed}"))
        console().print("all gradients agree" if check else "[red]some gradients disagree[/]")
    if not check:
        raise typer.Exit(code=1)


def n_features(model: str, features: int | None) -> int:
    """The number of inputs: the model's own, else ``--features`` (default 3).

    Raises:
        ValueError: --features given for a model whose number of inputs is fixed.
    """
    from chainrule import models

    spec = models.get(model)
    if spec.n_features is None:
        return 3 if features is None else features
    if features is not None and features != spec.n_features:
        raise ValueError(
            f"--features {features} does not apply to {model}: it takes {spec.n_features}"
        )
    return spec.n_features


def sample_data(net: Any, n: int, examples: int, seed: int) -> tuple[Any, Any]:
    """Seeded random data for ``net``: X (n, m) standard normal, y (1, m) of its task."""
    import numpy as np

    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, examples))
    y = (
        rng.integers(0, 2, size=(1, examples)).astype(float)
        if net.task == "binary"
        else rng.uniform(0, 1, size=(1, examples))
    )
    return X, y
