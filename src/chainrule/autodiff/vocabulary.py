"""The functions a rule may call besides operators and array methods.

A forward or a vector-Jacobian product in :mod:`chainrule.autodiff.rules` is
written with ``+ - * / ** @``, unary ``-``, indexing ``x[index]``, ``.mT``
(the transpose of the last two axes), ``.sum(axis, keepdims)``, ``.reshape``,
``.transpose`` and the functions below. NumPy arrays provide all the
operators and methods; these functions give NumPy values their numeric
meaning and hand any other value (a :class:`~chainrule.autodiff.tensor.Tensor`,
a symbolic matrix) to its method of the same name, so that the same rule runs
on numbers, on Tensors (gradients of gradients) and on symbols.

The contract, which every other value type implements:

* **One array argument.** ``f(x, **params)`` computes NumPy's meaning when
  ``x`` is a NumPy value (``ndarray``, NumPy scalar) or a Python number, and
  otherwise returns ``x.f(**params)``. Example: ``exp(x)`` is ``np.exp(x)``
  or ``x.exp()``; ``amax(x, axis=(0,), keepdims=True)`` is
  ``x.amax(axis=(0,), keepdims=True)``.
* **Several array arguments** (``maximum``, ``minimum``, ``greater``,
  ``greater_equal``, ``equal``, ``where``, ``concatenate``): when every
  array argument is a NumPy value or a number, NumPy's meaning; otherwise
  the *first* array argument that is not provides the method, looked up
  on its type and called with all arguments in order:
  ``type(t).f(*args, **params)``. Example: ``where(c, a, b)`` with a symbolic
  ``b`` and NumPy ``c``, ``a`` calls ``type(b).where(c, a, b)``; so the method
  receives its own instance in any position and must accept NumPy values
  and numbers for the others.

Parameters (``axis``, ``shape``, ``index``...) are static Python values,
never arrays of the graph. Predicates (``step``, ``greater``,
``greater_equal``, ``equal``) are 1 where true and 0 elsewhere; for NumPy
they return boolean masks, which multiply as 1/0 while keeping the other
factor's dtype.

Edge values follow PyTorch: ``sign(nan)`` is 0, ``maximum``/``minimum``/
``amax``/``amin`` propagate nan, ``relu(nan)`` is nan.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

_NUMERIC = (np.ndarray, np.generic, int, float)
_MAX_REDUCE: Any = np.maximum.reduce
_MIN_REDUCE: Any = np.minimum.reduce
_SUM_REDUCE: Any = np.add.reduce


def _owner(args: tuple[Any, ...]) -> Any:
    """The first argument that is not a NumPy value or number, or None."""
    for a in args:
        if not isinstance(a, _NUMERIC):
            return a
    return None


# --- elementwise functions of one array ----------------------------------------


def exp(x: Any) -> Any:
    """e ** x, elementwise (inf past x ≈ 709.8, 0 at -inf)."""
    if isinstance(x, _NUMERIC):
        return np.exp(x)
    return x.exp()


def log(x: Any) -> Any:
    """Natural logarithm, elementwise: -inf at 0, nan below 0."""
    if isinstance(x, _NUMERIC):
        return np.log(x)
    return x.log()


def log1p(x: Any) -> Any:
    """log(1 + x), elementwise, accurate for small x: -inf at -1, nan below."""
    if isinstance(x, _NUMERIC):
        return np.log1p(x)
    return x.log1p()


def expm1(x: Any) -> Any:
    """e ** x − 1, elementwise, accurate for small x (−1 at -inf)."""
    if isinstance(x, _NUMERIC):
        return np.expm1(x)
    return x.expm1()


def tanh(x: Any) -> Any:
    """Hyperbolic tangent, elementwise (±1 at ±inf)."""
    if isinstance(x, _NUMERIC):
        return np.tanh(x)
    return x.tanh()


def sigmoid(x: Any) -> Any:
    """Elementwise logistic function 1 / (1 + exp(-x)), accurate for all x.

    ``exp(-x)`` overflows to inf for x < -709, and 1 / inf = 0 is the right
    answer there, so the overflow warning is silenced rather than avoided.
    """
    if isinstance(x, _NUMERIC):
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(np.negative(x)))
    return x.sigmoid()


def relu(x: Any) -> Any:
    """max(x, 0), elementwise; nan stays nan."""
    if isinstance(x, _NUMERIC):
        return np.maximum(x, 0.0)
    return x.relu()


def softplus(x: Any) -> Any:
    """log(1 + e^x), elementwise, exact for every x (``np.logaddexp(0, x)``)."""
    if isinstance(x, _NUMERIC):
        return np.logaddexp(0.0, x)
    return x.softplus()


def step(x: Any) -> Any:
    """Elementwise Heaviside step: 1 where x > 0, else 0 (so step(0) = 0, step(nan) = 0).

    For NumPy it is a boolean mask: a product with it keeps the other
    factor's dtype and costs one pass fewer than a float copy.
    """
    if isinstance(x, _NUMERIC):
        return np.greater(x, 0)
    return x.step()


def sin(x: Any) -> Any:
    """Sine, elementwise (nan at ±inf)."""
    if isinstance(x, _NUMERIC):
        return np.sin(x)
    return x.sin()


def cos(x: Any) -> Any:
    """Cosine, elementwise (nan at ±inf)."""
    if isinstance(x, _NUMERIC):
        return np.cos(x)
    return x.cos()


def tan(x: Any) -> Any:
    """Tangent, elementwise (nan at ±inf)."""
    if isinstance(x, _NUMERIC):
        return np.tan(x)
    return x.tan()


def sqrt(x: Any) -> Any:
    """Square root, elementwise: nan below 0, and sqrt(-0) = -0 as in IEEE 754."""
    if isinstance(x, _NUMERIC):
        return np.sqrt(x)
    return x.sqrt()


def abs(x: Any) -> Any:
    """|x|, elementwise."""
    if isinstance(x, _NUMERIC):
        return np.abs(x)
    return x.abs()


def sign(x: Any) -> Any:
    """-1, 0 or 1 by the sign of x, elementwise; 0 at ±0 and, as in PyTorch, at nan."""
    if isinstance(x, _NUMERIC):
        s = np.sign(x)
        return np.where(np.isnan(s), 0.0, s) if s.dtype.kind == "f" else s
    return x.sign()


def erf(x: Any) -> Any:
    """The error function (2/√π) ∫₀ˣ e^(−t²) dt, elementwise (±1 at ±inf).

    For NumPy it is ``scipy.special.erf``, imported here on first use: SciPy
    comes with scikit-learn, a dependency of chainrule, and importing it up
    front would slow ``import chainrule`` for the one function that needs it.
    """
    if isinstance(x, _NUMERIC):
        from scipy.special import erf as scipy_erf  # type: ignore[import-untyped]

        return scipy_erf(x)
    return x.erf()


# --- functions of several arrays -------------------------------------------------


def maximum(a: Any, b: Any) -> Any:
    """The larger of a and b, elementwise with broadcasting; nan if either is nan."""
    owner = _owner((a, b))
    if owner is None:
        return np.maximum(a, b)
    return type(owner).maximum(a, b)


def minimum(a: Any, b: Any) -> Any:
    """The smaller of a and b, elementwise with broadcasting; nan if either is nan."""
    owner = _owner((a, b))
    if owner is None:
        return np.minimum(a, b)
    return type(owner).minimum(a, b)


def greater(a: Any, b: Any) -> Any:
    """1 where a > b, else 0 (0 where either is nan), elementwise with broadcasting."""
    owner = _owner((a, b))
    if owner is None:
        return np.greater(a, b)
    return type(owner).greater(a, b)


def greater_equal(a: Any, b: Any) -> Any:
    """1 where a ≥ b, else 0 (0 where either is nan), elementwise with broadcasting."""
    owner = _owner((a, b))
    if owner is None:
        return np.greater_equal(a, b)
    return type(owner).greater_equal(a, b)


def equal(a: Any, b: Any) -> Any:
    """1 where a = b, else 0 (0 where either is nan), elementwise with broadcasting."""
    owner = _owner((a, b))
    if owner is None:
        return np.equal(a, b)
    return type(owner).equal(a, b)


def where(condition: Any, a: Any, b: Any) -> Any:
    """a where ``condition`` is nonzero, else b, elementwise with broadcasting."""
    owner = _owner((condition, a, b))
    if owner is None:
        return np.where(condition, a, b)
    return type(owner).where(condition, a, b)


# --- reductions, shape and indexing --------------------------------------------------


def clip(x: Any, lo: float | None, hi: float | None) -> Any:
    """x limited to [lo, hi] elementwise (a bound of None is absent); nan stays nan."""
    if isinstance(x, _NUMERIC):
        return np.clip(x, lo, hi)
    return x.clip(lo, hi)


def concatenate(a: Any, b: Any, axis: int) -> Any:
    """a followed by b along ``axis`` (a non-negative int); the other axes agree."""
    owner = _owner((a, b))
    if owner is None:
        return np.concatenate((a, b), axis=axis)
    return type(owner).concatenate(a, b, axis=axis)


def amax(x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """The maximum over ``axis`` (a tuple of distinct non-negative axes); nan wins."""
    if isinstance(x, _NUMERIC):  # the ufunc's reduce skips np.amax's wrapper (~10 µs)
        return _MAX_REDUCE(x, axis=axis, keepdims=keepdims)
    return x.amax(axis=axis, keepdims=keepdims)


def amin(x: Any, axis: tuple[int, ...], keepdims: bool) -> Any:
    """The minimum over ``axis`` (a tuple of distinct non-negative axes); nan wins."""
    if isinstance(x, _NUMERIC):
        return _MIN_REDUCE(x, axis=axis, keepdims=keepdims)
    return x.amin(axis=axis, keepdims=keepdims)


def broadcast_to(x: Any, shape: tuple[int, ...]) -> Any:
    """``x`` repeated along its size-1 axes (and new leading axes) to ``shape``.

    For NumPy, a small result is written out (about 0.3 µs) rather than made a
    read-only view with ``np.broadcast_to`` (about 3 µs of Python overhead);
    a large one stays a view, which costs no memory.
    """
    if isinstance(x, _NUMERIC):
        if math.prod(shape) > 4096:
            return np.broadcast_to(x, shape)
        out = np.empty(shape, dtype=np.result_type(x))
        out[...] = x
        return out
    return x.broadcast_to(shape)


def scatter_add(x: Any, shape: tuple[int, ...], index: Any) -> Any:
    """A zero array of ``shape`` with ``x`` added at ``index``: the adjoint of ``y[index]``.

    ``x`` has the shape of ``zeros(shape)[index]``; an element selected k
    times by an integer-array index receives the sum of its k values
    (``np.add.at``). ``index`` is anything NumPy indexing takes (ints,
    slices, ``None``, ``...``, integer or boolean arrays, or a tuple of them).
    """
    if isinstance(x, _NUMERIC):
        out = np.zeros(shape, dtype=np.result_type(x))
        if _selects_once(index):
            out[index] = x  # ~20x faster than np.add.at, and the same when no repeats
        else:
            np.add.at(out, index, x)
        return out
    return x.scatter_add(shape=shape, index=index)


def _selects_once(index: Any) -> bool:
    """True when ``index`` cannot pick an element twice: no integer array in it."""
    parts = index if isinstance(index, tuple) else (index,)
    return not any(
        isinstance(p, np.ndarray | list) and np.asarray(p).dtype.kind != "b" for p in parts
    )


# --- stable forms, written once ------------------------------------------------------


def max_shift(x: Any, axis: int | tuple[int, ...]) -> np.ndarray:
    """The maximum along ``axis`` (kept as size-1 axes), to subtract before exp.

    A slice whose maximum is not finite (all -inf, +inf, nan) or that is empty
    is shifted by 0, so it keeps its values.
    """
    # The ufuncs' own reductions: what np.max and np.sum call, without their
    # Python wrappers (these run on every step of a softmax output's training).
    shift = _MAX_REDUCE(x, axis=axis, keepdims=True, initial=-np.inf)
    if math.isfinite(_SUM_REDUCE(shift, axis=None)):  # the usual case, in one call
        return shift
    return np.where(np.isfinite(shift), shift, 0.0)


def _shifted_exp(x: Any, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The stable softmax's one pass: z = x − max x, exp(z) and Σ exp(z) (kept dims)."""
    z = np.subtract(x, max_shift(x, axis))
    e = np.exp(z)
    return z, e, _SUM_REDUCE(e, axis=axis, keepdims=True)


def softmax_cross_entropy_and_softmax(x: Any, y: Any, axis: int) -> tuple[Any, Any]:
    """(−Σ y ⊙ log_softmax(x), softmax(x)), classes along ``axis``, from the one
    pass of :func:`log_softmax_and_softmax`; for NumPy arrays of one shape the
    sum is one dot product of y and the log-probabilities."""
    logs, probabilities = log_softmax_and_softmax(x, axis)
    if isinstance(logs, np.ndarray) and isinstance(y, np.ndarray) and y.shape == logs.shape:
        total: Any = np.vdot(y, logs)
        return -total, probabilities
    return -(y * logs).sum(), probabilities


def log_softmax(x: Any, axis: int) -> Any:
    """x − log Σ exp(x) along ``axis``, computed with the maximum subtracted first."""
    if isinstance(x, _NUMERIC):
        z, _, total = _shifted_exp(x, axis)
        z -= np.log(total, out=total)  # into the arrays made here: the same numbers
        return z
    return x.log_softmax(axis)


def log_softmax_and_softmax(x: Any, axis: int) -> tuple[Any, Any]:
    """(:func:`log_softmax`, :func:`softmax`) of x along ``axis``, with the numbers of
    each, from one shift, one exp and one sum on NumPy arrays."""
    if isinstance(x, _NUMERIC):
        z, e, total = _shifted_exp(x, axis)
        e /= total
        z -= np.log(total, out=total)
        return z, e
    return log_softmax(x, axis), softmax(x, axis)


def softmax(x: Any, axis: int) -> Any:
    """exp(x) / Σ exp(x) along ``axis``, computed with the maximum subtracted first."""
    if isinstance(x, _NUMERIC):
        _, e, total = _shifted_exp(x, axis)
        e /= total
        return e
    return x.softmax(axis)


def sum_of_squares(x: Any, axis: tuple[int, ...]) -> Any:
    """Σ x² over ``axis`` (distinct non-negative axes), which are not kept.

    Over every axis of a NumPy float array it is one dot product of x with
    itself, which sums in another order than ``(x ** 2).sum()`` (the last bits
    may differ) without making x² first. Anything else is composed as
    ``(x ** 2).sum(axis)``, symbols included.
    """
    if isinstance(x, np.ndarray) and x.dtype.kind == "f" and x.ndim and len(axis) == x.ndim:
        flat = x.reshape(-1)
        return np.dot(flat, flat)
    return (x**2).sum(axis=axis)
