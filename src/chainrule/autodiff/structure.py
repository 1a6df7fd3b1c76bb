"""Tensor methods that select, arrange and reduce: indexing, squeeze,
expand_dims, split, max/min, logsumexp, var, std and prod.

:class:`StructureMethods` is a base class of
:class:`~chainrule.autodiff.tensor.Tensor`, kept in its own module so that
``tensor.py`` stays the core. Indexing, scatter-add, max/min and
concatenation are primitives of :mod:`chainrule.autodiff.rules_structure`;
the rest is composed from primitives, each docstring says how.
"""

from __future__ import annotations

import itertools
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from chainrule.autodiff import rules
from chainrule.autodiff import rules_structure as ops
from chainrule.autodiff.axes import normalize_axes, normalize_axis
from chainrule.autodiff.elementwise import compare, record
from chainrule.autodiff.errors import ShapeError
from chainrule.autodiff.modes import derived, value_read
from chainrule.autodiff.primitive import Primitive
from chainrule.autodiff.vocabulary import max_shift

if TYPE_CHECKING:
    from chainrule.autodiff.tensor import Tensor

Axis = int | tuple[int, ...] | None
_BASIC = frozenset({int, slice, type(None), type(Ellipsis)})


def _index_param(index: Any) -> tuple[Any, bool]:
    """``index`` with Tensors and lists made NumPy arrays; and whether it holds an array."""
    parts = index if isinstance(index, tuple) else (index,)
    if all(type(p) in _BASIC for p in parts):  # ints, slices, None, ...: nothing to convert
        return index, False
    converted = []
    has_array = False
    for part in parts:
        if type(part) in _BASIC:
            converted.append(part)
            continue
        if hasattr(type(part), "_apply"):
            part = part.data
        if isinstance(part, list):
            part = np.asarray(part)
        if isinstance(part, np.ndarray):
            has_array = True
            kind = part.dtype.kind
            if kind == "f" and part.size and np.all(part == np.round(part)):
                part = part.astype(np.intp)  # a float Tensor of whole numbers
            elif kind not in "biu":
                raise IndexError(
                    f"getitem: an index array must hold integers or booleans, got dtype "
                    f"{part.dtype}"
                )
        converted.append(part)
    result = tuple(converted) if isinstance(index, tuple) else converted[0]
    return result, has_array


class StructureMethods:
    """Indexing, reshaping helpers and reductions of :class:`~chainrule.autodiff.tensor.Tensor`."""

    __slots__ = ()

    if TYPE_CHECKING:
        data: np.ndarray
        requires_grad: bool

        @property
        def shape(self) -> tuple[int, ...]: ...

        @property
        def ndim(self) -> int: ...

        @staticmethod
        def _apply(op: Primitive, *inputs: Any, **params: Any) -> Tensor: ...

        def _apply1(self, op: Primitive, **params: Any) -> Tensor: ...

        def _own(self) -> Tensor: ...

    # --- indexing -------------------------------------------------------------

    def __getitem__(self, index: Any) -> Tensor:
        """``t[index]`` with NumPy's meaning: ints, slices, None, ``...``, integer
        arrays, boolean masks (of the indexed axes' shape), or a tuple of them.

        The gradient scatters back with ``np.add.at``: an element picked k times
        receives the sum of its k gradients.
        """
        param, has_array = _index_param(index)
        if has_array:
            value_read(self, "indexing with an array")
        try:
            return self._apply1(ops.GETITEM, index=param)
        except IndexError as e:
            raise IndexError(
                f"getitem: index {index!r} on a tensor of shape {self.shape}: {e}"
            ) from None

    def scatter_add(self, shape: Sequence[int], index: Any) -> Tensor:
        """A zero tensor of ``shape`` with this one added at ``index``: the adjoint of
        ``zeros(shape)[index]`` (this tensor has that shape; repeated positions sum)."""
        target = tuple(int(d) for d in shape)
        param, has_array = _index_param(index)
        try:
            selected = np.empty(target, dtype=np.bool_)[param].shape
        except IndexError as e:
            raise IndexError(f"scatter_add: index {index!r} on shape {target}: {e}") from None
        if selected != self.shape:
            raise ShapeError(
                f"scatter_add: zeros({target})[{index!r}] has shape {selected}, but the "
                f"values have shape {self.shape}"
            )
        if has_array:
            value_read(self, "scatter_add with an index array")
        return self._apply1(ops.SCATTER_ADD, shape=target, index=param)

    def concatenate(self: Any, other: Any, axis: int = 0) -> Tensor:
        """``self`` followed by ``other`` along ``axis`` (see :func:`chainrule.concatenate`)."""
        return record(ops.CONCATENATE, self, other, axis=axis)

    def split(self, indices_or_sections: int | Sequence[int], axis: int = 0) -> list[Tensor]:
        """Pieces along ``axis``, as ``np.split``: n equal sections, or cut at indices."""
        x = self._own()
        ax = normalize_axis(axis, x.ndim, "split")
        size = x.shape[ax]
        if isinstance(indices_or_sections, int | np.integer):
            n = int(indices_or_sections)
            if n <= 0 or size % n:
                raise ShapeError(
                    f"split: axis {axis} of shape {x.shape} has {size} elements, which "
                    f"cannot be split into {n} equal sections"
                )
            cuts = [size // n * i for i in range(1, n)]
        else:
            cuts = [int(c) for c in indices_or_sections]
        bounds = [0, *cuts, size]
        lead = (slice(None),) * ax
        return [x[(*lead, slice(lo, max(lo, hi)))] for lo, hi in itertools.pairwise(bounds)]

    def broadcast_to(self, shape: Iterable[int]) -> Tensor:
        """The tensor repeated along its size-1 axes (and new leading axes) to ``shape``.

        The gradient sums over the repeated positions. Raises ShapeError when
        ``self.shape`` does not broadcast to ``shape``.
        """
        target = tuple(int(d) for d in shape)
        try:
            fits = np.broadcast_shapes(self.shape, target) == target
        except ValueError:
            fits = False
        if not fits:
            raise ShapeError(
                f"broadcast_to: a tensor of shape {self.shape} cannot be broadcast to "
                f"{target}: aligned from the right, each of its dimensions must equal "
                "the target's or be 1"
            )
        return self._apply1(rules.BROADCAST_TO, shape=target)

    def squeeze(self, axis: Axis = None) -> Tensor:
        """Drops size-1 axes: all of them, or those in ``axis`` (which must have size 1)."""
        x = self._own()
        if axis is None:
            axes = tuple(i for i, d in enumerate(x.shape) if d == 1)
        else:
            axes = normalize_axes(axis, x.ndim, "squeeze")
            wide = [a for a in axes if x.shape[a] != 1]
            if wide:
                raise ShapeError(
                    f"squeeze: axis {wide[0]} of a tensor of shape {x.shape} has size "
                    f"{x.shape[wide[0]]}, not 1"
                )
        return x.reshape(tuple(d for i, d in enumerate(x.shape) if i not in axes))

    def expand_dims(self, axis: int | tuple[int, ...]) -> Tensor:
        """Inserts size-1 axes at the positions ``axis`` of the result, as ``np.expand_dims``."""
        x = self._own()
        axes = normalize_axes(
            axis, x.ndim + (1 if isinstance(axis, int) else len(axis)), "expand_dims"
        )
        shape = iter(x.shape)
        return x.reshape(tuple(1 if i in axes else next(shape) for i in range(x.ndim + len(axes))))

    # --- reductions -------------------------------------------------------------

    def _reduced_axes(self, axis: Axis, op: str) -> tuple[int, ...]:
        axes = normalize_axes(axis, self.ndim, op)
        empty = [a for a in axes if self.shape[a] == 0]
        if empty:
            raise ValueError(
                f"{op}: axis {empty[0]} of a tensor of shape {self.shape} is empty, and "
                f"{op} of no elements is undefined"
            )
        return axes

    def amax(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The maximum over ``axis`` (all when None); nan if any is nan.

        Tied maxima share the gradient equally, as ``torch.amax`` and
        ``torch.max(x)`` (``torch.max(x, dim)`` gives it to one of them).
        """
        axes = self._reduced_axes(axis, "max")
        return self._apply1(ops.AMAX, axis=axes, keepdims=bool(keepdims))

    def amin(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The minimum over ``axis``; ties share the gradient as in :meth:`amax`."""
        axes = self._reduced_axes(axis, "min")
        return self._apply1(ops.AMIN, axis=axes, keepdims=bool(keepdims))

    def max(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The maximum over ``axis`` (NumPy's ``max``); see :meth:`amax` for ties."""
        return self.amax(axis, keepdims)

    def min(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The minimum over ``axis`` (NumPy's ``min``); see :meth:`amax` for ties."""
        return self.amin(axis, keepdims)

    def logsumexp(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """log Σ exp(x) over ``axis``, computed stably.

        Composed: the maximum (``vocabulary.max_shift``, a constant) is
        subtracted before exp and added back after log. Equals
        ``torch.logsumexp``, including -inf for an all -inf slice and inf
        when one element is inf.
        """
        x = self._own()
        axes = normalize_axes(axis, x.ndim, "logsumexp")
        shift = derived(max_shift(x.data, axes), max_shift, x, axis=axes)
        out = (x - shift).exp().sum(axis=axes, keepdims=True).log() + shift
        if keepdims:
            return out
        return out.reshape(tuple(d for i, d in enumerate(out.shape) if i not in axes))

    def softmax(self, axis: int = 0) -> Tensor:
        """exp(x) / sum(exp(x)) along ``axis``.

        The default axis 0 is the class axis when examples are columns.
        Composed from primitives: the maximum along ``axis`` is subtracted
        first as a constant, which changes neither the value nor the gradient
        (softmax is invariant to a shift) and keeps exp from overflowing.
        """
        ax = normalize_axis(axis, self.ndim, "softmax")
        z = self - derived(max_shift(self.data, ax), max_shift, self, axis=ax)
        e = z.exp()
        return e / e.sum(axis=axis, keepdims=True)

    def log_softmax(self, axis: int = 0) -> Tensor:
        """x - log(sum(exp(x))) along ``axis``, computed stably (see softmax)."""
        ax = normalize_axis(axis, self.ndim, "log_softmax")
        z = self - derived(max_shift(self.data, ax), max_shift, self, axis=ax)
        return z - z.exp().sum(axis=axis, keepdims=True).log()

    def var(self, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        """Variance over ``axis``: Σ (x − mean)² / (n − ddof), as ``np.var``.

        ``ddof=1`` gives the unbiased estimate (``torch.var``'s default). When
        n − ddof ≤ 0 the result is nan with a RuntimeWarning, as in NumPy.
        """
        x = self._own()
        axes = normalize_axes(axis, x.ndim, "var")
        n = math.prod(x.shape[a] for a in axes)
        if isinstance(ddof, bool) or not isinstance(ddof, int | np.integer) or ddof < 0:
            raise ValueError(f"var: ddof must be a non-negative int, got {ddof!r}")
        if n == 0:
            raise ValueError(f"var: the axes {axes} of a tensor of shape {x.shape} are empty")
        d = x - x.mean(axis=axes, keepdims=True)
        if n - ddof <= 0:
            warnings.warn(
                f"var: {n} elements with ddof={ddof} leave no degrees of freedom; the "
                "result is nan",
                RuntimeWarning,
                stacklevel=2,
            )
            factor = math.nan
        else:
            factor = 1.0 / (n - ddof)
        return (d * d).sum(axis=axes, keepdims=keepdims) * factor

    def std(self, axis: Axis = None, ddof: int = 0, keepdims: bool = False) -> Tensor:
        """Standard deviation √var over ``axis`` (see :meth:`var` for ``ddof``).

        Where the variance is 0 the gradient is 0, as ``torch.std`` (√'s own
        derivative is infinite there).
        """
        v = self._own().var(axis, ddof, keepdims)
        zero = compare("equal", v, 0.0)
        return v.where(zero, 0.0, v.where(zero, 1.0, v).sqrt())

    def prod(self, axis: Axis = None, keepdims: bool = False) -> Tensor:
        """The product over ``axis`` (all when None); 1 for no elements.

        Composed as a tree of pairwise products (halves multiplied, log₂ n
        levels), so the gradient of each element is the exact product of the
        others, zeros included, as ``torch.prod``.
        """
        x = self._own()
        axes = normalize_axes(axis, x.ndim, "prod")
        kept = [i for i in range(x.ndim) if i not in axes]
        kept_shape = tuple(x.shape[i] for i in kept)
        n = math.prod(x.shape[a] for a in axes)
        y = x.transpose(*kept, *axes).reshape((*kept_shape, n))
        if n == 0:
            y = y.sum(axis=-1) + 1.0
        else:
            while y.shape[-1] > 1:
                half = y.shape[-1] // 2
                paired = y[..., :half] * y[..., half : 2 * half]
                y = (
                    paired
                    if y.shape[-1] % 2 == 0
                    else paired.concatenate(y[..., 2 * half :], axis=paired.ndim - 1)
                )
            y = y.reshape(kept_shape)
        if keepdims:
            return y.reshape(tuple(1 if i in axes else d for i, d in enumerate(x.shape)))
        return y


def concatenate_all(tensors: Sequence[Any], axis: int) -> Tensor:
    """Concatenates a list of Tensors pairwise in a balanced tree (log₂ n levels)."""
    level = list(tensors)
    while len(level) > 1:
        paired = [
            record(ops.CONCATENATE, level[i], level[i + 1], axis=axis)
            for i in range(0, len(level) - 1, 2)
        ]
        if len(level) % 2:
            paired.append(level[-1])
        level = paired
    result: Tensor = level[0]
    return result
