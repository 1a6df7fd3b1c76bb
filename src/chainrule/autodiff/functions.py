"""NumPy-named functions of tensors: ``where``, ``maximum``, ``minimum``, ``clip``,
``concatenate``, ``stack`` and ``split``.

Each takes Tensors, arrays or numbers and returns Tensors, recording the
graph when an input requires grad. They are the module-level faces of the
Tensor methods (``cr.maximum(a, b)`` is ``a.maximum(b)`` with either side a
constant), exported as ``chainrule.where`` and so on.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.autodiff import rules_elementwise
from chainrule.autodiff.axes import normalize_axis
from chainrule.autodiff.errors import ShapeError
from chainrule.autodiff.modes import value_read
from chainrule.autodiff.structure import concatenate_all
from chainrule.autodiff.tensor import Tensor, apply


def _tensor(x: Any) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """``a`` where ``condition`` is true, else ``b``, elementwise with broadcasting.

    Args:
        condition: a boolean array (from a comparison such as ``t > 0``), or
            anything whose nonzero entries mean true; it gets no gradient.
        a, b: Tensors, arrays or numbers; the shapes of all three broadcast.

    Returns:
        A Tensor of the broadcast shape. Each of ``a`` and ``b`` receives the
        gradient only where it was chosen, as ``torch.where``.
    """
    if isinstance(condition, Tensor):
        if condition.requires_grad:
            value_read(condition, "where() with a traced Tensor as the condition")
        condition = condition.data
    return apply(rules_elementwise.WHERE, np.asarray(condition), _tensor(a), _tensor(b))


def maximum(a: Any, b: Any) -> Tensor:
    """The larger of ``a`` and ``b`` elementwise, with broadcasting; ties split the
    gradient in half and nan propagates, as ``torch.maximum``."""
    return _tensor(a).maximum(b)


def minimum(a: Any, b: Any) -> Tensor:
    """The smaller of ``a`` and ``b`` elementwise (ties and nan as :func:`maximum`)."""
    return _tensor(a).minimum(b)


def clip(x: Any, lo: float | None = None, hi: float | None = None) -> Tensor:
    """``x`` limited to [lo, hi] (see :meth:`Tensor.clip`)."""
    return _tensor(x).clip(lo, hi)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """The tensors joined along ``axis``, as ``np.concatenate``.

    Args:
        tensors: a non-empty sequence of Tensors or arrays with the same number
            of axes and equal sizes on every axis but ``axis``.
        axis: the axis to join along (negative counts from the end).

    Returns:
        A Tensor whose ``axis`` is the sum of theirs. Each input's gradient is
        its slice of the output's gradient.
    """
    items = _items(tensors, "concatenate")
    ndim = items[0].ndim
    if ndim == 0:
        raise ShapeError("concatenate: 0-d tensors cannot be concatenated; use stack")
    ax = normalize_axis(axis, ndim, "concatenate")
    for i, t in enumerate(items):
        rest = t.shape[:ax] + t.shape[ax + 1 :]
        first = items[0].shape[:ax] + items[0].shape[ax + 1 :]
        if t.ndim != ndim or rest != first:
            raise ShapeError(
                f"concatenate: tensor {i} has shape {t.shape} and tensor 0 has shape "
                f"{items[0].shape}; all but axis {ax} must agree"
            )
    return concatenate_all(items, ax)


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """The tensors (all of one shape) stacked along a new axis ``axis``, as ``np.stack``."""
    items = _items(tensors, "stack")
    shape = items[0].shape
    for i, t in enumerate(items):
        if t.shape != shape:
            raise ShapeError(
                f"stack: tensor {i} has shape {t.shape} and tensor 0 has shape {shape}; "
                "they must be equal"
            )
    ax = normalize_axis(axis, len(shape) + 1, "stack")
    return concatenate_all([t.expand_dims(ax) for t in items], ax)


def split(x: Any, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
    """Pieces of ``x`` along ``axis``, as ``np.split`` (see :meth:`Tensor.split`)."""
    return _tensor(x).split(indices_or_sections, axis)


def _items(tensors: Sequence[Any], op: str) -> list[Tensor]:
    if isinstance(tensors, Tensor | np.ndarray) or not isinstance(tensors, Sequence):
        raise TypeError(f"{op}: takes a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor, got an empty sequence")
    return [_tensor(t) for t in tensors]
