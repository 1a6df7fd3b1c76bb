"""The race's surfaces on real models: a random slice of an MLP, two coordinates of a network.

Each is a :class:`~chainrule.landscape.functions.TestFunction` of two numbers
whose value and gradient come from the model's own graph on the engine, so
:func:`chainrule.landscape.race_function` races on it, and its surface comes
from :mod:`chainrule.landscape` (``slice_2d``, ``surface``). Everything not on
the plane stays frozen where it started, and the page says which parameters.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule import landscape, models
from chainrule.autodiff import Tensor
from chainrule.landscape.functions import TestFunction

MLP_SLICE = "mlp-slice"
SLICE_SPAN = 1.5
COORDINATE_SPAN = 4.0


@functools.cache
def slice_arrays() -> tuple[
    np.ndarray, np.ndarray, dict[str, np.ndarray], dict[str, np.ndarray], dict[str, np.ndarray]
]:
    """X, y, the MLP's initial parameters θ0 and two filter-normalised directions."""
    X, y = models.get("mlp").sample(0)
    theta = slice_model().params
    d1 = landscape.random_direction(theta, seed=1)
    d2 = landscape.random_direction(theta, seed=2)
    return X, y, theta, d1, d2


def slice_model() -> models.Model:
    """A fresh copy of the sliced MLP (2-8-1, tanh, seed 0), sized for its sample data."""
    return models.build("mlp", n_features=2, hidden_layers=[8], activation="tanh", seed=0)


@functools.cache
def mlp_slice() -> TestFunction:
    """The MLP's loss on the plane θ0 + α·d1 + β·d2, as a function of (α, β).

    Every weight and bias moves only along the two directions; the gradient an
    optimizer sees is (∇L·d1, ∇L·d2), from the engine through the model's graph.
    """
    X, y, theta, d1, d2 = slice_arrays()
    model = slice_model()
    frozen = ", ".join(theta)

    def f(a: Any, b: Any) -> Any:
        return model.loss_graph({k: theta[k] + a * d1[k] + b * d2[k] for k in theta}, X, y)

    span = ((-SLICE_SPAN, SLICE_SPAN), (-SLICE_SPAN, SLICE_SPAN))
    return TestFunction(
        "MLP slice", f"L(θ0 + α d1 + β d2); {frozen} move only along d1, d2", f, (1.2, 1.0),
        span, None,
    )  # fmt: skip


def slice_surface(resolution: int) -> landscape.Surface:
    """The MLP's loss over the slice's window."""
    X, y, theta, d1, d2 = slice_arrays()
    grid = np.linspace(-SLICE_SPAN, SLICE_SPAN, resolution)
    return landscape.slice_2d(slice_model(), X, y, d1, d2, grid, grid, center=theta)


@dataclass(frozen=True)
class Coordinates:
    """Two entries of one network's parameters, every other entry frozen at its start."""

    label: str
    model: str
    n_hidden: int
    axes: tuple[tuple[str, tuple[int, int]], tuple[str, tuple[int, int]]]

    def build(self) -> tuple[models.Model, np.ndarray, np.ndarray]:
        """A fresh model (seed 0) and its registry sample problem X (n, m), y (1, m)."""
        spec = models.get(self.model)
        X, y = spec.sample(0)
        return models.build(self.model, X.shape[0], n_hidden=self.n_hidden, seed=0), X, y

    def center(self) -> tuple[float, float]:
        model, _, _ = self.build()
        return tuple(float(model.params[n][i]) for n, i in self.axes)  # type: ignore[return-value]

    def window(self) -> tuple[tuple[float, float], tuple[float, float]]:
        cx, cy = self.center()
        s = COORDINATE_SPAN
        return (cx - s, cx + s), (cy - s, cy + s)

    @functools.cache  # noqa: B019 - a few module-level instances, never freed anyway
    def function(self) -> TestFunction:
        """L as a function of the two entries, by the engine through the model's graph."""
        model, X, y = self.build()
        theta = {k: v.copy() for k, v in model.params.items()}
        ones = []
        for name, index in self.axes:
            one = np.zeros_like(theta[name])
            one[index] = 1.0
            ones.append((name, index, one))

        def f(u: Any, v: Any) -> Any:
            params: dict[str, Any] = {k: Tensor(v) for k, v in theta.items()}
            for (name, index, one), t in zip(ones, (u, v), strict=True):
                params[name] = params[name] + (t - theta[name][index]) * one
            return model.loss_graph(params, X, y)

        frozen = ", ".join(theta)
        (xl, xh), (yl, yh) = self.window()
        cx, cy = self.center()
        return TestFunction(
            self.label,
            f"L of {self.model} with every other entry of {frozen} frozen at its start",
            f, (cx + 1.5, cy - 1.5), ((xl, xh), (yl, yh)), None,
        )  # fmt: skip

    def surface(self, resolution: int) -> landscape.Surface:
        model, X, y = self.build()
        return landscape.surface(model, X, y, self.axes, span=self.window(), resolution=resolution)


COORDINATES: dict[str, Coordinates] = {
    "sigmoid-readout": Coordinates(
        "seed 000 two-layer sigmoid: w2[0,0], w2[0,1]",
        "two-layer-sigmoid", 2, (("w2", (0, 0)), ("w2", (0, 1))),
    ),
    "sigmoid-first-layer": Coordinates(
        "seed 000 two-layer sigmoid: W1[0,0], b1[0,0]",
        "two-layer-sigmoid", 2, (("W1", (0, 0)), ("b1", (0, 0))),
    ),
}  # fmt: skip
"""Surface key -> two coordinates of a worked network."""
