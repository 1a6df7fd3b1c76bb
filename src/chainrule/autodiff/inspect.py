"""Read-only views of a recorded graph, for drawing and teaching."""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autodiff.backward import backpropagate, topological_order
from chainrule.autodiff.tensor import Tensor


def nodes(root: Tensor) -> list[Tensor]:
    """Every tensor ``root`` was computed from that requires grad, inputs first."""
    return topological_order(root)


def operation(t: Tensor) -> str | None:
    """The name of the primitive that produced ``t``, or None for a leaf."""
    return None if t._op is None else t._op.name


def inputs(t: Tensor) -> list[Any]:
    """The inputs of the operation that produced ``t``, in order: a Tensor where
    the input is part of the graph, else the constant value the forward saw."""
    parents = dict(t._parents)
    return [parents.get(i, arg) for i, arg in enumerate(t._args)]


def parameters(t: Tensor) -> dict[str, Any]:
    """The static parameters of the operation (axis, shape, exponent...)."""
    return dict(t._params)


def all_gradients(root: Tensor) -> dict[Tensor, np.ndarray]:
    """d(root)/d(node) for every node of the graph (root must be one value).

    Computed by one reverse pass that keeps every intermediate adjoint; no
    ``.grad`` is written.
    """
    graph = nodes(root)
    saved = [t._retain for t in graph]
    try:
        for t in graph:
            t._retain = True
        return backpropagate(root, np.ones_like(root.data))
    finally:
        for t, keep in zip(graph, saved, strict=True):
            t._retain = keep
