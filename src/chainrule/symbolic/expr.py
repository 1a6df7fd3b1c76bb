"""Symbolic matrix expressions, small enough to read, that the engine's rules run on.

An :class:`Expr` has a symbolic shape (dimension names such as ``"m"`` or
``"k"``, or integers) and supports what the primitives' forwards and VJPs of
:mod:`chainrule.autodiff.rules` use: ``+ - * / @``, ``.mT``, ``.sum``,
``.reshape``, ``.transpose`` and, through the table of node kinds
(:mod:`chainrule.symbolic.kinds`), every vocabulary function as a method
(``x.sigmoid()``, ``x.sin()``...), which is how
:mod:`chainrule.autodiff.vocabulary` hands a non-NumPy value its meaning.

The constructors here simplify as a person would: scalars move to the front
and multiply out, 1·x = x, (xᵀ)ᵀ = x, x + (−y) = x − y, a sum over an axis is
a product with a ones vector 1⃗, and a broadcast scalar times a matrix is a
scaled matrix. Numbers are kept exact, as ``coef · m^power`` with a rational
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
        return add(self, lift(other))

    def __radd__(self, other: Any) -> Expr:
        return add(lift(other), self)

    def __sub__(self, other: Any) -> Expr:
        return sub(self, lift(other))

    def __rsub__(self, other: Any) -> Expr:
        return sub(lift(other), self)

    def __mul__(self, other: Any) -> Expr:
        return mul(self, lift(other))

    def __rmul__(self, other: Any) -> Expr:
        return mul(lift(other), self)

    def __truediv__(self, other: Any) -> Expr:
        return div(self, lift(other))

    def __rtruediv__(self, other: Any) -> Expr:
        return div(lift(other), self)

    def __neg__(self) -> Expr:
        return neg(self)

    def __pos__(self) -> Expr:
        return self

    def __pow__(self, p: float) -> Expr:
        return power(self, p)

    def __matmul__(self, other: Expr) -> Expr:
        return matmul(self, other)

    @property
    def mT(self) -> Expr:
        return tr(self)

    @property
    def T(self) -> Expr:
        return tr(self)

    def sum(
        self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False, **unused: Any
    ) -> Expr:
        """Sum over ``axis`` (every axis when None), as ``ndarray.sum``."""
        if unused.get("out") is not None or unused.get("dtype") is not None:
            raise TypeError("a symbolic sum takes no out= or dtype=")
        return sum_axes(self, _axes(axis, self.ndim), keepdims)

    @property
    def dtype(self) -> np.dtype[Any]:
        """Symbols stand for float64 values."""
        return np.dtype(np.float64)

    def astype(self, dtype: Any) -> Expr:
        """The same expression: a change of float precision does not change the equations."""
        return self

    def reshape(self, *shape: Any) -> Expr:
        target = tuple(shape[0]) if len(shape) == 1 and isinstance(shape[0], tuple) else shape
        return reshape(self, target)

    def transpose(self, *axes: Any) -> Expr:
        perm = tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], tuple) else tuple(axes)
        if not perm:
            perm = tuple(reversed(range(self.ndim)))
        if perm == tuple(range(self.ndim)):
            return self
        if self.ndim == 2 and perm == (1, 0):
            return tr(self)
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


def _is_ones_vector(e: Expr) -> bool:
    return isinstance(e, Ones) or (
        isinstance(e, Node) and e.op == "tr" and isinstance(e.args[0], Ones)
    )


def _is_one(n: Num) -> bool:
    return n.coef == 1 and n.power == 0


def _mul_num(a: Num, b: Num) -> Num:
    product = Num(a.coef * b.coef, a.power + b.power if a.coef * b.coef != 0 else 0)
    if not is_simple(product):  # (1/√2)² written out in floats is 1/2 give or take 1e-16
        snapped = number(float(product.coef), None)
        if is_simple(snapped):
            return Num(snapped.coef, product.power)
    return product


# --- constructors -------------------------------------------------------------


def scale(c: Expr, a: Expr) -> Expr:
    """c·a for a scalar c; numbers go outermost: 2 (x cos(x²)) is kept as 2·(x·cos(x²))."""
    if is_num(c, 1):
        return a
    if is_num(c, -1):
        return neg(a)
    if isinstance(c, Num) and isinstance(a, Num):
        return _mul_num(c, a)
    if isinstance(a, Num):
        return scale(a, c)
    if isinstance(c, Node) and c.op == "neg":
        return neg(scale(c.args[0], a))
    if isinstance(a, Node) and a.op == "neg":
        return scale(neg(c), a.args[0])
    if isinstance(a, Node) and a.op == "scale":
        d, b = a.args
        if isinstance(c, Num) and isinstance(d, Num):
            return scale(_mul_num(c, d), b)
        if isinstance(d, Num):
            return scale(d, scale(c, b))
    if isinstance(c, Node) and c.op == "scale":  # (c d) a = c (d a) for scalars c, d
        return scale(c.args[0], scale(c.args[1], a))
    return Node("scale", (c, a), a.shape)


def neg(a: Expr) -> Expr:
    if isinstance(a, Num):
        return Num(-a.coef, a.power)
    if isinstance(a, Node) and a.op == "neg":
        return a.args[0]
    if isinstance(a, Node) and a.op == "scale" and isinstance(a.args[0], Num):
        inner = a.args[1]
        if a.args[0].coef > 0 and isinstance(inner, Node) and inner.op == "sub":
            return scale(a.args[0], sub(inner.args[1], inner.args[0]))
        return scale(neg(a.args[0]), inner)
    if isinstance(a, Node) and a.op == "sub":
        return sub(a.args[1], a.args[0])
    if isinstance(a, Node) and a.op == "had":
        first = neg(a.args[0])  # −((a − b) ⊙ c) = (b − a) ⊙ c
        if not is_op(first, "neg"):
            return mul(first, a.args[1])
    return Node("neg", (a,), a.shape)


def split(e: Expr) -> tuple[Num, Expr]:
    """e as (number, rest) with e = number·rest."""
    if isinstance(e, Node) and e.op == "scale" and isinstance(e.args[0], Num):
        return e.args[0], e.args[1]
    if isinstance(e, Node) and e.op == "neg":
        c, rest = split(e.args[0])
        return Num(-c.coef, c.power), rest
    return Num(Fraction(1)), e


def add(a: Expr, b: Expr) -> Expr:
    if is_num(a, 0):
        return b
    if is_num(b, 0):
        return a
    for one, other in ((a, b), (b, a)):  # (eˣ − 1) + 1 = eˣ
        if is_num(one, 1) and isinstance(other, Node) and other.op == "expm1":
            return elementwise("exp", other.args[0])
    if isinstance(a, Num) and isinstance(b, Num) and a.power == b.power:
        return Num(a.coef + b.coef, a.power)
    ca, ra = split(a)
    cb, rb = split(b)
    if ra == rb and ca.power == cb.power:  # c·a + d·a = (c + d)·a
        return scale(Num(ca.coef + cb.coef, ca.power), ra)
    if ca.power == cb.power and not (_is_one(ca) and _is_one(cb)):
        if ca.coef == cb.coef:
            return scale(ca, add(ra, rb))
        if ca.coef == -cb.coef:  # c·a − c·b = c(a − b), with c > 0
            return scale(ca, sub(ra, rb)) if ca.coef > 0 else scale(cb, sub(rb, ra))
    if cb.coef < 0:
        return sub(a, scale(Num(-cb.coef, cb.power), rb))
    return Node("add", (a, b), broadcast_shape(a.shape, b.shape))


def sub(a: Expr, b: Expr) -> Expr:
    if is_num(b, 0):
        return a
    if is_num(a, 0):
        return neg(b)
    if isinstance(b, Node) and b.op == "neg":
        return add(a, b.args[0])
    ca, ra = split(a)
    cb, rb = split(b)
    if ca.power == cb.power and ca.coef == cb.coef and not _is_one(ca):
        return scale(ca, sub(ra, rb))
    return Node("sub", (a, b), broadcast_shape(a.shape, b.shape))


def mul(a: Expr, b: Expr) -> Expr:
    """Elementwise product with broadcasting; by a scalar it is a scaling."""
    if isinstance(b, Num):
        return scale(b, a)
    if isinstance(a, Num):
        return scale(a, b)
    if a.shape == () and b.shape == ():
        return _scalar_product(a, b)
    if a.shape == ():
        return scale(a, b)
    if b.shape == ():
        return scale(b, a)
    if _is_ones_vector(b) and broadcast_shape(a.shape, b.shape) == a.shape:
        return a
    if _is_ones_vector(a) and broadcast_shape(a.shape, b.shape) == b.shape:
        return b
    if isinstance(a, Node) and a.op == "fill" and a.shape == b.shape:
        return scale(a.args[0], b)
    if isinstance(b, Node) and b.op == "fill" and b.shape == a.shape:
        return scale(b.args[0], a)
    ca, ra = split(a)
    cb, rb = split(b)
    if not (_is_one(ca) and _is_one(cb)):
        return scale(_mul_num(ca, cb), mul(ra, rb))
    if isinstance(a, Node) and a.op == "scale":  # (c x) ⊙ y = c (x ⊙ y) for a symbol c
        return scale(a.args[0], mul(a.args[1], b))
    if isinstance(b, Node) and b.op == "scale":
        return scale(b.args[0], mul(a, b.args[1]))
    if a == b:  # A ⊙ A = A², as tanh′ = 1 − A² is written
        return power(a, 2)
    return Node("had", (a, b), broadcast_shape(a.shape, b.shape))


def _scalar_product(a: Expr, b: Expr) -> Expr:
    """a·b of two scalars, numbers out front and plain factors first: 2x cos(x²)."""
    ca, ra = split(a)
    cb, rb = split(b)
    if not (_is_one(ca) and _is_one(cb)):
        return scale(_mul_num(ca, cb), mul(ra, rb))
    if a == b:
        return power(a, 2)
    for p, q in ((a, b), (b, a)):  # x² x = x³
        if isinstance(p, Node) and p.op == "pow" and p.args[0] == q:
            return power(q, p.kw["exponent"] + 1)
    return scale(b, a) if _is_leafish(b) and not _is_leafish(a) else scale(a, b)


def _is_leafish(e: Expr) -> bool:
    return isinstance(e, Sym | Num | Ones) or is_op(e, "pow")


def div(a: Expr, b: Expr) -> Expr:
    if isinstance(b, Num):
        return scale(Num(1 / b.coef, -b.power), a)
    return Node("div", (a, b), broadcast_shape(a.shape, b.shape))


def power(a: Expr, exponent: float) -> Expr:
    if exponent == 1:
        return a
    if exponent == 0:
        return Num(Fraction(1))
    if isinstance(a, Num) and float(exponent).is_integer():
        return Num(a.coef ** int(exponent), a.power * int(exponent))
    return node("pow", (a,), a.shape, exponent=float(exponent))


def matmul(a: Expr, b: Expr) -> Expr:
    if a.ndim != 2 or b.ndim != 2:
        raise NotImplementedError(
            f"symbolic matmul of shapes {a.shape} and {b.shape}: only matrices are written"
        )
    ca, ra = split(a)
    cb, rb = split(b)
    if not (_is_one(ca) and _is_one(cb)):
        return scale(_mul_num(ca, cb), matmul(ra, rb))
    if isinstance(a, Node) and a.op == "scale":
        return scale(a.args[0], matmul(a.args[1], b))
    if isinstance(b, Node) and b.op == "scale":
        return scale(b.args[0], matmul(a, b.args[1]))
    # (u ⊙ v) 1⃗ for rows u, v is u vᵀ
    if isinstance(b, Ones) and isinstance(a, Node) and a.op == "had":
        u, v = a.args
        if u.shape == v.shape and u.shape[0] == 1:
            return matmul(u, tr(v))
    return Node("matmul", (a, b), (a.shape[0], b.shape[1]))


def tr(a: Expr) -> Expr:
    if isinstance(a, Num) or a.ndim < 2:
        return a
    if isinstance(a, Node) and a.op == "tr":
        return a.args[0]
    if isinstance(a, Node) and a.op == "scale":
        return scale(a.args[0], tr(a.args[1]))
    if isinstance(a, Node) and a.op == "neg":
        return neg(tr(a.args[0]))
    if isinstance(a, Node) and a.op == "reshape" and is_scalar(a):
        return a
    if isinstance(a, Node) and a.op == "matmul":  # (AB)ᵀ = BᵀAᵀ
        return matmul(tr(a.args[1]), tr(a.args[0]))
    if a.ndim != 2:
        raise NotImplementedError(f"symbolic transpose of shape {a.shape}")
    return Node("tr", (a,), (a.shape[1], a.shape[0]))


def reshape(a: Expr, shape: Shape) -> Expr:
    shape = tuple(shape)
    if a.shape == shape:
        return a
    if isinstance(a, Num) and all(d == 1 for d in shape):
        return a  # a number stands for a 1×1 matrix as well
    if isinstance(a, Node) and a.op == "reshape":
        return reshape(a.args[0], shape)
    if isinstance(a, Node) and a.op == "scale":
        return scale(a.args[0], reshape(a.args[1], shape))
    if isinstance(a, Node) and a.op == "neg":
        return neg(reshape(a.args[0], shape))
    return Node("reshape", (a,), shape)


def broadcast(a: Expr, shape: Shape) -> Expr:
    shape = tuple(shape)
    if a.shape == shape:
        return a
    if is_scalar(a):
        if shape == () or all(d == 1 for d in shape):
            return reshape(a, shape)
        return Node("fill", (reshape(a, ()),), shape)
    if a.ndim == 2 and len(shape) == 2:
        if a.shape[1] == 1 and a.shape[0] == shape[0]:
            return matmul(a, tr(Ones(shape[1])))
        if a.shape[0] == 1 and a.shape[1] == shape[1]:
            return matmul(Ones(shape[0]), a)
    if a.ndim == 1 and len(shape) == 2 and a.shape[0] == shape[1]:
        return broadcast(reshape(a, (1, a.shape[0])), shape)
    raise NotImplementedError(f"symbolic broadcast of {a.shape} to {shape}")


def sum_axes(a: Expr, axis: tuple[int, ...], keepdims: bool) -> Expr:
    if a.ndim == 0 or not axis:
        return a
    if a.ndim == 1:
        out = matmul(reshape(a, (1, a.shape[0])), Ones(a.shape[0]))
        return reshape(out, (1,) if keepdims else ())
    if a.ndim != 2:
        raise NotImplementedError(f"symbolic sum of shape {a.shape}: only matrices are written")
    out = a
    if 1 in axis and a.shape[1] != 1:
        out = matmul(out, Ones(a.shape[1]))
    if 0 in axis and a.shape[0] != 1:
        out = matmul(tr(Ones(a.shape[0])), out)
    if not keepdims:
        kept = tuple(d for i, d in enumerate(a.shape) if i not in axis)
        out = reshape(out, kept)
    return out


def elementwise(op: str, *args: Any, **params: Any) -> Expr:
    """A node of the elementwise kind ``op``; its shape broadcasts its arguments'."""
    exprs = tuple(lift(x) for x in args)
    shape: Shape = ()
    for x in exprs:
        shape = broadcast_shape(shape, x.shape)
    return node(op, exprs, shape, **params)


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
