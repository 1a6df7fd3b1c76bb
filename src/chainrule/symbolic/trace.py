"""A recorded graph run again on symbols: each primitive's own forward and VJPs.

The numeric engine records a loss once; :func:`replay_forward` runs every
recorded primitive's ``forward`` from the rule table on
:class:`~chainrule.symbolic.expr.Expr` symbols, and :func:`backward` runs the
same primitives' VJPs and the engine's own ``sum_to`` on them. No forward and
no derivative is written a second time: an ``Expr`` answers the vocabulary's
methods through the table of node kinds.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from chainrule.autodiff import Tensor, inspect, vocabulary
from chainrule.autodiff.backward import sum_to
from chainrule.autodiff.elementwise import compare_left, compare_right, sign_values
from chainrule.autodiff.modes import MODES
from chainrule.autodiff.rules import RULES
from chainrule.autodiff.vocabulary import max_shift
from chainrule.symbolic import algebra as A  # noqa: N812 - A for the constructors
from chainrule.symbolic import expr as E  # noqa: N812 - E for the expression types
from chainrule.symbolic.expr import Expr, Sym
from chainrule.symbolic.kinds import NO_SYMBOLIC_FORM


class SymbolicError(ValueError):
    """A graph holds something the symbolic layer cannot write."""


@dataclass
class Trace:
    """The recorded graph with its symbolic twin.

    Attributes:
        order: the graph's tensors, inputs first.
        sym: id(tensor) -> its expression (a Sym once named).
        constants: id(array) -> the symbol of a data array (X, y).
        forward: (name, expression) of each named forward value.
        shapes: name -> symbolic shape.
        env: name -> value in the trace.
        sizes: dimension name -> size in the trace.
        derived: id(array) -> (function, source) for values the engine marked
            as recomputed from data (stability shifts, one-hot targets).
        numbers: named numbers (λ...) -> value.
        m: the number of examples in the trace, or None when there is no m.
    """

    order: list[Tensor]
    sym: dict[int, Expr]
    constants: dict[int, Expr]
    forward: list[tuple[str, Expr]]
    shapes: dict[str, tuple[Any, ...]]
    env: dict[str, Any]
    sizes: dict[str, int]
    derived: dict[int, tuple[Any, Any, dict[str, Any]]] = field(default_factory=dict)
    numbers: dict[str, float] = field(default_factory=dict)
    m: int | None = None

    def shape_of(self, shape: tuple[int, ...]) -> tuple[Any, ...]:
        """A shape of the trace in dimension names (a size with no name stays a number)."""
        names = {size: name for name, size in self.sizes.items()}
        return tuple(names.get(int(s), int(s)) for s in shape)

    def params(self, t: Tensor) -> dict[str, Any]:
        """The operation's parameters as the symbols take them: a ``shape`` in names."""
        raw = inspect.parameters(t)
        if "shape" not in raw:
            return raw
        return {**raw, "shape": self.shape_of(raw["shape"])}

    def input_expr(self, x: Any, op: str) -> Expr:
        """An input of an operation: its symbol, or the constant it is."""
        if isinstance(x, Tensor):
            return self.sym[id(x)]
        if id(x) in self.constants:
            return self.constants[id(x)]
        found = self.derived.get(id(x))
        if found is not None:
            return self._recompute(x, *found, op)
        if np.ndim(x) == 0:
            return self.number(float(np.asarray(x).reshape(())))
        raise SymbolicError(
            f"derive: {op} takes a constant array of shape {np.shape(x)} that has no name; "
            "pass it to f as an input (an entry of shapes) so the equations can name it"
        )

    def _recompute(
        self, x: Any, fn: Callable[..., Any], source: Any, params: dict[str, Any], op: str
    ) -> Expr:
        """A value the engine derived from ``source`` outside the graph, written from it."""
        if fn is max_shift:
            # softmax and log_softmax subtract the maximum for stability; the
            # value does not depend on it, so it is written as 0
            return E.Num(Fraction(0))
        if fn is sign_values and isinstance(source, Tensor):
            return vocabulary.sign(self.sym[id(source)])
        if fn in (compare_left, compare_right) and isinstance(source, Tensor):
            other = E.lift(params["other"])
            a, b = (self.sym[id(source)], other)
            if fn is compare_right:
                a, b = b, a
            return _comparison(params["name"], a, b)
        if id(source) in self.constants and np.shape(source) == np.shape(x):
            return self.constants[id(source)]  # the same data, as floats
        raise SymbolicError(
            f"derive: {op} takes a value computed by {getattr(fn, '__name__', fn)} "
            "outside the graph (a random mask, for instance), which has no symbolic form"
        )

    def number(self, x: float) -> Expr:
        """A number of the graph: a short fraction (of m), else a multiple of a named number."""
        n = E.number(x, self.m)
        if E.is_simple(n):
            return n
        for name, value in self.numbers.items():
            k = E.number(x / value, self.m)
            # λ/2, λ, 2λ, λ/m...: a small multiple, so a number that merely shares
            # digits (a slope of 0.01 beside λ = 10⁻⁴) keeps its own value
            if abs(k.coef.numerator) <= 4 and k.coef.denominator <= 4 and abs(k.power) <= 1:
                return A.scale(k, Sym(name, (), "constant"))
        return n


def _comparison(name: str, a: Expr, b: Expr) -> Expr:
    """The engine's comparison ``name`` (a constant mask) as a 1/0 expression."""
    if name in ("less", "less_equal"):
        name, a, b = name.replace("less", "greater"), b, a
    if name == "not_equal":
        return 1.0 - vocabulary.equal(a, b)
    return getattr(vocabulary, name)(a, b)


class _Recorder:
    """Notes the values the engine derives from data while a loss is recorded."""

    def __init__(self) -> None:
        self.derived: dict[int, tuple[Any, Any, dict[str, Any]]] = {}
        self.keep: list[Any] = []  # keeps the arrays alive, so their ids stay theirs

    def derive(self, result: Any, fn: Callable[..., Any], source: Any, params: Any) -> None:
        self.derived[id(result)] = (fn, source, params)
        self.keep.append(result)

    def read(self, what: str) -> None:
        pass


@contextmanager
def recording() -> Iterator[_Recorder]:
    """While open, values the engine derives from data are noted in the recorder."""
    recorder = _Recorder()
    previous = MODES.tracer
    MODES.tracer = recorder
    try:
        yield recorder
    finally:
        MODES.tracer = previous


def replay_forward(
    root: Tensor,
    leaves: Mapping[str, Tensor],
    data: Mapping[str, np.ndarray],
    dims: dict[int, str],
    named: Callable[[Tensor], str | None],
    recorder: _Recorder,
    numbers: Mapping[str, float],
) -> Trace:
    """The recorded forward pass on symbols; a value that ``named`` names takes that name.

    ``data`` maps the data's names (X, y) to the arrays the graph saw; ``dims``
    maps a size in the trace to its dimension name.
    """

    def shape_of(a: Any) -> tuple[Any, ...]:
        return tuple(dims.get(int(s), int(s)) for s in np.shape(a))

    sym: dict[int, Expr] = {id(t): Sym(n, shape_of(t.data), "param") for n, t in leaves.items()}
    constants: dict[int, Expr] = {id(a): Sym(n, shape_of(a), "data") for n, a in data.items()}
    shapes = {n: shape_of(t.data) for n, t in leaves.items()}
    env: dict[str, Any] = {n: t.data for n, t in leaves.items()}
    for n, a in data.items():
        shapes[n] = shape_of(a)
        env[n] = a
    m = next((size for size, name in dims.items() if name == "m"), None)
    order = inspect.nodes(root)
    trace = Trace(order, sym, constants, [], shapes, env, {v: k for k, v in dims.items()})
    trace.derived, trace.numbers, trace.m = recorder.derived, dict(numbers), m
    for t in order:
        name = inspect.operation(t)
        if name is None:
            continue
        op = RULES[name]
        _refuse_unwritten(name)
        args = [trace.input_expr(x, name) for x in inspect.inputs(t)]
        params = trace.params(t)
        e = _run(name, "forward", op.forward, args, params)
        want = shape_of(t.data)
        if e.shape != want:
            e = A.reshape(e, want) if E.is_scalar(e) else _mismatch(name, e.shape, want)
        given = named(t)
        if given is not None and given not in env:
            trace.forward.append((given, e))
            shapes[given] = e.shape
            env[given] = t.data
            e = Sym(given, e.shape, "cache")
        sym[id(t)] = e
    return trace


def backward(trace: Trace, root: Tensor) -> dict[int, Expr]:
    """The engine's reverse pass with its own rules, on symbols: id(tensor) -> adjoint."""
    grads: dict[int, Expr] = {id(root): E.Num(Fraction(1))}
    adjoint_of: dict[int, Expr] = {}
    for t in reversed(trace.order):
        g = grads.pop(id(t), None)
        if g is None:
            continue
        adjoint_of[id(t)] = g
        name = inspect.operation(t)
        if name is None:
            continue
        op = RULES[name]
        inputs = inspect.inputs(t)
        args = [trace.input_expr(x, name) for x in inputs]
        params = trace.params(t)
        for position, parent in enumerate(inputs):
            if not isinstance(parent, Tensor):
                continue
            vjp = op.vjps[position]
            gi = _run(name, "backward", vjp, [g, trace.sym[id(t)], *args], params)
            target = trace.sym[id(parent)].shape
            if gi.shape != target:
                gi = sum_to(gi, target)  # type: ignore[arg-type]
            previous = grads.get(id(parent))
            grads[id(parent)] = gi if previous is None else gi + previous
    return adjoint_of


def parents(t: Tensor) -> int:
    """How many inputs of the operation that made ``t`` are part of the graph."""
    return sum(isinstance(x, Tensor) for x in inspect.inputs(t))


def _refuse_unwritten(name: str) -> None:
    reason = NO_SYMBOLIC_FORM.get(name)
    if reason is not None:
        raise SymbolicError(f"derive: the operation {name!r} has no symbolic form: {reason}")


def _run(
    name: str, what: str, function: Callable[..., Any], args: list[Any], params: dict[str, Any]
) -> Expr:
    try:
        out = function(*args, **params)
    except (NotImplementedError, AttributeError, TypeError) as error:
        raise SymbolicError(
            f"derive: the {what} of the operation {name!r} cannot be written symbolically "
            f"here ({error})"
        ) from None
    return E.lift(out)


def _mismatch(name: str, got: tuple[Any, ...], want: tuple[Any, ...]) -> Expr:
    raise SymbolicError(
        f"derive: the symbolic {name} has shape {got} where the engine's has {want}: a bug"
    )
