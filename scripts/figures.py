"""Renders every figure and printed derivation chainrule makes into one folder, to look at.

    PYTHONPATH=src python scripts/figures.py [folder]   (default: chainrule-figures in /tmp)

Each figure is made as a user makes it: the command-line ones through the
``chainrule`` command (graph, landscape races, the README's Rosenbrock race,
an animation), the rest through the library (loss curve, 3-D surface,
decision boundary, a slice through an MLP). The derivations are written as
text, Markdown, LaTeX (an aligned block and a standalone document) and NumPy
code. Open the folder and judge each file as a teacher would.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from typer.testing import CliRunner

from chainrule import data, landscape, models, optim, plot
from chainrule.cli import app
from chainrule.symbolic import derive
from chainrule.symbolic import render as R  # noqa: N812
from chainrule.train import fit

COMMANDS = {
    "graph-two-layer-sigmoid.png": ["graph", "--model", "two-layer-sigmoid"],
    "graph-mlp.png": ["graph", "--model", "mlp"],
    "graph-delta-rule.png": ["graph", "--model", "delta-rule"],
    "graph-two-layer-sigmoid.dot": ["graph", "--model", "two-layer-sigmoid"],
    "race-univariate.png": [
        "landscape", "--model", "univariate", "--optimizers", "gd,momentum,rmsprop,adam",
    ],
    "race-univariate.gif": ["landscape", "--model", "univariate", "--steps", "60"],
    "race-mlp-slice.png": ["landscape", "--model", "mlp"],
    "race-rosenbrock.png": [
        "landscape", "--function", "rosenbrock", "--optimizers", "gd,nesterov,rmsprop,adam",
        "--lr", "0.001", "--steps", "2000",
    ],
    "race-rosenbrock-adaptive.png": [
        "landscape", "--function", "rosenbrock", "--optimizers", "gd,momentum,rmsprop,adam",
        "--lr", "0.003", "--steps", "5000",
    ],
}  # fmt: skip


def command_figures(folder: Path) -> None:
    runner = CliRunner()
    for name, args in COMMANDS.items():
        result = runner.invoke(app, [*args, "--out", str(folder / name)])
        print(f"{name}: {'ok' if result.exit_code == 0 else result.output.strip()}")


def library_figures(folder: Path) -> None:
    d = data.linear(100, 1, seed=0)
    model = models.UnivariateRegression()
    history = fit(model, d.X, d.y, optim.sgd(0.1), epochs=40)
    plot.save(plot.loss_curve(history, loss_name=plot.loss_name(model)), folder / "loss.png")
    start = {"w": model.params["w"] * 0 - 2.0, "b": model.params["b"] * 0 + 2.0}
    opts = {n: optim.OPTIMIZERS[n](0.1) for n in ("sgd", "momentum", "adam")}
    races = landscape.race(models.UnivariateRegression(), d.X, d.y, opts, start=start, steps=80)
    surf = landscape.surface(model, d.X, d.y, span=landscape.window(races), resolution=80)
    plot.save(plot.surface3d(surf, races, loss_name="MSE"), folder / "surface3d.png")
    moons = data.moons(200, seed=0)
    net = models.TwoLayerClassifier(2, 8, seed=0)
    fit(net, moons.X, moons.y, optim.adam(0.05), epochs=200)
    plot.save(plot.decision_boundary(net, moons), folder / "decision-boundary.png")
    print("loss.png, surface3d.png, decision-boundary.png: ok")


def derivations(folder: Path) -> None:
    for name, net in (
        ("two-layer-sigmoid", models.TwoLayerSigmoid(3, 4)),
        ("mlp-relu-softmax", models.MLP([3, 4, 3], activation="relu", output="softmax")),
    ):
        d = derive(net)
        (folder / f"derive-{name}.txt").write_text(R.text(d) + "\n")
        (folder / f"derive-{name}.md").write_text(R.markdown(d) + "\n")
        (folder / f"derive-{name}-aligned.tex").write_text(R.latex_block(d) + "\n")
        (folder / f"derive-{name}.tex").write_text(R.latex_block(d, standalone=True) + "\n")
        (folder / f"derive-{name}.py").write_text(R.numpy_code(d))
        print(f"derive-{name}.*: ok")


def main() -> None:
    default = Path(tempfile.gettempdir()) / "chainrule-figures"
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else default
    folder.mkdir(parents=True, exist_ok=True)
    command_figures(folder)
    library_figures(folder)
    derivations(folder)
    print(f"wrote {folder}/")


if __name__ == "__main__":
    main()
