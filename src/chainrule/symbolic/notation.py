"""The same derivation in another notation.

``columns`` is seed 000's: examples are columns, X is (n, m), W is (out, in),
Z = W X + b. ``rows`` is the convention of PyTorch and Keras: examples are
rows, X is (m, n), W is (in, out), Z = X W + b. Every matrix of one is the
transpose of the same-named matrix of the other, so an expression E in
columns becomes Eᵀ in rows, with the transposes pushed down to the symbols:
(AB)ᵀ = BᵀAᵀ, (A ⊙ B)ᵀ = Aᵀ ⊙ Bᵀ, σ(A)ᵀ = σ(Aᵀ), and a symbol's transpose is
the row-notation symbol of the same name.

``inout`` is seed 001's: examples stay columns but a weight matrix is
(in, out), w_ij going from unit i to unit j, so Z = Wᵀ X + b; and the
backward pass is written with error terms δ = −∂L/∂Z (for the output,
(y − ŷ) f′), numbered by layer, so that the update is Δw_ij = η δ_j x_i.
"""

from __future__ import annotations

from chainrule.symbolic import algebra as A  # noqa: N812 - A for the constructors
from chainrule.symbolic import expr as E  # noqa: N812
from chainrule.symbolic.derivation import Derivation
from chainrule.symbolic.expr import Expr, Node, Ones, Sym
from chainrule.symbolic.kinds import KINDS, rebuild, replace

NOTATIONS = ("columns", "rows", "inout")


def to_rows(e: Expr, kept: frozenset[str] = frozenset()) -> Expr:
    """eᵀ written with row-notation symbols (each the transpose of its column twin).

    Symbols named in ``kept`` are laid out the same way in both notations
    (weights already (in, out)), so their transpose stays explicit.
    """
    if isinstance(e, E.Sym):
        if e.name in kept:
            return A.tr(e)
        return E.Sym(e.name, tuple(reversed(e.shape)), e.role)
    if isinstance(e, E.Num):
        return e
    if isinstance(e, Ones):
        return A.tr(e)
    assert isinstance(e, Node)
    kind = KINDS[e.op]

    def f(x: Expr) -> Expr:
        return to_rows(x, kept)

    if kind.rows is not None:
        return kind.rows(e, f)
    return rebuild(e, tuple(f(x) for x in e.args))


def in_notation(d: Derivation, notation: str) -> Derivation:
    """``d`` rendered in ``notation`` ("columns" or "rows")."""
    if notation not in NOTATIONS:
        raise ValueError(f"notation must be one of {', '.join(NOTATIONS)}, got {notation!r}")
    if notation == "columns":
        return d
    if notation == "inout":
        return _to_inout(d)
    kept = frozenset(_weights(d)) if d.weights_in_out else frozenset()

    def rows(e: Expr) -> Expr:
        return to_rows(e, kept)

    return Derivation(
        d.model,
        [(n, rows(e)) for n, e in d.forward],
        rows(d.loss),
        [(n, rows(e)) for n, e in d.adjoints],
        {n: A.tr(rows(e)) if n in kept else rows(e) for n, e in d.cached.items()},
        {n: A.tr(rows(e)) if n in kept else rows(e) for n, e in d.closed.items()},
        {n: s if n in kept else tuple(reversed(s)) for n, s in d.shapes.items()},
        d.data_names,
        notation="rows",
        weights_in_out=d.weights_in_out,
        constants=d.constants,
    )


def _weights(d: Derivation) -> list[str]:
    """The weight matrices: parameters that are not biases and not 1×1."""
    return [
        n
        for n in d.cached
        if not n.startswith("b") and len(d.shapes[n]) == 2 and d.shapes[n] != (1, 1)
    ]


def _to_inout(d: Derivation) -> Derivation:
    weights = [] if d.weights_in_out else _weights(d)
    flip: dict[Expr, Expr] = {}
    shapes = dict(d.shapes)
    for w in weights:
        col = Sym(w, d.shapes[w], "param")
        flip[col] = A.tr(Sym(w, tuple(reversed(d.shapes[w])), "param"))
        shapes[w] = tuple(reversed(d.shapes[w]))
    # error terms δ ∝ −(the adjoint), numbered by layer from the output down
    layers = sum(1 for n in d.cached if not n.startswith("b"))
    signs = {}
    for i, (name, e) in enumerate(d.adjoints):
        delta = Sym(f"δ{layers - i}", e.shape, "adjoint")
        factor = d.factors.get(name)
        negative = isinstance(factor, E.Num) and factor.coef < 0
        signs[name] = negative
        flip[Sym(name, e.shape, "adjoint")] = delta if negative else A.neg(delta)
        shapes[delta.name] = e.shape
    adjoints = []
    for i, (name, e) in enumerate(d.adjoints):
        value = replace(e, flip)
        adjoints.append((f"δ{layers - i}", value if signs[name] else A.neg(value)))
    grads = {}
    closed = {}
    for name in d.cached:
        g, c = replace(d.cached[name], flip), replace(d.closed[name], flip)
        grads[name] = A.tr(g) if name in weights else g
        closed[name] = A.tr(c) if name in weights else c
    return Derivation(
        d.model,
        [(n, replace(e, flip)) for n, e in d.forward],
        replace(d.loss, flip),
        adjoints,
        grads,
        closed,
        shapes,
        d.data_names,
        notation="inout",
        weights_in_out=True,
        constants=d.constants,
    )
