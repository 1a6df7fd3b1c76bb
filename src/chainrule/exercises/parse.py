"""A small safe parser for equations typed in the text notation, and their evaluation.

An answer such as ``(2/m) * (yhat - y) @ X.T`` or ``δ Xᵀ`` is read by this
grammar and nothing else (never ``eval``); anything outside it is refused
with the position and what was expected::

    expr    := term (("+" | "-" | "−") term)*
    term    := unary (("@" | "*" | "⊙" | "/" | "·" | <space>) unary)*
    unary   := ("-" | "−") unary | power
    power   := postfix (("^" | "**") ["-"] NUMBER | "²")?
    postfix := atom (".T" | "ᵀ")*
    atom    := NUMBER | NAME | "1⃗" | FUNCTION "(" expr ")" | "(" expr ")"
             | "1[" expr (">" | "<") expr "]"

``@``, ``·`` and two factors side by side are the matrix product (by a
scalar, a scaling); ``*`` and ``⊙`` are the elementwise product; ``/``
divides by a scalar (or elementwise); ``.T`` and ``ᵀ`` transpose. ``m`` is
the number of examples; ``1[Z > 0]`` is 1 where Z > 0 and 0 elsewhere; ``1⃗``
(or ``ones``) is a column of m ones, so ``dZ 1⃗`` sums over the examples, as
does ``sum(dZ)``. The functions are
:data:`FUNCTIONS`. Names are looked up in the environment the answer is
evaluated in (``yhat`` may be typed for ŷ, ``delta`` for δ).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np

MAX_LENGTH = 2000
MAX_DEPTH = 60


class ParseError(ValueError):
    """An answer outside the grammar: the message names the position and what is expected."""


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


FUNCTIONS: dict[str, Callable[[Any], Any]] = {
    "σ": _sigmoid,
    "sigma": _sigmoid,
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "exp": np.exp,
    "log": np.log,
    "sqrt": np.sqrt,
    "abs": np.abs,
    "sum": lambda a: np.sum(a, axis=-1, keepdims=True),
}
"""The functions an answer may call; ``sum`` sums over the examples (the columns)."""

ALIASES = {"yhat": "ŷ", "y_hat": "ŷ", "delta": "δ", "ones": "1⃗"}


class Num(NamedTuple):
    value: float


class Name(NamedTuple):
    name: str


class Unary(NamedTuple):
    op: str  # "neg" or "T"
    arg: Any


class Binary(NamedTuple):
    op: str  # "+", "-", "matmul", "had", "/"
    left: Any
    right: Any


class Power(NamedTuple):
    arg: Any
    exponent: float


class Call(NamedTuple):
    function: str
    arg: Any


class Indicator(NamedTuple):
    """1[left > right] (or <): 1 where it holds, 0 elsewhere."""

    left: Any
    op: str
    right: Any


Node = Num | Name | Unary | Binary | Power | Call | Indicator

_TOKEN = re.compile(
    r"\s*(?:"
    r"(?P<ones>1\u20d7)"
    r"|(?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)"
    r"|(?P<name>[^\W\dᵀ²](?:[^\Wᵀ²]|[\u0300-\u036f])*)"
    r"|(?P<op>\*\*|\.T|[-+−*⊙@/·^²ᵀ(),\[\]<>])"
    r")"
)


class _Token(NamedTuple):
    kind: str
    text: str
    at: int
    spaced: bool  # preceded by white space


def _tokens(text: str) -> list[_Token]:
    out = []
    i = 0
    while i < len(text):
        if text[i:].strip() == "":
            break
        match = _TOKEN.match(text, i)
        if match is None or match.lastgroup is None:
            j = len(text) - len(text[i:].lstrip())
            raise ParseError(
                f"unexpected {text[j]!r} at position {j + 1}: an equation holds names, "
                "numbers, + − * ⊙ @ / ^ ᵀ (.T) and parentheses"
            )
        kind = match.lastgroup
        out.append(_Token(kind, match.group(kind), match.start(kind), match.start(kind) > i))
        i = match.end()
    return out


def parse(text: str) -> Node:
    """The tree of an equation's right-hand side, or a ParseError naming the problem."""
    if not isinstance(text, str):
        raise ParseError(f"an equation is text, got {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ParseError(f"the equation is {len(text)} characters long; at most {MAX_LENGTH}")
    text = unicodedata.normalize("NFC", text)
    text = text.split("=")[-1] if text.count("=") == 1 else text
    parser = _Parser(_tokens(text))
    if not parser.tokens:
        raise ParseError("the equation is empty")
    tree = parser.expr(0)
    if parser.i < len(parser.tokens):
        t = parser.tokens[parser.i]
        raise ParseError(f"unexpected {t.text!r} at position {t.at + 1}")
    return tree


class _Parser:
    def __init__(self, tokens: list[_Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, *texts: str) -> _Token | None:
        t = self.peek()
        if t is not None and t.kind == "op" and t.text in texts:
            self.i += 1
            return t
        return None

    def expr(self, depth: int) -> Node:
        if depth > MAX_DEPTH:
            raise ParseError(f"the equation nests deeper than {MAX_DEPTH} levels")
        left = self.term(depth)
        while (t := self.take("+", "-", "−")) is not None:
            left = Binary("+" if t.text == "+" else "-", left, self.term(depth))
        return left

    def term(self, depth: int) -> Node:
        left = self.unary(depth)
        while True:
            t = self.take("@", "*", "⊙", "/", "·")
            if t is not None:
                op = {"@": "matmul", "·": "matmul", "/": "/"}.get(t.text, "had")
                left = Binary(op, left, self.unary(depth))
            elif self._starts_atom():
                left = Binary("matmul", left, self.unary(depth))
            else:
                return left

    def _starts_atom(self) -> bool:
        t = self.peek()
        return t is not None and (t.kind != "op" or t.text == "(")

    def unary(self, depth: int) -> Node:
        if self.take("-", "−") is not None:
            return Unary("neg", self.unary(depth + 1))
        return self.power(depth)

    def power(self, depth: int) -> Node:
        base = self.postfix(depth)
        if self.take("²") is not None:
            return Power(base, 2.0)
        if self.take("^", "**") is not None:
            sign = -1.0 if self.take("-", "−") is not None else 1.0
            t = self.peek()
            if t is None or t.kind != "number":
                raise ParseError(self._expected("a number after ^"))
            self.i += 1
            return Power(base, sign * float(t.text))
        return base

    def postfix(self, depth: int) -> Node:
        node = self.atom(depth)
        while self.take(".T", "ᵀ") is not None:
            node = Unary("T", node)
        return node

    def atom(self, depth: int) -> Node:
        t = self.peek()
        if t is None:
            raise ParseError("the equation ends too early: a name, number or ( is missing")
        self.i += 1
        if t.kind == "number":
            if t.text == "1" and self.take("[") is not None:
                return self.indicator(depth)
            return Num(float(t.text))
        if t.kind == "ones":
            return Name("1⃗")
        if t.kind == "name":
            name = ALIASES.get(t.text, t.text)
            after = self.peek()
            called = after is not None and after.text == "(" and not after.spaced
            if name not in FUNCTIONS and called:
                raise ParseError(
                    f"{t.text}( at position {t.at + 1}: {t.text} is not a function; the "
                    f"functions are {', '.join(FUNCTIONS)} (put a space for a product)"
                )
            if name in FUNCTIONS and self.take("(") is not None:
                inner = self.expr(depth + 1)
                if self.take(")") is None:
                    raise ParseError(self._expected(f"')' closing {name}("))
                return Call(name, inner)
            return Name(name)
        if t.text == "(":
            inner = self.expr(depth + 1)
            if self.take(")") is None:
                raise ParseError(self._expected("')'"))
            return inner
        raise ParseError(f"unexpected {t.text!r} at position {t.at + 1}: a name, number or ( ")

    def indicator(self, depth: int) -> Node:
        left = self.expr(depth + 1)
        op = self.take(">", "<")
        if op is None:
            raise ParseError(self._expected("> or < inside 1[...]"))
        right = self.expr(depth + 1)
        if self.take("]") is None:
            raise ParseError(self._expected("']' closing 1["))
        return Indicator(left, op.text, right)

    def _expected(self, what: str) -> str:
        t = self.peek()
        where = "the end" if t is None else f"{t.text!r} at position {t.at + 1}"
        return f"expected {what}, found {where}"


def evaluate(tree: Node, env: dict[str, Any], m: int) -> Any:
    """The value of a parsed equation; names from ``env``, ``m`` the number of examples.

    Raises:
        ValueError: an unknown name (the known ones are listed) or shapes that
            do not fit an operation (both shapes named).
    """
    if isinstance(tree, Num):
        return tree.value
    if isinstance(tree, Name):
        if tree.name in env:
            return env[tree.name]
        if tree.name == "m":
            return float(m)
        if tree.name == "1⃗":
            return np.ones((m, 1))
        known = ", ".join(sorted(env))
        raise ValueError(f"unknown name {tree.name!r}: the names here are {known}, m and 1⃗")
    if isinstance(tree, Unary):
        a = evaluate(tree.arg, env, m)
        return -a if tree.op == "neg" else np.transpose(a)
    if isinstance(tree, Power):
        with np.errstate(all="ignore"):
            return np.power(evaluate(tree.arg, env, m), tree.exponent)
    if isinstance(tree, Indicator):
        a, b = evaluate(tree.left, env, m), evaluate(tree.right, env, m)
        return (np.greater(a, b) if tree.op == ">" else np.less(a, b)).astype(np.float64)
    if isinstance(tree, Call):
        with np.errstate(all="ignore"):
            return FUNCTIONS[tree.function](np.asarray(evaluate(tree.arg, env, m)))
    a, b = evaluate(tree.left, env, m), evaluate(tree.right, env, m)
    return _binary(tree.op, a, b)


_SYMBOLS = {"+": "+", "-": "−", "had": "⊙", "/": "/"}


def _binary(op: str, a: Any, b: Any) -> Any:
    sa, sb = np.shape(a), np.shape(b)
    if op == "matmul":
        if sa == () or sb == ():
            return a * b
        if len(sa) != 2 or len(sb) != 2 or sa[1] != sb[0]:
            hint = " (is one of them transposed?)" if len(sa) == len(sb) == 2 else ""
            raise ValueError(
                f"matrix product: {sa} by {sb}: inner dimensions {sa[-1]} and {sb[0]} differ{hint}"
            )
        return a @ b
    if op == "/" and sb != () and sb != sa:
        raise ValueError(f"division: {sa} / {sb}: divide by a number or by an array of {sa}")
    try:
        shape = np.broadcast_shapes(sa, sb)
    except ValueError:
        raise ValueError(f"{_SYMBOLS[op]}: shapes {sa} and {sb} do not fit together") from None
    del shape
    with np.errstate(all="ignore"):
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "had":
            return a * b
        return a / b
