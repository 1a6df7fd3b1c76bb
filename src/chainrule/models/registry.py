"""The model registry: every model, what data it takes, its hyperparameters.

One :class:`ModelSpec` per model says its command-line name, its class, the
tasks it can learn, how many features it takes (fixed or free), its
hyperparameters with their types and ranges, and how to make a small sample
problem for it. The command line, the landscape code, the web app and the
exercises read this table; none of them keeps its own list of models.

Build a model for a data set with :func:`build`, which checks the fit first::

    spec = REGISTRY["two-layer-sigmoid"]
    net = build("two-layer-sigmoid", n_features=2, task="regression", n_hidden=4)
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.models.base import Model
from chainrule.models.classifiers import LogisticRegression, TwoLayerClassifier
from chainrule.models.delta_rule import DeltaRuleNetwork
from chainrule.models.init import INITIALISERS
from chainrule.models.mlp import ACTIVATIONS, MLP, OUTPUTS
from chainrule.models.mlp import TASKS as OUTPUT_TASKS
from chainrule.models.seed000 import (
    MultivariateRegression,
    TwoLayerLinear,
    TwoLayerSigmoid,
    UnivariateRegression,
)
from chainrule.models.squared_error import SigmoidSquaredError

TASKS = ("regression", "binary", "multiclass")
MAX_UNITS = 4096  # per layer: a 4096 x 4096 float64 matrix is 128 MB
MAX_HIDDEN_LAYERS = 16


@dataclass(frozen=True)
class Hyperparameter:
    """One constructor argument a user may choose.

    Attributes:
        name: the constructor's argument name (``n_hidden``, ``hidden_layers``...).
        kind: ``"int"``, ``"float"``, ``"choice"`` or ``"int list"``.
        default: the value used when none is given.
        help: one line for users.
        low, high: inclusive bounds of a number (of every entry, for a list).
        choices: the allowed values of a ``"choice"``.
        max_length: the longest allowed ``"int list"``.
    """

    name: str
    kind: str
    default: Any
    help: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    max_length: int | None = None

    def check(self, value: Any, model: str) -> Any:
        """``value`` checked and normalised, or a ValueError naming it and the range."""
        where = f"{model}: {self.name}"
        if self.kind == "choice":
            if value not in self.choices:
                raise ValueError(f"{where} must be one of {', '.join(self.choices)}, got {value!r}")
            return value
        if self.kind == "int list":
            if isinstance(value, str | bytes) or not isinstance(value, Sequence):
                raise ValueError(f"{where} must be a list of integers, got {value!r}")
            if not value or (self.max_length is not None and len(value) > self.max_length):
                raise ValueError(
                    f"{where} must hold 1 to {self.max_length} sizes, got {len(value)}"
                )
            return [self._number(v, where, int) for v in value]
        return self._number(value, where, int if self.kind == "int" else float)

    def _number(self, value: Any, where: str, kind: type) -> Any:
        integral = isinstance(value, int | np.integer) and not isinstance(value, bool)
        if kind is int and not integral:
            raise ValueError(f"{where} must be an integer, got {value!r}")
        if kind is float and not (integral or isinstance(value, float | np.floating)):
            raise ValueError(f"{where} must be a number, got {value!r}")
        number = kind(value)
        if (self.low is not None and number < self.low) or (
            self.high is not None and number > self.high
        ):
            raise ValueError(f"{where} must be in [{self.low:g}, {self.high:g}], got {value!r}")
        if kind is float and not np.isfinite(number):
            raise ValueError(f"{where} must be finite, got {value!r}")
        return number


N_HIDDEN = Hyperparameter(
    "n_hidden", "int", 8, "hidden units of the two-layer network", low=1, high=MAX_UNITS
)
HIDDEN_LAYERS = Hyperparameter(
    "hidden_layers",
    "int list",
    [8],
    "hidden layer sizes, e.g. 16,16",
    low=1,
    high=MAX_UNITS,
    max_length=MAX_HIDDEN_LAYERS,
)
ACTIVATION = Hyperparameter(
    "activation", "choice", "tanh", "activation of the hidden layers", choices=tuple(ACTIVATIONS)
)
ALPHA = Hyperparameter(
    "alpha", "float", 0.0, "L2 penalty (α/2)·Σ||W||² on the weights", low=0.0, high=1e3
)
DROPOUT = Hyperparameter(
    "dropout", "float", 0.0, "probability of dropping a hidden unit while training", 0.0, 0.95
)
L1 = Hyperparameter("l1", "float", 0.0, "L1 penalty λ·Σ|W| on the weights", low=0.0, high=1e3)
INIT = Hyperparameter(
    "init",
    "choice",
    "auto",
    "initial weights: zero, small N(0, 0.01²), glorot, he, large N(0, 10²); auto: he for "
    "ReLU-like units, else glorot",
    choices=("auto", *INITIALISERS),
)
OUTPUT = Hyperparameter(
    "output",
    "choice",
    "auto",
    "output unit: identity or tanh (regression), sigmoid (binary), softmax (multiclass); "
    "auto: from the task",
    choices=("auto", *OUTPUTS),
)
LOSS = Hyperparameter(
    "loss",
    "choice",
    "auto",
    "loss: mse (identity, tanh, sigmoid), binary_cross_entropy (sigmoid), cross_entropy "
    "(softmax); auto: the output's own",
    choices=("auto", *dict.fromkeys(loss for losses in OUTPUTS.values() for loss in losses)),
)


@dataclass(frozen=True)
class ModelSpec:
    """What the rest of chainrule needs to know about one model.

    Attributes:
        name: the command-line name, also ``cls.name``.
        cls: the model class.
        tasks: the tasks it can learn (a regression model also fits 0/1 targets).
        n_features: the number of features it takes, or None when any number.
        hyperparameters: the choices a user may make, besides the data.
        sample: ``sample(seed) -> (X, y)``: a small problem of the first of its
            ``tasks``, X (n, m) and y (1, m), for checks and exercises.
        default_data: the built-in data set it is shown on by default, or None
            when no built-in set fits (its ``sample`` is used instead).
    """

    name: str
    cls: type[Model]
    tasks: tuple[str, ...]
    n_features: int | None
    hyperparameters: tuple[Hyperparameter, ...]
    sample: Callable[[int], tuple[np.ndarray, np.ndarray]]
    default_data: str | None

    @property
    def summary(self) -> str:
        """The first line of the class docstring."""
        return (inspect.getdoc(self.cls) or self.name).splitlines()[0]

    @property
    def hyperparameter_names(self) -> tuple[str, ...]:
        return tuple(h.name for h in self.hyperparameters)

    def check_data(self, n_features: int, task: str) -> None:
        """Refuses data this model cannot take, naming the models that can."""
        if task not in TASKS:
            raise ValueError(f"task must be one of {', '.join(TASKS)}, got {task!r}")
        if task not in self.tasks and not (task == "binary" and "regression" in self.tasks):
            raise ValueError(
                f"{self.name} learns {' or '.join(self.tasks)} and the data is a {task} task; "
                f"use {' or '.join(models_for(task, n_features))}"
            )
        if self.n_features is not None and n_features != self.n_features:
            raise ValueError(
                f"{self.name} takes {self.n_features} feature(s), the data has {n_features}; "
                f"use {' or '.join(models_for(task, n_features))}"
            )


def build(
    name: str,
    n_features: int,
    task: str = "regression",
    n_classes: int = 2,
    seed: int = 0,
    **hyperparameters: Any,
) -> Model:
    """A model by its registry name, sized for data of ``n_features`` features.

    Args:
        name: a key of :data:`REGISTRY`.
        n_features: rows of the data's X.
        task: "regression", "binary" or "multiclass".
        n_classes: the number of classes of a multiclass task.
        seed: seeds the initial weights.
        **hyperparameters: the model's choices (see ``REGISTRY[name].hyperparameters``);
            those not given take their defaults.

    Raises:
        ValueError: an unknown name, data the model cannot take, a hyperparameter
            the model does not have, or a value out of its range.
    """
    spec = get(name)
    spec.check_data(n_features, task)
    unknown = set(hyperparameters) - set(spec.hyperparameter_names)
    if unknown:
        takes = ", ".join(spec.hyperparameter_names) or "none"
        raise ValueError(
            f"{name} has no hyperparameter {', '.join(sorted(unknown))} (it takes: {takes})"
        )
    if task == "multiclass" and not 2 <= n_classes <= MAX_UNITS:
        raise ValueError(f"n_classes must be in [2, {MAX_UNITS}], got {n_classes}")
    chosen = {
        h.name: h.check(hyperparameters.get(h.name, h.default), name) for h in spec.hyperparameters
    }
    if spec.cls is MLP:
        output = chosen.pop("output")
        if output == "auto":
            output = {"regression": "identity", "binary": "sigmoid", "multiclass": "softmax"}[task]
        fits = OUTPUT_TASKS[output]
        if fits != task and not (task == "binary" and fits == "regression"):
            raise ValueError(f"mlp: a {output} output learns a {fits} task, the data is {task}")
        outputs = n_classes if task == "multiclass" else 1
        sizes = [n_features, *chosen.pop("hidden_layers"), outputs]
        auto = {k: None for k in ("init", "loss") if chosen[k] == "auto"}
        return MLP(sizes, output=output, seed=seed, **{**chosen, **auto})
    if spec.n_features is None:
        chosen["n_features"] = n_features
    return spec.cls(seed=seed, **chosen)  # type: ignore[call-arg]


def get(name: str) -> ModelSpec:
    """The spec of a model by name, or a ValueError listing the names."""
    try:
        return REGISTRY[name]
    except (KeyError, TypeError):
        raise ValueError(f"unknown model {name!r}: use one of {', '.join(REGISTRY)}") from None


def models_for(task: str, n_features: int | None = None) -> list[str]:
    """The names of the models that can learn ``task`` on ``n_features`` features."""
    return [
        s.name
        for s in REGISTRY.values()
        if (task in s.tasks or (task == "binary" and "regression" in s.tasks))
        and (s.n_features is None or n_features is None or s.n_features == n_features)
    ]


# --- sample problems ------------------------------------------------------------


def _regression(n: int, m: int = 24) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    def make(seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, m))
        w = rng.standard_normal((1, n))
        return X, np.tanh(w @ X) + 0.1 * rng.standard_normal((1, m))

    return make


def _binary(n: int, m: int = 24) -> Callable[[int], tuple[np.ndarray, np.ndarray]]:
    def make(seed: int) -> tuple[np.ndarray, np.ndarray]:
        rng = np.random.default_rng(seed)
        y = (np.arange(m) % 2).reshape(1, m).astype(np.float64)
        X = rng.standard_normal((n, m)) + 1.5 * (2 * y - 1)
        return X, y

    return make


N_OUTPUTS = Hyperparameter(
    "n_outputs", "int", 2, "output units (rows of the targets Y)", low=1, high=MAX_UNITS
)
TWO_HIDDEN = Hyperparameter(
    "n_hidden", "int", 2, "hidden units of the two-layer network", low=1, high=MAX_UNITS
)


def _unit_targets(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Two inputs in [0, 1] and two targets in (0, 1), as the classic 2-2-2 example has."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, size=(2, 24))
    V = rng.standard_normal((2, 2))
    return X, 1.0 / (1.0 + np.exp(-(V @ X - V.sum(axis=1, keepdims=True) / 2)))


def _delta_rule(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.uniform(0.0, 1.0, size=(3, 8))
    return X, rng.uniform(0.0, 1.0, size=(1, 8))


def _spec(
    cls: type[Model],
    tasks: tuple[str, ...],
    n_features: int | None,
    hyper: tuple[Hyperparameter, ...],
    sample: Callable[[int], tuple[np.ndarray, np.ndarray]],
    default_data: str | None,
) -> ModelSpec:
    return ModelSpec(cls.name, cls, tasks, n_features, hyper, sample, default_data)


REGISTRY: Mapping[str, ModelSpec] = {
    s.name: s
    for s in (
        _spec(UnivariateRegression, ("regression",), 1, (), _regression(1), "linear"),
        _spec(MultivariateRegression, ("regression",), None, (), _regression(3), "diabetes"),
        _spec(TwoLayerLinear, ("regression",), None, (N_HIDDEN,), _regression(3), "wave"),
        _spec(TwoLayerSigmoid, ("regression",), None, (N_HIDDEN,), _regression(3), "wave"),
        _spec(LogisticRegression, ("binary",), None, (), _binary(2), "moons"),
        _spec(TwoLayerClassifier, ("binary",), None, (N_HIDDEN,), _binary(2), "moons"),
        _spec(DeltaRuleNetwork, ("regression",), 3, (), _delta_rule, None),
        _spec(
            SigmoidSquaredError,
            ("regression",),
            None,
            (TWO_HIDDEN, N_OUTPUTS),
            _unit_targets,
            None,
        ),
        _spec(
            MLP,
            TASKS,
            None,
            (HIDDEN_LAYERS, ACTIVATION, ALPHA, DROPOUT, L1, INIT, OUTPUT, LOSS),
            _regression(2),
            "spirals",
        ),
    )
}
