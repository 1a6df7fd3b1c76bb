"""The race's surfaces on real models: a random slice of an MLP, two coordinates of a network.

Each is a :class:`~chainrule.landscape.functions.TestFunction` of two numbers
whose value and gradient come from the model's own graph on the engine, so
:func:`chainrule.landscape.race_function` races on it, and its surface comes
from :mod:`chainrule.landscape` (``slice_2d``, ``surface``). Everything not on
the plane stays frozen where it started, and the page says which parameters.
"""

from __future__ import annotations

import functools
import re
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


WORKED: tuple[str, ...] = tuple(name for name in models.REGISTRY if name != "mlp")
"""The worked networks whose coordinates the race offers (the registry's, but the MLP)."""
NETWORK = "network"
_ENTRY = re.compile(r"^([A-Za-z]\w*)\[(\d+),(\d+)\]$")


def _hyper(model: str) -> dict[str, Any]:
    """Small hidden layers (2 units), so every entry can be listed in a menu."""
    return {"n_hidden": 2} if "n_hidden" in models.get(model).hyperparameter_names else {}


def network_problem(model: str) -> tuple[models.Model, np.ndarray, np.ndarray]:
    """A fresh worked network (seed 0) and its registry sample problem X (n, m), y."""
    if model not in WORKED:
        raise ValueError(f"network must be one of {', '.join(WORKED)}, got {model!r}")
    spec = models.get(model)
    X, y = spec.sample(0)
    net = models.build(model, X.shape[0], task=spec.tasks[0], seed=0, **_hyper(model))
    return net, X, y


@functools.cache
def entries(model: str) -> tuple[str, ...]:
    """Every entry of the network's parameters, as ``W1[0,1]``, in parameter order."""
    net = network_problem(model)[0]
    return tuple(
        f"{name}[{i},{j}]" for name, v in net.params.items() for i, j in np.ndindex(*v.shape)
    )


def parse_entry(model: str, text: Any) -> tuple[str, tuple[int, int]]:
    """``"W1[0,1]"`` as (name, index) of the network, or a ValueError naming what exists."""
    found = _ENTRY.match(str(text).replace(" ", "")) if isinstance(text, str) else None
    if found is None or f"{found[1]}[{found[2]},{found[3]}]" not in entries(model):
        names = ", ".join(f"{k} {v.shape[0]}×{v.shape[1]}" for k, v in
                          network_problem(model)[0].params.items())  # fmt: skip
        raise ValueError(
            f"{text!r} is not an entry of {model}: write it as W[i,j] with one of {names}"
        )
    return found[1], (int(found[2]), int(found[3]))


@functools.cache
def coordinates(model: str, x: str, y: str) -> Coordinates:
    """Two entries of a worked network, checked; every other entry frozen at its start."""
    axes = (parse_entry(model, x), parse_entry(model, y))
    if axes[0] == axes[1]:
        raise ValueError(f"choose two different entries, got {x} twice")
    return Coordinates(f"{model}: {x}, {y}", model, axes)


@dataclass(frozen=True)
class Coordinates:
    """Two entries of one network's parameters, every other entry frozen at its start."""

    label: str
    model: str
    axes: tuple[tuple[str, tuple[int, int]], tuple[str, tuple[int, int]]]

    @property
    def hyper(self) -> dict[str, Any]:
        """The hyperparameters the network is built with (besides its features)."""
        return _hyper(self.model)

    def build(self) -> tuple[models.Model, np.ndarray, np.ndarray]:
        """A fresh model (seed 0) and its registry sample problem X (n, m), y."""
        return network_problem(self.model)

    def frozen(self) -> str:
        """Every parameter with its values at the start, · where an axis moves."""
        params = self.build()[0].params
        parts = []
        for name, v in params.items():
            cells = [[f"{v[i, j]:.3g}" for j in range(v.shape[1])] for i in range(v.shape[0])]
            for axis_name, (i, j) in self.axes:
                if axis_name == name:
                    cells[i][j] = "·"
            parts.append(f"{name} = [" + "; ".join(" ".join(row) for row in cells) + "]")
        return ", ".join(parts)

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

        (xl, xh), (yl, yh) = self.window()
        cx, cy = self.center()
        return TestFunction(
            self.label,
            f"L of {self.model} over two entries (·), every other one frozen at its start: "
            f"{self.frozen()}",
            f, (cx + 1.5, cy - 1.5), ((xl, xh), (yl, yh)), None,
        )  # fmt: skip

    def surface(self, resolution: int) -> landscape.Surface:
        model, X, y = self.build()
        return landscape.surface(model, X, y, self.axes, span=self.window(), resolution=resolution)


COORDINATES: dict[str, Coordinates] = {
    "sigmoid-readout": Coordinates(
        "seed 000 two-layer sigmoid: w2[0,0], w2[0,1]",
        "two-layer-sigmoid", (("w2", (0, 0)), ("w2", (0, 1))),
    ),
    "sigmoid-first-layer": Coordinates(
        "seed 000 two-layer sigmoid: W1[0,0], b1[0,0]",
        "two-layer-sigmoid", (("W1", (0, 0)), ("b1", (0, 0))),
    ),
}  # fmt: skip
"""Surface key -> two coordinates of a worked network."""
