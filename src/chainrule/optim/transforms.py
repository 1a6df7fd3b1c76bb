"""The small transformations the optimizers are chained from.

Each takes the incoming updates ``u`` (at first the gradients ``g``) and
returns new ones; its state is a NamedTuple of dicts, never mutated.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from chainrule.optim.base import GradientTransformation, Params
from chainrule.optim.schedules import Schedule


def _zeros(params: Params) -> Params:
    return {k: np.zeros_like(v) for k, v in params.items()}


class EmptyState(NamedTuple):
    pass


class CountState(NamedTuple):
    step: int


class TraceState(NamedTuple):
    buffer: Params | None  # None until the first step


class EmaState(NamedTuple):
    velocity: Params


class RmsState(NamedTuple):
    square_avg: Params


class AdamState(NamedTuple):
    step: int
    mu: Params
    nu: Params


class SumState(NamedTuple):
    sum_of_squares: Params


def add_decayed_weights(weight_decay: float) -> GradientTransformation:
    """u ← u + weight_decay · p (L2 regularisation folded into the gradient)."""

    def init(params: Params) -> EmptyState:
        return EmptyState()

    def update(u: Params, state: EmptyState, params: Params | None) -> tuple[Params, EmptyState]:
        if params is None:
            raise ValueError("add_decayed_weights needs params passed to update()")
        return {k: u[k] + weight_decay * params[k] for k in u}, state

    return GradientTransformation(
        init, update, "add_decayed_weights", {"wd": weight_decay}, elementwise=True
    )


def trace(momentum: float, nesterov: bool = False) -> GradientTransformation:
    """PyTorch's momentum buffer: b ← μ b + u (b = u at the first step).

    Returns b, or u + μ b with Nesterov.
    """

    def init(params: Params) -> TraceState:
        return TraceState(None)

    def update(u: Params, state: TraceState, params: Params | None) -> tuple[Params, TraceState]:
        if state.buffer is None:
            buf = {k: np.array(v, copy=True) for k, v in u.items()}
        else:
            buf = {k: _plus(momentum * state.buffer[k], u[k]) for k in u}
        out = {k: _plus(momentum * buf[k], u[k]) for k in u} if nesterov else buf
        return out, TraceState(buf)

    return GradientTransformation(init, update, "trace", {"momentum": momentum}, elementwise=True)


def ema(decay: float) -> GradientTransformation:
    """The course's momentum: v ← β v + (1 − β) u, from v = 0; returns v."""
    keep = 1.0 - decay

    def init(params: Params) -> EmaState:
        return EmaState(_zeros(params))

    def update(u: Params, state: EmaState, params: Params | None) -> tuple[Params, EmaState]:
        v = {k: decay * state.velocity[k] + keep * g for k, g in u.items()}
        return v, EmaState(v)

    return GradientTransformation(init, update, "ema", {"decay": decay}, elementwise=True)


def scale_by_rms(alpha: float, eps: float) -> GradientTransformation:
    """s ← α s + (1 − α) u²; returns u / (√s + eps) (PyTorch's RMSprop, not centered)."""
    keep = 1.0 - alpha

    def init(params: Params) -> RmsState:
        return RmsState(_zeros(params))

    def update(u: Params, state: RmsState, params: Params | None) -> tuple[Params, RmsState]:
        s, out = {}, {}
        for k, g in u.items():
            s[k] = sk = _plus(alpha * state.square_avg[k], keep * (g * g))
            root = np.sqrt(sk)
            root += eps
            out[k] = g / root
        return out, RmsState(s)

    return GradientTransformation(
        init, update, "scale_by_rms", {"alpha": alpha, "eps": eps}, elementwise=True
    )


def scale_by_adam(b1: float, b2: float, eps: float) -> GradientTransformation:
    """Adam's direction, as PyTorch computes it.

    t ← t + 1;  m ← m + (1 − b1)(u − m);  v ← b2 v + (1 − b2) u²;
    returns (m / (1 − b1ᵗ)) / (√v / √(1 − b2ᵗ) + eps).
    """
    c1, c2 = 1.0 - b1, 1.0 - b2

    def init(params: Params) -> AdamState:
        return AdamState(0, _zeros(params), _zeros(params))

    def update(u: Params, state: AdamState, params: Params | None) -> tuple[Params, AdamState]:
        t = state.step + 1
        bc1 = 1.0 - b1**t
        bc2_sqrt = (1.0 - b2**t) ** 0.5
        mu, nu, out = {}, {}, {}
        for k, g in u.items():
            # The arithmetic of m + c1·(g − m), b2·v + c2·g² and
            # (m / (√v / bc2_sqrt + eps)) / bc1, each operation written into
            # one of three arrays made here (never into an argument or the old
            # state): the new m, the new v, and d, which holds c2·g² until v
            # is complete and then the step. (A 0-d operand gives NumPy
            # scalars, which `*=` rebinds: hence the names are stored once
            # each value is complete.)
            m = state.mu[k]
            mk = np.subtract(g, m)
            mk *= c1
            mk += m
            d = np.multiply(g, g)
            if isinstance(d, np.ndarray) and d.dtype.kind in "fc":
                d *= c2
            else:  # integer gradients (and NumPy scalars) promote
                d = d * c2
            nu[k] = nk = _plus(b2 * state.nu[k], d)
            into = _same_array_kind(d, nk)
            d = np.sqrt(nk, out=d) if into else np.sqrt(nk)
            d /= bc2_sqrt
            d += eps
            d = np.divide(mk, d, out=d) if _same_array_kind(d, mk) else mk / d
            d /= bc1
            mu[k], out[k] = mk, d
        return out, AdamState(t, mu, nu)

    return GradientTransformation(
        init, update, "scale_by_adam", {"b1": b1, "b2": b2, "eps": eps}, elementwise=True
    )


def _plus(made: Any, other: Any) -> Any:
    """``made + other``, written into ``made`` (an array the caller has just made,
    read by nothing else) where it can hold the sum exactly (see
    :func:`_same_array_kind`): the same numbers with one array fewer made."""
    if _same_array_kind(made, other):
        made += other
        return made
    return made + other


def _same_array_kind(out: Any, a: Any) -> bool:
    """Whether ``out`` can hold a result computed from ``a`` exactly: both arrays of
    one shape and dtype (a NumPy scalar or another dtype gets a new array)."""
    return (
        type(out) is np.ndarray
        and type(a) is np.ndarray
        and out.shape == a.shape
        and out.dtype == a.dtype
    )


def scale_by_adagrad(eps: float) -> GradientTransformation:
    """S ← S + u²; returns u / (√S + eps) (PyTorch's Adagrad, no lr decay)."""

    def init(params: Params) -> SumState:
        return SumState(_zeros(params))

    def update(u: Params, state: SumState, params: Params | None) -> tuple[Params, SumState]:
        s = {k: state.sum_of_squares[k] + u[k] * u[k] for k in u}
        return {k: u[k] / (np.sqrt(s[k]) + eps) for k in u}, SumState(s)

    return GradientTransformation(init, update, "scale_by_adagrad", {"eps": eps}, elementwise=True)


def scale_by_learning_rate(lr: float | Schedule) -> GradientTransformation:
    """u ← −lr(t) · u, where lr is a number or a schedule of the step t = 0, 1, ..."""

    def init(params: Params) -> CountState:
        return CountState(0)

    def update(u: Params, state: CountState, params: Params | None) -> tuple[Params, CountState]:
        rate = lr(state.step) if callable(lr) else lr
        return {k: -rate * v for k, v in u.items()}, CountState(state.step + 1)

    return GradientTransformation(
        init, update, "scale_by_learning_rate", {"lr": lr}, elementwise=True
    )


def current_lr(transformation: GradientTransformation, state: Any) -> float | None:
    """The learning rate the next update will use, found in a chain's state."""
    lr = transformation.lr
    if lr is None:
        return None
    if not callable(lr):
        return float(lr)
    states = state if isinstance(state, tuple) else (state,)
    for s in states:
        if isinstance(s, CountState):
            return float(lr(s.step))
    return float(lr(0))
