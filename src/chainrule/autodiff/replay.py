"""Compiled gradients: record ``f``'s graph once per input signature, then replay it.

An eager step builds a Tensor per operation and sorts the graph before every
backward pass, about a microsecond of Python per operation. A training loop
calls the same function on arrays of the same shapes thousands of times, so
:func:`compiled_value_and_grad` records the graph the first time it sees a
signature (the shapes and dtypes of the array arguments, the values of the
others), turns the graph into straight-line Python that calls the rule
table's own forwards and VJPs, one line each, and runs that on later calls
(``.source(*args)`` shows it). What is not needed
is not run: with :func:`compiled_grad` the loss value itself is skipped when
no VJP reads it, and every VJP is handed only the values it reads.

Replaying assumes that ``f`` runs the same operations whenever the
signature is the same, as ``jax.jit`` and ``torch.jit.trace`` do. The
engine checks what it can:

* ``f`` is recorded twice (on the first two calls of a signature) and the two
  recordings must agree, operation by operation and constant by constant. A
  constant that changed between them was computed from the data outside the
  engine (through ``.data``, or NumPy on an argument), which a replay would
  freeze.
* Reading a traced value with ``.item()``, ``float()`` or ``.numpy()`` means
  Python may branch on it.

Either way the function falls back to eager evaluation for good, with one
:class:`ReplayWarning` saying why; its results are then exactly those of
:func:`~chainrule.autodiff.functional.value_and_grad`. Constants computed by
the engine from an argument (the maximum subtracted in ``softmax``, one-hot
targets built from labels) are recorded as functions of that argument and
recomputed on every replay.
"""

from __future__ import annotations

import dis
import functools
import re
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autodiff.backward import sum_to, topological_order
from chainrule.autodiff.functional import _positions, value_and_grad
from chainrule.autodiff.modes import MODES
from chainrule.autodiff.tensor import Tensor, _as_float_array

# Bounds on what a compiled function keeps: replayable plans (one per input
# signature, oldest dropped first) and first recordings waiting for the second
# recording that confirms them. A plan holds its generated code and the
# constants of f, never the arguments of the calls it was recorded from.
_MAX_SIGNATURES = 64
_MAX_FIRST_RECORDINGS = 16


class ReplayWarning(RuntimeWarning):
    """A compiled function could not be replayed and now runs eagerly."""


def compiled_value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[float, Any]]:
    """Like :func:`~chainrule.autodiff.functional.value_and_grad`, replaying a recorded graph.

    Args:
        f: a function of Tensors returning a one-element Tensor (a loss). It
            must run the same operations for arguments of the same shapes
            (see the module docstring for what is checked).
        argnums: the position of the argument to differentiate, or a sequence
            of positions.

    Returns:
        A function of the same arguments as ``f`` returning ``(value,
        gradient)`` exactly as ``value_and_grad`` does. Array arguments
        (NumPy arrays, Tensors) may change values freely between calls; a new
        shape or dtype records ``f`` again. Other arguments (numbers,
        strings...) are part of the signature by value.

    Example:
        >>> import numpy as np
        >>> import chainrule as cr
        >>> def loss(W, X, Y):                     # W (k, n), X (n, m), Y (k, m)
        ...     return cr.mse(W @ X, Y)
        >>> step = cr.compiled_value_and_grad(loss)
        >>> X, Y = np.ones((3, 5)), np.zeros((2, 5))
        >>> value, dW = step(np.ones((2, 3)), X, Y)
        >>> value, dW.shape
        (18.0, (2, 3))
    """
    return _Compiled(f, argnums, want_value=True)


def compiled_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Like :func:`~chainrule.autodiff.functional.grad`, replaying a recorded graph.

    The same as :func:`compiled_value_and_grad` without the value, so the
    forward operations that only the value needs are not run.
    """
    return _Compiled(f, argnums, want_value=False)


class _Compiled:
    """The function returned by the ``compiled_*`` constructors."""

    def __init__(
        self, f: Callable[..., Any], argnums: int | Sequence[int], want_value: bool
    ) -> None:
        self._f = f
        self._argnums = argnums
        self._positions, self._single = _positions(argnums)
        self._last_position = max(self._positions)
        self._want_value = want_value
        self._eager = value_and_grad(f, argnums)
        self._plans: dict[tuple[Any, ...], _Plan] = {}
        self._first: dict[tuple[Any, ...], _Plan] = {}
        self._eager_reason: str | None = None
        name = getattr(f, "__name__", "f")
        self.__name__ = f"compiled_{'value_and_' if want_value else ''}grad({name})"
        self.__doc__ = f.__doc__
        functools.update_wrapper(self, f, assigned=("__module__", "__qualname__"), updated=())

    def __call__(self, *args: Any) -> Any:
        if len(args) <= self._last_position:
            raise TypeError(
                f"argnums={self._argnums!r} refers to argument {self._last_position}, but "
                f"the function was called with {len(args)} arguments"
            )
        if (
            self._eager_reason is not None
            or MODES.anomaly
            or not MODES.grad_enabled
            or MODES.traced
            or any(isinstance(a, Tensor) and a.requires_grad for a in args)
        ):
            # Inside an outer differentiation the gradient must stay recorded,
            # which only eager evaluation does (see functional's docstring).
            return self._run_eager(args)
        args = self._convert(args)
        key = self._signature(args)
        if isinstance(key, str):
            self._give_up(key)
            return self._run_eager(args)
        plan = self._plans.get(key)
        if plan is not None and plan.externals_match():
            return self._finish(plan.run(args, self._want_value))
        recorded = self._record(args)
        if not isinstance(recorded, _Plan):
            if recorded is not None:
                self._give_up(recorded)
            return self._run_eager(args)
        plan = recorded
        first = self._first.pop(key, None)
        if first is None:
            if len(self._first) >= _MAX_FIRST_RECORDINGS:
                self._first.pop(next(iter(self._first)))
            self._first[key] = plan  # replayed from the second recording on
        else:
            difference = first.differs_from(plan)
            if difference is not None:
                self._give_up(difference)
                return self._run_eager(args)
            if len(self._plans) >= _MAX_SIGNATURES:
                self._plans.pop(next(iter(self._plans)))
            self._plans[key] = plan
        return self._finish(plan.run(args, self._want_value))

    def source(self, *args: Any) -> str:
        """The straight-line Python a replay runs for arguments like ``args``.

        One line per forward operation and per VJP of the rule table, with
        the values as variables ``v<slot>`` and the gradients as ``g<slot>``:
        the backward pass of ``f``, written out.
        """
        recorded = self._record(self._convert(args))
        if not isinstance(recorded, _Plan):
            raise ValueError(
                recorded or "f recorded no operation on its arguments, so there is nothing to show"
            )
        return recorded.source_value if self._want_value else recorded.source_grad

    # --- helpers ----------------------------------------------------------

    def _convert(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The differentiated arguments as float arrays, as value_and_grad sees them."""
        converted = list(args)
        for p in self._positions:
            a = converted[p]
            if type(a) is not np.ndarray or a.dtype.kind != "f":
                converted[p] = _as_float_array(a.data if isinstance(a, Tensor) else a)
        return tuple(converted)

    def _run_eager(self, args: tuple[Any, ...]) -> Any:
        value, grads = self._eager(*args)
        return (value, grads) if self._want_value else grads

    def _finish(self, result: tuple[float, list[np.ndarray]]) -> Any:
        value, grads = result
        out = grads[0] if self._single else tuple(grads)
        return (value, out) if self._want_value else out

    def _signature(self, args: tuple[Any, ...]) -> tuple[Any, ...] | str:
        """Shapes and dtypes of the array arguments, values of the others
        (or why the call has no signature)."""
        try:
            key: tuple[Any, ...] = tuple(
                (a.shape, a.dtype) if type(a) is np.ndarray else _static_key(a) for a in args
            )
        except TypeError:
            bad = next(a for a in args if not _hashable(a))
            return (
                f"an argument of type {type(bad).__name__} is neither an array nor "
                "hashable, so calls cannot be told apart; pass arrays, numbers or "
                "other hashable values, or close over the rest"
            )
        if len({id(a) for a in args}) < len(args):
            # The same array passed twice is one value in the graph.
            first: dict[int, int] = {}
            key += tuple(first.setdefault(id(a), i) for i, a in enumerate(args))
        return key

    def _record(self, args: tuple[Any, ...]) -> _Plan | str | None:
        """The recorded plan, why ``f`` cannot be replayed, or None to let eager
        evaluation handle a call that records nothing (a constant, an error)."""
        tracer = _Tracer()
        inputs: list[Any] = list(args)
        sources: list[tuple[int, Any]] = []  # (argument position, what the graph sees)
        for i, a in enumerate(args):
            if i in self._positions:
                inputs[i] = Tensor(a, requires_grad=True)
                sources.append((i, inputs[i]))
            elif isinstance(a, Tensor):
                # Record the operations on it too, so they are replayed.
                inputs[i] = Tensor(a.data, requires_grad=True)
                sources.append((i, inputs[i]))
            elif isinstance(a, np.ndarray):
                sources.append((i, a))
        previous = MODES.tracer
        MODES.tracer = tracer
        try:
            out = self._f(*inputs)
        finally:
            MODES.tracer = previous
        if tracer.value_read is not None:
            return (
                f"f reads a traced value with {tracer.value_read}, so it may branch on "
                "it; keep such reads out of f to have it replayed"
            )
        if not isinstance(out, Tensor) or out._op is None:
            return None  # no recorded operation: eager handles constants and errors
        if out.size != 1:
            return None  # eager raises the error that names the shape
        wanted = [inputs[p] for p in self._positions]
        return _Plan(out, sources, wanted, tracer.derived, self._positions)

    def _give_up(self, reason: str) -> None:
        if self._eager_reason is None:
            self._eager_reason = reason
            warnings.warn(
                f"{self.__name__} runs eagerly from now on (results as value_and_grad "
                f"gives them): {reason}",
                ReplayWarning,
                stacklevel=3,
            )


class _Tracer:
    """Collects what a recording needs to know besides the graph."""

    def __init__(self) -> None:
        self.derived: dict[int, tuple[Any, Callable[..., Any], Any, dict[str, Any]]] = {}
        self.value_read: str | None = None

    def derive(
        self, result: Any, fn: Callable[..., Any], source: Any, params: dict[str, Any]
    ) -> None:
        self.derived[id(result)] = (result, fn, source, params)

    def read(self, what: str) -> None:
        if self.value_read is None:
            self.value_read = what


class _Plan:
    """One recorded graph as forward and backward steps, and the code that runs them.

    Every value is numbered by a slot: slot 0 is ``None`` (handed to a VJP
    for the inputs it does not read), then the arguments, constants, derived
    constants and node outputs; ``template`` holds the constants at their
    slots. A forward step is ``(function, input slots, params, output slot)``;
    a backward step is ``(vjp, gradient slot, slots of ans and the inputs,
    params, parent slot, parent shape)``. :meth:`_generate` writes them out as
    one Python function with the slots as local variables.
    """

    def __init__(
        self,
        out: Tensor,
        sources: list[tuple[int, Any]],
        wanted: list[Tensor],
        derived: dict[int, tuple[Any, Callable[..., Any], Any, dict[str, Any]]],
        differentiated: tuple[int, ...],
    ) -> None:
        order = topological_order(out)
        slots: dict[int, int] = {}
        values: list[Any] = [None]
        self.inputs: list[tuple[int, int]] = []  # (argument position, slot)
        # Arguments passed as Tensors without being differentiated: read .data.
        self.tensor_positions = {p for p, src in sources if isinstance(src, Tensor)} - set(
            differentiated
        )
        for position, src in sources:
            obj = src.data if isinstance(src, Tensor) else src
            slots[id(obj)] = len(values)
            if isinstance(src, Tensor):
                slots[id(src)] = len(values)
            self.inputs.append((position, len(values)))
            values.append(obj)
        self.externals: list[tuple[Tensor, int, tuple[int, ...]]] = []
        steps: list[tuple[Any, list[int], dict[str, Any], int, Tensor | None]] = []
        self.constants: list[Any] = []

        def slot_of(value: Any) -> int:
            found = slots.get(id(value))
            if found is not None:
                return found
            if id(value) in derived:
                _, fn, source, params = derived[id(value)]
                src = slot_of(source)
                slot = len(values)
                values.append(None)
                steps.append((fn, [src], params, slot, None))
            elif isinstance(value, Tensor):
                return slot_of(value.data)  # a Tensor outside the graph: its data
            else:
                slot = len(values)
                values.append(value)
                self.constants.append(value)
            slots[id(value)] = slot
            return slot

        for node in order:
            if node._op is None:
                if id(node) not in slots:  # a Tensor f closes over: read its data each run
                    slots[id(node)] = len(values)
                    self.externals.append((node, len(values), node.shape))
                    values.append(None)
                continue
            parents = dict(node._parents)
            spec = [
                slots[id(parents[i])] if i in parents else slot_of(a)
                for i, a in enumerate(node._args)
            ]
            slot = len(values)
            values.append(None)
            slots[id(node)] = slot
            steps.append((node._op.forward, spec, node._params, slot, node))

        # Backward steps: only along paths from the wanted inputs to the output.
        active = {id(t) for t in wanted}
        for node in order:
            if any(id(p) in active for _, p in node._parents):
                active.add(id(node))
        backward = []
        reads: set[int] = set()
        spec_of = {id(n): s for _, s, _, _, n in steps if n is not None}
        for node in reversed(order):
            if node._op is None or id(node) not in active:
                continue
            node_slot = slots[id(node)]
            inputs = spec_of[id(node)]
            for position, parent in node._parents:
                if id(parent) not in active:
                    continue
                vjp = node._op.vjps[position]
                used = _reads(vjp, len(inputs))
                value_slots = [
                    s if u else 0 for s, u in zip([node_slot, *inputs], used, strict=True)
                ]
                reads.update(s for s in value_slots if s)
                backward.append(
                    (vjp, node_slot, value_slots, node._params, slots[id(parent)], parent.shape)
                )
        self.backward = backward
        self.root = slots[id(out)]
        self.seed_shape, self.seed_dtype = out.shape, out.dtype
        self.wanted = [(slots[id(t)], t.dtype, t.shape) for t in wanted]

        # Forward steps: those whose results a VJP (or the value) reads.
        needed_value = reads | {self.root}
        needed_grad = set(reads)
        self.forward_all = self._prune(steps, needed_value)
        self.forward_grad = self._prune(steps, needed_grad)
        self.template = values
        self.fingerprint = [
            (fn, tuple(spec), tuple(sorted(params.items())), slot)
            for fn, spec, params, slot, _ in steps
        ]
        self.source_value, self._replay_value = self._generate(self.forward_all, True)
        self.source_grad, self._replay_grad = self._generate(self.forward_grad, False)
        for _, slot in self.inputs:
            values[slot] = None  # the code reads the arguments of each call; keep none alive

    def _generate(
        self, forward: list[tuple[Any, list[int], dict[str, Any], int]], want_value: bool
    ) -> tuple[str, Callable[[tuple[Any, ...]], Any]]:
        """Straight-line Python for one replay, and the function it defines.

        One line per forward step and per VJP, with the slots as local
        variables: no per-step list indexing or loop bookkeeping is left.
        """
        names: dict[str, Any] = {"sum_to": sum_to, "ones": np.ones}
        computed = {slot for *_, slot in forward}
        inputs = {slot for _, slot in self.inputs} | {slot for _, slot, _ in self.externals}

        def ref(slot: int) -> str:
            if slot == 0:
                return "None"
            if slot in computed or slot in inputs:
                return f"v{slot}"
            names[f"k{slot}"] = self.template[slot]
            return f"k{slot}"

        def call(fn: Any, label: str, args: list[str], params: dict[str, Any]) -> str:
            names[label] = fn
            if params:
                names[f"p_{label}"] = params
                args = [*args, f"**p_{label}"]
            return f"{label}({', '.join(args)})"

        lines = ["def replay(args):"]
        for position, slot in self.inputs:
            data = ".data" if position in self.tensor_positions else ""
            lines.append(f"    v{slot} = args[{position}]{data}")
        for i, (tensor, slot, _) in enumerate(self.externals):
            names[f"external{i}"] = tensor
            lines.append(f"    v{slot} = external{i}.data")
        for fn, spec, params, slot in forward:
            text = call(fn, f"f{slot}", [ref(i) for i in spec], params)
            lines.append(f"    v{slot} = {text}  # {_comment(fn)}")
        names["seed_shape"], names["seed_dtype"] = self.seed_shape, self.seed_dtype
        lines.append(f"    g{self.root} = ones(seed_shape, seed_dtype)")
        assigned = {self.root}
        for j, (vjp, g_slot, value_slots, params, parent, shape) in enumerate(self.backward):
            text = call(vjp, f"b{j}", [f"g{g_slot}", *(ref(i) for i in value_slots)], params)
            names[f"s{j}"] = shape
            lines.append(f"    t = {text}  # {_comment(vjp)}")
            lines.append(f"    if t.shape != s{j}:")
            lines.append(f"        t = sum_to(t, s{j})")
            grad = f"g{parent}"
            lines.append(f"    {grad} = {grad} + t" if parent in assigned else f"    {grad} = t")
            assigned.add(parent)
        value = f"v{self.root}" if want_value else "None"
        wanted = ", ".join(f"g{slot}" if slot in assigned else "None" for slot, _, _ in self.wanted)
        lines.append(f"    return {value}, ({wanted}{',' if len(self.wanted) == 1 else ''})")
        source = "\n".join(lines) + "\n"
        exec(compile(source, "<chainrule replay>", "exec"), names)  # text built above
        return source, names["replay"]

    @staticmethod
    def _prune(
        steps: list[tuple[Any, list[int], dict[str, Any], int, Tensor | None]], needed: set[int]
    ) -> list[tuple[Any, list[int], dict[str, Any], int]]:
        needed = set(needed)
        kept = []
        for fn, spec, params, slot, _ in reversed(steps):
            if slot in needed:
                needed.update(spec)
                kept.append((fn, spec, params, slot))
        kept.reverse()
        return kept

    def externals_match(self) -> bool:
        return all(t.data.shape == shape for t, _, shape in self.externals)

    def differs_from(self, other: _Plan) -> str | None:
        """Why two recordings of one signature disagree, or None when they agree."""
        if len(self.template) != len(other.template) or len(self.fingerprint) != len(
            other.fingerprint
        ):
            return (
                "two calls with arguments of the same shapes ran different operations "
                "(Python control flow on the data?)"
            )
        for i, (a, b) in enumerate(zip(self.fingerprint, other.fingerprint, strict=True)):
            if a[0] is not b[0] or a[1] != b[1] or not _same(a[2], b[2]):
                name = getattr(a[0], "__name__", "an operation")
                return (
                    f"operation {i + 1} ({name}) differs between two calls with arguments "
                    "of the same shapes (Python control flow on the data?)"
                )
        if [id(t) for t, _, _ in self.externals] != [id(t) for t, _, _ in other.externals]:
            return "f closes over different Tensors in two calls; pass them as arguments"
        for a, b in zip(self.constants, other.constants, strict=True):
            if not _same(a, b):
                return (
                    f"a constant of shape {np.shape(a)} changed between two calls: it was "
                    "computed from the data outside the engine (NumPy on an argument, or "
                    ".data); compute it with Tensor operations, or pass it as an argument"
                )
        return None

    def run(self, args: tuple[Any, ...], want_value: bool) -> tuple[float, list[np.ndarray]]:
        answer, grads = (self._replay_value if want_value else self._replay_grad)(args)
        results: list[np.ndarray] = []
        seen: set[int] = set()
        for g, (_, dtype, shape) in zip(grads, self.wanted, strict=True):
            if g is None:
                g = np.zeros(shape, dtype)
            elif (
                type(g) is not np.ndarray
                or g.base is not None
                or g.dtype != dtype
                or not g.flags.writeable
                or id(g) in seen
            ):
                g = np.array(g, dtype=dtype)
            seen.add(id(g))
            results.append(g)
        value = float(np.asarray(answer).reshape(())) if want_value else float("nan")
        return value, results


def _static_key(a: Any) -> tuple[Any, ...]:
    if isinstance(a, np.ndarray | Tensor):
        return (type(a), a.shape, a.dtype)
    hash(a)
    return (type(a), a)


def _hashable(a: Any) -> bool:
    try:
        _static_key(a)
    except TypeError:
        return False
    return True


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return (
            np.shape(a) == np.shape(b)
            and np.asarray(a).dtype == np.asarray(b).dtype
            and bool(np.array_equal(a, b, equal_nan=True))
        )
    if isinstance(a, tuple) and isinstance(b, tuple):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and (a == b or (a != a and b != b))


def _comment(fn: Any) -> str:
    """A function's name made safe to write into generated source: ASCII
    letters, digits and underscores only, at most 60 of them. Any other
    character (a newline, a quote...) becomes ``_``, so no name can end the
    comment it is written in and run as code."""
    name = getattr(fn, "__name__", None)
    text = _UNSAFE.sub("_", name[:60]) if isinstance(name, str) else ""
    return text or "op"


_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


@functools.lru_cache(maxsize=1024)
def _reads(vjp: Callable[..., Any], inputs: int) -> tuple[bool, ...]:
    """Which of ``ans`` and the inputs a VJP reads, from its bytecode.

    A VJP is ``vjp(g, ans, *inputs, **params)``; a value it never loads need
    not be computed. Anything that is not a plain function reads everything.
    """
    code = getattr(vjp, "__code__", None)
    if code is None or code.co_argcount < inputs + 2:
        return (True,) * (inputs + 1)
    loaded: set[str] = set(code.co_cellvars)
    for ins in dis.get_instructions(code):
        if ins.opname.startswith("LOAD_FAST") or ins.opname in ("LOAD_DEREF", "LOAD_CLOSURE"):
            names = ins.argval if isinstance(ins.argval, tuple) else (ins.argval,)
            loaded.update(n for n in names if isinstance(n, str))
    return tuple(name in loaded for name in code.co_varnames[1 : inputs + 2])
