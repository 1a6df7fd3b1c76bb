"""Primitives that select and arrange elements: max/min reductions, indexing,
its adjoint (scatter-add) and concatenation, each forward beside its VJPs.

Written, like :mod:`chainrule.autodiff.rules`, only with operators, indexing
and the functions of :mod:`chainrule.autodiff.vocabulary`, so the same rules
run on NumPy arrays, on Tensors and on symbolic matrices. Indexing and
scatter-add are each other's VJP, so gradients of gradients through an index
stay in the table.
"""

from __future__ import annotations

from typing import Any

from chainrule.autodiff.primitive import Array, Primitive
from chainrule.autodiff.vocabulary import amax, amin, concatenate, equal, scatter_add


def amax_forward(x: Array, axis: tuple[int, ...], keepdims: bool) -> Array:
    """The maximum over ``axis`` (a tuple of distinct non-negative axes); nan wins.

    Tied maxima share the gradient equally, as PyTorch's ``amax`` and
    full-tensor ``max`` do (``torch.max(x, dim)`` instead gives it all to one).
    """
    return amax(x, axis=axis, keepdims=keepdims)


def amin_forward(x: Array, axis: tuple[int, ...], keepdims: bool) -> Array:
    """The minimum over ``axis``; ties share the gradient as in :func:`amax_forward`."""
    return amin(x, axis=axis, keepdims=keepdims)


def extremum_vjp(g: Array, ans: Array, x: Array, axis: tuple[int, ...], keepdims: bool) -> Array:
    # The gradient goes to the positions that hold the extremum, split evenly.
    if not keepdims and x.ndim:
        kept = tuple(1 if i in axis else d for i, d in enumerate(x.shape))
        g = g.reshape(kept)
        ans = ans.reshape(kept)
    chosen = equal(x, ans)
    # divide on the reduced shape, then one full-size product
    return g / chosen.sum(axis=axis, keepdims=True) * chosen


def getitem(x: Array, index: Any) -> Array:
    """``x[index]``: NumPy indexing (ints, slices, None, ..., integer or boolean arrays)."""
    return x[index]


def getitem_vjp(g: Array, ans: Array, x: Array, index: Any) -> Array:
    return scatter_add(g, x.shape, index)


def scatter_add_forward(x: Array, shape: tuple[int, ...], index: Any) -> Array:
    """A zero array of ``shape`` with ``x`` added at ``index`` (repeated positions sum)."""
    return scatter_add(x, shape, index)


def scatter_add_vjp(g: Array, ans: Array, x: Array, shape: tuple[int, ...], index: Any) -> Array:
    return g[index]


def concatenate_forward(a: Array, b: Array, axis: int) -> Array:
    """a followed by b along ``axis``; longer lists are concatenated pairwise."""
    return concatenate(a, b, axis=axis)


def concatenate_vjp_a(g: Array, ans: Array, a: Array, b: Array, axis: int) -> Array:
    return g[(slice(None),) * axis + (slice(0, a.shape[axis]),)]


def concatenate_vjp_b(g: Array, ans: Array, a: Array, b: Array, axis: int) -> Array:
    return g[(slice(None),) * axis + (slice(a.shape[axis], None),)]


AMAX = Primitive("amax", amax_forward, (extremum_vjp,), "max")
AMIN = Primitive("amin", amin_forward, (extremum_vjp,), "min")
GETITEM = Primitive("getitem", getitem, (getitem_vjp,), "[]")
SCATTER_ADD = Primitive("scatter_add", scatter_add_forward, (scatter_add_vjp,), "scatter")
CONCATENATE = Primitive(
    "concatenate", concatenate_forward, (concatenate_vjp_a, concatenate_vjp_b), "concat"
)

PRIMITIVES = (AMAX, AMIN, GETITEM, SCATTER_ADD, CONCATENATE)
