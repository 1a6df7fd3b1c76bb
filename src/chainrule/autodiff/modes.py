"""Per-thread state of the engine: gradient recording, anomaly detection, and
what the function transforms (``grad``, ``jacobian``...) running now have traced."""

from __future__ import annotations

import threading
from collections.abc import Callable
from contextlib import ContextDecorator
from types import TracebackType
from typing import Any, TypeVar

R = TypeVar("R")


class _Modes(threading.local):
    grad_enabled: bool = True
    anomaly: bool = False
    tracer: Any = None  # set while compiled_value_and_grad records f

    def __init__(self) -> None:
        # id -> Tensor: the inputs that the transforms running now (grad inside
        # grad...) handed to their functions. A gradient that depends on one of
        # them belongs to an outer differentiation and must stay recorded.
        self.traced: dict[int, Any] = {}


def derived(result: R, fn: Callable[..., Any], source: Any, **params: Any) -> R:
    """Marks ``result`` as ``fn(source, **params)``: a value computed from data
    outside the graph (a stability shift, one-hot targets) that a replay must
    recompute rather than keep. Returns ``result``."""
    tracer = MODES.tracer
    if tracer is not None:
        tracer.derive(result, fn, source, params)
    return result


class Sources(tuple[Any, ...]):
    """The several values a derived value is computed from (see :func:`derived_from`)."""

    __slots__ = ()


def derived_from(result: R, fn: Callable[..., Any], sources: tuple[Any, ...], **params: Any) -> R:
    """As :func:`derived` for a value computed from several: ``result`` is
    ``fn(*sources, **params)`` (sample weights times targets, say)."""
    tracer = MODES.tracer
    if tracer is not None:
        tracer.derive(result, fn, Sources(sources), params)
    return result


def value_read(tensor: Any, what: str) -> None:
    """Tells a recording that Python read a traced value (it may branch on it)."""
    tracer = MODES.tracer
    if tracer is not None and tensor.requires_grad:
        tracer.read(what)


MODES = _Modes()


def is_grad_enabled() -> bool:
    """True unless inside :class:`no_grad` in this thread."""
    return MODES.grad_enabled


class no_grad(ContextDecorator):  # noqa: N801 - named like the context managers it mirrors
    """Context manager (or decorator) that turns off graph recording.

    Operations inside compute values only: their results have
    ``requires_grad=False`` and keep no references to their inputs, which
    saves time and memory in evaluation and in parameter updates::

        with no_grad():
            w_new = w - 0.1 * dw
    """

    def __enter__(self) -> no_grad:
        self._previous = MODES.grad_enabled
        MODES.grad_enabled = False
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        MODES.grad_enabled = self._previous


class detect_anomaly(ContextDecorator):  # noqa: N801
    """Context manager (or decorator) that stops at the first non-finite value.

    Inside it, every operation checks its output, and the backward pass checks
    every gradient it computes. The first operation whose forward or backward
    produces nan or ±inf raises :class:`AnomalyError`, naming the operation,
    its input shapes and the line of your code that created it. Checking costs
    a pass over every array, so use it to debug, not to train::

        with detect_anomaly():
            loss = model_loss(params)
            loss.backward()
    """

    def __enter__(self) -> detect_anomaly:
        self._previous = MODES.anomaly
        MODES.anomaly = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        MODES.anomaly = self._previous
