import numpy as np
import pytest

import chainrule as cr
from chainrule import Tensor


def test_grad_and_value_and_grad() -> None:
    x = np.array([1.0, -2.0])
    v, g = cr.value_and_grad(lambda t: (t * t).sum())(x)
    assert v == 5.0 and isinstance(v, float)
    np.testing.assert_array_equal(g, 2 * x)
    np.testing.assert_array_equal(cr.grad(lambda t: (t * t).sum())(x), 2 * x)


def test_argnums_tuple_and_unused_argument() -> None:
    def f(a: Tensor, b: Tensor, c: Tensor) -> Tensor:
        return (a * b).sum()

    ga, gc = cr.grad(f, argnums=(0, 2))(np.ones(2), np.full(2, 3.0), np.ones(3))
    np.testing.assert_array_equal(ga, [3.0, 3.0])
    np.testing.assert_array_equal(gc, np.zeros(3))


def test_never_accumulates_even_on_closed_over_tensors() -> None:
    w = Tensor(np.array([2.0]), requires_grad=True)
    f = cr.grad(lambda x: (x * w).sum())
    first = f(np.array([1.0]))
    second = f(np.array([1.0]))
    np.testing.assert_array_equal(first, second)
    assert w.grad is None


def test_returns_independent_copies() -> None:
    x = np.array([1.0, 2.0])
    g = cr.grad(lambda t: t.sum())(x)
    g[0] = 100.0
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_errors() -> None:
    with pytest.raises(ValueError, match=r"scalar loss, got a tensor of shape \(2,\)"):
        cr.grad(lambda t: t * 2.0)(np.ones(2))
    with pytest.raises(TypeError, match="refers to argument 3"):
        cr.grad(lambda t: t.sum(), argnums=3)(np.ones(2))
    with pytest.raises(TypeError, match="argnums"):
        cr.grad(lambda t: t.sum(), argnums=-1)
    with pytest.raises(ValueError, match="argnums is empty"):
        cr.grad(lambda t: t.sum(), argnums=())


def test_constant_function_gives_zeros() -> None:
    np.testing.assert_array_equal(cr.grad(lambda t: Tensor(3.0))(np.ones(2)), np.zeros(2))
