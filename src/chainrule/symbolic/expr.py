"""Symbolic matrix expressions, small enough to read, that the engine's rules run on.

An :class:`Expr` has a symbolic shape (dimension names such as ``"m"`` or
``"k"``, or integers) and supports what the primitives' forwards and VJPs of
:mod:`chainrule.autodiff.rules` use: ``+ - * / @``, ``.mT``, ``.sum``,
``.reshape``, ``.transpose`` and, through the table of node kinds
(:mod:`chainrule.symbolic.kinds`), every vocabulary function as a method
(``x.sigmoid()``, ``x.sin()``...), which is how
:mod:`chainrule.autodiff.vocabulary` hands a non-NumPy value its meaning.

The operators build through the simplifying constructors of
:mod:`chainrule.symbolic.algebra`. Numbers are kept exact, as ``coef · m^power`` with a rational
``coef``, so 1/m and 2/m stay symbolic in the number of examples.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from chainrule.autodiff import vocabulary

Dim = str | int
Shape = tuple[Dim, ...]


class _Vocabulary(type):
    """Finds, on the class, the vocabulary's functions of several arrays.

    ``vocabulary.where(c, a, b)`` with a symbolic ``b`` calls
    ``type(b).where(c, a, b)``; the builder comes from the table of node kinds.
    """

    def __getattr__(cls, name: str) -> Callable[..., Expr]:
        return _vocabulary_method(name)


def _vocabulary_method(name: str) -> Callable[..., Expr]:
    """The builder of the table row the vocabulary reaches as ``name``."""
    if name.startswith("_") or not callable(getattr(vocabulary, name, None)):
        raise AttributeError(f"symbolic expressions have no {name!r}")
    from chainrule.symbolic.kinds import method  # the table is built on this module

    found = method(name)
    if found is None:
        raise AttributeError(
            f"symbolic expressions have no {name!r}: the vocabulary function has no row "
            "in the table of node kinds (chainrule.symbolic.kinds)"
        )
    return found


class Expr(metaclass=_Vocabulary):
    """Base of every node; operators build simplified nodes."""

    shape: Shape

    @property
    def ndim(self) -> int:
        return len(self.shape)

    def __add__(self, other: Any) -> Expr:
        return A.add(self, lift(other))

    def __radd__(self, other: Any) -> Expr:
        return A.add(lift(other), self)

    def __sub__(self, other: Any) -> Expr:
        return A.sub(self, lift(other))

    def __rsub__(self, other: Any) -> Expr:
        return A.sub(lift(other), self)

    def __mul__(self, other: Any) -> Expr:
        return A.mul(self, lift(other))

    def __rmul__(self, other: Any) -> Expr:
        return A.mul(lift(other), self)

    def __truediv__(self, other: Any) -> Expr:
        return A.div(self, lift(other))

    def __rtruediv__(self, other: Any) -> Expr:
        return A.div(lift(other), self)

    def __neg__(self) -> Expr:
        return A.neg(self)

    def __pos__(self) -> Expr:
        return self

    def __pow__(self, p: float) -> Expr:
        return A.power(self, p)

    def __matmul__(self, other: Expr) -> Expr:
        return A.matmul(self, other)

    @property
    def mT(self) -> Expr:
        return A.tr(self)

    @property
    def T(self) -> Expr:
        return A.tr(self)

    def sum(
        self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, **unused: Any
    ) -> Expr:
        """Sum over ``axis`` (every axis when None), as ``ndarray.sum``."""
        if unused.get("out") is not None or unused.get("dtype") is not None:
            raise TypeError("a symbolic sum takes no out= or dtype=")
        return A.sum_axes(self, _axes(axis, self.ndim), keepdims)

    @property
    def dtype(self) -> np.dtype[Any]:
        """Symbols stand for float64 values."""
        return np.dtype(np.float64)

    def astype(self, dtype: Any) -> Expr:
        """The same expression: a change of float precision does not change the equations."""
        return self

    def reshape(self, *shape: Any) -> Expr:
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        return A.reshape(self, target)

    def transpose(self, *axes: Any) -> Expr:
        perm = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], tuple) else tuple(axes)
        if not perm:
            perm = tuple(reversed(range(self.ndim)))
        if perm == tuple(range(self.ndim)):
            return self
        if self.ndim == 2 and perm == (1, 0):
            return A.tr(self)
        raise NotImplementedError(
            f"symbolic transpose {perm} of shape {self.shape}: only matrices are written"
        )

    def __getattr__(self, name: str) -> Callable[..., Expr]:
        # The vocabulary hands a symbolic value to its method of the same
        # name; every such method is a row of the table of node kinds.
        found = _vocabulary_method(name)

        def bound(*args: Any, **params: Any) -> Expr:
            return found(self, *args, **params)

        return bound


def _axes(axis: int | tuple[int, ...] | None, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    return tuple(int(a) % max(ndim, 1) for a in axes)


@dataclass(frozen=True, eq=True)
class Sym(Expr):
    """A named matrix: a parameter, the data, a forward value, an adjoint or a constant."""

    name: str
    shape: Shape
    role: str = "param"


@dataclass(frozen=True, eq=True)
class Num(Expr):
    """The exact number coef · m^power (m: the number of examples)."""

    coef: Fraction
    power: int = 0
    shape: Shape = ()


@dataclass(frozen=True, eq=True)
class Ones(Expr):
    """1⃗, a column of ``dim`` ones: E 1⃗ sums the columns of E."""

    dim: Dim
    shape: Shape = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "shape", (self.dim, 1))


@dataclass(frozen=True, eq=True)
class Node(Expr):
    """An operation: the node kind ``op`` (a row of the table) applied to ``args``.

    ``params`` holds the kind's static parameters as sorted (name, value)
    pairs (an exponent, an axis...), so that nodes stay hashable.
    """

    op: str
    args: tuple[Expr, ...]
    shape: Shape
    params: tuple[tuple[str, Any], ...] = ()

    @property
    def kw(self) -> dict[str, Any]:
        """The static parameters as keyword arguments."""
        return dict(self.params)

    def __hash__(self) -> int:
        # computed once: hashing a tree afresh at every lookup is quadratic in its size
        cached: int | None = self.__dict__.get("_hash")
        if cached is None:
            cached = hash((self.op, self.args, self.shape, self.params))
            object.__setattr__(self, "_hash", cached)
        return cached


def node(op: str, args: tuple[Expr, ...], shape: Shape, **params: Any) -> Node:
    """A node of kind ``op`` with its parameters in canonical order."""
    return Node(op, args, tuple(shape), tuple(sorted(params.items())))


def lift(x: Any) -> Expr:
    """An Expr as it is; a number as an exact :class:`Num`."""
    if isinstance(x, Expr):
        return x
    if getattr(x, "ndim", 0):
        raise TypeError(
            f"a symbolic expression combines with numbers, not an array of shape {x.shape}: "
            "give the array a name (make it an input)"
        )
    if isinstance(x, bool) or not (isinstance(x, int | float) or hasattr(x, "__float__")):
        raise TypeError(f"a symbolic expression combines with numbers, not {type(x).__name__}")
    return number(float(x), None)


def number(x: float, m: int | None) -> Num:
    """x as coef·m^power, the simplest that matches: 0.1538... with m = 13 is 2/m.

    With ``m`` None only plain fractions (power 0) are tried.
    """
    if x == 0:
        return Num(Fraction(0))
    best: Num | None = None
    powers = (0,) if m is None else (0, -1, 1, -2)
    for power in powers:
        scaled = x if m is None else x / float(m) ** power
        coef = Fraction(scaled).limit_denominator(64)
        back = float(coef) * (1.0 if m is None else float(m) ** power)
        if abs(back - x) <= 1e-12 * max(1.0, abs(x)):
            candidate = Num(coef, power)
            if best is None or _size(candidate) < _size(best):
                best = candidate
    return best if best is not None else Num(Fraction(x), 0)


def _size(n: Num) -> int:
    return n.coef.denominator + abs(n.coef.numerator) + abs(n.power)


def is_simple(n: Num) -> bool:
    """Whether ``n`` reads as a short fraction (not a float written out exactly)."""
    return n.coef.denominator <= 64 and abs(n.coef.numerator) <= 4096


def is_num(e: Expr, value: float | None = None) -> bool:
    if not isinstance(e, Num):
        return False
    return value is None or (e.power == 0 and e.coef == value)


def is_scalar(e: Expr) -> bool:
    return e.shape == () or all(d == 1 for d in e.shape)


def is_op(e: Expr, *ops: str) -> bool:
    """Whether ``e`` is a node of one of the kinds ``ops``."""
    return isinstance(e, Node) and e.op in ops


def is_ones_vector(e: Expr) -> bool:
    return isinstance(e, Ones) or (
        isinstance(e, Node) and e.op == "tr" and isinstance(e.args[0], Ones)
    )


def is_one(n: Num) -> bool:
    return n.coef == 1 and n.power == 0


def mul_num(a: Num, b: Num) -> Num:
    product = Num(a.coef * b.coef, a.power + b.power if a.coef * b.coef != 0 else 0)
    if not is_simple(product):  # (1/√2)² written out in floats is 1/2 give or take 1e-16
        snapped = number(float(product.coef), None)
        if is_simple(snapped):
            return Num(snapped.coef, product.power)
    return product


def broadcast_shape(a: Shape, b: Shape) -> Shape:
    """The shape of a broadcast of ``a`` against ``b`` (names stand for sizes > 1)."""
    if a == b or not b:
        return a
    if not a:
        return b
    n = max(len(a), len(b))
    a2 = (1,) * (n - len(a)) + a
    b2 = (1,) * (n - len(b)) + b
    return tuple(x if y == 1 else y for x, y in zip(a2, b2, strict=True))


def walk(e: Expr) -> list[Expr]:
    """Every subexpression of ``e``, children before parents, each once."""
    seen: set[int] = set()
    out: list[Expr] = []
    stack: list[tuple[Expr, bool]] = [(e, False)]
    while stack:
        x, done = stack.pop()
        if done:
            out.append(x)
            continue
        if id(x) in seen:
            continue
        seen.add(id(x))
        stack.append((x, True))
        if isinstance(x, Node):
            stack.extend((arg, False) for arg in x.args)
    return out


# The constructors build the nodes defined above; the operators call them.
from chainrule.symbolic import algebra as A  # noqa: E402, N812 - after the types it builds
