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

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autodiff.conversion import as_float_array
from chainrule.autodiff.functional import _positions, value_and_grad
from chainrule.autodiff.modes import MODES
from chainrule.autodiff.replay_plan import Plan
from chainrule.autodiff.tensor import Tensor

# Bounds on what a compiled function keeps: replayable plans (one per input
# signature, oldest dropped first) and first recordings waiting for the second
# recording that confirms them. A plan holds its generated code and the
# constants of f, never the arguments of the calls it was recorded from.
_MAX_SIGNATURES = 64
_MAX_FIRST_RECORDINGS = 16


class ReplayWarning(RuntimeWarning):
    """A compiled function could not be replayed and now runs eagerly."""


def compiled_value_and_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Compiled:
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
    return Compiled(f, argnums, want_value=True)


def compiled_grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Compiled:
    """Like :func:`~chainrule.autodiff.functional.grad`, replaying a recorded graph.

    The same as :func:`compiled_value_and_grad` without the value, so the
    forward operations that only the value needs are not run.
    """
    return Compiled(f, argnums, want_value=False)


class Compiled:
    """The function returned by the ``compiled_*`` constructors (call it as ``f``;
    :meth:`flat` gives the gradients as one vector, :meth:`source` the code)."""

    def __init__(
        self, f: Callable[..., Any], argnums: int | Sequence[int], want_value: bool
    ) -> None:
        self._f = f
        self._argnums = argnums
        self._positions, self._single = _positions(argnums)
        self._last_position = max(self._positions)
        self._want_value = want_value
        self._eager = value_and_grad(f, argnums)
        self._plans: dict[tuple[Any, ...], Plan] = {}
        self._first: dict[tuple[Any, ...], Plan] = {}
        self._eager_reason: str | None = None
        name = getattr(f, "__name__", "f")
        self.__name__ = f"compiled_{'value_and_' if want_value else ''}grad({name})"
        self.__doc__ = f.__doc__
        functools.update_wrapper(self, f, assigned=("__module__", "__qualname__"), updated=())

    def __call__(self, *args: Any) -> Any:
        return self._call(args, False)

    def flat(self, *args: Any) -> Any:
        """Like calling the function, with the gradients laid end to end in one new
        1-d vector: each differentiated argument's gradient in C order, in the
        order of ``argnums``, in their common dtype. What an optimizer stepping
        all the parameters as one vector takes (:mod:`chainrule.optim.joined`),
        without a list of arrays made and joined on every step.

        Returns ``(value, vector)`` for ``compiled_value_and_grad``, ``vector``
        for ``compiled_grad``.
        """
        return self._call(args, True)

    def _call(self, args: tuple[Any, ...], flat: bool) -> Any:
        if len(args) <= self._last_position:
            raise TypeError(
                f"argnums={self._argnums!r} refers to argument {self._last_position}, but "
                f"the function was called with {len(args)} arguments"
            )
        modes = MODES  # a thread-local: read its attributes once each
        if (
            self._eager_reason is None
            and modes.grad_enabled
            and not modes.anomaly
            and not modes.traced
        ):
            # The usual call of a training loop: arrays and numbers seen before.
            quick = self._quick_signature(args)
            try:
                plan = None if quick is None else self._plans.get(quick)
            except TypeError:  # an unhashable argument: the full path says why
                plan = None
            if plan is not None and plan.externals_match():
                return self._result(plan, args, flat)
        if (
            self._eager_reason is not None
            or modes.anomaly
            or not modes.grad_enabled
            or modes.traced
            or any(isinstance(a, Tensor) and a.requires_grad for a in args)
        ):
            # Inside an outer differentiation the gradient must stay recorded,
            # which only eager evaluation does (see functional's docstring).
            return self._run_eager(args, flat)
        args = self._convert(args)
        key = self._signature(args)
        if isinstance(key, str):
            self._give_up(key)
            return self._run_eager(args, flat)
        plan = self._plans.get(key)
        if plan is not None and plan.externals_match():
            return self._result(plan, args, flat)
        recorded = self._record(args)
        if not isinstance(recorded, Plan):
            if recorded is not None:
                self._give_up(recorded)
            return self._run_eager(args, flat)
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
                return self._run_eager(args, flat)
            if len(self._plans) >= _MAX_SIGNATURES:
                self._plans.pop(next(iter(self._plans)))
            self._plans[key] = plan
        return self._result(plan, args, flat)

    def source(self, *args: Any) -> str:
        """The straight-line Python a replay runs for arguments like ``args``.

        One line per forward operation and per VJP of the rule table, with
        the values as variables ``v<slot>`` and the gradients as ``g<slot>``:
        the backward pass of ``f``, written out.
        """
        recorded = self._record(self._convert(args))
        if not isinstance(recorded, Plan):
            raise ValueError(
                recorded or "f recorded no operation on its arguments, so there is nothing to show"
            )
        return recorded.source_value if self._want_value else recorded.source_grad

    # --- helpers ----------------------------------------------------------

    def _convert(self, args: tuple[Any, ...]) -> tuple[Any, ...]:
        """The differentiated arguments as float arrays, as value_and_grad sees them."""
        for p in self._positions:
            a = args[p]
            if type(a) is not np.ndarray or a.dtype.kind != "f":
                break
        else:
            return args  # the usual case: float arrays already, nothing to copy
        converted = list(args)
        for p in self._positions:
            a = converted[p]
            if type(a) is not np.ndarray or a.dtype.kind != "f":
                converted[p] = as_float_array(a.data if isinstance(a, Tensor) else a)
        return tuple(converted)

    def _run_eager(self, args: tuple[Any, ...], flat: bool) -> Any:
        value, grads = self._eager(*args)
        if flat:
            found = [grads] if self._single else list(grads)
            dtype = np.result_type(*(g.dtype for g in found))
            grads = np.concatenate([g.ravel() for g in found], dtype=dtype)
        return (value, grads) if self._want_value else grads

    def _result(self, plan: Plan, args: tuple[Any, ...], flat: bool) -> Any:
        if flat:
            value, vector = plan.run_flat(args, self._want_value)
            return (value, vector) if self._want_value else vector
        value, grads = plan.run(args, self._want_value)
        out = grads[0] if self._single else tuple(grads)
        return (value, out) if self._want_value else out

    def _quick_signature(self, args: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """The key of a call as :meth:`_signature` makes it for plain NumPy arrays
        and hashable values, in one pass; None when an argument is passed twice.

        It is only looked up, never stored: a call it describes wrongly (a
        Tensor, an array subclass, an unconverted differentiated argument, an
        unhashable value) matches no stored key, or fails to hash, and takes
        the full path.
        """
        if len(set(map(id, args))) < len(args):
            return None
        return tuple([(a.shape, a.dtype) if type(a) is np.ndarray else _value_key(a) for a in args])

    def _signature(self, args: tuple[Any, ...]) -> tuple[Any, ...] | str:
        """Shapes and dtypes of the array arguments, values of the others
        (or why the call has no signature)."""
        try:
            key: tuple[Any, ...] = tuple(
                [(a.shape, a.dtype) if type(a) is np.ndarray else _static_key(a) for a in args]
            )
        except TypeError:
            bad = next(a for a in args if not _hashable(a))
            return (
                f"an argument of type {type(bad).__name__} is neither an array nor "
                "hashable, so calls cannot be told apart; pass arrays, numbers or "
                "other hashable values, or close over the rest"
            )
        if len(set(map(id, args))) < len(args):
            # The same array passed twice is one value in the graph.
            first: dict[int, int] = {}
            key += tuple(first.setdefault(id(a), i) for i, a in enumerate(args))
        return key

    def _record(self, args: tuple[Any, ...]) -> Plan | str | None:
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
        return Plan(out, sources, wanted, tracer.derived, self._positions)

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


def _static_key(a: Any) -> tuple[Any, ...]:
    if isinstance(a, np.ndarray | Tensor):
        return (type(a), a.shape, a.dtype)
    hash(a)
    return _value_key(a)


def _value_key(a: Any) -> tuple[Any, ...]:
    """A value argument's part of a signature: its type and value, with what
    equality conflates told apart (0.0 and -0.0; 1, 1.0 and True inside a
    tuple), since f may read the difference (a sign, a boolean index)."""
    kind = type(a)
    if kind is float or isinstance(a, np.floating):
        return (kind, a, math.copysign(1.0, a))
    if kind is tuple:
        return (kind, tuple([_value_key(x) for x in a]))
    return (kind, a)


def _hashable(a: Any) -> bool:
    try:
        _static_key(a)
    except TypeError:
        return False
    return True
