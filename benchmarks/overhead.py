"""Case E: the engine's overhead on tiny arrays: one operation, one backward round trip."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr
from benchmarks.harness import Impl, Row, measure, skipped

X = np.array([[0.5, -1.0], [2.0, 0.25]])


def run(rounds: int) -> list[Row]:
    rows: list[Row] = []
    op: list[Impl] = [
        Impl("numpy", lambda: ((lambda: X + X), None)),
        Impl("chainrule engine", lambda: (_engine_op(), None)),
    ]
    by_hand = Impl("numpy (by hand)", lambda: ((lambda: {"g": 2.0 * X}), lambda: {"g": 2.0 * X}))
    trip: list[Impl] = [by_hand, Impl("chainrule engine", _engine_trip)]
    try:
        import torch

        t = torch.tensor(X, requires_grad=True)
        op.append(Impl("pytorch eager", lambda: ((lambda: t + t), None)))
        trip.append(Impl("pytorch eager", lambda: _torch_trip(torch)))
    except ImportError:
        rows.append(skipped("E", "2×2", "pytorch eager", "not installed"))
    try:
        from micrograd.engine import Value

        values = [Value(float(v)) for v in X.ravel()]
        op.append(Impl("micrograd", lambda: ((lambda: [v + v for v in values]), None)))
        trip.append(Impl("micrograd", lambda: _micrograd_trip(Value)))
    except ImportError:
        rows.append(skipped("E", "2×2", "micrograd", "not installed"))
    rows += measure("E", "one add of 2×2 arrays", op, rounds)
    rows += measure("E", "2×2: L = sum(x ⊙ x), backward, read the gradient", trip, rounds)
    return rows


def _engine_op() -> Callable[[], Any]:
    t = cr.Tensor(X, requires_grad=True)
    return lambda: t + t


def _engine_trip() -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]]]:
    t = cr.Tensor(X, requires_grad=True)
    box: dict[str, Any] = {}

    def step() -> None:
        (t * t).sum().backward()
        box["g"] = t.grad
        t.grad = None

    return step, lambda: {"g": box["g"]}


def _torch_trip(torch: Any) -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]]]:
    t = torch.tensor(X, requires_grad=True)
    box: dict[str, Any] = {}

    def step() -> None:
        (t * t).sum().backward()
        box["g"] = t.grad
        t.grad = None

    return step, lambda: {"g": box["g"].numpy()}


def _micrograd_trip(Value: Any) -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]]]:
    values = [Value(float(v)) for v in X.ravel()]
    box: dict[str, Any] = {}

    def step() -> None:
        for v in values:
            v.grad = 0.0
        total = sum((v * v for v in values), Value(0.0))
        total.backward()
        box["g"] = np.array([v.grad for v in values]).reshape(2, 2)

    return step, lambda: {"g": box["g"]}
