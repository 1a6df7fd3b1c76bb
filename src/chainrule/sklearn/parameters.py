"""The estimators' parameters: checked in ``fit``, as scikit-learn's conventions ask.

``__init__`` stores every parameter untouched; :func:`check_parameters`
refuses a bad one with a message that names the value and what it may be,
and resolves the rest (one activation per hidden layer, chainrule's names).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from chainrule.models.mlp import ACTIVATIONS
from chainrule.optim import GradientTransformation
from chainrule.sklearn.solvers import LEARNING_RATES, SOLVERS

SKLEARN_ACTIVATIONS = {"logistic": "sigmoid"}
"""scikit-learn's activation names that chainrule spells otherwise."""

NUMBERS = (
    ("alpha", 0, math.inf, "left"),
    ("learning_rate_init", 0, math.inf, "neither"),
    ("power_t", 0, math.inf, "left"),
    ("tol", 0, math.inf, "left"),
    ("momentum", 0, 1, "both"),
    ("validation_fraction", 0, 1, "left"),
    ("beta_1", 0, 1, "left"),
    ("beta_2", 0, 1, "left"),
    ("epsilon", 0, math.inf, "neither"),
)
"""The real-valued parameters and their intervals, as scikit-learn bounds them."""


class Settings(NamedTuple):
    """The parameters, checked and resolved by :func:`check_parameters`."""

    hidden: list[int]
    activations: list[str]
    solver: str | GradientTransformation
    learning_rate: str | Callable[[int], float]
    n_iter_no_change: float


def check_parameters(estimator: Any) -> Settings:
    """The estimator's parameters checked, each refused with a message naming the value."""
    name = type(estimator).__name__
    sizes: Any = estimator.hidden_layer_sizes
    listed = [sizes] if is_int(sizes) else sizes
    if isinstance(listed, str) or not isinstance(listed, Sequence | np.ndarray):
        raise ValueError(
            f"{name}: hidden_layer_sizes must be an integer or a sequence of integers, "
            f"got {sizes!r}"
        )
    if not all(is_int(s) and s >= 1 for s in listed):
        raise ValueError(f"{name}: hidden_layer_sizes must be positive integers, got {sizes!r}")
    hidden = [int(s) for s in listed]
    given = (
        [estimator.activation] if isinstance(estimator.activation, str) else estimator.activation
    )
    if not isinstance(given, Sequence) or not all(isinstance(a, str) for a in given):
        raise ValueError(f"{name}: activation must be a name or a list of names")
    activations = [SKLEARN_ACTIVATIONS.get(a, a) for a in given]
    for a in activations:
        if a not in ACTIVATIONS:
            known = sorted({*ACTIVATIONS, *SKLEARN_ACTIVATIONS})
            raise ValueError(f"{name}: activation must be one of {known}, got {a!r}")
    if isinstance(estimator.activation, str):
        activations *= len(hidden)
    elif len(activations) != len(hidden):
        raise ValueError(
            f"{name}: activation lists {len(activations)} names for "
            f"{len(hidden)} hidden layers {hidden}; give one per hidden layer or one name"
        )
    solver = estimator.solver
    if not isinstance(solver, GradientTransformation) and solver not in SOLVERS:
        raise ValueError(
            f"{name}: solver must be one of {list(SOLVERS)} or a chainrule "
            f"GradientTransformation (e.g. chainrule.optim.adam(0.01)), got {solver!r}"
        )
    rate = estimator.learning_rate
    if not (rate in LEARNING_RATES or (callable(rate) and not isinstance(rate, str))):
        raise ValueError(
            f"{name}: learning_rate must be one of {list(LEARNING_RATES)} or a schedule "
            f"(e.g. chainrule.optim.cosine(0.01, 1000)), got {rate!r}"
        )
    if isinstance(solver, GradientTransformation) and rate != "constant":
        raise ValueError(
            f"{name}: learning_rate={rate!r} applies to a solver given by name; "
            f"the GradientTransformation {solver!r} carries its own learning rate"
        )
    for key, low, high, closed in NUMBERS:
        check_number(name, key, getattr(estimator, key), low, high, closed)
    for key in ("max_iter", "max_fun"):
        if not (is_int(getattr(estimator, key)) and getattr(estimator, key) >= 1):
            raise ValueError(
                f"{name}: {key} must be a positive integer, got {getattr(estimator, key)!r}"
            )
    batch: Any = estimator.batch_size
    if not (batch == "auto" or (is_int(batch) and batch >= 1)):
        raise ValueError(
            f"{name}: batch_size must be 'auto' or a positive integer, got {estimator.batch_size!r}"
        )
    patience = estimator.n_iter_no_change
    if not ((is_int(patience) and patience >= 1) or patience == math.inf):
        raise ValueError(
            f"{name}: n_iter_no_change must be a positive integer or numpy.inf, got {patience!r}"
        )
    for key in ("shuffle", "warm_start", "nesterovs_momentum", "early_stopping"):
        if not isinstance(getattr(estimator, key), bool | np.bool_):
            raise ValueError(
                f"{name}: {key} must be True or False, got {getattr(estimator, key)!r}"
            )
    return Settings(hidden, activations, solver, rate, float(patience))


def is_int(value: Any) -> bool:
    """An integer of any kind, but not a bool."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool | np.bool_)


def check_number(
    estimator: str, name: str, value: Any, low: float, high: float, closed: str
) -> None:
    """Refuses ``value`` unless it is a finite real number in the interval.

    ``closed`` is "neither", "left" or "both": which ends belong to it.
    """
    ok = isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)
    if ok:
        above = value >= low if closed in ("left", "both") else value > low
        below = value <= high if closed == "both" else value < high
        ok = above and below and math.isfinite(value)
    if not ok:
        left = "[" if closed in ("left", "both") else "("
        right = "]" if closed == "both" else ")"
        raise ValueError(
            f"{estimator}: {name} must be a number in {left}{low:g}, {high:g}{right}, got {value!r}"
        )
