"""Gradient checking: the engine's gradients against central differences."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

from chainrule.autodiff import Tensor, no_grad, value_and_grad
from chainrule.gradcheck.report import GradcheckReport, InputCheck

Mode = Literal["auto", "elements", "directions"]


def gradcheck(
    f: Callable[..., Any],
    *arrays: Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    mode: Mode = "auto",
    n_directions: int = 8,
    max_elements: int = 2000,
    seed: int = 0,
) -> GradcheckReport:
    """Compares the engine's gradient of ``f`` with central differences.

    For each input ``x`` and each element ``j`` the numeric derivative is
    ``(h(x + eps e_j) − h(x − eps e_j)) / (2 eps)``; an element passes when
    ``|analytic − numeric| ≤ atol + rtol·|numeric|`` (PyTorch's test, with its
    defaults).

    Everything is computed in float64: inputs of another float type are
    copied to float64 and the report says so, because a central difference in
    float32 has errors near 1e-2 whatever ``eps`` is. If ``f`` returns more
    than one value, the scalar checked is ``h = Σ f(x) ⊙ v`` for a fixed random
    ``v``, which exercises the gradient of every output.

    Args:
        f: a function of Tensors (one per array) returning a Tensor.
        *arrays: the point to check at, one array per argument of ``f``;
            shapes are free.
        eps: the finite-difference step.
        atol, rtol: absolute and relative tolerance of the comparison.
        mode: ``"elements"`` perturbs every element (2·size evaluations of
            ``f`` per input); ``"directions"`` compares ``n_directions``
            directional derivatives ``∇h·d`` along random unit vectors ``d``,
            for large inputs; ``"auto"`` uses elements for inputs of at most
            ``max_elements`` elements and directions above.
        n_directions: directions per input in directional mode.
        max_elements: the size above which ``"auto"`` switches to directions.
        seed: seeds the output weights ``v`` and the random directions.

    Returns:
        A :class:`GradcheckReport`: truthy when every input passed; ``str``
        gives a readable table with the largest errors and where they are.
    """
    if not arrays:
        raise TypeError("gradcheck(f, *arrays) needs at least one array to check at")
    if eps <= 0 or atol < 0 or rtol < 0:
        raise ValueError(
            f"gradcheck: need eps > 0, atol >= 0, rtol >= 0; got {eps}, {atol}, {rtol}"
        )
    if mode not in ("auto", "elements", "directions"):
        raise ValueError(
            f"gradcheck: mode must be 'auto', 'elements' or 'directions', got {mode!r}"
        )
    if n_directions < 1:
        raise ValueError(f"gradcheck: n_directions must be at least 1, got {n_directions}")

    notes: list[str] = []
    points = []
    for i, a in enumerate(arrays):
        original = Tensor(a).data
        if original.dtype != np.float64:
            notes.append(
                f"input {i} is {original.dtype}: checked in float64, since central "
                f"differences in {original.dtype} are too coarse to compare with"
            )
        points.append(np.array(original, dtype=np.float64))

    rng = np.random.default_rng(seed)
    with no_grad():
        out = f(*[Tensor(p) for p in points])
    if not isinstance(out, Tensor):
        raise TypeError(f"gradcheck: f must return a Tensor, got {type(out).__name__}")
    if out.dtype != np.float64:
        notes.append(
            f"f returned {out.dtype} for float64 inputs: it converts to lower "
            "precision inside, so numeric derivatives are inaccurate"
        )
    weights = None
    if out.size != 1:
        weights = rng.standard_normal(out.shape)
        notes.append(
            f"f returned shape {out.shape}: checked h = sum(f * v) for a fixed "
            "random v, which tests the gradient of every output"
        )

    def h(*tensors: Tensor) -> Tensor:
        y: Tensor = f(*tensors)
        return y.sum() if weights is None else (y * weights).sum()

    def h_value(values: list[np.ndarray]) -> float:
        with no_grad():
            return float(h(*[Tensor(v) for v in values]).data)

    _, analytic = value_and_grad(h, argnums=tuple(range(len(points))))(*points)
    checks = []
    for i, (point, g) in enumerate(zip(points, analytic, strict=True)):
        use_directions = mode == "directions" or (mode == "auto" and point.size > max_elements)
        if use_directions:
            a_vals, n_vals = _directional(h_value, points, i, g, eps, n_directions, rng)
            kind = "directions"
        else:
            a_vals, n_vals = g.reshape(-1), _elementwise(h_value, points, i, eps)
            kind = "elements"
        checks.append(_compare(i, point.shape, kind, a_vals, n_vals, atol, rtol))
    return GradcheckReport(tuple(checks), eps=eps, atol=atol, rtol=rtol, notes=tuple(notes))


def _elementwise(
    h_value: Callable[[list[np.ndarray]], float], points: list[np.ndarray], i: int, eps: float
) -> np.ndarray:
    values = list(points)
    x = points[i].copy()
    values[i] = x
    flat = x.reshape(-1)
    numeric = np.empty(flat.size)
    for j in range(flat.size):
        saved = flat[j]
        flat[j] = saved + eps
        plus = h_value(values)
        flat[j] = saved - eps
        minus = h_value(values)
        flat[j] = saved
        numeric[j] = (plus - minus) / (2 * eps)
    return numeric


def _directional(
    h_value: Callable[[list[np.ndarray]], float],
    points: list[np.ndarray],
    i: int,
    g: np.ndarray,
    eps: float,
    n: int,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    values = list(points)
    analytic = np.empty(n)
    numeric = np.empty(n)
    for k in range(n):
        d = rng.standard_normal(points[i].shape)
        d /= np.linalg.norm(d) or 1.0
        values[i] = points[i] + eps * d
        plus = h_value(values)
        values[i] = points[i] - eps * d
        minus = h_value(values)
        analytic[k] = float(np.sum(g * d))
        numeric[k] = (plus - minus) / (2 * eps)
    return analytic, numeric


def _compare(
    i: int,
    shape: tuple[int, ...],
    kind: str,
    analytic: np.ndarray,
    numeric: np.ndarray,
    atol: float,
    rtol: float,
) -> InputCheck:
    if analytic.size == 0:
        return InputCheck(i, shape, kind, 0, 0.0, 0.0, None, 0.0, 0.0, True)
    err = np.abs(analytic - numeric)
    scale = np.maximum(np.abs(analytic), np.abs(numeric))
    with np.errstate(divide="ignore", invalid="ignore"):
        rel = np.where(scale > 0, err / scale, 0.0)
    excess = err - (atol + rtol * np.abs(numeric))
    finite = np.isfinite(analytic) & np.isfinite(numeric)
    excess = np.where(finite, excess, np.inf)
    worst = int(np.argmax(excess))
    where: tuple[int, ...] = (
        tuple(int(k) for k in np.unravel_index(worst, shape)) if kind == "elements" else (worst,)
    )
    return InputCheck(
        index=i,
        shape=shape,
        kind=kind,
        checked=analytic.size,
        max_abs_error=float(np.max(np.where(finite, err, np.inf))),
        max_rel_error=float(np.max(np.where(finite, rel, np.inf))),
        worst_index=where,
        analytic=float(analytic[worst]),
        numeric=float(numeric[worst]),
        passed=bool(np.all(excess <= 0)),
    )
