"""Property-based tests over random shapes up to 3-D, broadcasting included."""

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import chainrule as cr
from chainrule import RULES, Tensor, apply, gradcheck

shapes = hnp.array_shapes(min_dims=0, max_dims=3, min_side=1, max_side=4)
finite = st.floats(-3, 3, allow_nan=False, allow_infinity=False, width=64)


@st.composite
def broadcast_pair(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    a_shape, b_shape = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=3, max_side=4)
    ).input_shapes
    a = draw(hnp.arrays(np.float64, a_shape, elements=finite))
    b = draw(hnp.arrays(np.float64, b_shape, elements=finite))
    return a, b


@given(broadcast_pair(), st.sampled_from(["add", "sub", "mul"]))
def test_binary_ops_gradients_under_broadcasting(
    pair: tuple[np.ndarray, np.ndarray], name: str
) -> None:
    a, b = pair
    report = gradcheck(lambda x, y: apply(RULES[name], x, y), a, b, atol=1e-7, rtol=1e-6)
    assert report, str(report)


@given(broadcast_pair())
def test_division_gradient_under_broadcasting(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    b = np.where(np.abs(b) < 0.3, 0.3, b)
    assert gradcheck(lambda x, y: x / y, a, b, atol=1e-7, rtol=1e-6)


@given(broadcast_pair())
def test_gradient_shapes_equal_input_shapes(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    x, y = Tensor(a, requires_grad=True), Tensor(b, requires_grad=True)
    out = x * y + x.tanh() - y
    out.backward(np.ones(out.shape))
    assert x.grad.shape == a.shape and y.grad.shape == b.shape
    # gradient of sum(x * y) w.r.t. x is y summed over the broadcast axes
    x2 = Tensor(a, requires_grad=True)
    (x2 * b).sum().backward()
    expected = np.broadcast_to(b, np.broadcast_shapes(a.shape, b.shape))
    lead = expected.ndim - a.ndim
    summed = expected.sum(axis=tuple(range(lead))) if lead else expected
    axes = tuple(i for i, d in enumerate(a.shape) if d == 1 and summed.shape[i] != 1)
    np.testing.assert_allclose(x2.grad, summed.sum(axis=axes, keepdims=True).reshape(a.shape))


@given(hnp.arrays(np.float64, shapes, elements=finite), st.data())
def test_reductions_and_reshapes(x: np.ndarray, data: st.DataObject) -> None:
    ndim = x.ndim
    axis = data.draw(
        st.none() | st.sets(st.integers(0, max(ndim - 1, 0)), max_size=ndim).map(tuple)
    )
    if ndim == 0:
        axis = None
    keep = data.draw(st.booleans())
    perm = data.draw(st.permutations(range(ndim)))
    assert gradcheck(lambda t: t.sum(axis=axis, keepdims=keep) * 1.5, x, atol=1e-7, rtol=1e-6)
    if x.size:
        assert gradcheck(
            lambda t: t.transpose(*perm).reshape(-1).sigmoid(), x, atol=1e-7, rtol=1e-6
        )
    np.testing.assert_allclose(
        Tensor(x).sum(axis=axis, keepdims=keep).data, x.sum(axis=axis, keepdims=keep)
    )


@given(
    hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=finite),
    st.data(),
)
def test_softmax_family(x: np.ndarray, data: st.DataObject) -> None:
    axis = data.draw(st.integers(-x.ndim, x.ndim - 1))
    s = Tensor(x).softmax(axis=axis).data
    np.testing.assert_allclose(s.sum(axis=axis), 1.0, rtol=1e-12)
    assert gradcheck(lambda t: t.log_softmax(axis=axis), x, atol=1e-7, rtol=1e-6)
    assert gradcheck(lambda t: t.softmax(axis=axis), x, atol=1e-7, rtol=1e-6)


@st.composite
def matmul_pair(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n, k, p = (draw(st.integers(1, 4)) for _ in range(3))
    batch = draw(
        hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=1, max_side=3)
    ).input_shapes
    a_shape = (*batch[0], n, k) if draw(st.booleans()) else (k,)
    b_shape = (*batch[1], k, p) if draw(st.booleans()) else (k,)
    return (
        draw(hnp.arrays(np.float64, a_shape, elements=finite)),
        draw(hnp.arrays(np.float64, b_shape, elements=finite)),
    )


@given(matmul_pair())
def test_matmul_any_rank(pair: tuple[np.ndarray, np.ndarray]) -> None:
    a, b = pair
    np.testing.assert_allclose((Tensor(a) @ Tensor(b)).data, a @ b, rtol=1e-12, atol=1e-12)
    assert gradcheck(lambda x, y: x @ y, a, b, atol=1e-7, rtol=1e-6)


@given(hnp.arrays(np.float64, st.tuples(st.integers(1, 3), st.integers(1, 5)), elements=finite))
def test_functional_grad_matches_backward(x: np.ndarray) -> None:
    def f(t: Tensor) -> Tensor:
        return (t.tanh() * t).mean() + (t * t).sum()

    leaf = Tensor(x, requires_grad=True)
    f(leaf).backward()
    np.testing.assert_allclose(cr.grad(f)(x), leaf.grad, rtol=1e-15)
