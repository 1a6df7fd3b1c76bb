"""The semantics users rely on: reuse, accumulation, depth, errors, modes."""

import gc

import numpy as np
import pytest

import chainrule as cr
from chainrule import ShapeError, Tensor


def test_value_used_k_times_receives_the_sum_of_contributions() -> None:
    x = Tensor(np.array([1.0, -2.0, 3.0]), requires_grad=True)
    y = x * x + x * 3.0 + x  # d/dx = 2x + 3 + 1
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, 2 * x.data + 4)


def test_reuse_through_a_shared_intermediate() -> None:
    x = Tensor(np.array([[0.5, -1.0]]), requires_grad=True)
    h = x.tanh()
    out = (h * h).sum() + h.sum()
    out.backward()
    t = np.tanh(x.data)
    np.testing.assert_allclose(x.grad, (2 * t + 1) * (1 - t**2), rtol=1e-15)


def test_backward_accumulates_into_grad_and_zero_grad_clears() -> None:
    w = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    loss = (w * w).sum()
    loss.backward()
    first = w.grad.copy()
    loss.backward()
    np.testing.assert_array_equal(w.grad, 2 * first)
    w.zero_grad()
    assert w.grad is None
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad, first)
    w.grad = None
    (3 * w).sum().backward()
    np.testing.assert_array_equal(w.grad, [[3.0, 3.0]])


def test_leaf_gradients_are_independent_arrays() -> None:
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 5  # must not change b.grad
    np.testing.assert_array_equal(b.grad, np.ones(3))


def test_intermediate_gradients_only_when_retained() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = (x * 2.0).retain_grad()
    g = x * 3.0
    (h * g).sum().backward()
    np.testing.assert_array_equal(h.grad, g.data)
    assert g.grad is None


def test_ten_thousand_deep_graph_runs_backward() -> None:
    x = Tensor(np.array([0.5]), requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001**10_000], rtol=1e-10)


def test_hundred_thousand_deep_graph_runs_and_is_freed() -> None:
    x = Tensor(np.array(0.1), requires_grad=True)
    y = x
    for _ in range(100_000):
        y = (y * 0.5).tanh() * 2.0
    y.backward()
    assert x.grad is not None and np.isfinite(x.grad)
    del y
    gc.collect()


def test_backward_of_non_scalar_needs_grad() -> None:
    x = Tensor(np.ones((3, 4)), requires_grad=True)
    y = x * 2.0
    with pytest.raises(ValueError, match=r"shape \(3, 4\).*Pass grad=.*shape \(3, 4\)"):
        y.backward()
    y.backward(np.full((3, 4), 0.5))
    np.testing.assert_array_equal(x.grad, np.ones((3, 4)))
    with pytest.raises(ValueError, match=r"grad has shape \(4,\) but the tensor has shape"):
        y.backward(np.ones(4))


def test_backward_on_a_tensor_without_grad_says_how_to_fix() -> None:
    with pytest.raises(RuntimeError, match="requires_grad=True"):
        (Tensor([1.0]) * 2.0).sum().backward()


def test_one_element_non_scalar_backward_is_allowed() -> None:
    x = Tensor(np.array([[2.0]]), requires_grad=True)
    (x * x).backward()
    np.testing.assert_array_equal(x.grad, [[4.0]])


def test_matmul_shape_error_names_op_and_shapes() -> None:
    a = Tensor(np.ones((3, 4)))
    b = Tensor(np.ones((5, 2)))
    with pytest.raises(ShapeError) as info:
        a @ b
    assert str(info.value) == "matmul: (3, 4) @ (5, 2): inner dimensions 4 and 5 differ"
    with pytest.raises(ShapeError, match=r"matmul: \(2, 3, 4\) @ \(3, 4, 5\): the leading"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((3, 4, 5)))
    with pytest.raises(ShapeError, match="use \\* to scale"):
        Tensor(2.0) @ a


def test_broadcast_error_names_op_and_shapes() -> None:
    with pytest.raises(ShapeError, match=r"^add: shapes \(3, 4\) and \(5,\) cannot be broadcast"):
        Tensor(np.ones((3, 4))) + np.ones(5)
    with pytest.raises(ShapeError, match=r"^mul: shapes \(2,\) and \(3,\)"):
        Tensor(np.ones(2)) * Tensor(np.ones(3))


def test_shape_method_errors() -> None:
    x = Tensor(np.ones((3, 4)))
    with pytest.raises(ShapeError, match=r"reshape: cannot reshape a tensor of shape \(3, 4\)"):
        x.reshape(5, 2)
    with pytest.raises(ShapeError, match="axis 2 is out of range"):
        x.sum(axis=2)
    with pytest.raises(ShapeError, match="not a permutation"):
        x.transpose(0, 0)
    with pytest.raises(TypeError, match="number exponent"):
        x ** Tensor(2.0)


def test_numbers_and_arrays_on_either_side() -> None:
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = 2.0 - x + np.array([1.0, 1.0]) * x / 4.0 + 1 / x + np.ones(2) @ x
    out.sum().backward()
    # the scalar ones @ x is broadcast to both elements, so it counts twice in the sum
    np.testing.assert_allclose(x.grad, -1 + 0.25 - 1 / x.data**2 + 2.0)
    assert isinstance(np.ones(2) + x, Tensor)


def test_number_base_power() -> None:
    x = Tensor(np.array([0.5, 2.0]), requires_grad=True)
    (2.0**x).sum().backward()
    np.testing.assert_allclose(x.grad, np.log(2.0) * 2.0**x.data, rtol=1e-15)
    with pytest.raises(ValueError, match="positive number base"):
        (-2.0) ** x


def test_vector_matmul_forms() -> None:
    rng = np.random.default_rng(0)
    v, w, M = rng.standard_normal(3), rng.standard_normal(3), rng.standard_normal((3, 3))
    assert (Tensor(v) @ Tensor(w)).shape == ()
    assert (Tensor(v) @ M).shape == (3,)
    assert (Tensor(M) @ v).shape == (3,)
    np.testing.assert_allclose((Tensor(v) @ M).data, v @ M)


def test_no_grad_records_nothing_and_restores() -> None:
    x = Tensor(np.ones(2), requires_grad=True)
    with cr.no_grad():
        y = x * 2.0
        assert not cr.is_grad_enabled()
    assert cr.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf

    @cr.no_grad()
    def f(t: Tensor) -> Tensor:
        return t * 3.0

    assert not f(x).requires_grad


def test_detach_numpy_and_item() -> None:
    x = Tensor(np.array([[1.0, 2.0]]), requires_grad=True)
    d = (x * 2.0).detach()
    assert not d.requires_grad
    assert d.numpy() is d.data
    assert Tensor(np.array([[3.5]])).item() == 3.5
    with pytest.raises(ValueError, match="not one element"):
        x.item()


def test_dtypes() -> None:
    assert Tensor([1, 2]).dtype == np.float64
    assert Tensor(True).dtype == np.float64
    x32 = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    y = x32 * 2.0
    assert y.dtype == np.float32
    (y * np.ones(2)).sum().backward()  # float64 constant promotes; grad keeps float32
    assert x32.grad.dtype == np.float32
    with pytest.raises(TypeError, match="cannot hold data of dtype"):
        Tensor(np.array(["a"]))
    with pytest.raises(TypeError):
        Tensor(np.ones(2)) + "x"


def test_mean_softmax_log_softmax_values() -> None:
    z = np.array([[1.0, -2.0], [3.0, 0.5], [0.0, 0.0]])
    t = Tensor(z)
    e = np.exp(z - z.max(axis=0))
    np.testing.assert_allclose(t.softmax().data, e / e.sum(axis=0), rtol=1e-15)
    np.testing.assert_allclose(t.softmax(axis=1).data.sum(axis=1), np.ones(3))
    np.testing.assert_allclose(np.exp(t.log_softmax().data), t.softmax().data, rtol=1e-14)
    assert t.mean().item() == pytest.approx(z.mean())
    np.testing.assert_allclose(t.mean(axis=1, keepdims=True).data, z.mean(axis=1, keepdims=True))
    with pytest.raises(ValueError, match="empty"):
        Tensor(np.ones((3, 0))).mean(axis=1)


def test_softmax_of_huge_logits_is_finite() -> None:
    z = Tensor(np.array([[1e4, -1e4], [0.0, 3.0]]), requires_grad=True)
    z.log_softmax().sum().backward()
    assert np.all(np.isfinite(z.log_softmax().data)) and np.all(np.isfinite(z.grad))


def test_transpose_and_T() -> None:
    x = Tensor(np.arange(24.0).reshape(2, 3, 4), requires_grad=True)
    assert x.T.shape == (4, 3, 2)
    assert x.transpose(1, 0, 2).shape == (3, 2, 4)
    assert x.transpose((2, 1, 0)).shape == (4, 3, 2)
    assert x.mT.shape == (2, 4, 3)
    assert x.reshape(6, -1).shape == (6, 4)
    assert x.reshape((4, 6)).shape == (4, 6)


def test_repr() -> None:
    assert repr(Tensor([1.0, 2.0], requires_grad=True)) == "Tensor([1., 2.], requires_grad=True)"
    assert "float32" in repr(Tensor(np.ones(1, dtype=np.float32)))


def test_anomaly_names_first_forward_op() -> None:
    x = Tensor(np.array([1.0, 0.0]), requires_grad=True)
    with cr.detect_anomaly(), np.errstate(divide="ignore"), pytest.raises(cr.AnomalyError) as info:
        y = (x * 2.0).log()  # log(0) = -inf, this line
        y.sum()
    message = str(info.value)
    assert message.startswith("the forward of log produced inf")
    assert "test_semantics.py" in message


def test_anomaly_names_first_backward_op() -> None:
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    with cr.detect_anomaly(), np.errstate(divide="ignore"):
        y = (x**0.5).sum()  # finite forward, d/dx sqrt(x) = inf at 0
        with pytest.raises(cr.AnomalyError, match=r"the backward of pow .*produced inf"):
            y.backward()


def test_without_anomaly_mode_nan_passes_silently() -> None:
    x = Tensor(np.array([0.0]), requires_grad=True)
    with np.errstate(divide="ignore"):
        (x**0.5).sum().backward()
    assert np.isinf(x.grad[0])


def test_leaf_gradient_never_aliases_the_callers_grad_or_another_leaf() -> None:
    x = Tensor(np.ones((2, 2)), requires_grad=True)
    h = (x + 0.0).retain_grad()
    seed = np.full((2, 2), 3.0)
    h.backward(seed)
    assert x.grad is not seed and h.grad is not seed and x.grad is not h.grad
    x.grad[0, 0] = 99.0
    assert seed[0, 0] == 3.0 and h.grad[0, 0] == 3.0
    a = Tensor(np.ones(3), requires_grad=True)
    (a.reshape(3, 1) * 2.0).sum().backward()  # a's gradient arrives as a view
    a.grad[0] = 7.0
    assert a.grad.base is None
