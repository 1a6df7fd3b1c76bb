"""The recorded plan of a compiled function, and the straight-line code it runs.

:func:`~chainrule.autodiff.replay.compiled_value_and_grad` records ``f``'s
graph and hands it to :class:`Plan`, which numbers every value by a slot,
keeps the forward steps a replay needs and the VJPs along paths from the
differentiated arguments, and writes them out as one Python function (one
line per step). Everything written into that source is generated here from
numbers and identifier-safe names; functions and constants are passed in the
function's globals, never as text.
"""

from __future__ import annotations

import dis
import functools
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np

from chainrule.autodiff.backward import broadcast_axes, sum_to, summed, topological_order
from chainrule.autodiff.modes import Sources
from chainrule.autodiff.rules import IDENTITY_VJPS
from chainrule.autodiff.tensor import Tensor


class Plan:
    """One recorded graph as forward and backward steps, and the code that runs them.

    Every value is numbered by a slot: slot 0 is ``None`` (handed to a VJP
    for the inputs it does not read), then the arguments, constants, derived
    constants and node outputs; ``template`` holds the constants at their
    slots. A forward step is ``(function, input slots, params, output slot)``;
    a backward step is ``(vjp, gradient slot, slots of ans and the inputs,
    params, parent slot, parent shape, the node's shape)``. :meth:`_generate` writes them out as
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
                found_sources = source if isinstance(source, Sources) else (source,)
                spec = [slot_of(s) for s in found_sources]
                slot = len(values)
                values.append(None)
                steps.append((fn, spec, params, slot, None))
            elif isinstance(value, Tensor):
                return slot_of(value.data)  # a Tensor outside the graph: its data
            else:
                slot = len(values)
                values.append(value)
                self.constants.append(value)
            slots[id(value)] = slot
            return slot

        # The nodes on paths from the wanted inputs to the output: their VJPs run.
        active = {id(t) for t in wanted}
        for node in order:
            if any(id(p) in active for _, p in node._parents):
                active.add(id(node))
        spec_of: dict[int, list[int]] = {}
        saved_slot: dict[int, int] = {}  # node -> the slot of what its saving forward kept

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
            spec_of[id(node)] = spec
            saving = node._op.saving
            if (
                saving is not None
                and id(node) in active
                and any(saving[1][i] is not None and id(p) in active for i, p in node._parents)
            ):
                # One forward for the value and what the VJPs read, then each taken out.
                pair = len(values)
                values.append(None)
                steps.append((saving[0], spec, node._params, pair, None))
                saved_slot[id(node)] = len(values)
                values.append(None)
                steps.append((_saved_part, [pair], {}, saved_slot[id(node)], None))
                spec = [pair]
                forward: Callable[..., Any] = _value_part
                params: dict[str, Any] = {}
            else:
                forward, params = node._op.forward, node._params
            slot = len(values)
            values.append(None)
            slots[id(node)] = slot
            steps.append((forward, spec, params, slot, node))

        # Backward steps: only along paths from the wanted inputs to the output.
        backward = []
        reads: set[int] = set()
        for node in reversed(order):
            if node._op is None or id(node) not in active:
                continue
            node_slot = slots[id(node)]
            inputs = spec_of[id(node)]
            for position, parent in node._parents:
                if id(parent) not in active:
                    continue
                vjp = node._op.vjps[position]
                given = None
                if id(node) in saved_slot and node._op.saving is not None:
                    given = node._op.saving[1][position]
                if given is not None:  # reads the saved intermediate, not computing it again
                    vjp, known = given, [node_slot, saved_slot[id(node)], *inputs]
                else:
                    known = [node_slot, *inputs]
                used = _reads(vjp, len(known) - 1)
                value_slots = [s if u else 0 for s, u in zip(known, used, strict=True)]
                reads.update(s for s in value_slots if s)
                backward.append(
                    (
                        vjp,
                        node_slot,
                        value_slots,
                        node._params,
                        slots[id(parent)],
                        parent.shape,
                        node.shape,
                    )
                )
        self.backward = backward
        self.root = slots[id(out)]
        self.seed_shape, self.seed_dtype = out.shape, out.dtype
        self.wanted = [(slots[id(t)], t.dtype, t.shape) for t in wanted]
        self.flat_dtype = np.result_type(*(t.dtype for t in wanted))

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
        self.source_value, self._replay_value, self._flat_value = self._generate(
            self.forward_all, True
        )
        self.source_grad, self._replay_grad, self._flat_grad = self._generate(
            self.forward_grad, False
        )
        for _, slot in self.inputs:
            values[slot] = None  # the code reads the arguments of each call; keep none alive

    def _generate(
        self, forward: list[tuple[Any, list[int], dict[str, Any], int]], want_value: bool
    ) -> tuple[str, Callable[[tuple[Any, ...]], Any], Callable[[tuple[Any, ...]], Any]]:
        """Straight-line Python for one replay, and the functions it defines.

        One line per forward step and per VJP, with the slots as local
        variables: no per-step list indexing or loop bookkeeping is left. The
        first function returns the gradients as a tuple, the second the same
        lines ending in one vector of them end to end (:meth:`run_flat`).
        """
        names: dict[str, Any] = {"sum_to": sum_to, "summed": summed}
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
        # Gradients that depend on no input (the seed, scaled by constants on its
        # way down: a loss's 1/m, a penalty's α/2) are computed here, once, by the
        # same VJPs; the code reads them as constants.
        seed = np.ones(self.seed_shape, self.seed_dtype)
        known: dict[int, np.ndarray] = {self.root: seed}
        assigned: set[int] = set()

        def constant(label: str, value: Any) -> str:
            array = np.asarray(value)
            array.flags.writeable = False  # shared by every replay; run() copies results
            names[label] = array
            return label

        for j, (vjp, g_slot, value_slots, params, parent, shape, node_shape) in enumerate(
            self.backward
        ):
            if g_slot in known and not any(i in computed or i in inputs for i in value_slots):
                t = vjp(known[g_slot], *(self.template[i] for i in value_slots), **params)
                if np.shape(t) != shape:
                    t = sum_to(t, shape)
                if parent in known:
                    known[parent] = known[parent] + t
                elif parent in assigned:
                    lines.append(f"    g{parent} = g{parent} + {constant(f'c{j}', t)}")
                else:
                    known[parent] = t
                continue
            g = constant(f"c_g{g_slot}", known[g_slot]) if g_slot in known else f"g{g_slot}"
            names[f"s{j}"] = shape
            if vjp in IDENTITY_VJPS:
                # The gradient passes through with the node's shape, known here:
                # summed down to the parent's where it was broadcast, or as it is.
                if node_shape == shape:
                    lines.append(f"    t = {g}  # {_comment(vjp)}")
                else:
                    names[f"a{j}"] = broadcast_axes(node_shape, shape)
                    lines.append(f"    t = summed({g}, a{j}, s{j})  # {_comment(vjp)}")
            else:
                text = call(vjp, f"b{j}", [g, *(ref(i) for i in value_slots)], params)
                lines.append(f"    t = {text}  # {_comment(vjp)}")
                lines.append(f"    if t.shape != s{j}:")
                lines.append(f"        t = sum_to(t, s{j})")
            if parent in known:
                before = constant(f"c_g{parent}", known.pop(parent))
                lines.append(f"    g{parent} = {before} + t")
            elif parent in assigned:
                lines.append(f"    g{parent} = g{parent} + t")
            else:
                lines.append(f"    g{parent} = t")
            assigned.add(parent)
        value = f"v{self.root}" if want_value else "None"

        def result(slot: int) -> str:
            if slot in assigned:
                return f"g{slot}"
            if slot in known:
                return constant(f"c_g{slot}", known[slot])
            return "None"

        results = [result(slot) for slot, _, _ in self.wanted]
        # Each gradient as a 1-d array (an ndarray subclass, such as np.matrix,
        # as a plain one) in its argument's dtype, as a call returns it, then
        # joined in the common dtype.
        mixed = len({dtype for _, dtype, _ in self.wanted}) > 1
        parts = []
        for i, (text, (_, dtype, shape)) in enumerate(zip(results, self.wanted, strict=True)):
            if text == "None":  # no path from the argument: zeros in the vector
                text = constant(f"zeros{i}", np.zeros(shape, dtype))
            part = f"({text}.ravel() if type({text}) is ndarray else flat_view({text}))"
            if mixed:
                names[f"dtype{i}"] = dtype
                part = f"{part}.astype(dtype{i}, copy=False)"
            parts.append(part)
        names["concatenate"], names["flat_dtype"] = np.concatenate, self.flat_dtype
        names["ndarray"], names["flat_view"] = np.ndarray, _flat_view
        flat = [
            "def replay_flat(args):",
            *lines[1:],
            f"    return {value}, concatenate(({', '.join(parts)},), dtype=flat_dtype)",
        ]
        comma = "," if len(results) == 1 else ""
        lines.append(f"    return {value}, ({', '.join(results)}{comma})")
        source = "\n".join(lines) + "\n"
        exec(compile(source, "<chainrule replay>", "exec"), names)  # text built above
        exec(compile("\n".join(flat) + "\n", "<chainrule replay>", "exec"), names)
        return source, names["replay"], names["replay_flat"]

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

    def differs_from(self, other: Plan) -> str | None:
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
        value = _scalar(answer) if want_value else math.nan
        return value, results

    def run_flat(self, args: tuple[Any, ...], want_value: bool) -> tuple[float, np.ndarray]:
        """:meth:`run` with the gradients laid end to end in one new vector."""
        answer, vector = (self._flat_value if want_value else self._flat_grad)(args)
        value = _scalar(answer) if want_value else math.nan
        return value, vector


def _flat_view(value: Any) -> np.ndarray:
    """Any array-like (an ndarray subclass, a NumPy scalar) as a plain 1-d ndarray."""
    return np.asarray(value).reshape(-1)


def _scalar(answer: Any) -> float:
    """The loss as a float (a NumPy scalar as a rule; any one-element array)."""
    if type(answer) is np.float64:
        return float(answer)
    return float(np.asarray(answer).reshape(()))


def _value_part(pair: tuple[Any, Any]) -> Any:
    """The value of a saving forward's (value, saved) pair."""
    return pair[0]


def _saved_part(pair: tuple[Any, Any]) -> Any:
    """What a saving forward kept for its VJPs."""
    return pair[1]


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
