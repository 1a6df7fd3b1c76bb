"""Seeded random problems on which a learner's backward pass is run.

A mistake shows only where the sizes tell it apart: a missing 1/m needs
several m, a transpose needs a weight that is not square, a bias that is
not summed needs k > 1. Each problem has its own n, hidden size k and m,
all different from one another within the problem, and random parameters
and data drawn from one seeded generator, so the same seed gives the same
problems on every machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.models import MLP, Model, registry

# (n features, hidden units k, m examples) of each problem: pairwise different
# within a problem, and m different across problems
SIZES = ((3, 4, 7), (5, 2, 11), (2, 6, 5))


@dataclass(frozen=True)
class Problem:
    """One random problem for one model.

    Attributes:
        model: a model of the right sizes whose ``params`` are ``params``.
        params: parameter name -> random array of the parameter's shape.
        X: the inputs, (n, m).
        y: the targets as the learner's function receives them: (1, m) for
            regression and binary tasks, one-hot (C, m) for a softmax output.
        reference: parameter name -> the engine's gradient.
    """

    model: Model
    params: dict[str, np.ndarray]
    X: np.ndarray
    y: np.ndarray
    reference: dict[str, np.ndarray]

    @property
    def m(self) -> int:
        return int(self.X.shape[1])

    def describe(self) -> str:
        """The sizes, e.g. ``n=3, m=7, W1 (4, 3)``."""
        shapes = ", ".join(f"{k} {v.shape}" for k, v in self.params.items())
        return f"n={self.X.shape[0]}, m={self.m}: {shapes}"


def make_problems(model: str | Model, seed: int = 0) -> list[Problem]:
    """Three problems for ``model`` (a registry name or a model instance).

    A name is built with the registry at each problem's sizes (the MLP with
    one tanh hidden layer); an instance keeps its structure (class, depth,
    activations, output, penalty) and takes each problem's n and hidden sizes
    where it has them. Dropout is never active: the models are not training.
    """
    rng = np.random.default_rng(seed)
    problems = []
    for n, k, m in SIZES:
        net = _sized(model, n, k)
        params = {name: rng.standard_normal(p.shape) for name, p in net.params.items()}
        net.params = params
        X = rng.standard_normal((net.n_inputs, m))
        y = _targets(net, rng, m)
        reference = net.autodiff_gradients(X, y)
        problems.append(Problem(net, params, X, y, reference))
    return problems


def _sized(model: str | Model, n: int, k: int) -> Model:
    if isinstance(model, str):
        spec = registry.get(model)
        hyper: dict[str, Any] = {}
        if "n_hidden" in spec.hyperparameter_names:
            hyper["n_hidden"] = k
        if "hidden_layers" in spec.hyperparameter_names:
            hyper["hidden_layers"] = [k]
        return registry.build(model, n_features=spec.n_features or n, task=spec.tasks[0], **hyper)
    if not isinstance(model, Model):
        raise TypeError(
            f"model must be a registry name ({', '.join(registry.REGISTRY)}) or a chainrule "
            f"model, got {type(model).__name__}"
        )
    hp = model.hyperparameters()
    if isinstance(model, MLP):
        sizes = list(hp["layer_sizes"])
        hidden = [k + i for i in range(len(sizes) - 2)]
        hp["layer_sizes"] = [n, *hidden, sizes[-1]]
    else:
        if "n_features" in hp:
            hp["n_features"] = n
        if "n_hidden" in hp:
            hp["n_hidden"] = k
    try:
        return type(model)(**hp)
    except TypeError as e:
        raise TypeError(
            f"check_backward cannot rebuild {type(model).__name__} from its "
            f"hyperparameters {hp}: {e}; pass a registry name instead"
        ) from None


def _targets(net: Model, rng: np.random.Generator, m: int) -> np.ndarray:
    if net.task == "regression":
        return rng.standard_normal((net.n_outputs, m))
    if isinstance(net, MLP) and net.output == "softmax":
        classes = net.layer_sizes[-1]
        labels = rng.permutation(np.arange(m) % classes)
        return np.eye(classes)[:, labels]
    rows = [rng.permutation(np.arange(m) % 2) for _ in range(net.n_outputs)]
    return np.array(rows, dtype=np.float64)
