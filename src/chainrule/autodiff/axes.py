"""Axis arguments checked once: ``axis=-1``, ``axis=(0, 2)``, ``axis=None``.

Shared by the Tensor methods in :mod:`chainrule.autodiff.tensor`,
:mod:`chainrule.autodiff.elementwise` and :mod:`chainrule.autodiff.structure`,
so that every operation reports a bad axis with the same message.
"""

from __future__ import annotations

import numpy as np

from chainrule.autodiff.errors import ShapeError


def normalize_axis(axis: int, ndim: int, op: str) -> int:
    """``axis`` as a non-negative int below ``ndim``; negative counts from the end."""
    if not isinstance(axis, int | np.integer) or isinstance(axis, bool):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    if not -ndim <= axis < ndim:
        raise ShapeError(f"{op}: axis {axis} is out of range for a tensor with {ndim} axes")
    return int(axis) % ndim


def normalize_axes(axis: int | tuple[int, ...] | None, ndim: int, op: str) -> tuple[int, ...]:
    """``axis`` (an int, a sequence of ints, or None for all) as a tuple of distinct axes."""
    if axis is None:
        return tuple(range(ndim))
    if type(axis) is int and -ndim <= axis < ndim:  # the common case, checked quickly
        return (axis % ndim,)
    axes = (axis,) if isinstance(axis, int | np.integer) else tuple(axis)
    normalized = tuple(normalize_axis(a, ndim, op) for a in axes)
    if len(set(normalized)) != len(normalized):
        raise ShapeError(f"{op}: axis {axis} names an axis twice")
    return normalized
