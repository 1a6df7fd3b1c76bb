"""Exercises on checking gradients: find the mistake in a derivation, and gradient checking.

Find the mistakes: a derivation of the backward pass of logistic regression
or the two-layer classifier (seed 003's networks) with one gradient changed
by a usual mistake (a sign, a missing 1/m, a dropped transpose, an unsummed
bias, σ′ taken at Z); the learner names the wrong gradient, and the solution
is the diagnosis :func:`~chainrule.exercises.answers.check_equation` gives.
Gradient checking: the relative difference ‖g − g̃‖ / (‖g‖ + ‖g̃‖) between a
backward pass and central differences, and which parameter holds the
planted bug (the Deep Learning Specialization's ``dW2 * 2`` and ``4/m``).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from chainrule.exercises.answers import check_equation
from chainrule.exercises.sheet import Exercise, significant
from chainrule.exercises.topics_common import derivation, forward_text
from chainrule.models import Model, registry
from chainrule.symbolic.render import text_expr

DERIVED = ("logistic", "two-layer-classifier")

# a usual mistake as an edit of a gradient's text: name -> text -> wrong text (or None)
EDITS: dict[str, Callable[[str], str | None]] = {
    "a sign": lambda t: f"−({t})",
    "a missing 1/m": lambda t: t.removeprefix("(1/m) ") if t.startswith("(1/m) ") else None,
    "a dropped transpose": lambda t: t.replace("ᵀ", "", 1) if "ᵀ" in t else None,
    "a bias not summed": lambda t: t.removesuffix(" 1⃗") if t.endswith(" 1⃗") else None,
    "σ′ taken at Z": lambda t: (
        t.replace("A1 ⊙ (1 − A1)", "Z1 ⊙ (1 − Z1)") if "A1 ⊙ (1 − A1)" in t else None
    ),
    "a factor 2": lambda t: f"2 {t}",
}


def find_the_mistakes(rng: np.random.Generator) -> Exercise:
    """A derivation of a classifier's gradients with one planted mistake: which is wrong?"""
    name = str(rng.choice(DERIVED))
    d = derivation(name)
    params = list(d.closed)
    right = {p: text_expr(d.closed[p]) for p in params}
    wrong_param = str(rng.choice(params))
    edits = [e for e in EDITS if EDITS[e](right[wrong_param]) is not None]
    edit = str(rng.choice(edits))
    wrong = EDITS[edit](right[wrong_param])
    assert wrong is not None
    finding = check_equation(wrong, name, wrong_param)
    lines = [f"    ∂L/∂{p} = {wrong if p == wrong_param else right[p]}" for p in params]
    question = (
        f"A learner derived the backward pass of the {name} network (examples as columns):\n\n"
        f"{forward_text(d)}\n\n" + "\n".join(lines) + "\n\n"
        f"One of the gradients is wrong. Which parameter's? (type its name: "
        f"{', '.join(params)})"
    )
    solution = (
        f"∂L/∂{wrong_param} is wrong ({edit}). Evaluated on random problems against the "
        f"engine's gradients: {finding.message}"
    )
    return Exercise(
        "find-the-mistakes", question, "choice", wrong_param, solution, (wrong_param, params)
    )


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


def _central_differences(net: Model, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    """(L(θ + ε e_j) − L(θ − ε e_j)) / 2ε for every element θ_j of every parameter."""
    params = net.params
    out = {}
    for name, p in params.items():
        numeric = np.empty(p.size)
        for j in range(p.size):
            flat = p.reshape(-1)
            saved = flat[j]
            flat[j] = saved + EPS
            plus = net.loss(X, y)
            flat[j] = saved - EPS
            minus = net.loss(X, y)
            flat[j] = saved
            numeric[j] = (plus - minus) / (2 * EPS)
        out[name] = numeric.reshape(p.shape)
    return out


def gradient_checking(rng: np.random.Generator) -> Exercise:
    """The relative difference of a gradient check, or which parameter holds the planted bug."""
    net, X, y = _problem(rng)
    m = X.shape[1]
    reference = net.autodiff_gradients(X, y)
    numeric = _central_differences(net, X, y)
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
