"""Newton's method and damped Newton, as transformations like every optimizer here.

A second-order step needs the Hessian of the loss, which the optimizer layer
cannot compute (it imports NumPy only). The caller passes it in, once, when
the optimizer is made: ``hessian`` is either a fixed (n, n) matrix (a
quadratic loss) or a function ``hessian(params) -> (n, n) array``, evaluated
at the current parameters on every update. ``n`` is the number of
parameter entries, and rows and columns follow the parameters flattened
in the order of the params dict, each array row-major (``np.ravel``), the
order :func:`flatten` uses. :func:`chainrule.landscape.curvature.model_hessian`
and :func:`~chainrule.landscape.curvature.function_hessian` build such a
function from a model or a test function with :func:`chainrule.hessian`.

    opt = optim.newton(curvature.model_hessian(model, X, y))
    state = opt.init(params)
    updates, state = opt.update(grads, state, params)   # params are required

Newton solves H d = g and steps p ← p − η d (η = 1: the minimum of the local
quadratic model, reached in one step when the loss is quadratic). It goes
to a saddle or a maximum as readily as to a minimum, since it only finds
where the gradient vanishes. Damped Newton (Levenberg–Marquardt damping)
solves (H + λ I) d = g instead: λ → 0 gives Newton, a large λ gives
gradient descent with step η/λ, and λ above −(smallest eigenvalue of H)
makes the step a descent direction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

from chainrule.optim.base import GradientTransformation, Params, chain
from chainrule.optim.transforms import scale_by_learning_rate

Hessian = np.ndarray | Callable[[Params], np.ndarray]


class NewtonState(NamedTuple):
    """The curvature seen at the last update (None before the first).

    Attributes:
        smallest_eigenvalue: the smallest eigenvalue of the (undamped)
            Hessian there; negative means the step did not aim at a minimum.
    """

    smallest_eigenvalue: float | None


def flatten(tree: Params) -> np.ndarray:
    """The arrays of ``tree`` as one vector (n,), in key order, each row-major."""
    return np.concatenate([np.ravel(v) for v in tree.values()]) if tree else np.zeros(0)


def unflatten(vector: np.ndarray, like: Params) -> Params:
    """The inverse of :func:`flatten`: ``vector`` (n,) cut into arrays shaped as ``like``."""
    out, start = {}, 0
    for k, v in like.items():
        size = np.size(v)
        out[k] = vector[start : start + size].reshape(np.shape(v))
        start += size
    return out


def scale_by_newton(hessian: Hessian, damping: float = 0.0) -> GradientTransformation:
    """u ← (H + damping · I)⁻¹ u, with H the Hessian at the current params (see module)."""

    def init(params: Params) -> NewtonState:
        return NewtonState(None)

    def update(u: Params, state: NewtonState, params: Params | None) -> tuple[Params, NewtonState]:
        if params is None:
            raise ValueError("a Newton step needs params passed to update(grads, state, params)")
        g = flatten(u)
        n = g.size
        H = np.asarray(hessian(params) if callable(hessian) else hessian, dtype=np.float64)
        if H.shape != (n, n):
            raise ValueError(
                f"newton: the Hessian has shape {H.shape}, but the parameters have {n} "
                f"entries ({', '.join(f'{k} {np.shape(v)}' for k, v in u.items())}), so it "
                f"must be ({n}, {n}), rows and columns in the order of optim.newton.flatten"
            )
        if not np.all(np.isfinite(H)):
            raise FloatingPointError("newton: the Hessian holds nan or inf at these parameters")
        smallest = float(np.linalg.eigvalsh((H + H.T) / 2)[0]) if n else None
        try:
            d = np.linalg.solve(H + damping * np.eye(n), g)
        except np.linalg.LinAlgError:
            raise np.linalg.LinAlgError(
                f"newton: H + {damping:g} I is singular at these parameters (smallest "
                f"eigenvalue of H: {smallest:.3g}); use damped_newton with damping > 0"
            ) from None
        return unflatten(d, u), NewtonState(smallest)

    return GradientTransformation(init, update, "scale_by_newton", {"damping": damping})


def newton(hessian: Hessian, lr: float = 1.0) -> GradientTransformation:
    """Newton's method: p ← p − η H⁻¹ g.

    Args:
        hessian: an (n, n) matrix or a function of the params returning one
            (see the module docstring for the order of the entries).
        lr: η, the fraction of the Newton step taken (1: the full step).
    """
    _positive("lr", lr)
    return chain(scale_by_newton(hessian), scale_by_learning_rate(lr), name="newton", lr=lr)


def damped_newton(
    hessian: Hessian, lr: float = 1.0, damping: float = 1e-2
) -> GradientTransformation:
    """Damped Newton: p ← p − η (H + λ I)⁻¹ g (Levenberg–Marquardt damping λ).

    Args:
        hessian: as in :func:`newton`.
        lr: η, the fraction of the damped step taken.
        damping: λ > 0; the step shrinks toward −(η/λ) g as λ grows, and it is
            a descent direction wherever H + λ I is positive definite.
    """
    _positive("lr", lr)
    _positive("damping", damping)
    return chain(
        scale_by_newton(hessian, damping),
        scale_by_learning_rate(lr),
        name="damped_newton",
        lr=lr,
        damping=damping,
    )


def _positive(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
