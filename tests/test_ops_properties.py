"""Property tests for indexing, concatenation and broadcasting: for random shapes
and indices, the forward equals NumPy's and the gradient is the scatter (or
slice, or sum) that the definition implies."""

from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr

SETTINGS = settings(max_examples=60, deadline=None)


def _values(shape: tuple[int, ...], seed: int) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal(shape)


@st.composite
def indexed(draw: st.DrawFn) -> tuple[np.ndarray, Any]:
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5))
    parts: list[Any] = []
    n = draw(st.integers(1, 6))  # index arrays of one index broadcast together
    for size in shape[: draw(st.integers(1, len(shape)))]:
        kind = draw(st.sampled_from(["int", "slice", "array"]))
        if kind == "int":
            parts.append(draw(st.integers(-size, size - 1)))
        elif kind == "slice":
            start = draw(st.none() | st.integers(-size, size))
            stop = draw(st.none() | st.integers(-size, size))
            step = draw(st.none() | st.integers(1, 3) | st.integers(-3, -1))
            parts.append(slice(start, stop, step))
        else:
            parts.append(np.array(draw(st.lists(st.integers(0, size - 1), min_size=n, max_size=n))))
    return _values(shape, draw(st.integers(0, 10**6))), tuple(parts)


@SETTINGS
@given(indexed(), st.integers(0, 10**6))
def test_indexing_forward_and_scatter_gradient(case: tuple[np.ndarray, Any], seed: int) -> None:
    x, index = case
    t = cr.Tensor(x, requires_grad=True)
    y = t[index]
    np.testing.assert_array_equal(y.data, x[index])
    w = _values(y.shape, seed)
    (y * w).sum().backward()
    expected = np.zeros_like(x)
    np.add.at(expected, index, w)
    np.testing.assert_allclose(t.grad, expected, rtol=1e-12, atol=1e-15)


@SETTINGS
@given(
    hnp.array_shapes(min_dims=1, max_dims=3, min_side=1, max_side=5),
    st.integers(0, 10**6),
)
def test_boolean_mask_gradient_lands_on_the_selected(shape: tuple[int, ...], seed: int) -> None:
    x = _values(shape, seed)
    mask = x > 0.3
    t = cr.Tensor(x, requires_grad=True)
    y = t[mask]
    np.testing.assert_array_equal(y.data, x[mask])
    w = _values(y.shape, seed + 1)
    (y * w).sum().backward()
    expected = np.zeros_like(x)
    expected[mask] = w
    np.testing.assert_array_equal(t.grad, expected)


@st.composite
def concatenable(draw: st.DrawFn) -> tuple[list[np.ndarray], int]:
    ndim = draw(st.integers(1, 3))
    base = draw(hnp.array_shapes(min_dims=ndim, max_dims=ndim, min_side=1, max_side=4))
    axis = draw(st.integers(-ndim, ndim - 1))
    n = draw(st.integers(1, 5))
    seed = draw(st.integers(0, 10**6))
    arrays = []
    for i in range(n):
        shape = list(base)
        shape[axis] = draw(st.integers(0, 3))
        arrays.append(_values(tuple(shape), seed + i))
    return arrays, axis


@SETTINGS
@given(concatenable(), st.integers(0, 10**6))
def test_concatenate_gradient_is_each_slice(case: tuple[list[np.ndarray], int], seed: int) -> None:
    arrays, axis = case
    ts = [cr.Tensor(a, requires_grad=True) for a in arrays]
    y = cr.concatenate(ts, axis=axis)
    np.testing.assert_array_equal(y.data, np.concatenate(arrays, axis=axis))
    w = _values(y.shape, seed)
    (y * w).sum().backward()
    cuts = np.cumsum([a.shape[axis] for a in arrays])[:-1]
    for t, piece in zip(ts, np.split(w, cuts, axis=axis), strict=True):
        got = np.zeros(t.shape) if t.grad is None else t.grad
        np.testing.assert_array_equal(got, piece)
    if len(arrays) > 1:
        pieces = cr.split(y, [int(c) for c in cuts], axis=axis)
        for piece, a in zip(pieces, arrays, strict=True):
            np.testing.assert_array_equal(piece.data, a)


@SETTINGS
@given(concatenable())
def test_stack_equals_numpy(case: tuple[list[np.ndarray], int]) -> None:
    arrays, axis = case
    same = [arrays[0] * k for k in range(len(arrays))]
    ts = [cr.Tensor(a, requires_grad=True) for a in same]
    y = cr.stack(ts, axis=axis)
    np.testing.assert_array_equal(y.data, np.stack(same, axis=axis))
    y.sum().backward()
    for t in ts:
        np.testing.assert_array_equal(t.grad, np.ones(t.shape))


@st.composite
def broadcastable(draw: st.DrawFn) -> tuple[tuple[int, ...], tuple[int, ...]]:
    target = draw(hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=4))
    keep = draw(st.integers(0, len(target)))
    source = tuple(1 if draw(st.booleans()) else d for d in target[len(target) - keep :])
    return source, target


@SETTINGS
@given(broadcastable(), st.integers(0, 10**6))
def test_broadcast_to_gradient_sums_the_repeats(
    case: tuple[tuple[int, ...], tuple[int, ...]], seed: int
) -> None:
    source, target = case
    x = _values(source, seed)
    t = cr.Tensor(x, requires_grad=True)
    y = t.broadcast_to(target)
    np.testing.assert_array_equal(y.data, np.broadcast_to(x, target))
    w = _values(target, seed + 1)
    (y * w).sum().backward()
    lead = len(target) - len(source)
    expected = w.sum(axis=tuple(range(lead))) if lead else w
    axes = tuple(i for i, d in enumerate(source) if d == 1 and target[lead + i] != 1)
    expected = expected.sum(axis=axes, keepdims=True).reshape(source)
    np.testing.assert_allclose(t.grad, expected, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(broadcastable(), st.integers(0, 10**6))
def test_maximum_and_where_broadcast_like_numpy(
    case: tuple[tuple[int, ...], tuple[int, ...]], seed: int
) -> None:
    source, target = case
    a, b = _values(source, seed), _values(target, seed + 1)
    np.testing.assert_array_equal(cr.maximum(a, b).data, np.maximum(a, b))
    np.testing.assert_array_equal(cr.where(a > 0, a, b).data, np.where(a > 0, a, b))
    ta, tb = cr.Tensor(a, requires_grad=True), cr.Tensor(b, requires_grad=True)
    cr.maximum(ta, tb).sum().backward()
    assert ta.grad is not None and tb.grad is not None
    # each output position sends its gradient of 1 to exactly one side (no ties here)
    np.testing.assert_allclose(ta.grad.sum() + tb.grad.sum(), np.prod(target))
