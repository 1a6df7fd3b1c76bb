"""Curvature of a loss: Hessians, Hessian-vector products, and the sharpness
(the top Hessian eigenvalue) at a point and along a training trajectory.

The top eigenvalue λ_max of the Hessian says how curved the loss is in its
most curved direction: on a quadratic, gradient descent with step η
converges only while η < 2/λ_max, so plotting λ_max along a run shows
whether the learning rate fits the landscape. It is found by power iteration
on Hessian-vector products (:func:`chainrule.hvp`, two reverse passes each),
never forming the Hessian, so it works for models of any size.

:func:`model_hessian` and :func:`function_hessian` form the full Hessian, for
small models: they are what :func:`chainrule.optim.newton` takes. Parameters
are dicts of arrays; a flattened vector or matrix follows the order of
:func:`chainrule.optim.newton.flatten` (keys in order, each array row-major).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.autodiff import Tensor, hessian, hvp
from chainrule.landscape.functions import TestFunction
from chainrule.landscape.trajectories import Trajectory
from chainrule.models import Model
from chainrule.optim.newton import flatten, unflatten
from chainrule.train import History

Params = dict[str, np.ndarray]
HessianVectorProduct = Callable[[Params], Params]


@dataclass(frozen=True)
class TopEigen:
    """The largest eigenvalue of a Hessian and how it was found.

    Attributes:
        value: λ_max, the largest (most positive) eigenvalue.
        vector: its unit eigenvector, shaped like the parameters.
        iterations: Hessian-vector products used.
        converged: whether successive estimates agreed to the tolerance.
    """

    value: float
    vector: Params
    iterations: int
    converged: bool


def top_eigenvalue(
    product: HessianVectorProduct,
    like: Params,
    max_iterations: int = 1000,
    tol: float = 1e-10,
    seed: int = 0,
) -> TopEigen:
    """λ_max of a symmetric operator given as Hessian-vector products, by power iteration.

    Power iteration finds the eigenvalue of largest magnitude, ρ, which may
    be negative, or tied with −ρ at a saddle. So it runs twice when needed:
    on H, giving ρ = ‖H v‖, then on H + ρ I, whose eigenvalues λ + ρ are all
    ≥ 0, so its dominant one is λ_max + ρ. The answer's absolute error is
    then about ``tol`` · ρ.

    Args:
        product: v ↦ H v on dicts of arrays shaped as ``like``.
        like: the parameters (only their names and shapes are used).
        max_iterations: products allowed per run.
        tol: stop when two successive estimates differ by at most
            ``tol`` times their size.
        seed: seeds the random start vector.
    """
    if max_iterations < 1:
        raise ValueError(f"max_iterations must be >= 1, got {max_iterations!r}")
    n = sum(np.size(v) for v in like.values())
    if n == 0:
        raise ValueError("top_eigenvalue: the parameters have no entries")

    def apply(v: np.ndarray) -> np.ndarray:
        return flatten(product(unflatten(v, like)))

    start = np.random.default_rng(seed).standard_normal(n)
    rho, v, used, converged = _power(apply, start / np.linalg.norm(start), max_iterations, tol)
    rayleigh = float(v @ apply(v))
    used += 1
    if rho == 0.0 or abs(rayleigh - rho) <= tol * rho:
        return TopEigen(rayleigh if rho else 0.0, unflatten(v, like), used, converged)
    shifted, v, more, converged = _power(
        lambda u: apply(u) + rho * u, start / np.linalg.norm(start), max_iterations, tol
    )
    return TopEigen(shifted - rho, unflatten(v, like), used + more, converged)


def _power(
    apply: Callable[[np.ndarray], np.ndarray], v: np.ndarray, max_iterations: int, tol: float
) -> tuple[float, np.ndarray, int, bool]:
    """The dominant magnitude ‖A v‖ and its vector, by power iteration from unit ``v``."""
    previous = None
    for i in range(1, max_iterations + 1):
        w = apply(v)
        norm = float(np.linalg.norm(w))
        if not np.isfinite(norm):
            raise FloatingPointError("top_eigenvalue: a Hessian-vector product is not finite")
        if norm == 0.0:
            return 0.0, v, i, True
        v = w / norm
        if previous is not None and abs(norm - previous) <= tol * norm:
            return norm, v, i, True
        previous = norm
    return norm, v, max_iterations, False


def model_loss(model: Model, X: np.ndarray, y: np.ndarray) -> Callable[..., Tensor]:
    """The model's loss as a function of its parameters, one Tensor per key in order."""
    X, y = model.check_data(X, y)
    names = list(model.params)

    def loss(*tensors: Tensor) -> Tensor:
        return model.loss_graph(dict(zip(names, tensors, strict=True)), X, y)

    return loss


def model_hvp(
    model: Model, X: np.ndarray, y: np.ndarray, params: Params | None = None
) -> HessianVectorProduct:
    """v ↦ H v for the model's loss on (X, y) at ``params`` (default: the model's)."""
    at = {k: np.asarray(v, dtype=np.float64) for k, v in (params or model.params).items()}
    names = list(at)
    product = hvp(model_loss(model, X, y), argnums=tuple(range(len(names))))

    def apply(v: Params) -> Params:
        out = product(*(at[k] for k in names), tuple(v[k] for k in names))
        return dict(zip(names, out, strict=True))

    return apply


def model_hessian(model: Model, X: np.ndarray, y: np.ndarray) -> Callable[[Params], np.ndarray]:
    """params ↦ the Hessian of the model's loss on (X, y), an (n, n) matrix.

    n is the number of parameter entries; one reverse pass per entry, so
    meant for small models (this is what :func:`chainrule.optim.newton` takes).
    """
    loss = model_loss(model, X, y)
    return lambda params: _assemble(loss, params)


def function_hessian(fn: TestFunction) -> Callable[[Params], np.ndarray]:
    """{"p": (2,)} ↦ the (2, 2) Hessian of a test function at the point p, as
    :func:`~chainrule.landscape.trajectories.race_function` holds its params."""
    return lambda params: _assemble(_of_point(fn), _point_params(params))


def sharpness(
    model: Model, X: np.ndarray, y: np.ndarray, params: Params | None = None, **options: Any
) -> TopEigen:
    """The top Hessian eigenvalue of the model's loss at ``params`` (default: the model's).

    ``options`` go to :func:`top_eigenvalue`.
    """
    at = params or model.params
    return top_eigenvalue(model_hvp(model, X, y, at), at, **options)


def sharpness_along(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    trajectory: History | Sequence[Params],
    **options: Any,
) -> np.ndarray:
    """λ_max at every point of a run: shape (len(points),).

    Args:
        trajectory: a History recorded with ``fit(..., record=["params"])``,
            or a list of parameter dicts (slice it, ``history.params[::10]``,
            to evaluate fewer points).
        options: passed to :func:`top_eigenvalue`.
    """
    points = trajectory.params if isinstance(trajectory, History) else trajectory
    if points is None:
        raise ValueError("the History has no trajectory: fit(..., record=['params'])")
    return np.array([sharpness(model, X, y, p, **options).value for p in points])


def function_sharpness_along(fn: TestFunction, trajectory: Trajectory) -> np.ndarray:
    """λ_max of a test function's (2, 2) Hessian at every point of a trajectory: (steps + 1,)."""
    f = _of_point(fn)
    return np.array(
        [
            np.linalg.eigvalsh(_assemble(f, {"x": np.array(p[0]), "y": np.array(p[1])}))[-1]
            for p in trajectory.points
        ]
    )


def _of_point(fn: TestFunction) -> Callable[..., Tensor]:
    return lambda x, y: fn.f(x, y)


def _point_params(params: Params) -> Params:
    p = np.asarray(params["p"], dtype=np.float64)
    if p.shape != (2,):
        raise ValueError(f"a test function's params are {{'p': (2,)}}, got p of shape {p.shape}")
    return {"x": p[0], "y": p[1]}


def _assemble(loss: Callable[..., Tensor], params: Params) -> np.ndarray:
    """The full (n, n) Hessian of ``loss(*params.values())`` from its blocks."""
    names = list(params)
    values = [np.asarray(params[k], dtype=np.float64) for k in names]
    blocks = hessian(loss, argnums=tuple(range(len(names))))(*values)
    sizes = [v.size for v in values]
    return np.block(
        [
            [np.reshape(blocks[a][b], (sizes[a], sizes[b])) for b in range(len(names))]
            for a in range(len(names))
        ]
    )
