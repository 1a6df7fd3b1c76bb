"""``chainrule tour``: seed 000's four networks, equations, checks, descent, plots."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from chainrule.cli.options import JsonOption, SeedOption
from chainrule.cli.output import (
    check_table,
    console,
    epoch_callback,
    print_json,
    progress,
    writing,
)

if TYPE_CHECKING:
    from chainrule import data
    from chainrule.models import Model, UnivariateRegression


@dataclass(frozen=True)
class Stop:
    title: str
    model: Model
    dataset: data.Dataset
    lr: float
    epochs: int


def stops(seed: int) -> list[Stop]:
    """The four networks of seed 000, each with data it can learn."""
    import numpy as np

    from chainrule import data
    from chainrule.models import (
        MultivariateRegression,
        TwoLayerLinear,
        TwoLayerSigmoid,
        UnivariateRegression,
    )

    univariate = UnivariateRegression(seed=seed)
    # start far from the minimum, so the path across the landscape is worth seeing
    univariate.params.update({"w": np.array([[-2.0]]), "b": np.array([[2.0]])})
    return [
        Stop("Univariate regression", univariate, data.linear(100, 1, seed=seed), 0.1, 100),
        Stop(
            "Multivariate regression",
            MultivariateRegression(3, seed=seed),
            data.linear(200, 3, seed=seed),
            0.1,
            100,
        ),
        Stop(
            "Two-layer linear network",
            TwoLayerLinear(3, 4, seed=seed),
            data.linear(200, 3, seed=seed),
            0.05,
            200,
        ),
        Stop(
            "Two-layer sigmoid network",
            TwoLayerSigmoid(3, 8, seed=seed),
            data.wave(200, seed=seed),
            0.2,
            2000,
        ),
    ]


def tour(
    out: Annotated[Path, typer.Option(help="Folder for the figures.")] = Path("chainrule-tour"),
    seed: SeedOption = 0,
    as_json: JsonOption = False,
) -> None:
    """Walk through seed 000's four networks.

    For each: the forward and backward equations, a check of the hand-derived
    gradients against the autodiff engine and finite differences, gradient
    descent on built-in data, and a loss-curve PNG written to OUT; for the
    univariate regression also the loss landscape with the path of descent.
    """
    from chainrule import optim
    from chainrule.gradcheck import check_model
    from chainrule.models import UnivariateRegression
    from chainrule.plot import loss_curve, save
    from chainrule.symbolic import derive
    from chainrule.symbolic.render import text
    from chainrule.train import fit

    if out.exists() and not out.is_dir():
        raise ValueError(f"--out {out}: is a file; give a folder for the figures")
    with writing("--out", out):
        out.mkdir(parents=True, exist_ok=True)
    results: list[dict[str, Any]] = []
    figures: list[Path] = []
    for stop in stops(seed):
        model, d = stop.model, stop.dataset
        check = check_model(model, d.X[:, :20], d.y[:, :20])
        if not as_json:
            console().rule(f"[bold]{stop.title}[/]  ({model.name})")
            console().print(_equations(model), highlight=False, markup=False)
            derived = text(derive(model), "cached").split("backward (cached)\n", 1)[1]
            console().print("Derived by chainrule from the engine's rules:", style="bold")
            console().print(derived, highlight=False, markup=False)
            console().print(check_table(check, "gradients at the initial weights, 20 examples"))
        with progress(f"gradient descent, lr={stop.lr:g}", as_json) as bar:
            task = bar.add_task("gd", total=stop.epochs, loss=model.loss(d.X, d.y))
            history = fit(
                model,
                d.X,
                d.y,
                optim.sgd(stop.lr),
                epochs=stop.epochs,
                callback=epoch_callback(bar, task),
                record=["params"],
            )
        png = out / f"{model.name}.png"
        with writing("--out", out):
            title = f"{stop.title}: gradient descent, lr={stop.lr:g}"
            figure = loss_curve(history, title, loss_name=model.loss_name)
            save(figure, png, dpi=120)
            figures.append(png)
            if isinstance(model, UnivariateRegression):
                figures.append(_landscape(model, d, history, stop.lr, out))
        results.append(
            {
                "model": model.name,
                "check_passed": check.passed,
                "initial_loss": history.initial_loss,
                "final_loss": history.final_loss,
                "epochs": stop.epochs,
                "lr": stop.lr,
                "plot": str(png),
            }
        )
        if not as_json:
            console().print(
                f"loss {history.initial_loss:.5g} -> {history.final_loss:.5g} after "
                f"{stop.epochs} steps of full-batch gradient descent on {d.name} data "
                f"(m={d.n_examples})\n"
            )
    if as_json:
        print_json({"networks": results, "out": str(out), "figures": [str(f) for f in figures]})
    else:
        console().print(
            f"Figures written to {out}/: " + ", ".join(f.name for f in figures), markup=False
        )
    if not all(r["check_passed"] for r in results):
        raise typer.Exit(code=1)


def _landscape(
    model: UnivariateRegression, d: data.Dataset, history: Any, lr: float, out: Path
) -> Path:
    """The exact loss over (w, b) with the path gradient descent took."""
    from chainrule import landscape
    from chainrule.plot import contour, save

    path = landscape.from_history(history, ("w", "b"), f"gradient descent, lr={lr:g}")
    paths = {path.name: path}
    surf = landscape.surface(model, d.X, d.y, span=landscape.window(paths), resolution=150)
    title = "Univariate regression: the loss over (w, b) and the path of gradient descent"
    figure = out / "univariate-landscape.png"
    save(contour(surf, paths, title=title), figure, dpi=120)
    return figure


def _equations(model: Model) -> str:
    doc = inspect.getdoc(type(model)) or ""
    lines = doc.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith("Forward")), len(lines))
    return "\n".join(lines[start:])
