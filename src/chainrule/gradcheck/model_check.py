"""Checks a model's hand-derived gradients against the engine and finite differences."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.display import heading, table
from chainrule.gradcheck.check import _compare, _elementwise


@dataclass(frozen=True)
class ParameterCheck:
    """One parameter: the hand-derived gradient against the engine and central differences."""

    name: str
    shape: tuple[int, ...]
    engine_max_abs: float  # max |hand − engine|
    engine_max_rel: float
    numeric_max_abs: float  # max |hand − central difference|
    numeric_max_rel: float
    passed: bool


@dataclass(frozen=True)
class ModelCheck:
    """All parameters of one model; truthy when every one passed."""

    model: str
    parameters: tuple[ParameterCheck, ...]

    @property
    def passed(self) -> bool:
        return all(p.passed for p in self.parameters)

    def __bool__(self) -> bool:
        return self.passed

    def _repr_html_(self) -> str:
        """A notebook's view: the verdict and one table row per parameter."""
        verdict = "passed" if self.passed else "FAILED"
        rows = [
            (
                p.name,
                str(p.shape),
                f"{p.engine_max_abs:.2e}",
                f"{p.engine_max_rel:.2e}",
                f"{p.numeric_max_abs:.2e}",
                f"{p.numeric_max_rel:.2e}",
                "ok" if p.passed else "FAIL",
            )
            for p in self.parameters
        ]
        headers = ("parameter", "shape", "vs engine: abs", "rel", "vs numeric: abs", "rel")
        return heading(f"{self.model}: hand-derived gradients {verdict}") + table(
            (*headers, "result"), rows
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "passed": self.passed,
            "parameters": [p.__dict__ | {"shape": list(p.shape)} for p in self.parameters],
        }


def check_model(
    model: Any,
    X: np.ndarray,
    y: np.ndarray,
    eps: float = 1e-6,
    atol: float = 1e-7,
    rtol: float = 1e-5,
) -> ModelCheck:
    """Compares ``model.gradients`` with ``model.autodiff_gradients`` and with
    central differences of ``model.loss``, parameter by parameter.

    ``model`` is any chainrule model (it needs ``params``, ``loss``,
    ``gradients`` and ``autodiff_gradients``). The engine must agree with the
    hand-derived gradient to 1e-9 relative (they compute the same numbers in a
    different order); the finite differences within ``atol + rtol·|numeric|``.
    The model's parameters are restored afterwards.
    """
    hand = model.gradients(X, y)
    engine = model.autodiff_gradients(X, y)
    numerics = numeric_gradients(model, X, y, eps)
    names = list(model.params)
    rows = []
    for i, name in enumerate(names):
        shape = numerics[name].shape
        numeric = numerics[name].reshape(-1)
        vs_numeric = _compare(i, shape, "elements", hand[name].reshape(-1), numeric, atol, rtol)
        diff = np.abs(hand[name] - engine[name])
        scale = np.maximum(np.abs(hand[name]), np.abs(engine[name]))
        with np.errstate(divide="ignore", invalid="ignore"):
            rel = np.where(scale > 0, diff / scale, 0.0)
        engine_ok = bool(np.all(diff <= 1e-12 + 1e-9 * scale))
        rows.append(
            ParameterCheck(
                name,
                shape,
                float(diff.max(initial=0.0)),
                float(rel.max(initial=0.0)),
                vs_numeric.max_abs_error,
                vs_numeric.max_rel_error,
                engine_ok and vs_numeric.passed,
            )
        )
    return ModelCheck(type(model).__name__, tuple(rows))


def numeric_gradients(
    model: Any, X: np.ndarray, y: np.ndarray, eps: float = 1e-6
) -> dict[str, np.ndarray]:
    """Central differences of ``model.loss(X, y)``, element by element of every parameter.

    For each element θ_j: (L(θ + eps e_j) − L(θ − eps e_j)) / (2 eps), 2 losses
    per element. Returns parameter name -> an array of the parameter's shape,
    in float64. The model's parameters are restored afterwards.
    """
    if not eps > 0:
        raise ValueError(f"numeric_gradients: eps must be > 0, got {eps!r}")
    names = list(model.params)
    saved = dict(model.params)
    points = [np.array(saved[k], dtype=np.float64) for k in names]

    def loss_at(values: list[np.ndarray]) -> float:
        model.params.update(zip(names, values, strict=True))
        return float(model.loss(X, y))

    try:
        return {
            name: _elementwise(loss_at, points, i, eps).reshape(points[i].shape)
            for i, name in enumerate(names)
        }
    finally:
        model.params.update(saved)
