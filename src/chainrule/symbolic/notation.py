"""The same derivation in another notation.

``columns`` is seed 000's: examples are columns, X is (n, m), W is (out, in),
Z = W X + b. ``rows`` is the convention of PyTorch and Keras: examples are
rows, X is (m, n), W is (in, out), Z = X W + b. Every matrix of one is the
transpose of the same-named matrix of the other, so an expression E in
columns becomes Eᵀ in rows, with the transposes pushed down to the symbols:
(AB)ᵀ = BᵀAᵀ, (A ⊙ B)ᵀ = Aᵀ ⊙ Bᵀ, σ(A)ᵀ = σ(Aᵀ), and a symbol's transpose is
the row-notation symbol of the same name.
"""

from __future__ import annotations

from dataclasses import replace

from chainrule.symbolic import expr as E  # noqa: N812
from chainrule.symbolic.derive import Derivation
from chainrule.symbolic.expr import Expr, Node, Num, Ones, Sym

NOTATIONS = ("columns", "rows")


def to_rows(e: Expr) -> Expr:
    """eᵀ written with row-notation symbols (each the transpose of its column twin)."""
    if isinstance(e, Sym):
        return Sym(e.name, tuple(reversed(e.shape)), e.role)
    if isinstance(e, Num):
        return e
    if isinstance(e, Ones):
        return E.tr(e)
    assert isinstance(e, Node)
    a = e.args
    if e.op == "matmul":
        return E.matmul(to_rows(a[1]), to_rows(a[0]))
    if e.op == "tr":
        return E.tr(to_rows(a[0]))
    if e.op == "reshape":
        return E.reshape(to_rows(a[0]), tuple(reversed(e.shape)))
    if e.op == "fill":
        return E.broadcast(a[0], tuple(reversed(e.shape)))
    if e.op == "scale":
        return E.scale(a[0], to_rows(a[1]))
    return E.rebuild(replace(e, shape=tuple(reversed(e.shape))), tuple(to_rows(x) for x in a))


def in_notation(d: Derivation, notation: str) -> Derivation:
    """``d`` rendered in ``notation`` ("columns" or "rows")."""
    if notation not in NOTATIONS:
        raise ValueError(f"notation must be one of {', '.join(NOTATIONS)}, got {notation!r}")
    if notation == "columns":
        return d
    return Derivation(
        d.model,
        [(n, to_rows(e)) for n, e in d.forward],
        to_rows(d.loss),
        [(n, to_rows(e)) for n, e in d.adjoints],
        {n: to_rows(e) for n, e in d.cached.items()},
        {n: to_rows(e) for n, e in d.closed.items()},
        {n: tuple(reversed(s)) for n, s in d.shapes.items()},
        d.data_names,
        notation="rows",
    )
