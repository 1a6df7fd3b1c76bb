"""Symbolic matrix expressions, small enough to read, that the engine's rules run on.

An :class:`Expr` has a symbolic shape (dimension names such as ``"m"`` or
``"k"``, or 1) and supports exactly what the VJPs of
:mod:`chainrule.autodiff.rules` use: ``+ - * / @``, ``.mT``, ``.sum``,
``.reshape``, ``.transpose``, ``.sigmoid()``, ``.step()`` and
``.broadcast_to``. The constructors simplify as a person would: scalars move
to the front and multiply out, 1·x = x, (xᵀ)ᵀ = x, x + (−y) = x − y, a sum over
an axis is a product with a ones vector 1⃗, and a broadcast scalar times a
matrix is a scaled matrix.

Numbers are kept exact, as ``coef · m^power`` with a rational ``coef``, so
1/m and 2/m stay symbolic in the number of examples.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from chainrule.autodiff import vocabulary

Dim = str | int
Shape = tuple[Dim, ...]


class Expr:
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

    def sum(self, axis: tuple[int, ...] = (), keepdims: bool = False) -> Expr:
        return sum_axes(self, tuple(axis), keepdims)

    def reshape(self, shape: Shape) -> Expr:
        return reshape(self, tuple(shape))

    def transpose(self, axes: tuple[int, ...]) -> Expr:
        if tuple(axes) == tuple(range(self.ndim)):
            return self
        if self.ndim == 2 and tuple(axes) == (1, 0):
            return tr(self)
        raise NotImplementedError("symbolic transpose of more than two axes")

    def sigmoid(self) -> Expr:
        return func("σ", self)

    def softmax(self, axis: int) -> Expr:
        return Node("func", (self,), self.shape, fn="softmax", p=float(axis))

    def log_softmax(self, axis: int) -> Expr:
        return Node("func", (self,), self.shape, fn="log_softmax", p=float(axis))

    def step(self) -> Expr:
        return func("step", self)

    def broadcast_to(self, shape: Shape) -> Expr:
        return broadcast(self, tuple(shape))


@dataclass(frozen=True, eq=True)
class Sym(Expr):
    """A named matrix: a parameter, the data, a forward value or an adjoint."""

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
    """An operation: ``op`` applied to ``args`` (with a number ``p`` for powers)."""

    op: str  # add sub neg scale had div matmul tr func pow reshape fill
    args: tuple[Expr, ...]
    shape: Shape
    fn: str = ""
    p: float = 0.0


def lift(x: Any) -> Expr:
    return x if isinstance(x, Expr) else number(float(x))


_M_VALUE: list[int] = [13]  # the m the graph was traced with (set by the deriver)


def number(x: float, m: int | None = None) -> Num:
    """x as coef·m^power: 0.15384... with m = 13 becomes 2/m."""
    m = _M_VALUE[0] if m is None else m
    if x == 0:
        return Num(Fraction(0))
    best: Num | None = None
    for power in (0, -1, 1, -2):
        coef = Fraction(x / float(m) ** power).limit_denominator(64)
        if abs(float(coef) * float(m) ** power - x) <= 1e-12 * max(1.0, abs(x)):
            candidate = Num(coef, power)
            score = coef.denominator + abs(coef.numerator) + abs(power)
            if best is None or score < best.coef.denominator + abs(best.coef.numerator) + abs(
                best.power
            ):
                best = candidate
    return best if best is not None else Num(Fraction(x), 0)


def is_num(e: Expr, value: float | None = None) -> bool:
    if not isinstance(e, Num):
        return False
    return value is None or (e.power == 0 and e.coef == value)


def is_scalar(e: Expr) -> bool:
    return e.shape == () or all(d == 1 for d in e.shape)


def _is_ones_vector(e: Expr) -> bool:
    return isinstance(e, Ones) or (
        isinstance(e, Node) and e.op == "tr" and isinstance(e.args[0], Ones)
    )


def _is_one(n: Num) -> bool:
    return n.coef == 1 and n.power == 0


def _mul_num(a: Num, b: Num) -> Num:
    return Num(a.coef * b.coef, a.power + b.power if a.coef * b.coef != 0 else 0)


# --- constructors -------------------------------------------------------------


def scale(c: Expr, a: Expr) -> Expr:
    """c·a for a scalar c."""
    if is_num(c, 1):
        return a
    if is_num(c, -1):
        return neg(a)
    if isinstance(c, Num) and isinstance(a, Num):
        return _mul_num(c, a)
    if isinstance(a, Node) and a.op == "scale":
        return scale(mul(c, a.args[0]), a.args[1])
    if isinstance(a, Node) and a.op == "neg":
        return scale(neg(c), a.args[0])
    if isinstance(c, Node) and c.op == "neg":
        return neg(scale(c.args[0], a))
    return Node("scale", (c, a), a.shape)


def neg(a: Expr) -> Expr:
    if isinstance(a, Num):
        return Num(-a.coef, a.power)
    if isinstance(a, Node) and a.op == "neg":
        return a.args[0]
    if isinstance(a, Node) and a.op == "scale" and isinstance(a.args[0], Num):
        inner = a.args[1]
        if a.args[0].coef > 0 and isinstance(inner, Node) and inner.op == "sub":
            return scale(a.args[0], sub(inner.args[1], inner.args[0]))  # −c(a − b) = c(b − a)
        return scale(neg(a.args[0]), inner)
    if isinstance(a, Node) and a.op == "sub":
        return sub(a.args[1], a.args[0])
    if isinstance(a, Node) and a.op == "had":
        first = neg(a.args[0])  # −((a − b) ⊙ c) = (b − a) ⊙ c
        if not (isinstance(first, Node) and first.op == "neg"):
            return mul(first, a.args[1])
    return Node("neg", (a,), a.shape)


def _split(e: Expr) -> tuple[Num, Expr]:
    """e as (number, rest) with e = number·rest."""
    if isinstance(e, Node) and e.op == "scale" and isinstance(e.args[0], Num):
        return e.args[0], e.args[1]
    if isinstance(e, Node) and e.op == "neg":
        c, rest = _split(e.args[0])
        return Num(-c.coef, c.power), rest
    return Num(Fraction(1)), e


def add(a: Expr, b: Expr) -> Expr:
    if isinstance(a, Num) and a.coef == 0:
        return b
    if isinstance(b, Num) and b.coef == 0:
        return a
    if isinstance(a, Num) and isinstance(b, Num) and a.power == b.power:
        return Num(a.coef + b.coef, a.power)
    ca, ra = _split(a)
    cb, rb = _split(b)
    if ra == rb and ca.power == cb.power:  # c·a + d·a = (c + d)·a
        return scale(Num(ca.coef + cb.coef, ca.power), ra)
    if ca.power == cb.power and not (_is_one(ca) and _is_one(cb)):
        if ca.coef == cb.coef:
            return scale(ca, add(ra, rb))
        if ca.coef == -cb.coef:  # c·a − c·b = c(a − b), with c > 0
            return scale(ca, sub(ra, rb)) if ca.coef > 0 else scale(cb, sub(rb, ra))
    if cb.coef < 0:
        return sub(a, scale(Num(-cb.coef, cb.power), rb))
    return Node("add", (a, b), _broadcast_shape(a.shape, b.shape))


def sub(a: Expr, b: Expr) -> Expr:
    if isinstance(b, Num) and b.coef == 0:
        return a
    if isinstance(a, Num) and a.coef == 0:
        return neg(b)
    if isinstance(b, Node) and b.op == "neg":
        return add(a, b.args[0])
    ca, ra = _split(a)
    cb, rb = _split(b)
    if ca.power == cb.power and ca.coef == cb.coef and not _is_one(ca):
        return scale(ca, sub(ra, rb))
    return Node("sub", (a, b), _broadcast_shape(a.shape, b.shape))


def mul(a: Expr, b: Expr) -> Expr:
    """Elementwise product with broadcasting; by a scalar it is a scaling."""
    if isinstance(b, Num):
        return scale(b, a)
    if isinstance(a, Num):
        return scale(a, b)
    if is_scalar(a) and a.shape == ():
        return scale(a, b)
    if is_scalar(b) and b.shape == ():
        return scale(b, a)
    if _is_ones_vector(b) and _broadcast_shape(a.shape, b.shape) == a.shape:
        return a
    if _is_ones_vector(a) and _broadcast_shape(a.shape, b.shape) == b.shape:
        return b
    if isinstance(a, Node) and a.op == "fill" and a.shape == b.shape:
        return scale(a.args[0], b)
    if isinstance(b, Node) and b.op == "fill" and b.shape == a.shape:
        return scale(b.args[0], a)
    ca, ra = _split(a)
    cb, rb = _split(b)
    if not (_is_one(ca) and _is_one(cb)):
        return scale(_mul_num(ca, cb), mul(ra, rb))
    if a == b:  # A ⊙ A = A², as tanh′ = 1 − A² is written
        return power(a, 2)
    return Node("had", (a, b), _broadcast_shape(a.shape, b.shape))


def div(a: Expr, b: Expr) -> Expr:
    if isinstance(b, Num):
        return scale(Num(1 / b.coef, -b.power), a)
    return Node("div", (a, b), _broadcast_shape(a.shape, b.shape))


def power(a: Expr, p: float) -> Expr:
    if p == 1:
        return a
    return Node("pow", (a,), a.shape, p=float(p))


def matmul(a: Expr, b: Expr) -> Expr:
    ca, ra = _split(a)
    cb, rb = _split(b)
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
    if isinstance(a, Num):
        return a
    if isinstance(a, Node) and a.op == "tr":
        return a.args[0]
    if isinstance(a, Node) and a.op in ("scale", "neg"):
        return scale(a.args[0], tr(a.args[1])) if a.op == "scale" else neg(tr(a.args[0]))
    if isinstance(a, Node) and a.op == "reshape" and is_scalar(a):
        return a
    if isinstance(a, Node) and a.op == "matmul":  # (AB)ᵀ = BᵀAᵀ
        return matmul(tr(a.args[1]), tr(a.args[0]))
    return Node("tr", (a,), (a.shape[1], a.shape[0]) if a.ndim == 2 else a.shape)


def func(name: str, a: Expr) -> Expr:
    return Node("func", (a,), a.shape, fn=name)


def reshape(a: Expr, shape: Shape) -> Expr:
    if a.shape == shape:
        return a
    if isinstance(a, Num) and all(d == 1 for d in shape):
        return a  # a number stands for a 1×1 matrix as well
    if isinstance(a, Node) and a.op == "reshape":
        return reshape(a.args[0], shape)
    if isinstance(a, Node) and a.op == "scale":
        return scale(a.args[0], reshape(a.args[1], shape))
    return Node("reshape", (a,), shape)


def broadcast(a: Expr, shape: Shape) -> Expr:
    if a.shape == shape:
        return a
    if is_scalar(a):
        return Node("fill", (reshape(a, ()),), shape)
    if a.ndim == 2 and len(shape) == 2:
        if a.shape[1] == 1 and a.shape[0] == shape[0]:
            return matmul(a, tr(Ones(shape[1])))
        if a.shape[0] == 1 and a.shape[1] == shape[1]:
            return matmul(Ones(shape[0]), a)
    raise NotImplementedError(f"symbolic broadcast of {a.shape} to {shape}")


def sum_axes(a: Expr, axis: tuple[int, ...], keepdims: bool) -> Expr:
    if a.ndim != 2:
        if a.ndim == 0:
            return a
        raise NotImplementedError("symbolic sums of arrays that are not matrices")
    out = a
    if 1 in axis and a.shape[1] != 1:
        out = matmul(out, Ones(a.shape[1]))
    if 0 in axis and a.shape[0] != 1:
        out = matmul(tr(Ones(a.shape[0])), out)
    if not keepdims:
        kept = tuple(d for i, d in enumerate(a.shape) if i not in axis)
        out = reshape(out, kept)
    return out


def _broadcast_shape(a: Shape, b: Shape) -> Shape:
    if a == b or not b:
        return a
    if not a:
        return b
    n = max(len(a), len(b))
    a2 = (1,) * (n - len(a)) + a
    b2 = (1,) * (n - len(b)) + b
    return tuple(x if y == 1 else y for x, y in zip(a2, b2, strict=True))


# --- numbers -------------------------------------------------------------------

FUNCTIONS: dict[str, Any] = {
    "σ": vocabulary.sigmoid,
    "tanh": np.tanh,
    "exp": np.exp,
    "log": np.log,
    "relu": lambda x: np.maximum(x, 0.0),
    "step": vocabulary.step,
    "softplus": lambda x: np.logaddexp(0.0, x),
}
SOFTMAXES: dict[str, Any] = {"softmax": vocabulary.softmax, "log_softmax": vocabulary.log_softmax}


def evaluate(e: Expr, env: dict[str, np.ndarray], dims: dict[str, int]) -> Any:
    """The value of ``e`` with the named matrices of ``env`` and the sizes ``dims``."""
    memo: dict[int, Any] = {}

    def ev(x: Expr) -> Any:
        key = id(x)
        if key in memo:
            return memo[key]
        v: Any
        if isinstance(x, Sym):
            v = env[x.name]
        elif isinstance(x, Num):
            v = float(x.coef) * float(dims["m"]) ** x.power
        elif isinstance(x, Ones):
            v = np.ones((_size(x.dim, dims), 1))
        else:
            assert isinstance(x, Node)
            a = [ev(arg) for arg in x.args]
            v = _apply(x, a, dims)
        memo[key] = v
        return v

    return ev(e)


def _size(d: Dim, dims: dict[str, int]) -> int:
    return d if isinstance(d, int) else dims[d]


def _apply(x: Node, a: list[Any], dims: dict[str, int]) -> Any:
    op = x.op
    if op == "add":
        return a[0] + a[1]
    if op == "sub":
        return a[0] - a[1]
    if op == "neg":
        return -a[0]
    if op in ("scale", "had"):
        return a[0] * a[1]
    if op == "div":
        return a[0] / a[1]
    if op == "matmul":
        return np.asarray(a[0]) @ np.asarray(a[1])
    if op == "tr":
        return np.asarray(a[0]).T
    if op == "func" and x.fn in ("softmax", "log_softmax"):
        return SOFTMAXES[x.fn](a[0], int(x.p))
    if op == "func":
        return FUNCTIONS[x.fn](a[0])
    if op == "pow":
        return a[0] ** x.p
    if op == "reshape":
        return np.reshape(a[0], tuple(_size(d, dims) for d in x.shape))
    if op == "fill":
        return np.full(tuple(_size(d, dims) for d in x.shape), float(np.asarray(a[0]).reshape(())))
    raise ValueError(f"unknown node {op}")


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


def replace(e: Expr, mapping: dict[Expr, Expr]) -> Expr:
    """``e`` with every subexpression found in ``mapping`` replaced, rebuilt simplified."""
    if e in mapping:
        return mapping[e]
    if not isinstance(e, Node):
        return e
    args = tuple(replace(a, mapping) for a in e.args)
    if args == e.args:
        return e
    return rebuild(e, args)


def rebuild(e: Node, args: tuple[Expr, ...]) -> Expr:
    """The node ``e`` with new arguments, through the simplifying constructors."""
    op = e.op
    if op == "add":
        return add(*args)
    if op == "sub":
        return sub(*args)
    if op == "neg":
        return neg(args[0])
    if op == "scale":
        return scale(*args)
    if op == "had":
        return mul(*args)
    if op == "div":
        return div(*args)
    if op == "matmul":
        return matmul(*args)
    if op == "tr":
        return tr(args[0])
    if op == "func":
        return Node("func", (args[0],), args[0].shape, fn=e.fn, p=e.p)
    if op == "pow":
        return power(args[0], e.p)
    if op == "reshape":
        return reshape(args[0], e.shape)
    if op == "fill":
        return broadcast(args[0], e.shape)
    raise ValueError(op)
