"""The table of symbolic node kinds: each row says all the symbolic layer knows of one.

A row (:class:`Kind`) gives, for one kind of :class:`~chainrule.symbolic.expr.Node`:
how it is built (the simplifying constructor, and the vocabulary method that
builds it when a primitive's forward or VJP runs on symbols), how it is
evaluated on numbers (with the engine's own functions: the rule table's
forwards and :mod:`chainrule.autodiff.vocabulary`), how it is written in
Unicode text, LaTeX and NumPy code, and how it reads when examples are rows.

Adding a primitive to the engine adds one row here, for the vocabulary
function its forward and VJPs call; the renderers, the evaluator and the
notations read the table and hold no list of their own.

A writer is a format string over the written arguments (``{0}``, ``{1}``) and
the node's parameters (``{axis}``), or a function ``(node, sub) -> str``
where ``sub(arg, precedence)`` writes an argument.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from functools import partial
from typing import Any

import numpy as np

from chainrule.autodiff import rules, vocabulary
from chainrule.symbolic import algebra as A  # noqa: N812 - A for the constructors
from chainrule.symbolic import expr as E  # noqa: N812 - E for the expression types
from chainrule.symbolic.expr import Expr, Node, Ones

Sub = Callable[[Expr, int], str]
Writer = str | Callable[[Node, Sub], str]
ATOM = 5  # precedence of a name, a function call or a power


@dataclass(frozen=True)
class Kind:
    """One kind of symbolic node.

    Attributes:
        name: the node's ``op``; for a function, the vocabulary's name of it.
        build: the simplifying constructor, ``build(*args, **params) -> Expr``.
        evaluate: the value on NumPy arrays, ``evaluate(*values, **params)``.
        text, latex, code: how it is written (see the module docstring).
        prec: how tightly the written form binds (1: a sum ... 5: an atom).
        arg_prec: the precedence each argument is written at.
        grouped: parenthesised inside a parent of the same precedence.
        method: the name by which the vocabulary calls it on a symbolic
            value (``x.sigmoid()``), or "" when only the algebra builds it.
        rows: how the node reads when examples are rows, given the same
            transformation of its arguments; None for an elementwise kind
            (the same kind of the transformed arguments).
        takes_shape: ``evaluate`` is given the node's shape as ``shape``.
        helper: NumPy source the generated code needs for it (a function).
    """

    name: str
    build: Callable[..., Expr]
    evaluate: Callable[..., Any]
    text: Writer
    latex: Writer
    code: Writer
    prec: int = ATOM
    arg_prec: tuple[int, ...] = (0,)
    grouped: bool = False
    method: str = ""
    rows: Callable[[Node, Callable[[Expr], Expr]], Expr] | None = None
    takes_shape: bool = False
    helper: str = ""


# --- writers that look at their arguments ---------------------------------------------


def _is_product(e: Expr) -> bool:
    return E.is_op(e, "matmul", "scale")


def _had(odot: str) -> Callable[[Node, Sub], str]:
    def write(n: Node, sub: Sub) -> str:
        a, b = n.args
        if a.shape in ((1, 1), ()):  # a 1×1 matrix or a scalar scales: w x
            return f"{sub(a, 4)} {sub(b, 4)}"
        # products inside ⊙ get parentheses, as people write them
        return f"{sub(a, 4 if _is_product(a) else 2)}{odot}{sub(b, 4 if _is_product(b) else 2)}"

    return write


def _scale(n: Node, sub: Sub) -> str:
    """c a, and a chain c (d (e f)) as c d e f; a number before a letter joins it: 2x."""
    factors = [n.args[0]]
    rest = n.args[1]
    while isinstance(rest, Node) and rest.op == "scale":
        factors.append(rest.args[0])
        rest = rest.args[1]
    out = sub(factors[0], 4)
    for f in factors[1:]:
        written = sub(f, 4)
        join = "" if out.isdigit() and written[:1].isalpha() and written.isalnum() else " "
        out += join + written
    return f"{out} {sub(rest, 3)}"


def _power(square: str, other: str) -> Callable[[Node, Sub], str]:
    def write(n: Node, sub: Sub) -> str:
        p = n.kw["exponent"]
        p_written = int(p) if float(p).is_integer() else p
        return sub(n.args[0], ATOM) + (square if p == 2 else other.format(p=p_written))

    return write


def _frac(n: Node, sub: Sub) -> str:
    return rf"\frac{{{sub(n.args[0], 0)}}}{{{sub(n.args[1], 0)}}}"  # the bar groups


def _sqrt_latex(n: Node, sub: Sub) -> str:
    return rf"\sqrt{{{sub(n.args[0], 0)}}}"  # the bar groups its argument


def _squared_norm(n: Node) -> Expr | None:
    """W when ``n`` sums the squares of W (1⃗ᵀ (W² 1⃗), or W² 1⃗ for a row W), else None."""
    a, b = n.args
    if isinstance(a, Node) and a.op == "tr" and isinstance(a.args[0], Ones):
        if isinstance(b, Node) and b.op == "matmul" and isinstance(b.args[1], Ones):
            b = b.args[0]
        elif b.shape[1:] != (1,):
            return None
        squared = b
    elif isinstance(b, Ones) and a.shape[:1] == (1,):
        squared = a
    else:
        return None
    if isinstance(squared, Node) and squared.op == "pow" and squared.kw["exponent"] == 2:
        return squared.args[0]
    return None


def _product(left: str, right: str) -> Callable[[Node, Sub], str]:
    """A B; a sum of squares 1⃗ᵀ (W² 1⃗) is written ‖W‖², as the seeds write penalties."""

    def write(n: Node, sub: Sub) -> str:
        w = _squared_norm(n)
        if w is not None:
            return left + sub(w, 0) + right
        return f"{sub(n.args[0], 3)} {sub(n.args[1], 4)}"

    return write


def _matmul_code(n: Node, sub: Sub) -> str:
    a, b = n.args
    if isinstance(b, Ones):
        return f"{sub(a, 0)}.sum(axis=1, keepdims=True)"
    if isinstance(a, Node) and a.op == "tr" and isinstance(a.args[0], Ones):
        return f"{sub(b, 0)}.sum(axis=0, keepdims=True)"
    return f"({sub(a, 0)} @ {sub(b, 0)})"


def dim_code(d: object) -> str:
    """A dimension in generated code: a number, or its size looked up by name."""
    return str(int(d)) if isinstance(d, int) else f"dims[{str(d)!r}]"


def _shape_code(shape: tuple[Any, ...]) -> str:
    inner = ", ".join(dim_code(d) for d in shape)
    return f"({inner},)" if len(shape) == 1 else f"({inner})"


def _reshape_code(n: Node, sub: Sub) -> str:
    return f"np.reshape({sub(n.args[0], 0)}, {_shape_code(n.shape)})"


def _fill_code(n: Node, sub: Sub) -> str:
    return f"np.full({_shape_code(n.shape)}, {sub(n.args[0], 0)})"


# --- evaluators that are not a rule's forward or a vocabulary function -----------------


def _fill(x: Any, shape: tuple[int, ...]) -> np.ndarray:
    return np.full(shape, float(np.asarray(x).reshape(())))


def _reshape(x: Any, shape: tuple[int, ...]) -> np.ndarray:
    return np.reshape(x, shape)


def _matmul(a: Any, b: Any) -> Any:
    return rules.matmul(np.asarray(a), np.asarray(b))


# --- how kinds read when examples are rows --------------------------------------------


def _rows_matmul(n: Node, f: Callable[[Expr], Expr]) -> Expr:
    return A.matmul(f(n.args[1]), f(n.args[0]))  # (AB)ᵀ = BᵀAᵀ


def _rows_tr(n: Node, f: Callable[[Expr], Expr]) -> Expr:
    return A.tr(f(n.args[0]))


def _rows_reshape(n: Node, f: Callable[[Expr], Expr]) -> Expr:
    return A.reshape(f(n.args[0]), tuple(reversed(n.shape)))


def _rows_fill(n: Node, f: Callable[[Expr], Expr]) -> Expr:
    return A.broadcast(n.args[0], tuple(reversed(n.shape)))


def _rows_scale(n: Node, f: Callable[[Expr], Expr]) -> Expr:
    return A.scale(n.args[0], f(n.args[1]))  # the scalar is not transposed


def _rows_turn_axis(n: Node, f: Callable[[Expr], Expr]) -> Expr:
    params = n.kw
    axis = params["axis"]  # the axis turns: 0 ↔ 1 of a matrix
    params["axis"] = tuple(1 - a for a in axis) if isinstance(axis, tuple) else 1 - axis
    return E.node(n.op, (f(n.args[0]),), tuple(reversed(n.shape)), **params)


# --- the table --------------------------------------------------------------------------


def _function(
    name: str,
    text: Writer,
    latex: Writer,
    code: Writer,
    *,
    evaluate: Callable[..., Any] | None = None,
    arity: int = 1,
    prec: int = ATOM,
    arg_prec: tuple[int, ...] | None = None,
    helper: str = "",
) -> Kind:
    """A row for an elementwise vocabulary function, evaluated by the vocabulary itself.

    ``text``, ``latex`` and ``code`` are either a bare name (written
    ``name(args)``) or a full format string.
    """
    slots = ", ".join(f"{{{i}}}" for i in range(arity))

    def call(form: Writer, left: str, right: str) -> Writer:
        if callable(form) or "{0}" in form:
            return form
        return form.replace("{", "{{").replace("}", "}}") + f"{left}{slots}{right}"

    return Kind(
        name,
        partial(A.elementwise, name),
        evaluate if evaluate is not None else getattr(vocabulary, name),
        call(text, "(", ")"),
        call(latex, r"\left(", r"\right)"),
        call(code, "(", ")"),
        prec=prec,
        arg_prec=arg_prec if arg_prec is not None else (0,) * arity,
        method=name,
        helper=helper,
    )


_SIGMOID_HELPER = """def sigmoid(z):
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-z))"""

_SOFTMAX_HELPER = """def log_softmax(z, axis):
    shift = z.max(axis=axis, keepdims=True)
    z = z - np.where(np.isfinite(shift), shift, 0.0)
    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))


def softmax(z, axis):
    return np.exp(log_softmax(z, axis))"""


_SIGN_HELPER = """def sign(z):
    return np.where(np.isnan(z), 0.0, np.sign(z))"""

_ERF_HELPER = """def erf(z):
    import math

    return np.vectorize(math.erf, otypes=[float])(z)"""


def _reduction(name: str, text: str, latex: str) -> Kind:
    """A row for a reduction over ``axis`` (a tuple) of the vocabulary."""
    return Kind(
        name,
        partial(_reduce, name),
        getattr(vocabulary, name),
        partial(_axis_writer, text + "_{axes}({0})"),
        partial(_axis_writer, latex + r"_{{\text{{axis }} {axes}}}\left({0}\right)"),
        partial(_axis_writer, f"np.{name}({{0}}, axis={{axis}}, keepdims={{keepdims}})"),
        method=name,
        rows=_rows_turn_axis,
    )


def _reduce(name: str, x: Expr, axis: tuple[int, ...], keepdims: bool) -> Expr:
    axes = tuple(sorted(int(a) for a in axis))
    if keepdims:
        shape = tuple(1 if i in axes else d for i, d in enumerate(x.shape))
    else:
        shape = tuple(d for i, d in enumerate(x.shape) if i not in axes)
    return E.node(name, (x,), shape, axis=axes, keepdims=bool(keepdims))


def _axis_writer(form: str, n: Node, sub: Sub) -> str:
    axes = ", ".join(str(a) for a in n.kw["axis"])
    return form.format(sub(n.args[0], 0), axes=axes, **n.kw)


def _softmax_kind(name: str) -> Kind:
    return Kind(
        name,
        partial(_axis_node, name),
        getattr(vocabulary, name),
        f"{name}({{0}})",
        r"\operatorname{{" + name.replace("_", r"\_") + r"}}\left({0}\right)",
        f"{name}({{0}}, axis={{axis}})",
        method=name,
        rows=_rows_turn_axis,
        helper=_SOFTMAX_HELPER,
    )


PREDICATES = ("step", "greater", "greater_equal", "equal")  # kinds valued 1 or 0


def _where(condition: Any, a: Any, b: Any) -> Expr:
    """where(c, a, b); for a predicate c, where(c, a, 0) = a ⊙ c and where(c, 0, b) =
    b ⊙ (1 − c) (equal for finite a, b), as the derivatives of ReLU-like functions read."""
    c, x, y = (E.lift(v) for v in (condition, a, b))
    if E.is_op(c, *PREDICATES):
        if E.is_num(y, 0):
            return A.mul(x, c) if not E.is_num(x, 1) else c
        if E.is_num(x, 0):
            rest = A.sub(E.Num(Fraction(1)), c)
            return rest if E.is_num(y, 1) else A.mul(y, rest)
    return A.elementwise("where", c, x, y)


def _clip(x: Expr, lo: float | None, hi: float | None) -> Expr:
    bounds = tuple(None if b is None else float(b) for b in (lo, hi))
    return E.node("clip", (x,), x.shape, lo=bounds[0], hi=bounds[1])


def _axis_node(name: str, x: Expr, axis: int) -> Expr:
    return E.node(name, (x,), x.shape, axis=int(axis))


TABLE: tuple[Kind, ...] = (
    Kind("add", A.add, rules.add, "{0} + {1}", "{0} + {1}", "({0} + {1})", 1, (1, 1)),
    Kind("sub", A.sub, rules.sub, "{0} − {1}", "{0} - {1}", "({0} - {1})", 1, (1, 2), True),
    Kind("neg", A.neg, rules.neg, "−{0}", "-{0}", "(-{0})", 2, (3,)),
    Kind("scale", A.scale, operator.mul, _scale, _scale, "({0} * {1})", 3, (4, 3), True),
    Kind("had", A.mul, rules.mul, _had(" ⊙ "), _had(r" \odot "), "({0} * {1})", 2),
    Kind("div", A.div, rules.div, "{0} / {1}", _frac, "({0} / {1})", 2, (3, 3)),
    Kind(
        "matmul",
        A.matmul,
        _matmul,
        _product("‖", "‖²"),
        _product(r"\lVert ", r" \rVert^{2}"),
        _matmul_code,
        3,
        (3, 4),
        rows=_rows_matmul,
    ),
    Kind("tr", A.tr, np.transpose, "{0}ᵀ", r"{0}^\intercal", "{0}.T", ATOM, (ATOM,), rows=_rows_tr),
    Kind(
        "pow",
        A.power,
        rules.power,
        _power("²", "^{p}"),
        _power("^{2}", "^{{{p}}}"),
        "({0} ** {exponent!r})",
    ),
    Kind(
        "reshape",
        A.reshape,
        _reshape,
        "{0}",
        "{0}",
        _reshape_code,
        rows=_rows_reshape,
        takes_shape=True,
    ),
    Kind(
        "fill",
        A.broadcast,
        _fill,
        "{0} 1⃗1⃗ᵀ",
        r"{0} \vec{{1}}\vec{{1}}^\intercal",
        _fill_code,
        arg_prec=(4,),
        method="broadcast_to",
        rows=_rows_fill,
        takes_shape=True,
    ),
    _function("sigmoid", "σ", r"\sigma", "sigmoid", helper=_SIGMOID_HELPER),
    _function("tanh", "tanh", r"\tanh", "np.tanh"),
    _function("exp", "exp", r"\exp", "np.exp"),
    _function("log", "log", r"\log", "np.log"),
    _function("log1p", "log(1 + {0})", r"\log\left(1 + {0}\right)", "np.log1p({0})", arg_prec=(1,)),
    _function("expm1", "exp({0}) − 1", r"\exp\left({0}\right) - 1", "np.expm1({0})", prec=1),
    _function("relu", "relu", r"\operatorname{relu}", "np.maximum({0}, 0.0)"),
    _function("softplus", "softplus", r"\operatorname{softplus}", "np.logaddexp(0.0, {0})"),
    _function("step", "1[{0} > 0]", r"\mathbb{{1}}\left[{0} > 0\right]", "({0} > 0)"),
    _function("sin", "sin", r"\sin", "np.sin"),
    _function("cos", "cos", r"\cos", "np.cos"),
    _function("tan", "tan", r"\tan", "np.tan"),
    _function("sqrt", "√{0}", _sqrt_latex, "np.sqrt({0})", arg_prec=(ATOM,)),
    _function("abs", "|{0}|", r"\left|{0}\right|", "np.abs({0})"),
    _function("sign", "sign", r"\operatorname{sign}", "sign", helper=_SIGN_HELPER),
    _function("erf", "erf", r"\operatorname{erf}", "erf", helper=_ERF_HELPER),
    _function("maximum", "max", r"\max", "np.maximum", arity=2),
    _function("minimum", "min", r"\min", "np.minimum", arity=2),
    _function(
        "greater",
        "1[{0} > {1}]",
        r"\mathbb{{1}}\left[{0} > {1}\right]",
        "({0} > {1})",
        arity=2,
        arg_prec=(1, 1),
    ),
    _function(
        "greater_equal",
        "1[{0} ≥ {1}]",
        r"\mathbb{{1}}\left[{0} \geq {1}\right]",
        "({0} >= {1})",
        arity=2,
        arg_prec=(1, 1),
    ),
    _function(
        "equal",
        "1[{0} = {1}]",
        r"\mathbb{{1}}\left[{0} = {1}\right]",
        "({0} == {1})",
        arity=2,
        arg_prec=(1, 1),
    ),
    Kind(
        "where",
        _where,
        vocabulary.where,
        "where({0}, {1}, {2})",
        r"\operatorname{{where}}\left({0}, {1}, {2}\right)",
        "np.where({0}, {1}, {2})",
        arg_prec=(0, 0, 0),
        method="where",
    ),
    Kind(
        "clip",
        _clip,
        vocabulary.clip,
        "clip({0}, {lo}, {hi})",
        r"\operatorname{{clip}}\left({0}, {lo}, {hi}\right)",
        "np.clip({0}, {lo!r}, {hi!r})",
        method="clip",
    ),
    _reduction("amax", "max", r"\max"),
    _reduction("amin", "min", r"\min"),
    _softmax_kind("softmax"),
    _softmax_kind("log_softmax"),
)
KINDS: dict[str, Kind] = {k.name: k for k in TABLE}
_METHODS: dict[str, Kind] = {k.method: k for k in TABLE if k.method}
FUNCTIONS = frozenset(k.name for k in TABLE if k.method == k.name)  # the vocabulary's functions

# Primitives of the rule table that the symbolic layer does not write, and why;
# derive refuses a graph that uses one, with this reason.
_INDEXING = (
    "indexing picks and places single entries, and its adjoint adds values into chosen "
    "positions of a zero array: neither has a matrix-algebra form in these equations; "
    "derive the function on whole matrices and index the result"
)
NO_SYMBOLIC_FORM: dict[str, str] = {
    "getitem": _INDEXING,
    "scatter_add": _INDEXING,
    "concatenate": "its gradient is a slice of the adjoint (indexing), which has no "
    "matrix-algebra form in these equations; derive each part on its own",
}


def method(name: str) -> Callable[..., Expr] | None:
    """The builder the vocabulary reaches as ``x.name(...)`` on a symbolic ``x``."""
    kind = _METHODS.get(name)
    return None if kind is None else kind.build


def rebuild(e: Node, args: tuple[Expr, ...]) -> Expr:
    """The node ``e`` with new arguments, through its kind's simplifying constructor."""
    kind = KINDS[e.op]
    params = e.kw
    if kind.takes_shape:
        params["shape"] = e.shape
    return kind.build(*args, **params)


def replace(e: Expr, mapping: dict[Expr, Expr], memo: dict[int, Expr] | None = None) -> Expr:
    """``e`` with every subexpression found in ``mapping`` replaced, rebuilt simplified."""
    memo = {} if memo is None else memo
    done = memo.get(id(e))
    if done is not None:
        return done
    if e in mapping:
        out = mapping[e]
    elif isinstance(e, Node):
        args = tuple(replace(a, mapping, memo) for a in e.args)
        out = e if args == e.args else rebuild(e, args)
    else:
        out = e
    memo[id(e)] = out
    return out
