"""Derivations as Unicode text, LaTeX, Markdown and a standalone NumPy function."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from chainrule.symbolic.derive import Derivation
from chainrule.symbolic.expr import Expr, Node, Num, Ones, Sym

# precedence: higher binds tighter
_PREC = {
    "add": 1,
    "sub": 1,
    "neg": 2,
    "had": 2,
    "div": 2,
    "scale": 3,
    "matmul": 3,
    "tr": 5,
    "func": 5,
    "pow": 5,
}


def _number_text(n: Num) -> str:
    c = n.coef
    if n.power == 0:
        return str(c) if c.denominator != 1 else str(c.numerator)
    m = "m" if abs(n.power) == 1 else f"m^{abs(n.power)}"
    if n.power < 0:
        num, den = c.numerator, c.denominator
        return f"{num}/{m}" if den == 1 else f"{num}/({den}{m})"
    return f"{c}{m}" if c != 1 else m


def _is_one_by_one(e: Expr) -> bool:
    return e.shape == (1, 1)


def _is_product(e: Expr) -> bool:
    return isinstance(e, Node) and e.op in ("matmul", "scale")


@dataclass(frozen=True)
class Style:
    """How one output format writes the pieces of an expression."""

    name: Callable[[str], str]
    number: Callable[[Num], str]
    ones: str
    minus: str
    odot: str
    transpose: str
    left: str
    right: str
    square: str
    power: str  # a format with {p}
    function: Callable[[str], str]
    fill: str
    divide: Callable[[str, str], str]


def _function_text(fn: str) -> str:
    return fn


def _function_latex(fn: str) -> str:
    return {"σ": r"\sigma", "tanh": r"\tanh", "exp": r"\exp", "log": r"\log"}.get(
        fn, rf"\operatorname{{{fn}}}"
    )


def _wrap_number_text(n: Num) -> str:
    s = _number_text(n)
    return f"({s})" if "/" in s or s.startswith("-") else s


TEXT = Style(
    name=lambda n: n,
    number=_wrap_number_text,
    ones="1⃗",
    minus=" − ",
    odot=" ⊙ ",
    transpose="ᵀ",
    left="(",
    right=")",
    square="²",
    power="^{p}",
    function=_function_text,
    fill=" 1⃗1⃗ᵀ",
    divide=lambda a, b: f"{a} / {b}",
)


def _render(e: Expr, style: Style, parent: int = 0) -> str:
    """``e`` in ``style``, with parentheses only where precedence needs them."""
    if isinstance(e, Sym):
        return style.name(e.name)
    if isinstance(e, Num):
        return style.number(e) if parent >= 3 else _plain_number(e, style)
    if isinstance(e, Ones):
        return style.ones
    assert isinstance(e, Node)
    op, a = e.op, e.args

    def r(x: Expr, p: int) -> str:
        return _render(x, style, p)

    if op == "add":
        s = f"{r(a[0], 1)} + {r(a[1], 1)}"
    elif op == "sub":
        s = f"{r(a[0], 1)}{style.minus}{r(a[1], 2)}"
    elif op == "neg":
        s = f"{style.minus.strip()}{r(a[0], 3)}"
    elif op == "had" and _is_one_by_one(a[0]):  # a 1×1 matrix scales: w x
        s = f"{r(a[0], 4)} {r(a[1], 4)}"
    elif op == "had":  # products inside ⊙ get parentheses, as people write them
        left = r(a[0], 4 if _is_product(a[0]) else 2)
        s = f"{left}{style.odot}{r(a[1], 4 if _is_product(a[1]) else 2)}"
    elif op == "div":
        s = style.divide(r(a[0], 3), r(a[1], 3))
    elif op == "scale":
        s = f"{r(a[0], 4)} {r(a[1], 3)}"
    elif op == "matmul":
        s = f"{r(a[0], 3)} {r(a[1], 4)}"
    elif op == "tr":
        s = f"{r(a[0], 5)}{style.transpose}"
    elif op == "func":
        return f"{style.function(e.fn)}{style.left}{r(a[0], 0)}{style.right}"
    elif op == "pow":
        p = int(e.p) if float(e.p).is_integer() else e.p
        s = r(a[0], 5) + (style.square if p == 2 else style.power.format(p=p))
    elif op == "reshape":
        return r(a[0], parent)
    elif op == "fill":
        s = f"{r(a[0], 4)}{style.fill}"
    else:
        raise ValueError(op)
    prec = _PREC.get(op, 5)
    needs = prec < parent or (prec == parent and op in ("sub", "scale") and parent > 1)
    return f"{style.left}{s}{style.right}" if needs else s


def _plain_number(n: Num, style: Style) -> str:
    return _number_text(n) if style is TEXT else style.number(n)


def text_expr(e: Expr, parent: int = 0) -> str:
    """Unicode: ⊙ for the elementwise product, ᵀ, 1⃗, σ."""
    return _render(e, TEXT, parent)


def text(d: Derivation, form: str = "cached") -> str:
    """The derivation as lines of Unicode text."""
    where = {"columns": "examples are columns", "rows": "examples are rows"}.get(
        d.notation, "weights are (in, out), examples are columns"
    )
    lines = [f"{d.model}: forward ({where})"]
    for name, e in d.forward:
        lines.append(f"  {name} = {text_expr(e)}    {_shape(d, name)}")
    lines.append(f"  L = {text_expr(d.loss)}")
    lines.append(f"{d.model}: backward ({form})")
    if form == "cached":
        for name, e in d.adjoints:
            lines.append(f"  {name} = {text_expr(e)}    {_shape(d, name)}")
    grads = d.cached if form == "cached" else d.closed
    for name, e in grads.items():
        lines.append(f"  ∂L/∂{name} = {text_expr(e)}    {_shape(d, name)}")
    return "\n".join(lines)


def _shape(d: Derivation, name: str) -> str:
    shape = d.shapes.get(name)
    return "" if shape is None else "(" + ", ".join(str(s) for s in shape) + ")"


_GREEK = {"δ": r"\delta", "σ": r"\sigma", "ŷ": r"\hat{y}"}


def _latex_name(name: str) -> str:
    if name in _GREEK:
        return _GREEK[name]
    prefix = ""
    if name.startswith("d") and len(name) > 1 and name[1].isupper():
        prefix, name = "d", name[1:]
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if match:
        return f"{prefix}{match.group(1)}_{{{match.group(2)}}}"
    return prefix + _GREEK.get(name, name)


def _latex_number(n: Num) -> str:
    c: Fraction = n.coef
    sign = "-" if c < 0 else ""
    c = abs(c)
    if n.power == 0:
        return sign + (
            str(c.numerator)
            if c.denominator == 1
            else rf"\frac{{{c.numerator}}}{{{c.denominator}}}"
        )
    m = "m" if abs(n.power) == 1 else f"m^{{{abs(n.power)}}}"
    if n.power < 0:
        den = m if c.denominator == 1 else f"{c.denominator}{m}"
        return sign + rf"\frac{{{c.numerator}}}{{{den}}}"
    return sign + (m if c == 1 else rf"{c}{m}")


LATEX = Style(
    name=_latex_name,
    number=_latex_number,
    ones=r"\vec{1}",
    minus=" - ",
    odot=r" \odot ",
    transpose=r"^\intercal",
    left=r"\left(",
    right=r"\right)",
    square="^{2}",
    power="^{{{p}}}",
    function=_function_latex,
    fill=r" \vec{1}\vec{1}^\intercal",
    divide=lambda a, b: rf"\frac{{{a}}}{{{b}}}",
)


def latex_expr(e: Expr, parent: int = 0) -> str:
    """LaTeX: \\odot, ^\\intercal, \\vec{1}, \\frac{2}{m}, \\sigma."""
    return _render(e, LATEX, parent)


def latex(d: Derivation, form: str = "cached") -> str:
    """One LaTeX equation per line (no surrounding $$)."""
    lines = [rf"{_latex_name(n)} &= {latex_expr(e)}" for n, e in d.forward]
    lines.append(rf"\mathcal{{L}} &= {latex_expr(d.loss)}")
    if form == "cached":
        lines += [rf"{_latex_name(n)} &= {latex_expr(e)}" for n, e in d.adjoints]
    grads = d.cached if form == "cached" else d.closed
    lines += [
        rf"\frac{{\partial\mathcal{{L}}}}{{\partial {_latex_name(n)}}} &= {latex_expr(e)}"
        for n, e in grads.items()
    ]
    return "\n".join(lines)


def markdown(d: Derivation, form: str = "cached") -> str:
    """Markdown with one display equation per line."""
    out = [f"**{d.model}**, backward pass ({form} form)", ""]
    out += [f"$${line.replace('&=', '=')}$$" for line in latex(d, form).splitlines()]
    return "\n".join(out)


def numpy_code(d: Derivation, function_name: str = "gradients") -> str:
    """A standalone Python function, needing only NumPy, computing every gradient."""
    body = [
        "import numpy as np",
        "",
        "",
        "def sigmoid(z):",
        "    return 1.0 / (1.0 + np.exp(-z))",
        "",
        "",
        "def log_softmax(z, axis):",
        "    z = z - z.max(axis=axis, keepdims=True)",
        "    return z - np.log(np.exp(z).sum(axis=axis, keepdims=True))",
        "",
        "",
        "def softmax(z, axis):",
        "    return np.exp(log_softmax(z, axis))",
        "",
        "",
        f"def {function_name}(params, {d.data_names[0]}, {d.data_names[1]}):",
        f'    """d(loss)/d(parameter) for {d.model}, derived by chainrule."""',
    ]
    names = {d.data_names[0], d.data_names[1], *d.cached}
    for p in d.cached:
        body.append(f"    {_py(p)} = params[{p!r}]")
    sources: dict[str, str] = {}
    for name in [*d.data_names, *d.cached]:
        for axis, dim in enumerate(d.shapes.get(name, ())):
            if isinstance(dim, str) and dim not in sources:
                sources[dim] = f"{_py(name)}.shape[{axis}]"
    body.append("    dims = {" + ", ".join(f"{k!r}: {v}" for k, v in sources.items()) + "}")
    body.append('    m = dims["m"]')
    for n, e in d.forward:
        body.append(f"    {_py(n)} = {_code(e)}")
        names.add(n)
    for n, e in d.adjoints:
        body.append(f"    {_py(n)} = {_code(e)}")
    grads = ", ".join(
        f"{p!r}: np.broadcast_to({_code(e)}, {_py(p)}.shape).copy()" for p, e in d.cached.items()
    )
    body.append(f"    return {{{grads}}}")
    return "\n".join(body) + "\n"


def _py(name: str) -> str:
    return {"ŷ": "y_hat", "δ": "delta"}.get(name, name)


def _code(e: Expr) -> str:
    if isinstance(e, Sym):
        return _py(e.name)
    if isinstance(e, Num):
        value = f"{float(e.coef)!r}"
        return value if e.power == 0 else f"({value} * m ** {e.power})"
    if isinstance(e, Ones):
        return f"np.ones(({_dim_code(e.dim)}, 1))"
    assert isinstance(e, Node)
    a = e.args
    op = e.op
    if op == "matmul" and isinstance(a[1], Ones):
        return f"{_code(a[0])}.sum(axis=1, keepdims=True)"
    if (
        op == "matmul"
        and isinstance(a[0], Node)
        and a[0].op == "tr"
        and isinstance(a[0].args[0], Ones)
    ):
        return f"{_code(a[1])}.sum(axis=0, keepdims=True)"
    table = {
        "add": "({0} + {1})",
        "sub": "({0} - {1})",
        "neg": "(-{0})",
        "had": "({0} * {1})",
        "scale": "({0} * {1})",
        "div": "({0} / {1})",
        "matmul": "({0} @ {1})",
        "tr": "{0}.T",
    }
    if op in table:
        return table[op].format(*(_code(x) for x in a))
    if op == "func" and e.fn in ("softmax", "log_softmax"):
        return f"{e.fn}({_code(a[0])}, {int(e.p)})"
    if op == "func":
        fn = {"σ": "sigmoid", "tanh": "np.tanh", "exp": "np.exp", "log": "np.log"}.get(e.fn)
        if fn is None:
            fn = {"relu": "(lambda z: np.maximum(z, 0.0))", "step": "(lambda z: (z > 0) * 1.0)",
                  "softplus": "(lambda z: np.logaddexp(0.0, z))"}[e.fn]  # fmt: skip
        return f"{fn}({_code(a[0])})"
    if op == "pow":
        return f"({_code(a[0])} ** {e.p!r})"
    if op == "reshape":
        return _code(a[0])
    if op == "fill":
        return f"np.full(({', '.join(_dim_code(x) for x in e.shape)}), {_code(a[0])})"
    raise ValueError(op)


def _dim_code(d: object) -> str:
    return str(d) if isinstance(d, int) else f"dims[{d!r}]"
