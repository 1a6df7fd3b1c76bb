"""Exercises on gradient checking.

The relative difference ‖g − g̃‖ / (‖g‖ + ‖g̃‖) between a
backward pass and central differences, and which parameter holds the
planted bug (the Deep Learning Specialization's ``dW2 * 2`` and ``4/m``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chainrule.exercises.sheet import Exercise, significant
from chainrule.gradcheck import numeric_gradients
from chainrule.models import Model, registry

# planted bugs of a backward pass: what it does to the gradient, how it is written
BUGS: dict[str, tuple[Callable[[np.ndarray, int], np.ndarray], str]] = {
    "multiplied by 2": (lambda g, m: 2 * g, "d{p} = ... * 2"),
    "with its sign flipped": (lambda g, m: -g, "d{p} = -(...)"),
    "4/m where 1/m belongs": (lambda g, m: 4 * g, "d{p} = 4./m * ..."),
    "m times too large": (lambda g, m: m * g, "d{p} = ... without the 1/m"),
}
EPS = 1e-4


def _problem(rng: np.random.Generator) -> tuple[Model, np.ndarray, np.ndarray]:
    spec = registry.get("two-layer-classifier")
    net = registry.build("two-layer-classifier", n_features=2, task=spec.tasks[0], n_hidden=2)
    net.params = {k: np.round(rng.uniform(-1, 1, v.shape), 1) for k, v in net.params.items()}
    m = int(rng.integers(3, 6))
    X = np.round(rng.uniform(-2, 2, (2, m)), 1)
    y = rng.permutation(np.arange(m) % 2).astype(np.float64)[None, :]
    return net, X, y


def gradient_checking(rng: np.random.Generator) -> Exercise:
    """The relative difference of a gradient check, or which parameter holds the planted bug."""
    net, X, y = _problem(rng)
    m = X.shape[1]
    reference = net.autodiff_gradients(X, y)
    numeric = numeric_gradients(net, X, y, EPS)
    params = list(reference)
    # a bug shows only in a gradient that is not zero
    bugged = str(rng.choice([p for p in params if np.abs(reference[p]).max() > 1e-3]))
    bug = str(rng.choice(list(BUGS)))
    relative = bool(rng.integers(0, 2))
    # asked for the relative difference, the backward pass is right half of the time
    planted = not relative or bool(rng.integers(0, 2))
    change, written = BUGS[bug] if planted else (lambda g, m: g, "")
    analytic = {p: change(g, m) if p == bugged else g for p, g in reference.items()}
    shapes = ", ".join(f"{p} {reference[p].shape}" for p in params)
    setup = (
        f"The two-layer classifier (σ hidden and output units, cross-entropy, m = {m} "
        f"examples; parameters {shapes}) is checked with central differences, ε = {EPS:g}."
    )
    if relative:
        g = np.round(np.concatenate([analytic[p].ravel() for p in params]), 8)
        n = np.round(np.concatenate([numeric[p].ravel() for p in params]), 8)
        difference = _relative(g, n)
        question = (
            f"{setup} All parameters flattened into one vector ({', '.join(params)}, row by "
            f"row), the backward pass gives\n\n    grad = {_exact(g)}\n\nand the central "
            f"differences give\n\n    gradapprox = {_exact(n)}\n\nCompute the relative "
            "difference ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂) "
            "(4 significant digits)."
        )
        verdict = (
            "far above 1e-7: the backward pass has a bug"
            if difference > 1e-5
            else ("below 1e-5: the backward pass agrees with the differences")
        )
        solution = (
            f"- ‖grad − gradapprox‖₂ = {significant(float(np.linalg.norm(g - n)))}\n"
            f"- ‖grad‖₂ + ‖gradapprox‖₂ = {significant(float(np.linalg.norm(g)))} + "
            f"{significant(float(np.linalg.norm(n)))}\n"
            f"- the relative difference is {significant(difference)}, {verdict}"
            + (
                f" (the planted bug: d{bugged} {bug}, `{written.format(p=bugged)}`)"
                if planted
                else ""
            )
        )
        return Exercise(
            "gradient-checking", question, "number", significant(difference), solution, difference
        )
    rows = []
    for p in params:
        a, n = analytic[p].ravel(), numeric[p].ravel()
        rel = _relative(a, n)
        rows.append(
            f"    {p}: backward {_vector(a)}, differences {_vector(n)}, relative "
            f"difference {rel:.2e}"
        )
    question = (
        f"{setup} Parameter by parameter:\n\n" + "\n".join(rows) + "\n\n"
        f"The backward pass has one planted bug. In which parameter's gradient? (type its "
        f"name: {', '.join(params)})"
    )
    ratio = analytic[bugged] / np.where(numeric[bugged] == 0, np.nan, numeric[bugged])
    solution = (
        f"Only {bugged}'s relative difference is far above 1e-7, the others agree to about "
        f"1e-9. Its backward values are about {significant(float(np.nanmedian(ratio)))} times "
        f"the differences: d{bugged} is {bug}, as in `{written.format(p=bugged)}`."
    )
    return Exercise("gradient-checking", question, "choice", bugged, solution, (bugged, params))


def _vector(v: np.ndarray) -> str:
    return "[" + ", ".join(f"{x:.8g}" for x in v.ravel()) + "]"


def _exact(v: np.ndarray) -> str:
    """Every digit of each number (they are rounded to 8 decimals before)."""
    return "[" + ", ".join(repr(float(x)) for x in v.ravel()) + "]"


def _relative(g: np.ndarray, n: np.ndarray) -> float:
    """‖g − n‖₂ / (‖g‖₂ + ‖n‖₂), and 0 where both are zero."""
    total = float(np.linalg.norm(g) + np.linalg.norm(n))
    return float(np.linalg.norm(g - n)) / total if total > 0 else 0.0
