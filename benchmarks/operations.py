"""Case G: the operation families (elementwise, reductions, indexing) against the
same NumPy expression, at 10⁴ and 10⁶ elements.

For each family, two rows: the forward alone (engine on a Tensor that requires
grad, so the graph is recorded, against the NumPy expression), and a round
trip (forward, backward, read the gradient) against the forward and the
hand-written gradient in NumPy. The aim is at most 1.3× NumPy from 10⁴
elements up: the engine's per-operation cost is then small beside the work.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr
from benchmarks.harness import Impl, Row, measure

SIZES = ((100, 100), (1000, 1000))


def run(rounds: int) -> list[Row]:
    rows: list[Row] = []
    for shape in SIZES:
        x = np.random.default_rng(0).standard_normal(shape)
        size = f"{shape[0]}×{shape[1]}"
        for family, (numpy_forward, engine_forward, numpy_trip, engine_expr) in _families(
            x
        ).items():
            rows += measure(
                "G",
                f"{family} forward, {size}",
                [
                    Impl("numpy", lambda f=numpy_forward: (f, None)),  # type: ignore[misc]
                    Impl("chainrule engine", lambda f=engine_forward: (f(), None)),  # type: ignore[misc]
                ],
                rounds,
            )
            rows += measure(
                "G",
                f"{family} forward + gradient, {size}",
                [
                    Impl("numpy (by hand)", lambda f=numpy_trip: _numpy_trip(f)),  # type: ignore[misc]
                    Impl("chainrule engine", lambda e=engine_expr, a=x: _engine_trip(e, a)),  # type: ignore[misc]
                ],
                rounds,
            )
    return rows


def _families(x: np.ndarray) -> dict[str, tuple[Any, Any, Any, Any]]:
    rows = np.random.default_rng(1).integers(0, x.shape[0], x.shape[0] // 2)

    def sin_trip() -> dict[str, np.ndarray]:
        np.sin(x).sum()
        return {"g": np.cos(x)}

    def max_trip() -> dict[str, np.ndarray]:
        m = np.max(x, axis=0, keepdims=True)
        chosen = x == m
        return {"g": chosen / chosen.sum(axis=0, keepdims=True)}

    def index_trip() -> dict[str, np.ndarray]:
        x[rows, 1:].sum()
        g = np.zeros_like(x)
        np.add.at(g, (rows, slice(1, None)), 1.0)
        return {"g": g}

    def engine(expr: Callable[[cr.Tensor], cr.Tensor]) -> Callable[[], Callable[[], Any]]:
        def make() -> Callable[[], Any]:
            t = cr.Tensor(x, requires_grad=True)
            return lambda: expr(t)

        return make

    return {
        "elementwise (sin)": (
            lambda: np.sin(x),
            engine(lambda t: t.sin()),
            sin_trip,
            lambda t: t.sin(),
        ),
        "reduction (max over axis 0)": (
            lambda: np.max(x, axis=0),
            engine(lambda t: t.max(axis=0)),
            max_trip,
            lambda t: t.max(axis=0),
        ),
        "indexing (rows by an int array, then a slice)": (
            lambda: x[rows, 1:],
            engine(lambda t: t[rows, 1:]),
            index_trip,
            lambda t: t[rows, 1:],
        ),
    }


def _numpy_trip(
    f: Callable[[], dict[str, np.ndarray]],
) -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]]]:
    box: dict[str, Any] = {}

    def step() -> None:
        box.update(f())

    return step, lambda: box


def _engine_trip(
    expr: Callable[[cr.Tensor], cr.Tensor], x: np.ndarray
) -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]]]:
    t = cr.Tensor(x, requires_grad=True)
    box: dict[str, Any] = {}

    def step() -> None:
        expr(t).sum().backward()
        box["g"] = t.grad
        t.grad = None

    return step, lambda: {"g": box["g"]}
