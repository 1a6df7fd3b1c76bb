"""The reverse pass: walk the recorded graph backwards, applying the rule table.

A recorded node is a :class:`~chainrule.autodiff.tensor.Tensor` with ``_op``
(its :class:`~chainrule.autodiff.rules.Primitive`), ``_args`` (the input
values the forward saw), ``_params`` and ``_parents`` (``(position, tensor)``
pairs for the inputs that need a gradient). Leaves have ``_op = None``.

The walk is iterative, so graphs of any depth run without RecursionError.

:func:`backpropagate` runs the rules on NumPy arrays (the gradients are plain
values); :func:`backpropagate_recorded` runs the same rules on Tensors, so the
gradients are recorded in turn and can be differentiated again.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from operator import attrgetter
from typing import Any

import numpy as np

from chainrule.autodiff.errors import AnomalyError
from chainrule.autodiff.modes import MODES

_seq = attrgetter("_seq")


def topological_order(root: Any) -> list[Any]:
    """Nodes that ``root`` depends on and that require grad, inputs first.

    Every recorded node carries ``_seq``, a number from a counter that grows
    with each recorded operation, and a node's inputs exist before it does,
    so sorting the reachable nodes by ``_seq`` is a topological order. That is
    one flat pass and a sort in C, cheaper than a depth-first search.
    """
    seen = {root}
    stack = [root]
    while stack:
        for _, parent in stack.pop()._parents:
            if parent not in seen:
                seen.add(parent)
                stack.append(parent)
    return sorted(seen, key=_seq)


def sum_to(g: Any, shape: tuple[int, ...]) -> Any:
    """Undoes broadcasting: sums ``g`` down to ``shape``.

    A value of shape ``shape`` that was broadcast to ``g.shape`` contributed
    to every position it was repeated into, so its gradient is the sum over
    the new leading axes and over the axes where ``shape`` has size 1.
    """
    return summed(g, broadcast_axes(g.shape, shape), shape)


def summed(g: Any, axes: tuple[int, ...], shape: tuple[int, ...]) -> Any:
    """:func:`sum_to` with the broadcast axes already found (``broadcast_axes``)."""
    if axes:
        if (
            type(g) is np.ndarray
            and g.ndim == 2
            and len(axes) == 1
            and g.size >= 1024
            and g.dtype in _BLAS_FLOATS
        ):
            # A bias gradient: summing the rows (or columns) of a matrix is a
            # product with a vector of ones, which BLAS runs 1.5-2.5x faster
            # than NumPy's reduction from 1,000 elements up (benchmarks B, C).
            if axes[0] == 1:
                g = g @ _ones((g.shape[1], 1), g.dtype)
            else:
                g = _ones((1, g.shape[0]), g.dtype) @ g
        else:
            g = g.sum(axis=axes, keepdims=True)
    return g if g.shape == shape else g.reshape(shape)


_BLAS_FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


@functools.lru_cache(maxsize=64)
def _ones(shape: tuple[int, int], dtype: np.dtype[Any]) -> np.ndarray:
    ones = np.ones(shape, dtype)
    ones.flags.writeable = False
    return ones


@functools.lru_cache(maxsize=1024)
def broadcast_axes(big: tuple[int, ...], shape: tuple[int, ...]) -> tuple[int, ...]:
    """The axes of ``big`` along which ``shape`` was broadcast."""
    lead = len(big) - len(shape)
    return tuple(range(lead)) + tuple(
        lead + i for i, size in enumerate(shape) if size == 1 and big[lead + i] != 1
    )


def backpropagate(root: Any, seed: np.ndarray) -> dict[Any, np.ndarray]:
    """Runs the reverse pass from ``root`` with d(loss)/d(root) = ``seed``.

    Returns the gradient of every leaf reached and of every node marked with
    ``retain_grad()``, keyed by node. A value used k times receives the sum of
    its k contributions. Nothing is written to ``.grad``: the caller decides
    whether to accumulate.
    """
    anomaly = MODES.anomaly
    if anomaly:
        _check_finite(seed, "the gradient passed to backward()", root)
    grads: dict[Any, Any] = {root: seed}
    pop = grads.pop
    get = grads.get
    found: dict[Any, np.ndarray] = {}
    for node in reversed(topological_order(root)):
        g = pop(node)
        op = node._op
        if op is None:
            found[node] = g
            continue
        if node._retain:
            found[node] = g
        ans = node.data
        args = node._args
        params = node._params
        vjps = op.vjps
        for position, parent in node._parents:
            gi = vjps[position](g, ans, *args, **params)
            shape = parent.data.shape
            if gi.shape != shape:
                gi = sum_to(gi, shape)
            if anomaly:
                _check_finite(
                    gi, f"the backward of {op.name} (gradient for input {position})", node
                )
            previous = get(parent)
            grads[parent] = gi if previous is None else previous + gi
    return found


def backpropagate_recorded(
    root: Any, seed: Any, targets: Sequence[Any] | None = None
) -> dict[Any, Any]:
    """The reverse pass run on Tensors: the gradients it returns are recorded.

    Each VJP of the rule table is called with ``g`` (a Tensor), ``ans`` (the
    node itself) and the node's inputs: the parent Tensors for the inputs
    that require grad, the saved constants for the others. Every operation of
    a VJP is therefore recorded (while recording is on, see
    :class:`~chainrule.autodiff.modes.no_grad`), so a gradient is a function
    of the inputs that can be differentiated again: gradients of gradients.

    Args:
        root: the Tensor to differentiate.
        seed: d(loss)/d(root), a Tensor of ``root.shape`` (it may itself
            require grad).
        targets: the Tensors whose gradients are wanted. The walk visits only
            the nodes on a path from a target to ``root`` and stops at the
            targets (a target's own inputs get nothing). None: every leaf and
            every node marked with ``retain_grad()``, as :func:`backpropagate`.

    Returns:
        Tensor gradients keyed by node, each of its node's shape; a target
        that ``root`` does not depend on is absent.
    """
    tensor = type(seed)  # Tensor, without importing the module that imports this one
    order = topological_order(root)
    wanted: set[Any] | None = None
    active: set[Any] | None = None
    if targets is not None:
        wanted = set(targets)
        active = set(wanted)
        for node in order:
            if node not in active and any(p in active for _, p in node._parents):
                active.add(node)
    anomaly = MODES.anomaly
    grads: dict[Any, Any] = {root: seed}
    found: dict[Any, Any] = {}
    for node in reversed(order):
        g = grads.pop(node, None)
        if g is None or (active is not None and node not in active):
            continue
        op = node._op
        if wanted is not None:
            if node in wanted:
                found[node] = g
                continue
        elif op is None or node._retain:
            found[node] = g
        if op is None:
            continue
        parents = dict(node._parents)
        inputs = [parents.get(i, a) for i, a in enumerate(node._args)]
        for position, parent in node._parents:
            if active is not None and parent not in active:
                continue
            gi = op.vjps[position](g, node, *inputs, **node._params)
            if not isinstance(gi, tensor):
                gi = tensor(gi)
            if gi.shape != parent.shape:
                gi = sum_to(gi, parent.shape)
            if anomaly:
                _check_finite(
                    gi.data, f"the backward of {op.name} (gradient for input {position})", node
                )
            previous = grads.get(parent)
            grads[parent] = gi if previous is None else previous + gi
    return found


def _check_finite(value: Any, what: str, node: Any) -> None:
    if np.all(np.isfinite(value)):
        return
    kind = "nan" if np.any(np.isnan(value)) else "inf"
    origin = f", created at {node._origin}" if node._origin else ""
    shapes = ", ".join(str(np.shape(a)) for a in node._args)
    raise AnomalyError(
        f"{what} produced {kind}{origin}; inputs of shapes ({shapes}). "
        "Look for log of 0, division by 0, or exp of a large value upstream of it."
    )
