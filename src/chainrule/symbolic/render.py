"""Derivations as Unicode text, LaTeX, Markdown and a standalone NumPy function.

How each node kind is written comes from its row of the table
(:mod:`chainrule.symbolic.kinds`); this module writes the leaves (names,
numbers, 1⃗), places parentheses by precedence, and lays out whole
derivations. Every name written into generated code is checked or escaped,
so a derivation's names cannot run anything.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from chainrule.symbolic.derivation import Derivation
from chainrule.symbolic.expr import Expr, Node, Num, Ones, Sym, is_simple, walk
from chainrule.symbolic.kinds import KINDS, Writer, dim_code


def _root(value: float) -> tuple[str, str] | None:
    """``value`` as a root, in text and LaTeX (1/√2, √(2/π), 1/√(2π)), when its square
    is a short fraction, possibly of π, and it is not a fraction itself."""
    for pi, pi_text, pi_latex in ((1.0, "", ""), (math.pi, "π", r"\pi")):
        square = Fraction(value * value * pi).limit_denominator(64)
        if not square or abs(float(square) - value * value * pi) > 1e-12 * value * value * pi:
            continue
        p, q = square.numerator, square.denominator
        if not pi_text and math.isqrt(p) ** 2 == p and math.isqrt(q) ** 2 == q:
            return None  # a plain fraction, too long to be written as one
        sign = "-" if value < 0 else ""
        if p == 1:  # 1/√(q π)
            r_text, r_latex = f"{q if q > 1 else ''}{pi_text}", f"{q if q > 1 else ''}{pi_latex}"
            wrapped = r_text if r_text.isdigit() or r_text == "π" else f"({r_text})"
            return f"{sign}1/√{wrapped}", sign + rf"\frac{{1}}{{\sqrt{{{r_latex}}}}}"
        inner = f"{p}/{q}" if q > 1 else str(p)
        if pi_text:
            inner = f"{p}/({q}π)" if q > 1 else f"{p}/π"
        latex = rf"\frac{{{p}}}{{{q if q > 1 else ''}{pi_latex}}}" if q > 1 or pi_text else str(p)
        return f"{sign}√({inner})" if "/" in inner else f"{sign}√{inner}", (
            sign + rf"\sqrt{{{latex}}}"
        )
    return None


def _decimal_text(n: Num) -> str:
    """A number that is no short fraction: 1/√2, √(2/π), else a decimal, 0.01, 0.01/m."""
    root = _root(float(n.coef))
    written = root[0] if root is not None else repr(float(n.coef))
    if n.power == 0:
        return written
    if n.power == -1:
        return f"{written[:2]}({written[2:]} m)" if written.startswith("1/") else f"{written}/m"
    return f"{written} m^{n.power}"


def _decimal_latex(n: Num) -> str:
    root = _root(float(n.coef))
    written = root[1] if root is not None else repr(float(n.coef))
    if n.power == 0:
        return written
    return rf"\frac{{{written}}}{{m}}" if n.power == -1 else f"{written} m^{{{n.power}}}"


def _number_text(n: Num) -> str:
    c = n.coef
    if not is_simple(n):
        return _decimal_text(n)
    if n.power == 0:
        return str(c) if c.denominator != 1 else str(c.numerator)
    m = "m" if abs(n.power) == 1 else f"m^{abs(n.power)}"
    if n.power < 0:
        num, den = c.numerator, c.denominator
        return f"{num}/{m}" if den == 1 else f"{num}/({den}{m})"
    return f"{c}{m}" if c != 1 else m


def _wrap_number_text(n: Num) -> str:
    s = _number_text(n)
    return f"({s})" if "/" in s or s.startswith("-") else s


_GREEK = {
    "δ": r"\delta",
    "σ": r"\sigma",
    "ŷ": r"\hat{y}",
    "λ": r"\lambda",
    "α": r"\alpha",
    "η": r"\eta",
    "μ": r"\mu",
    "θ": r"\theta",
}


def _latex_name(name: str) -> str:
    if name in _GREEK:
        return _GREEK[name]
    prefix = ""
    if name.startswith("d") and len(name) > 1 and name[1].isupper():
        prefix, name = "d", name[1:]
    match = re.fullmatch(r"([A-Za-z]+)(\d+)", name)
    if match:
        return f"{prefix}{match.group(1)}_{{{match.group(2)}}}"
    match = re.fullmatch(r"([A-Za-z]+)_([A-Za-z0-9]+)", name)  # v_in1: v with subscript in1
    if match:
        return rf"{prefix}{match.group(1)}_{{\mathrm{{{match.group(2)}}}}}"
    return prefix + _GREEK.get(name, name)


def _latex_number(n: Num) -> str:
    c: Fraction = n.coef
    if not is_simple(n):
        return _decimal_latex(n)
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


@dataclass(frozen=True)
class Style:
    """How one output format writes the leaves, and which writer of a row it uses."""

    writer: str  # the Kind attribute: "text" or "latex"
    name: Callable[[str], str]
    number: Callable[[Num], str]  # a number as a factor
    plain_number: Callable[[Num], str]  # a number standing alone
    ones: str
    left: str
    right: str


TEXT = Style("text", lambda n: n, _wrap_number_text, _number_text, "1⃗", "(", ")")
LATEX = Style("latex", _latex_name, _latex_number, _latex_number, r"\vec{1}", r"\left(", r"\right)")


def _write(writer: Writer, e: Node, sub: Callable[[Expr, int], str], prec: tuple[int, ...]) -> str:
    if callable(writer):
        return writer(e, sub)
    return writer.format(*(sub(a, p) for a, p in zip(e.args, prec, strict=False)), **e.kw)


def _render(e: Expr, style: Style, parent: int = 0) -> str:
    """``e`` in ``style``, with parentheses only where precedence needs them."""
    if isinstance(e, Sym):
        return style.name(e.name)
    if isinstance(e, Num):
        return style.number(e) if parent >= 3 else style.plain_number(e)
    if isinstance(e, Ones):
        return style.ones
    assert isinstance(e, Node)
    kind = KINDS[e.op]
    if e.op == "reshape":  # a reshape is not written: the shapes say it
        return _render(e.args[0], style, parent)

    def sub(x: Expr, p: int) -> str:
        return _render(x, style, p)

    prec = kind.arg_prec + (kind.arg_prec[-1],) * (len(e.args) - len(kind.arg_prec))
    s = _write(getattr(kind, style.writer), e, sub, prec)
    needs = kind.prec < parent or (kind.prec == parent and kind.grouped and parent > 1)
    return f"{style.left}{s}{style.right}" if needs else s


def text_expr(e: Expr, parent: int = 0) -> str:
    """Unicode: ⊙ for the elementwise product, ᵀ, 1⃗, σ."""
    return _render(e, TEXT, parent)


def code_expr(e: Expr) -> str:
    """NumPy code for ``e``; names that are not safe identifiers are escaped."""
    return _code(e, _Names(set()))


def latex_expr(e: Expr, parent: int = 0) -> str:
    """LaTeX: \\odot, ^\\intercal, \\vec{1}, \\frac{2}{m}, \\sigma."""
    return _render(e, LATEX, parent)


def text(d: Derivation, form: str = "cached") -> str:
    """The derivation as lines of Unicode text, each with its shape, and a
    line defining every function it uses."""
    where = {"columns": "examples are columns", "rows": "examples are rows"}.get(
        d.notation, "weights are (in, out), examples are columns"
    )
    lines = [f"{d.model}: forward ({where})"]
    for name, e in d.forward:
        lines.append(f"  {name} = {text_expr(e)}    {_shape(d, name)}")
    lines.append(f"  L = {text_expr(d.loss)}")
    done: set[str] = set()
    lines += _where([e for _, e in d.forward] + [d.loss], done)
    lines.append(f"{d.model}: backward ({form})")
    if form == "cached":
        for name, e in d.adjoints:
            lines.append(f"  {name} = {text_expr(e)}    {_shape(d, name)}")
    grads = d.cached if form == "cached" else d.closed
    for name, e in grads.items():
        lines.append(f"  ∂L/∂{name} = {text_expr(e)}    {_shape(d, name)}")
    lines += _where(_shown(d, form), done)
    return "\n".join(lines)


def _where(exprs: list[Expr], done: set[str]) -> list[str]:
    """Text lines defining what ``exprs`` use and ``done`` does not hold yet (added to it)."""
    found = [(op, pair) for op, pair in _used(exprs) if op not in done]
    done.update(op for op, _ in found)
    return ["  where", *(f"    {words}" for _, (words, _) in found)] if found else []


def _shape(d: Derivation, name: str) -> str:
    shape = d.shapes.get(name)
    return "" if shape is None else "(" + ", ".join(str(s) for s in shape) + ")"


def _latex_shape(d: Derivation, name: str) -> str:
    shape = d.shapes.get(name)
    if shape is None or len(shape) == 0:
        return ""
    return r" \qquad (" + r" \times ".join(_latex_name(str(s)) for s in shape) + ")"


# How each function and symbol an equation may use is defined (text, LaTeX).
_ENTRYWISE = (", entry by entry", r"\text{, entry by entry}")
DEFINITIONS: dict[str, tuple[str, str]] = {
    "sigmoid": ("σ(z) = 1 / (1 + exp(−z))", r"\sigma(z) = \frac{1}{1 + e^{-z}}"),
    "tanh": (
        "tanh(z) = (exp(z) − exp(−z)) / (exp(z) + exp(−z))",
        r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}",
    ),
    "relu": ("relu(z) = max(z, 0)", r"\operatorname{relu}(z) = \max(z, 0)"),
    "softplus": ("softplus(z) = log(1 + exp(z))", r"\operatorname{softplus}(z) = \log(1 + e^{z})"),
    "step": (
        "1[z > 0] = 1 where z > 0, else 0 (the step: the derivative of relu)",
        r"\mathbb{1}[z > 0] = 1 \text{ where } z > 0 \text{, else 0 (the step: the derivative "
        r"of relu)}",
    ),
    "greater": (
        "1[a > b] = 1 where a > b, else 0",
        r"\mathbb{1}[a > b] = 1 \text{ where } a > b \text{, else } 0",
    ),
    "greater_equal": (
        "1[a ≥ b] = 1 where a ≥ b, else 0",
        r"\mathbb{1}[a \geq b] = 1 \text{ where } a \geq b \text{, else } 0",
    ),
    "equal": (
        "1[a = b] = 1 where a = b, else 0",
        r"\mathbb{1}[a = b] = 1 \text{ where } a = b \text{, else } 0",
    ),
    "softmax": (
        "softmax(z)ᵢ = exp(zᵢ) / Σₖ exp(zₖ), over the classes of each example",
        r"\operatorname{softmax}(z)_{i} = \frac{e^{z_{i}}}{\sum_{k} e^{z_{k}}}"
        r"\text{, over the classes of each example}",
    ),
    "log_softmax": (
        "log_softmax(z)ᵢ = zᵢ − log Σₖ exp(zₖ), over the classes of each example",
        r"\operatorname{log\_softmax}(z)_{i} = z_{i} - \log \sum_{k} e^{z_{k}}"
        r"\text{, over the classes of each example}",
    ),
    "sign": (
        "sign(z) = 1, 0 or −1 where z > 0, z = 0 or z < 0",
        r"\operatorname{sign}(z) = 1, 0, -1 \text{ where } z > 0,\ z = 0,\ z < 0",
    ),
    "erf": (
        "erf(z) = (2/√π) ∫₀ᶻ exp(−t²) dt",
        r"\operatorname{erf}(z) = \frac{2}{\sqrt{\pi}} \int_{0}^{z} e^{-t^{2}} \, dt",
    ),
    "where": (
        "where(c, a, b) = a where c ≠ 0, else b",
        r"\operatorname{where}(c, a, b) = a \text{ where } c \neq 0 \text{, else } b",
    ),
    "clip": (
        "clip(z, lo, hi) = min(max(z, lo), hi)",
        r"\operatorname{clip}(z, lo, hi) = \min(\max(z, lo), hi)",
    ),
    "had": ("⊙ is the product entry by entry", r"\odot \text{ is the product entry by entry}"),
    "ones": ("1⃗ is a column of ones", r"\vec{1} \text{ is a column of ones}"),
}
# what shows, in text, that a function or symbol is written (its name, where not this)
_MARKS = {"sigmoid": "σ(", "step": "1[", "greater": "1[", "greater_equal": "1[", "equal": "1[",
          "had": "⊙", "ones": "1⃗"}  # fmt: skip
_APPLIED_ENTRYWISE = {"sigmoid", "tanh", "relu", "softplus", "sign", "erf", "clip"}


def definitions(d: Derivation, form: str = "cached") -> list[tuple[str, str]]:
    """(text, LaTeX) defining each function and symbol the written equations use,
    in the order they first appear."""
    return [pair for _, pair in _used(_shown(d, form))]


def _shown(d: Derivation, form: str) -> list[Expr]:
    """Every expression the written derivation shows, in order."""
    grads = d.cached if form == "cached" else d.closed
    adjoints = [e for _, e in d.adjoints] if form == "cached" else []
    return [e for _, e in d.forward] + [d.loss] + adjoints + list(grads.values())


def _used(exprs: list[Expr]) -> list[tuple[str, tuple[str, str]]]:
    """The functions and symbols ``exprs`` use, in order, each with its definition."""
    used: dict[str, None] = {}
    for e in exprs:
        for x in walk(e):
            if isinstance(x, Ones):
                used["ones"] = None
            elif isinstance(x, Node) and x.op in DEFINITIONS:
                used[x.op] = None
    written = " ".join(text_expr(e) for e in exprs)  # a kind may write its arguments away
    out = []
    for op in used:
        if _MARKS.get(op, op) not in written:
            continue
        words, latex_words = DEFINITIONS[op]
        if op in _APPLIED_ENTRYWISE:
            words, latex_words = words + _ENTRYWISE[0], latex_words + _ENTRYWISE[1]
        out.append((op, (words, latex_words)))
    return out


def latex_lines(d: Derivation, form: str = "cached") -> list[str]:
    """The equations as LaTeX lines ``left &= right`` (no line ends), then
    ``&\text{where } ...`` lines defining the functions used."""
    lines = [rf"{_latex_name(n)} &= {latex_expr(e)}{_latex_shape(d, n)}" for n, e in d.forward]
    lines.append(rf"\mathcal{{L}} &= {latex_expr(d.loss)}")
    if form == "cached":
        lines += [
            rf"{_latex_name(n)} &= {latex_expr(e)}{_latex_shape(d, n)}" for n, e in d.adjoints
        ]
    grads = d.cached if form == "cached" else d.closed
    lines += [
        rf"\frac{{\partial\mathcal{{L}}}}{{\partial {_latex_name(n)}}} &= "
        rf"{latex_expr(e)}{_latex_shape(d, n)}"
        for n, e in grads.items()
    ]
    defined = [latex_words for _, latex_words in definitions(d, form)]
    lines += [rf"&\text{{where }} {defined[0]}"] if defined else []
    lines += [rf"&\phantom{{\text{{where }}}} {words}" for words in defined[1:]]
    return lines


def latex(d: Derivation, form: str = "cached") -> str:
    """The lines of :func:`latex_block`'s body, one ``left &= right`` a line,
    without line ends or environment: for a program that lays them out itself."""
    return "\n".join(latex_lines(d, form))


def latex_block(d: Derivation, form: str = "cached", standalone: bool = False) -> str:
    r"""The derivation in LaTeX, each equation with its shape, the functions defined below.

    By default one ``aligned`` block, to paste inside a displayed equation
    (``\[ ... \]`` or ``$$ ... $$``) of a document that loads amsmath and
    amssymb. ``standalone`` gives a whole document (``article``, ``align*``)
    that compiles as it is.
    """
    body = " \\\\\n".join(latex_lines(d, form))
    if not standalone:
        return f"\\begin{{aligned}}\n{body}\n\\end{{aligned}}"
    title = _latex_text(f"{d.model}: the backward pass ({form} form)")
    return "\n".join(
        [
            r"\documentclass{article}",
            r"\usepackage{amsmath}",
            r"\usepackage{amssymb}",
            r"\begin{document}",
            rf"\noindent {title}",
            r"\begin{align*}",
            body,
            r"\end{align*}",
            r"\end{document}",
        ]
    )


def _latex_text(text: str) -> str:
    """Plain text made safe for LaTeX's text mode."""
    for c in "\\{}":
        text = text.replace(c, " ")
    return re.sub(r"([&%$#_])", r"\\\1", text).replace("~", " ").replace("^", " ")


def markdown(d: Derivation, form: str = "cached") -> str:
    """Markdown: one display equation per line with its shape, then the
    functions used, defined."""
    out = [f"**{d.model}**, backward pass ({form} form)", ""]
    for line in latex_lines(d, form):
        if line.startswith("&"):
            continue
        out.append(f"$${line.replace('&=', '=')}$$")
    defined = definitions(d, form)
    if defined:
        out += ["", "where", ""]
        out += [f"- ${latex_words}$" for _, latex_words in defined]
    return "\n".join(out)


# --- generated code ---------------------------------------------------------------------

LINE = 100  # the longest line of generated code
_READABLE = {"ŷ": "y_hat", "δ": "delta", "λ": "lam", "α": "alpha"}
_RESERVED = {"np", "math", "params", "dims", "m"} | {k.name for k in KINDS.values() if k.helper}


class _Names:
    """Python identifiers for the names of a derivation, each distinct and safe.

    A name that is a plain identifier (not a keyword, not a name the generated
    code itself uses) is kept; any other is escaped to ``v_<letters>_<n>``.
    """

    def __init__(self, reserved: set[str]) -> None:
        self.taken = set(reserved)
        self.given: dict[str, str] = {}

    def __call__(self, name: str) -> str:
        if name in self.given:
            return self.given[name]
        py = _READABLE.get(name, name)
        if not (py.isidentifier() and py.isascii()) or keyword.iskeyword(py) or py in self.taken:
            stem = re.sub(r"\W", "_", py.encode("ascii", "replace").decode("ascii"))
            base = f"v_{stem}"[:40]
            py, i = base, 1
            while py in self.taken or keyword.iskeyword(py):
                i += 1
                py = f"{base}_{i}"
        self.taken.add(py)
        self.given[name] = py
        return py


def numpy_code(d: Derivation, function_name: str = "gradients") -> str:
    """A standalone Python function, needing only NumPy, computing every gradient.

    Its signature is ``function_name(params, X, y)`` for a model, or
    ``function_name(params)`` for a function, where ``params`` maps each
    parameter's name to its array; it returns parameter -> gradient.
    """
    if not function_name.isidentifier() or keyword.iskeyword(function_name):
        raise ValueError(
            f"numpy_code: function_name must be a Python identifier, got {function_name!r}"
        )
    names = _Names(_RESERVED | {function_name})
    exprs = [e for _, e in d.forward] + [e for _, e in d.adjoints] + list(d.cached.values())
    used = {x.op for e in exprs for x in _nodes(e)}
    helpers = [KINDS[op].helper for op in sorted(used) if KINDS[op].helper]
    body = ["import numpy as np", ""]
    for helper in dict.fromkeys(helpers):  # each once, in a fixed order
        body += ["", helper, ""]
    data = [names(n) for n in d.data_names]
    title = re.sub(r"[^\w .,()-]", "?", d.model)  # nothing that could close the docstring
    body += [
        "",
        f"def {function_name}({', '.join(['params', *data])}):",
        f'    """d(loss)/d(parameter) for {title}, derived by chainrule."""',
    ]
    for p in d.cached:
        body.append(f"    {names(p)} = params[{p!r}]")
    for c, value in d.constants.items():
        body.append(f"    {names(c)} = {float(value)!r}")
    sources: dict[str, str] = {}
    for name in [*d.data_names, *d.cached]:
        for axis, dim in enumerate(d.shapes.get(name, ())):
            if isinstance(dim, str) and dim not in sources:
                sources[dim] = f"np.shape({names(name)})[{axis}]"
    steps = [f"    {names(n)} = {_code(e, names)}" for n, e in [*d.forward, *d.adjoints]]
    steps.append("    return {")
    for p, e in d.cached.items():
        grad = _code(e, names)
        if d.shapes.get(p) != _expr_shape(e):  # a broadcast result is brought to p's shape
            grad = f"np.broadcast_to({grad}, np.shape({names(p)})).copy()"
        steps.append(f"        {p!r}: {grad},")
    steps.append("    }")
    written = "\n".join(steps)
    looked_up = [k for k in sources if f"dims[{k!r}]" in written]
    if looked_up:
        body.append("    dims = {" + ", ".join(f"{k!r}: {sources[k]}" for k in looked_up) + "}")
    if "m" in sources and re.search(r"\bm\b", written):
        body.append(f"    m = {sources['m']}")
    body += steps
    return "\n".join(_wrap(line) for line in body) + "\n"


def _expr_shape(e: Expr) -> tuple[object, ...] | None:
    shape = getattr(e, "shape", None)
    return tuple(shape) if shape is not None else None


def _wrap(line: str, width: int = LINE) -> str:
    """``line`` broken inside its parentheses so that no line is longer than ``width``.

    Generated code parenthesises every operation, so a break after a space
    inside parentheses continues the same expression.
    """
    if len(line) <= width or '"""' in line:
        return line
    indent = " " * (len(line) - len(line.lstrip()) + 8)
    out, current, depth, last_break = [], "", 0, -1
    for c in line:
        current += c
        depth += (c in "([{") - (c in ")]}")
        if c == " " and depth > 0:
            last_break = len(current)
        if len(current) > width and last_break > len(indent) + 1:
            out.append(current[:last_break].rstrip())
            current = indent + current[last_break:]
            last_break = -1
    out.append(current)
    return "\n".join(out)


def _nodes(e: Expr) -> list[Node]:
    return [x for x in walk(e) if isinstance(x, Node)]


def _code(e: Expr, names: Callable[[str], str]) -> str:
    if isinstance(e, Sym):
        return names(e.name)
    if isinstance(e, Num):
        value = f"{float(e.coef)!r}"
        if e.power == 0:
            return value
        if e.power < 0:
            return f"({value} / m)" if e.power == -1 else f"({value} / m ** {-e.power})"
        return f"({value} * m)" if e.power == 1 else f"({value} * m ** {e.power})"
    if isinstance(e, Ones):
        return f"np.ones(({dim_code(e.dim)}, 1))"
    assert isinstance(e, Node)

    def sub(x: Expr, p: int) -> str:
        return _code(x, names)

    return _write(KINDS[e.op].code, e, sub, (0,) * len(e.args))
