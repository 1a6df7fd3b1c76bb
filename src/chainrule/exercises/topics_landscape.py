"""Reading a landscape: which path is which optimizer, and what a too-large learning rate does.

Every number comes from the engine: the paths from
:func:`chainrule.landscape.race_function` with :mod:`chainrule.optim`'s
optimizers, gradients from :meth:`~chainrule.landscape.TestFunction.value_and_gradient`,
the curvature from :func:`chainrule.landscape.function_hessian`. The
surfaces are quadratic bowls f = (x² + κ y²) / 2, where the reasons can be
worked by hand: gradient descent multiplies each eigen-coordinate by
(1 − η λ) per step, so it converges when η < 2 / λ_max, and the steep
coordinate changes sign at every step once η > 1 / λ_max.

The paths exercise draws its paths as an inline SVG (:mod:`chainrule.exercises.figure`).
"""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np

from chainrule.exercises.figure import paths_svg
from chainrule.exercises.sheet import Exercise, significant
from chainrule.landscape import Trajectory, function_hessian, quadratic_bowl, race_function
from chainrule.optim import adam, momentum, sgd

BETA = 0.9  # the momentum of the paths exercise
PATH_STEPS = 40
LABELS = ("A", "B", "C")
BEHAVIOURS = ("converges", "oscillates", "diverges")


def _bowl(rng: np.random.Generator) -> tuple[float, tuple[float, float]]:
    kappa = float(rng.choice([4.0, 5.0, 8.0, 10.0, 20.0]))
    x0 = float(rng.choice([-4.0, -3.0, 3.0, 4.0]))
    y0 = float(rng.choice([-2.0, -1.5, -1.0, 1.0, 1.5, 2.0]))
    return kappa, (x0, y0)


def path_numbers(t: Trajectory, start: tuple[float, float]) -> tuple[float, float, int, float]:
    """(first step's length, overshoot, sign changes of y, final loss) of a path on a bowl.

    The overshoot is how far the path goes past the minimum (0, 0) along the
    shallow axis x: max(0, max over the path of −sign(x₀) x).
    """
    points = t.points
    first = float(np.linalg.norm(points[1] - points[0]))
    overshoot = max(0.0, float(np.max(-math.copysign(1.0, start[0]) * points[:, 0])))
    ys = np.sign(points[:, 1])
    flips = int(np.sum(ys[1:] * ys[:-1] < 0))
    return first, overshoot, flips, float(t.loss[-1])


def which_path(rng: np.random.Generator) -> Exercise:
    """Three paths on a bowl, GD, momentum and Adam shuffled: which is which?"""
    while True:
        kappa, start = _bowl(rng)
        lr = float(f"{float(rng.choice([0.5, 0.8, 1.5, 1.8])) / kappa:.4g}")
        lr_adam = float(rng.choice([0.05, 0.1, 0.2, 0.3]))
        fn = quadratic_bowl(kappa)
        g = float(np.linalg.norm(fn.value_and_gradient(np.array(start))[1]))
        predicted = {"gd": lr * g, "momentum": lr * (1 - BETA) * g, "adam": lr_adam * math.sqrt(2)}
        if all(max(a, b) / min(a, b) >= 1.5 for a, b in combinations(predicted.values(), 2)):
            break
    optimizers = {"gd": sgd(lr), "momentum": momentum(lr, BETA), "adam": adam(lr_adam)}
    paths = race_function(fn, optimizers, start, PATH_STEPS)
    order = [str(k) for k in rng.permutation(list(optimizers))]
    label = dict(zip(order, LABELS, strict=True))
    numbers = {k: path_numbers(paths[k], start) for k in optimizers}
    for k in optimizers:  # the first step the solution explains is the engine's
        assert math.isclose(numbers[k][0], predicted[k], rel_tol=1e-6), (k, numbers[k], predicted)
    header = f"path  first step  overshoot  y changes sign  loss after {PATH_STEPS} steps"
    rows = "\n".join(
        [f"    {header}"]
        + [
            f"    {label[k]:<4}  {significant(numbers[k][0]):<10}  {significant(numbers[k][1]):<9}"
            f"  {numbers[k][2]:<14}  {significant(numbers[k][3])}"
            for k in order
        ]
    )
    question = (
        f"Gradient descent (η = {lr:.4g}), momentum in the course's form (v ← β v + (1 − β) g, "
        f"p ← p − η v, with η = {lr:.4g}, β = {BETA:g}) and Adam (η = {lr_adam:g}, β₁ = 0.9, "
        f"β₂ = 0.999) each take {PATH_STEPS} steps on f(x, y) = {fn.formula} from "
        f"({start[0]:g}, {start[1]:g}), where ∇f = (x, {kappa:g} y). The paths, in another "
        f"order:\n\n{rows}\n\n(the overshoot is how far a path goes past the minimum along x; "
        "the first step is its length.) Which path is which optimizer? Answer in the form "
        "A = gd, B = momentum, C = adam."
    )
    by_label = sorted(optimizers, key=lambda k: label[k])
    solution = (
        f"The first step tells them apart. At the start ‖∇f‖ = {significant(g)}.\n"
        f"- gradient descent steps η ‖∇f‖ = {lr:.4g} · {significant(g)} = "
        f"{significant(predicted['gd'])}\n"
        f"- momentum's velocity starts at 0, so its first step is η (1 − β) ‖∇f‖ = "
        f"{significant(predicted['momentum'])}; it then builds speed and carries it past "
        "the minimum (its overshoot)\n"
        "- at Adam's first step the corrected averages are m = g and v = g², so every "
        f"coordinate moves by η g / |g| = ±η: a length of η √2 = "
        f"{significant(predicted['adam'])} whatever the gradient's size\n\n"
        + ", ".join(f"{label[k]} = {k}" for k in by_label)
        + f". Along y the curvature is {kappa:g}: gradient descent's y changes sign at every "
        f"step when η > 1/{kappa:g} = {1 / kappa:.4g} (here η = {lr:.4g})."
    )
    answer = ", ".join(f"{label[k]} = {k}" for k in by_label)
    pairs = tuple((label[k], k) for k in by_label)
    figure = paths_svg(fn, {label[k]: paths[k].points for k in by_label})
    return Exercise(
        "landscape", question, "match", answer, solution, (pairs, tuple(optimizers)), figure
    )


def _lambda_max(kappa: float, start: tuple[float, float]) -> float:
    """The largest eigenvalue of the bowl's Hessian at ``start``, by the engine."""
    hessian = function_hessian(quadratic_bowl(kappa))({"p": np.array(start)})
    return float(np.linalg.eigvalsh(hessian).max())


def _behaviour(t: Trajectory) -> str:
    """What gradient descent did along the steep axis y, read from its path."""
    ys = t.points[:, 1]
    if t.diverged or abs(ys[-1]) > abs(ys[0]):
        return "diverges"
    ys = np.sign(ys)
    return "oscillates" if bool(np.any(ys[1:] * ys[:-1] < 0)) else "converges"


def learning_rate(rng: np.random.Generator) -> Exercise:
    """Gradient descent on a bowl: the threshold 2/λ_max, its behaviour, or its loss."""
    kappa, start = _bowl(rng)
    fn = quadratic_bowl(kappa)
    lam = _lambda_max(kappa, start)
    setup = f"Gradient descent minimises f(x, y) = {fn.formula} from ({start[0]:g}, {start[1]:g})."
    hessian = (
        f"The Hessian of f is diag(1, {kappa:g}) everywhere: λ_max = {significant(lam)}. Each "
        "step multiplies x by (1 − η) and y by (1 − η λ_max)"
    )
    form = str(rng.choice(["threshold", "behaviour", "loss"]))
    if form == "threshold":
        threshold = 2 / lam
        question = (
            f"{setup} What is the largest learning rate η below which it converges from every "
            "start (4 significant digits)?"
        )
        solution = (
            f"{hessian}; it converges when both |1 − η| < 1 and |1 − η λ_max| < 1, that is "
            f"η < 2 / λ_max = 2 / {significant(lam)} = {significant(threshold)}."
        )
        return Exercise(
            "landscape", question, "number", significant(threshold), solution, threshold
        )
    c = float(rng.choice([0.3, 0.5, 0.8, 1.2, 1.5, 1.8, 2.2, 2.5, 3.0]))
    lr = float(f"{c / lam:.4g}")  # as the question writes it
    k = int(rng.integers(2, 6))
    path = race_function(fn, {"gd": sgd(lr)}, start, k)["gd"]
    if form == "behaviour":
        seen = _behaviour(path)
        factor = 1 - lr * lam
        expected = "diverges" if abs(factor) > 1 else "oscillates" if factor < 0 else "converges"
        assert seen == expected, (seen, expected, lr, lam)
        question = (
            f"{setup} With η = {lr:.4g}, does it converge (y shrinks and keeps its sign), "
            "oscillate (y changes sign at every step and shrinks) or diverge (y grows, and "
            f"the loss with it, without bound)? Answer {', '.join(BEHAVIOURS)}."
        )
        ys = ", ".join(significant(float(v)) for v in path.points[:, 1])
        losses = ", ".join(significant(float(v)) for v in path.loss)
        solution = (
            f"{hessian} = 1 − {lr:.4g} · {significant(lam)} = {significant(factor)}. "
            f"η λ_max = {significant(lr * lam)}: "
            + (
                "above 2, so |1 − η λ_max| > 1: y grows at every step, and the loss without bound"
                if expected == "diverges"
                else "between 1 and 2, so y flips sign each step and shrinks"
                if expected == "oscillates"
                else "below 1, so y shrinks without changing sign"
            )
            + f" (the threshold is 2 / λ_max = {significant(2 / lam)}).\n"
            f"- y from the start, step by step: {ys}\n- the loss: {losses}"
        )
        return Exercise("landscape", question, "word", seen, solution, (seen, BEHAVIOURS))
    loss = float(path.loss[k])
    x, y = path.points[k]
    fx, fy = 1 - lr, 1 - lr * lam
    question = (
        f"{setup} With η = {lr:.4g}, what is the loss after {k} steps (4 significant digits)?"
    )
    solution = (
        f"{hessian}: after {k} steps x = (1 − η)^{k} · {_factor(start[0])} = "
        f"({significant(fx)})^{k} · {_factor(start[0])} = {significant(float(x))} and y = "
        f"(1 − η λ_max)^{k} · {_factor(start[1])} = "
        f"({significant(fy)})^{k} · {_factor(start[1])} = {significant(float(y))}, so "
        f"f = (x² + {kappa:g} y²) / 2 = {significant(loss)}"
        + (
            " (η λ_max > 2: it diverges)"
            if lr * lam > 2
            else " (η λ_max > 1: y oscillates)"
            if lr * lam > 1
            else ""
        )
        + "."
    )
    assert math.isclose(
        loss,
        (fx ** (2 * k) * start[0] ** 2 + kappa * fy ** (2 * k) * start[1] ** 2) / 2,
        rel_tol=1e-9,
    )
    return Exercise("landscape", question, "number", significant(loss), solution, loss)


def _factor(x: float) -> str:
    """A number as a factor: a negative one in parentheses."""
    return f"({x:g})" if x < 0 else f"{x:g}"


def landscape(rng: np.random.Generator) -> Exercise:
    """Reading a landscape: which path is which optimizer, or a learning rate's effect."""
    return which_path(rng) if rng.integers(0, 2) == 0 else learning_rate(rng)
