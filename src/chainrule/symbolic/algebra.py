"""The simplifying constructors of symbolic expressions: each builds a node as a person writes it.

Scalars move to the front and multiply out, 1·x = x, (xᵀ)ᵀ = x, x + (−y) = x − y,
a sum over an axis is a product with a ones vector 1⃗, a broadcast scalar
times a matrix is a scaled matrix, and a product of scalars reads 2x cos(x²).
The operators of :class:`~chainrule.symbolic.expr.Expr` and the rows of the
table of node kinds build through these.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from chainrule.symbolic.expr import (
    Expr,
    Node,
    Num,
    Ones,
    Shape,
    Sym,
    broadcast_shape,
    is_num,
    is_one,
    is_ones_vector,
    is_op,
    is_scalar,
    lift,
    mul_num,
    node,
)


def scale(c: Expr, a: Expr) -> Expr:
    """c·a for a scalar c; numbers go outermost: 2 (x cos(x²)) is kept as 2·(x·cos(x²))."""
    if is_num(c, 1):
        return a
    if is_num(c, -1):
        return neg(a)
    if isinstance(c, Num) and isinstance(a, Num):
        return mul_num(c, a)
    if isinstance(a, Num):
        return scale(a, c)
    if isinstance(c, Node) and c.op == "neg":
        return neg(scale(c.args[0], a))
    if isinstance(a, Node) and a.op == "neg":
        return scale(neg(c), a.args[0])
    if isinstance(a, Node) and a.op == "scale":
        d, b = a.args
        if isinstance(c, Num) and isinstance(d, Num):
            return scale(mul_num(c, d), b)
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
    if ca.power == cb.power and not (is_one(ca) and is_one(cb)):
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
    if ca.power == cb.power and ca.coef == cb.coef and not is_one(ca):
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
    if is_ones_vector(b) and broadcast_shape(a.shape, b.shape) == a.shape:
        return a
    if is_ones_vector(a) and broadcast_shape(a.shape, b.shape) == b.shape:
        return b
    if isinstance(a, Node) and a.op == "fill" and a.shape == b.shape:
        return scale(a.args[0], b)
    if isinstance(b, Node) and b.op == "fill" and b.shape == a.shape:
        return scale(b.args[0], a)
    ca, ra = split(a)
    cb, rb = split(b)
    if not (is_one(ca) and is_one(cb)):
        return scale(mul_num(ca, cb), mul(ra, rb))
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
    if not (is_one(ca) and is_one(cb)):
        return scale(mul_num(ca, cb), mul(ra, rb))
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
    if not (is_one(ca) and is_one(cb)):
        return scale(mul_num(ca, cb), matmul(ra, rb))
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
