"""Tensor methods for elementwise functions, activations and comparisons.

:class:`ElementwiseMethods` is a base class of
:class:`~chainrule.autodiff.tensor.Tensor`, kept in its own module so that
``tensor.py`` stays the core (recording, arithmetic, shape). Each method runs a
primitive of :mod:`chainrule.autodiff.rules_elementwise` or is composed from
primitives; the activations say which PyTorch function they equal, tie and
edge values included.

Comparisons (``<``, ``>``, ``<=``, ``>=`` and the named ``greater``,
``greater_equal``, ``less``, ``less_equal``, ``equal``, ``not_equal``) return
NumPy boolean arrays: they have no gradient, and they feed :func:`where`,
indexing and masks. ``==`` is deliberately not overloaded: the engine keys
dictionaries by Tensor, and an elementwise ``__eq__`` would break hashing;
write ``t.equal(u)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.autodiff import rules_elementwise as ops
from chainrule.autodiff.modes import derived, value_read
from chainrule.autodiff.primitive import Primitive

if TYPE_CHECKING:
    from chainrule.autodiff.tensor import Tensor

_SQRT_HALF = math.sqrt(0.5)
_SQRT_TWO_OVER_PI = math.sqrt(2.0 / math.pi)

_COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "greater": np.greater,
    "greater_equal": np.greater_equal,
    "less": np.less,
    "less_equal": np.less_equal,
    "equal": np.equal,
    "not_equal": np.not_equal,
}


def record(op: Primitive, *inputs: Any, **params: Any) -> Tensor:
    """Runs ``op`` through the recording door of the first Tensor among ``inputs``.

    Methods reached as ``Tensor.f(a, b)`` (the vocabulary's dispatch for
    functions of several arrays) may get their Tensor in any position.
    """
    for x in inputs:
        door = getattr(type(x), "_apply", None)
        if door is not None:
            result: Tensor = door(op, *inputs, **params)
            return result
    raise TypeError(f"{op.name}: none of the inputs is a Tensor")


def values(x: Any) -> Any:
    """The array behind a Tensor, or ``x`` itself."""
    return x.data if hasattr(type(x), "_apply") else x


def _traced(x: Any) -> bool:
    return hasattr(type(x), "_apply") and bool(x.requires_grad)


def compare(name: str, a: Any, b: Any) -> np.ndarray:
    """``a <name> b`` elementwise as a NumPy boolean array (a constant mask).

    A compiled gradient recomputes the mask on each call when one side is
    traced; when both are, it falls back to running ``f`` eagerly.
    """
    av, bv = values(a), values(b)
    result = np.asarray(_COMPARISONS[name](av, bv))
    if _traced(a) and _traced(b):
        value_read(a, f"{name}() of two traced tensors")
    elif _traced(a):
        derived(result, compare_left, a, name=name, other=bv)
    elif _traced(b):
        derived(result, compare_right, b, name=name, other=av)
    return result


def compare_left(x: Any, name: str, other: Any) -> np.ndarray:
    """The mask ``x <name> other`` for a traced left side; the deriver reads it back."""
    return np.asarray(_COMPARISONS[name](x, other))


def compare_right(x: Any, name: str, other: Any) -> np.ndarray:
    """The mask ``other <name> x`` for a traced right side; the deriver reads it back."""
    return np.asarray(_COMPARISONS[name](other, x))


def _step_values(x: np.ndarray) -> np.ndarray:
    return np.greater(x, 0).astype(x.dtype)


def sign_values(x: np.ndarray) -> np.ndarray:
    """sign(x) with sign(nan) = 0, in x's dtype; the deriver writes it as sign(·)."""
    s = np.sign(x)
    return np.where(np.isnan(s), 0.0, s).astype(x.dtype)


class _Draw:
    """One dropout mask's source: the generator, p, and the mask already drawn.

    A compiled gradient runs its replay on the very call it records, so the
    mask drawn while recording is used once (``pending``) before new ones are
    drawn: every call draws exactly once, as in eager mode, and the same seed
    gives the same masks either way. Draws of one generator and p compare
    equal, so two recordings agree.
    """

    __slots__ = ("p", "pending", "rng")

    def __init__(self, rng: np.random.Generator, p: float, pending: np.ndarray | None) -> None:
        self.rng, self.p, self.pending = rng, p, pending

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Draw) and other.rng is self.rng and other.p == self.p

    def __hash__(self) -> int:
        return hash((id(self.rng), self.p))


def _dropout_scale(x: np.ndarray, draw: _Draw) -> np.ndarray:
    """1/(1 − p) where an element is kept (probability 1 − p), else 0; shape of ``x``."""
    if draw.pending is not None and draw.pending.shape == x.shape:
        scale, draw.pending = draw.pending, None
        return scale
    keep = draw.rng.random(x.shape) >= draw.p
    return keep * np.asarray(1.0 / (1.0 - draw.p), dtype=x.dtype)


class ElementwiseMethods:
    """Elementwise functions of :class:`~chainrule.autodiff.tensor.Tensor` (any shape)."""

    __slots__ = ()

    if TYPE_CHECKING:
        data: np.ndarray
        requires_grad: bool

        @staticmethod
        def _apply(op: Primitive, *inputs: Any, **params: Any) -> Tensor: ...

        def _apply1(self, op: Primitive, **params: Any) -> Tensor: ...

        def _own(self) -> Tensor: ...

    # --- functions with a primitive -------------------------------------------

    def abs(self) -> Tensor:
        """|x|; its gradient at 0 is 0, as ``torch.abs``."""
        return self._apply1(ops.ABS)

    def sqrt(self) -> Tensor:
        """√x (nan below 0); the gradient at 0 is inf, as ``torch.sqrt``."""
        return self._apply1(ops.SQRT)

    def sin(self) -> Tensor:
        return self._apply1(ops.SIN)

    def cos(self) -> Tensor:
        return self._apply1(ops.COS)

    def tan(self) -> Tensor:
        return self._apply1(ops.TAN)

    def log1p(self) -> Tensor:
        """log(1 + x), accurate for small x."""
        return self._apply1(ops.LOG1P)

    def expm1(self) -> Tensor:
        """e^x − 1, accurate for small x."""
        return self._apply1(ops.EXPM1)

    def erf(self) -> Tensor:
        """The error function (2/√π) ∫₀ˣ e^(−t²) dt."""
        return self._apply1(ops.ERF)

    def step(self) -> Tensor:
        """A constant (no gradient): 1.0 where x > 0, else 0.0 (0 at 0 and at nan).

        The derivative of relu, as a Tensor so that a backward pass written
        with it runs on Tensors too. Shape and dtype of ``self``.
        """
        return type(self._own())(derived(_step_values(self.data), _step_values, self))

    def sign(self) -> Tensor:
        """A constant (no gradient): −1, 0 or 1 by the sign of x; 0 at nan, as ``torch.sign``."""
        return type(self._own())(derived(sign_values(self.data), sign_values, self))

    def maximum(self: Any, other: Any) -> Tensor:
        """The larger of the two, elementwise with broadcasting; nan if either is nan.

        Ties split the gradient in half, as ``torch.maximum``.
        """
        return record(ops.MAXIMUM, self, other)

    def minimum(self: Any, other: Any) -> Tensor:
        """The smaller of the two; ties split the gradient as in :meth:`maximum`."""
        return record(ops.MINIMUM, self, other)

    def clip(self, lo: float | None = None, hi: float | None = None) -> Tensor:
        """x limited to [lo, hi]; a bound of None is absent.

        The gradient passes where lo ≤ x ≤ hi, bounds included, as
        ``torch.clamp``. With lo > hi every element becomes hi (NumPy and
        PyTorch agree).
        """
        for name, bound in (("lo", lo), ("hi", hi)):
            if bound is not None and (
                not isinstance(bound, int | float | np.integer | np.floating)
                or isinstance(bound, bool)
            ):
                raise TypeError(f"clip: {name} must be a number or None, got {bound!r}")
        if lo is None and hi is None:
            raise ValueError("clip: give at least one of lo and hi")
        return self._apply1(
            ops.CLIP,
            lo=None if lo is None else float(lo),
            hi=None if hi is None else float(hi),
        )

    @staticmethod
    def where(condition: Any, a: Any, b: Any) -> Tensor:
        """``a`` where ``condition`` is true, else ``b`` (see :func:`chainrule.where`)."""
        if _traced(condition):
            value_read(condition, "where() with a traced Tensor as the condition")
        return record(ops.WHERE, values(condition), a, b)

    # --- activations, composed ----------------------------------------------------

    def leaky_relu(self, slope: float = 0.01) -> Tensor:
        """x where x > 0, else slope·x; the gradient at 0 is ``slope``, as in PyTorch."""
        x = self._own()
        return x.where(compare("greater", x, 0.0), x, x * slope)

    def elu(self, alpha: float = 1.0) -> Tensor:
        """x where x > 0, else α(eˣ − 1), as ``torch.nn.functional.elu``: the
        gradient at 0 is α, and nan takes the x branch (its gradient passes).

        eˣ − 1 is computed on min(x, 0) only, so a large x cannot overflow into
        the unused branch and make its gradient nan.
        """
        x = self._own()
        nonpositive = compare("less_equal", x, 0.0)
        negative_part = x.where(nonpositive, x, 0.0)
        return x.where(nonpositive, negative_part.expm1() * alpha, x)

    def gelu(self, approximate: str = "none") -> Tensor:
        """x·Φ(x), Φ the standard normal CDF, as ``torch.nn.functional.gelu``.

        Args:
            approximate: ``"none"`` for the exact 0.5·x·(1 + erf(x/√2)), or
                ``"tanh"`` for 0.5·x·(1 + tanh(√(2/π)(x + 0.044715x³))).
        """
        x = self._own()
        if approximate == "none":
            return 0.5 * x * (1.0 + (x * _SQRT_HALF).erf())
        if approximate == "tanh":
            inner = (x + 0.044715 * x**3) * _SQRT_TWO_OVER_PI
            return 0.5 * x * (1.0 + inner.tanh())
        raise ValueError(f"gelu: approximate must be 'none' or 'tanh', got {approximate!r}")

    def silu(self) -> Tensor:
        """x·σ(x) (also called swish), as ``torch.nn.functional.silu``."""
        x = self._own()
        return x * x.sigmoid()

    def log_sigmoid(self) -> Tensor:
        """log σ(x) = −softplus(−x), finite for every finite x."""
        return -((-self._own()).softplus())

    def dropout(self, p: float, rng: np.random.Generator | int, training: bool = True) -> Tensor:
        """Zeroes each element with probability ``p`` and scales the rest by 1/(1 − p).

        Args:
            p: the drop probability, in [0, 1]; p = 1 gives zeros.
            rng: a ``numpy.random.Generator`` (each call draws a new mask) or
                an int seed (the same mask every time).
            training: when False, the identity (evaluation mode).
        """
        if isinstance(p, bool) or not isinstance(p, int | float) or not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout: p must be a probability in [0, 1], got {p!r}")
        if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
            rng = np.random.default_rng(int(rng))
        if not isinstance(rng, np.random.Generator):
            raise TypeError(
                f"dropout: rng must be a numpy.random.Generator or an int seed, got {rng!r}"
            )
        x = self._own()
        if not training or p == 0.0:
            return x
        if p == 1.0:
            return x * 0.0
        scale = _dropout_scale(x.data, _Draw(rng, float(p), None))
        return x * derived(scale, _dropout_scale, x, draw=_Draw(rng, float(p), scale))

    # --- comparisons: NumPy boolean arrays, no gradient ----------------------------

    def greater(self: Any, other: Any) -> np.ndarray:
        """``self > other`` elementwise, a boolean array (False where either is nan)."""
        return compare("greater", self, other)

    def greater_equal(self: Any, other: Any) -> np.ndarray:
        """``self >= other`` elementwise, a boolean array."""
        return compare("greater_equal", self, other)

    def less(self: Any, other: Any) -> np.ndarray:
        """``self < other`` elementwise, a boolean array."""
        return compare("less", self, other)

    def less_equal(self: Any, other: Any) -> np.ndarray:
        """``self <= other`` elementwise, a boolean array."""
        return compare("less_equal", self, other)

    def equal(self: Any, other: Any) -> np.ndarray:
        """``self == other`` elementwise, a boolean array (``==`` itself is identity)."""
        return compare("equal", self, other)

    def not_equal(self: Any, other: Any) -> np.ndarray:
        """``self != other`` elementwise, a boolean array."""
        return compare("not_equal", self, other)

    def __gt__(self, other: Any) -> np.ndarray:
        return compare("greater", self, other)

    def __ge__(self, other: Any) -> np.ndarray:
        return compare("greater_equal", self, other)

    def __lt__(self, other: Any) -> np.ndarray:
        return compare("less", self, other)

    def __le__(self, other: Any) -> np.ndarray:
        return compare("less_equal", self, other)
