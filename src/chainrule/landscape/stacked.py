"""Full-batch races on a linear model, the racers stepped together from the data's sums.

A race of K optimizers on ŷ = w X + b with the mean squared error (a model
whose ``linear_readout`` reads ``X`` and holds all its parameters) would
spend its time in passes over the m examples. The loss is a quadratic in
θ = [w, b] (1, n + 1): with H = X over a row of ones,

    L(θ) = (θ G θᵀ − 2 θ c + s) / m       G = H Hᵀ, c = H yᵀ, s = y yᵀ
    ∇L(θ) = (2/m)(θ G − cᵀ)

so the sums G, c, s are read from the data once and every step costs a
(K, n + 1) @ (n + 1, n + 1) product for all K racers together. The numbers
are those of :func:`chainrule.train.fit` up to rounding (relative
differences about 1e-15, summed in another order). Each racer keeps its own
optimizer and state; an elementwise optimizer steps the racer's parameters
joined into one vector (fewer calls, the same numbers); a racer that
diverges leaves the stack and the others go on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

import numpy as np

from chainrule.models import Model
from chainrule.optim import GradientTransformation
from chainrule.train.fit import DIVERGENCE_FACTOR


class Path(NamedTuple):
    """One racer's path: points (steps + 1, 2), loss (steps + 1,), whether it diverged."""

    points: np.ndarray
    loss: np.ndarray
    diverged: bool


def readout_names(model: Model, params: Mapping[str, np.ndarray]) -> tuple[str, str] | None:
    """(weight, bias) when the race can use the data's sums, else None.

    The model's linear readout must read ``X`` and its parameters must be
    exactly the readout's weight (1, n) and bias (1, 1).
    """
    readout = model.linear_readout()
    if readout is None or readout[2] != "X" or set(params) != set(readout[:2]):
        return None
    weight, bias = readout[0], readout[1]
    if params[bias].shape != (1, 1) or params[weight].ndim != 2 or params[weight].shape[0] != 1:
        return None
    return weight, bias


def stacked_race(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    optimizers: Mapping[str, GradientTransformation],
    names: tuple[str, str],
    origin: Mapping[str, np.ndarray],
    columns: tuple[int, int],
    steps: int,
    progress: Callable[[int, int], None] | None,
) -> dict[str, Path]:
    """Every racer's full-batch path on a linear model, the racers stepped together.

    Args:
        model: a model for which :func:`readout_names` gave ``names``.
        X, y: checked data, (n, m) and (1, m).
        optimizers: name -> optimizer (K of them).
        names: (weight, bias).
        origin: the start, ``{weight: (1, n), bias: (1, 1)}``.
        columns: the two coordinates to record, as positions in a racer's
            row of parameters (w's n entries, then b: see :func:`column`).
        steps: epochs (checked by the caller).
        progress: as in :func:`step_together`.

    Returns:
        name -> :class:`Path`, as ``fit(..., record=["params"])`` gives: a run
        stops on the first point whose loss is not finite or exceeds
        ``DIVERGENCE_FACTOR`` times the first, and that point's loss is shown
        as the one before it (fit's ``final_loss``).
    """
    weight, bias = names
    n = X.shape[0]
    keys = list(optimizers)
    row = np.empty(n + 1)  # a racer's parameters: w's n entries, then b
    row[:n] = np.asarray(origin[weight], dtype=np.float64)[0]
    row[n] = np.asarray(origin[bias], dtype=np.float64)[0, 0]
    where = list(columns)
    initial = float(model.loss_from_cache(_forward(model, _views(row, names, n), X)[1], y))
    if not math.isfinite(initial):  # fit refuses to start
        if progress is not None:
            progress(steps * len(keys), steps * len(keys))
        return {k: Path(row[None, where].copy(), np.array([initial]), False) for k in keys}
    limit = DIVERGENCE_FACTOR * initial if initial > 0 else math.inf
    stats = statistics(X, y)

    def bad(loss: np.ndarray, P: np.ndarray) -> np.ndarray:
        return ~(loss <= limit)  # nan and inf too

    run = step_together(
        row, lambda P: _value_and_gradients(stats, P), bad, optimizers, steps,
        lambda r: _views(r, names, n), True, progress,
    )  # fmt: skip
    out = {}
    for i, k in enumerate(keys):
        end = run.ends[i]
        loss = run.losses[: end + 1, i].copy()
        if run.diverged[i] and end >= 1:
            loss[end] = loss[end - 1]  # fit's final_loss: the last loss that was not too large
        out[k] = Path(run.history[: end + 1, i][:, where], loss, bool(run.diverged[i]))
    return out


class Run(NamedTuple):
    """The racers' paths: history (steps + 1, K, d), losses (steps + 1, K), ends, diverged (K,).

    Racer i's path is ``history[: ends[i] + 1, i]``; past its end its rows are nan.
    """

    history: np.ndarray
    losses: np.ndarray
    ends: list[int]
    diverged: list[bool]


def step_together(
    start: np.ndarray,
    evaluate: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray]],
    bad: Callable[[np.ndarray, np.ndarray], np.ndarray],
    optimizers: Mapping[str, GradientTransformation],
    steps: int,
    views: Callable[[np.ndarray], dict[str, np.ndarray]],
    check_last: bool,
    progress: Callable[[int, int], None] | None,
) -> Run:
    """K racers from one start, each with its own optimizer, all evaluated at once.

    Args:
        start: the starting parameters joined into one vector (d,).
        evaluate: P (K, d) -> (losses (K,), gradients (K, d)); a nan row gives nan.
        bad: (losses (K,), P) -> (K,) True where a racer must stop on its point.
        optimizers: name -> optimizer (K of them).
        steps: the most steps a racer takes.
        views: a vector (d,) -> the params dict that a non-elementwise
            optimizer is given (an elementwise one steps ``{"p": vector}``:
            the same numbers, fewer calls).
        check_last: whether the point after the last step may stop a racer too.
        progress: called as ``progress(done, total)`` after every step but the
            last with the racer-steps done (a stopped racer's steps count as
            done), and ``progress(total, total)`` at the end; total = K steps.
    """
    keys = list(optimizers)
    K, d, total = len(keys), start.size, steps * len(keys)
    P = np.tile(start, (K, 1))
    flat = [optimizers[k].elementwise for k in keys]
    states = [
        optimizers[k].init({"p": P[i]} if flat[i] else views(P[i])) for i, k in enumerate(keys)
    ]
    ends, diverged = [steps] * K, [False] * K
    alive = list(range(K))
    history, losses = [P], []
    for t in range(steps + 1):
        loss, grad = evaluate(P)
        losses.append(loss)
        stop = bad(loss, P)
        if (t < steps or check_last) and np.count_nonzero(stop) != K - len(alive):
            for i in [i for i in alive if stop[i]]:
                ends[i], diverged[i] = t, True
                alive.remove(i)
            P = P.copy()
            P[stop] = np.nan  # a stopped racer is evaluated no more (nan costs nothing)
        if t == steps or not alive:
            break
        U = np.zeros((K, d))
        for i in alive:
            opt = optimizers[keys[i]]
            if flat[i]:
                updates, states[i] = opt.update({"p": grad[i]}, states[i], {"p": P[i]})
                U[i] = updates["p"]
            else:
                params = views(P[i])
                updates, states[i] = opt.update(views(grad[i]), states[i], params)
                U[i] = np.concatenate([np.ravel(updates[k]) for k in params])
        P = P + U
        history.append(P)
        if progress is not None and t + 1 < steps:
            progress((t + 1) * len(alive) + steps * (K - len(alive)), total)
    if progress is not None:
        progress(total, total)
    width = len(history)
    out = np.full((steps + 1, K, d), np.nan)
    out[:width] = history
    L = np.full((steps + 1, K), np.nan)
    L[: len(losses)] = losses
    return Run(out, L, ends, diverged)


def column(names: tuple[str, str], n: int, name: str, index: tuple[int, ...]) -> int:
    """Where the entry ``name[index]`` sits in a racer's row (w's n entries, then b)."""
    return index[-1] if name == names[0] else n


def _views(row: np.ndarray, names: tuple[str, str], n: int) -> dict[str, np.ndarray]:
    """One racer's parameters as the model names them: views of its row."""
    return {names[0]: row[:n].reshape(1, n), names[1]: row[n:].reshape(1, 1)}


class Statistics(NamedTuple):
    """What the loss of ŷ = θ H (H = X with a row of ones, θ = [w, b]) needs from the data.

    G = H Hᵀ (n + 1, n + 1), c = H yᵀ (n + 1,), s = y yᵀ, m: then
    L(θ) = (θ G θᵀ − 2 θ c + s) / m and ∇L(θ) = (2/m)(θ G − cᵀ).
    """

    G: np.ndarray
    c: np.ndarray
    s: float
    m: int


def statistics(X: np.ndarray, y: np.ndarray) -> Statistics:
    """The sums over the examples of X (n, m) and y (1, m), read once."""
    H = np.vstack([X, np.ones((1, X.shape[1]))])
    return Statistics(H @ H.T, H @ y[0], float(y[0] @ y[0]), X.shape[1])


def _value_and_gradients(stats: Statistics, P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The losses (K,) and gradients (K, n + 1) of the K racers whose parameters are P's rows."""
    T = P @ stats.G
    loss = (np.einsum("ki,ki->k", P, T) - 2.0 * (P @ stats.c) + stats.s) / stats.m
    return np.maximum(loss, 0.0), (2.0 / stats.m) * (T - stats.c)


def _forward(
    model: Model, params: dict[str, np.ndarray], X: np.ndarray
) -> tuple[np.ndarray, dict[str, Any]]:
    """The model's output and forward cache at ``params``; the model keeps its own."""
    saved = dict(model.params)
    try:
        model.params.update(params)
        return model.forward(X)
    finally:
        model.params.update(saved)
