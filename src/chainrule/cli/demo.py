"""``chainrule demo``: seed 000's two-layer sigmoid network, run on the engine."""

from __future__ import annotations

import json
from typing import Annotated

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from chainrule.autodiff import Tensor, mse, no_grad, value_and_grad
from chainrule.gradcheck import gradcheck

EQUATIONS = """\
Z  = W1 X + b1        W1 (k, n), X (n, m), b1 (k, 1) broadcast over columns
A  = σ(Z)             (k, m)
ŷ  = w2 A + b2        w2 (1, k), b2 (1, 1)
L  = (1/m)·||ŷ − y||²"""

PARAMETER_NAMES = ("W1", "b1", "w2", "b2")


def built_in_data(m: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A smooth regression target of 3 features: X (3, m), y (1, m)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(3, m))
    y = np.sin(X[0:1]) + 0.5 * X[1:2] * X[2:3] + 0.05 * rng.standard_normal((1, m))
    return X, y


def two_layer_sigmoid_loss(
    W1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor, X: np.ndarray, y: np.ndarray
) -> Tensor:
    """The seed 000 network's loss, written with the engine's operations."""
    A = (W1 @ X + b1).sigmoid()
    return mse(w2 @ A + b2, y)


def demo(
    steps: Annotated[int, typer.Option(min=1, help="Gradient-descent steps.")] = 2000,
    lr: Annotated[float, typer.Option(min=0.0, help="Learning rate.")] = 0.5,
    hidden: Annotated[int, typer.Option(min=1, help="Hidden units k.")] = 8,
    examples: Annotated[int, typer.Option(min=2, help="Examples m.")] = 200,
    seed: Annotated[int, typer.Option(help="Seed of data and initial weights.")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="Print results as JSON.")] = False,
) -> None:
    """Train seed 000's two-layer sigmoid network with the autodiff engine.

    Prints the forward equations, checks the engine's gradients against
    finite differences, runs gradient descent on built-in data and reports
    the loss.
    """
    console = Console()
    X, y = built_in_data(examples, seed)
    n = X.shape[0]
    rng = np.random.default_rng(seed + 1)
    params = {
        "W1": rng.standard_normal((hidden, n)) / np.sqrt(n),
        "b1": np.zeros((hidden, 1)),
        "w2": rng.standard_normal((1, hidden)) / np.sqrt(hidden),
        "b2": np.zeros((1, 1)),
    }

    def loss_fn(W1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) -> Tensor:
        return two_layer_sigmoid_loss(W1, b1, w2, b2, X, y)

    report = gradcheck(loss_fn, *(params[k] for k in PARAMETER_NAMES), atol=1e-8, rtol=1e-6)
    loss_and_grads = value_and_grad(loss_fn, argnums=(0, 1, 2, 3))
    with no_grad():
        first_loss = loss_fn(*(Tensor(params[k]) for k in PARAMETER_NAMES)).item()

    if not as_json:
        console.print(
            f"[bold]Seed 000's two-layer sigmoid network[/], n={n}, k={hidden}, m={examples}"
        )
        console.print(EQUATIONS, highlight=False)
        table = Table(title="engine gradients against central differences")
        for column in ("parameter", "shape", "max abs error", "max rel error", "result"):
            table.add_column(column)
        for name, c in zip(PARAMETER_NAMES, report.inputs, strict=True):
            table.add_row(
                name,
                str(c.shape),
                f"{c.max_abs_error:.1e}",
                f"{c.max_rel_error:.1e}",
                "ok" if c.passed else "FAIL",
            )
        console.print(table)

    with Progress(
        TextColumn("gradient descent"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("loss {task.fields[loss]:.5f}"),
        TimeElapsedColumn(),
        console=console,
        disable=as_json or not console.is_terminal,
    ) as progress:
        task = progress.add_task("gd", total=steps, loss=first_loss)
        for step in range(steps):
            loss, grads = loss_and_grads(*(params[k] for k in PARAMETER_NAMES))
            for name, g in zip(PARAMETER_NAMES, grads, strict=True):
                params[name] = params[name] - lr * g
            if step % 50 == 0 or step == steps - 1:
                progress.update(task, completed=step + 1, loss=loss)
    with no_grad():
        final_loss = loss_fn(*(Tensor(params[k]) for k in PARAMETER_NAMES)).item()

    if as_json:
        result = {
            "network": "two-layer sigmoid (seed 000)",
            "n": n,
            "k": hidden,
            "m": examples,
            "gradcheck_passed": report.passed,
            "gradcheck_max_rel_error": {
                name: c.max_rel_error
                for name, c in zip(PARAMETER_NAMES, report.inputs, strict=True)
            },
            "initial_loss": first_loss,
            "final_loss": final_loss,
            "steps": steps,
            "lr": lr,
        }
        print(json.dumps(result, indent=2))
        return

    console.print(
        f"loss {first_loss:.5f} -> {final_loss:.5f} after {steps} steps of gradient "
        f"descent (lr={lr})"
    )
    if not report.passed:
        raise typer.Exit(code=1)
