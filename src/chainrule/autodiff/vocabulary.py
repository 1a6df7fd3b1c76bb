"""The functions a rule may call besides operators and array methods.

A vector-Jacobian product in :mod:`chainrule.autodiff.rules` is written with
``+ - * / @``, ``.mT`` (the transpose of the last two axes, ``.T`` for a
matrix), ``.sum(axis, keepdims)``, ``.reshape``, ``.transpose`` and the few
functions below. NumPy arrays provide all the operators and methods; these
functions give NumPy arrays their numeric meaning and hand any other value
(a symbolic matrix, for instance) to its method of the same name, so that the
same rule runs on numbers and on symbols.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def sigmoid(x: Any) -> Any:
    """Elementwise logistic function 1 / (1 + exp(-x)), accurate for all x.

    ``exp(-x)`` overflows to inf for x < -709, and 1 / inf = 0 is the right
    answer there, so the overflow warning is silenced rather than avoided.
    """
    if isinstance(x, np.ndarray | np.generic):
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(np.negative(x)))
    return x.sigmoid()


def step(x: Any) -> Any:
    """Elementwise Heaviside step: 1 where x > 0, else 0 (so step(0) = 0).

    For NumPy it is a boolean mask: a product with it keeps the other
    factor's dtype and costs one pass fewer than a float copy.
    """
    if isinstance(x, np.ndarray | np.generic):
        return np.greater(x, 0)
    return x.step()


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` repeated along its size-1 axes (and new leading axes) to ``shape``.

    For NumPy, a small result is written out (about 0.3 µs) rather than made a
    read-only view with ``np.broadcast_to`` (about 3 µs of Python overhead);
    a large one stays a view, which costs no memory.
    """
    if isinstance(x, np.ndarray | np.generic):
        if math.prod(shape) > 4096:
            return np.broadcast_to(x, shape)
        out = np.empty(shape, dtype=x.dtype)
        out[...] = x
        return out
    return x.broadcast_to(shape)


def max_shift(x: Any, axis: int) -> np.ndarray:
    """The maximum along ``axis`` (kept as a size-1 axis), to subtract before exp.

    A slice that is all -inf (or empty) keeps its values: it is shifted by 0.
    """
    shift = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    return np.where(np.isfinite(shift), shift, 0.0)


def log_softmax(x: Any, axis: int) -> Any:
    """x − log Σ exp(x) along ``axis``, computed with the maximum subtracted first."""
    if isinstance(x, np.ndarray | np.generic):
        z = x - max_shift(x, axis)
        return z - np.log(np.sum(np.exp(z), axis=axis, keepdims=True))
    return x.log_softmax(axis)


def softmax(x: Any, axis: int) -> Any:
    """exp(x) / Σ exp(x) along ``axis``, computed with the maximum subtracted first."""
    if isinstance(x, np.ndarray | np.generic):
        e = np.exp(x - np.max(x, axis=axis, keepdims=True))
        return e / np.sum(e, axis=axis, keepdims=True)
    return x.softmax(axis)
