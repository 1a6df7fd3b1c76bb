"""Gradients of gradients: jacobian, hessian, hvp, nested grad and create_graph,
checked against torch.autograd on random programs of many operations (float64)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch.nn import functional as F  # noqa: N812 - the usual name

import chainrule as cr
from chainrule import Tensor

RTOL, ATOL = 1e-9, 1e-11

# Each entry works on a chainrule Tensor and on a torch tensor of shape (2, 3).
UNARY: list[tuple[str, Callable[[Any, Any], Any]]] = [
    ("exp", lambda t, lib: (t * 0.3).exp()),
    ("tanh", lambda t, lib: t.tanh()),
    ("sigmoid", lambda t, lib: t.sigmoid()),
    ("softplus", lambda t, lib: t.softplus() if lib is cr else F.softplus(t)),
    ("log", lambda t, lib: (t * t + 1.0).log()),
    ("cube", lambda t, lib: (t * 0.5) ** 3),
    ("relu", lambda t, lib: t.relu()),
    ("neg", lambda t, lib: -t),
    ("rpow", lambda t, lib: 2.0 ** (t * 0.2)),
    ("softmax", lambda t, lib: t.softmax(0) if lib is cr else torch.softmax(t, 0)),
    ("log_softmax", lambda t, lib: t.log_softmax(1) if lib is cr else torch.log_softmax(t, 1)),
    (
        "column_sum",
        lambda t, lib: t + (t.sum(axis=0, keepdims=True) if lib is cr else t.sum(0, keepdim=True)),
    ),
    (
        "mean_rows",
        lambda t, lib: (
            t * (t.mean(axis=1, keepdims=True) if lib is cr else t.mean(1, keepdim=True))
        ),
    ),
    ("reshape", lambda t, lib: t.reshape(3, 2).T.reshape(2, 3)),
]
BINARY: list[tuple[str, Callable[[Any, Any, Any], Any]]] = [
    ("add", lambda a, b, lib: a + b),
    ("sub", lambda a, b, lib: a - b),
    ("mul", lambda a, b, lib: a * b),
    ("div", lambda a, b, lib: a / (b * b + 1.0)),
    ("matmul", lambda a, b, lib: a @ (b.T @ b) * 0.2),
    (
        "bias",
        lambda a, b, lib: (
            a + (b.sum(axis=1, keepdims=True) if lib is cr else b.sum(1, keepdim=True))
        ),
    ),
]


def random_program(seed: int, length: int = 8) -> Callable[[Any, Any, Any], Any]:
    """f(x, w, lib): a scalar from x (2, 3) and w (2, 3) by ``length`` random operations."""
    rng = np.random.default_rng(seed)
    steps = []
    for _ in range(length):
        if rng.random() < 0.55:
            steps.append(("u", int(rng.integers(len(UNARY))), int(rng.integers(100))))
        else:
            steps.append(
                (
                    "b",
                    int(rng.integers(len(BINARY))),
                    int(rng.integers(100)),
                    int(rng.integers(100)),
                )
            )
    weights = rng.standard_normal((2, 3))
    labels = rng.integers(0, 2, 3)

    def f(x: Any, w: Any, lib: Any) -> Any:
        pool = [x, w, x * w]
        for step in steps:
            if step[0] == "u":
                pool.append(UNARY[step[1]][1](pool[step[2] % len(pool)], lib))
            else:
                a, b = pool[step[2] % len(pool)], pool[step[3] % len(pool)]
                pool.append(BINARY[step[1]][1](a, b, lib))
        last = pool[-1]
        if lib is cr:
            total = (last * weights).sum() + cr.softmax_cross_entropy(pool[-2], labels)
        else:
            total = (last * torch.tensor(weights)).sum() + F.cross_entropy(
                pool[-2].T, torch.tensor(labels)
            )
        return total + (x * x).sum() * 0.1

    return f


def point(seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1000 + seed)
    return rng.standard_normal((2, 3)), rng.standard_normal((2, 3))


def close(a: Any, b: Any) -> None:
    a = a.data if isinstance(a, Tensor) else a
    b = b.detach().numpy() if isinstance(b, torch.Tensor) else b
    np.testing.assert_allclose(a, b, rtol=RTOL, atol=ATOL)


@pytest.mark.parametrize("seed", range(12))
def test_hessian_matches_torch_on_random_programs(seed: int) -> None:
    f = random_program(seed)
    x, w = point(seed)
    ours = cr.hessian(lambda a, b: f(a, b, cr), argnums=(0, 1))(x, w)
    theirs = torch.autograd.functional.hessian(
        lambda a, b: f(a, b, torch), (torch.tensor(x), torch.tensor(w))
    )
    for i in range(2):
        for j in range(2):
            assert ours[i][j].shape == (2, 3, 2, 3)
            close(ours[i][j], theirs[i][j])


@pytest.mark.parametrize("seed", range(12))
def test_hvp_matches_torch_on_random_programs(seed: int) -> None:
    f = random_program(seed)
    x, w = point(seed)
    v = np.random.default_rng(seed).standard_normal((2, 3))
    ours = cr.hvp(lambda a, b: f(a, Tensor(b), cr))(x, w, v)
    _, theirs = torch.autograd.functional.hvp(
        lambda a: f(a, torch.tensor(w), torch), torch.tensor(x), torch.tensor(v)
    )
    assert isinstance(ours, np.ndarray) and ours.shape == (2, 3)
    close(ours, theirs)
    # the same product from the full Hessian
    H = cr.hessian(lambda a: f(a, Tensor(w), cr))(x).reshape(6, 6)
    np.testing.assert_allclose(ours.reshape(6), H @ v.reshape(6), rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("seed", range(8))
def test_jacobian_matches_torch_on_random_programs(seed: int) -> None:
    f = random_program(seed)
    x, w = point(seed)
    # the gradient as a function: a (2, 3) -> (2, 3) map whose Jacobian is a Hessian block
    ours = cr.jacobian(lambda a, b: cr.grad(lambda u: f(u, b, cr))(a), argnums=(0, 1))(x, w)

    def torch_grad(a: Any, b: Any) -> Any:
        return torch.autograd.grad(f(a, b, torch), a, create_graph=True)[0]

    theirs = torch.autograd.functional.jacobian(
        torch_grad, (torch.tensor(x), torch.tensor(w)), create_graph=True
    )
    for a, b in zip(ours, theirs, strict=True):
        close(a, b)


@pytest.mark.parametrize("seed", range(6))
def test_create_graph_backward_matches_torch(seed: int) -> None:
    f = random_program(seed)
    x, w = point(seed)
    tx, tw = Tensor(x, requires_grad=True), Tensor(w, requires_grad=True)
    f(tx, tw, cr).backward(create_graph=True)
    gx = tx.grad
    assert isinstance(gx, Tensor) and gx.requires_grad
    tx.grad = tw.grad = None
    (gx * gx).sum().backward()

    px = torch.tensor(x, requires_grad=True)
    pw = torch.tensor(w, requires_grad=True)
    (g,) = torch.autograd.grad(f(px, pw, torch), px, create_graph=True)
    ddx, ddw = torch.autograd.grad((g * g).sum(), (px, pw), allow_unused=True)
    close(tx.grad, ddx)
    if ddw is None:  # the gradient does not depend on w
        assert tw.grad is None or not np.any(tw.grad)
    else:
        close(tw.grad, ddw)


def test_third_derivative_through_hessian() -> None:
    f = random_program(3)
    x, w = point(3)
    ours = cr.grad(lambda a: cr.hessian(lambda u: f(u, Tensor(w), cr))(a).sum())(x)
    px = torch.tensor(x, requires_grad=True)
    H = torch.autograd.functional.hessian(
        lambda u: f(u, torch.tensor(w), torch), px, create_graph=True
    )
    (theirs,) = torch.autograd.grad(H.sum(), px)
    close(ours, theirs)


def test_nested_grad_closing_over_the_outer_argument() -> None:
    # HIPS autograd's answer: d/dx [x * d/dy (x y)] = d/dx x² = 2x
    assert cr.grad(lambda x: x * cr.grad(lambda y: x * y)(2.0))(1.0) == 2.0
    # the inner argument is the outer one too: d/dx [d/dy (x y)]|y=x = 1
    np.testing.assert_allclose(cr.grad(lambda x: cr.grad(lambda y: x * y)(x))(3.0), 1.0)


def test_grad_of_grad_of_scalar_functions_matches_torch() -> None:
    cases: list[Callable[[Any], Any]] = [
        lambda x: (x**3).tanh(),
        lambda x: (x * 2.0).sigmoid() * x.exp(),
        lambda x: 1.0 / (x * x + 1.0),
        lambda x: (x * x + 1.0).log() * (x * 0.5).exp(),
    ]
    for fn in cases:
        for value in (-1.3, 0.4, 2.0):
            d2 = cr.grad(cr.grad(fn))(value)
            d3 = cr.grad(cr.grad(cr.grad(fn)))(value)
            t = torch.tensor(value, dtype=torch.float64, requires_grad=True)
            (g1,) = torch.autograd.grad(fn(t), t, create_graph=True)
            (g2,) = torch.autograd.grad(g1, t, create_graph=True)
            (g3,) = torch.autograd.grad(g2, t)
            assert isinstance(d2, np.ndarray)
            close(d2, g2)
            close(d3, g3)


def test_duplicate_argnums_each_get_the_gradient() -> None:
    x = np.array([1.0, -2.0])
    ga, gb = cr.grad(lambda a: (a * a * a).sum(), argnums=[0, 0])(x)
    np.testing.assert_allclose(ga, 3 * x * x)
    np.testing.assert_allclose(gb, 3 * x * x)
    assert ga is not gb
    ha, hb = cr.hvp(lambda a: (a * a * a).sum(), argnums=(0, 0))(x, (np.ones(2), np.ones(2)))
    np.testing.assert_allclose(ha, 6 * x * 2)  # H (v1 + v2), H = diag(6x)
    np.testing.assert_allclose(hb, ha)


def test_tensor_arguments_that_require_grad_give_recorded_results() -> None:
    x = Tensor(np.array([0.5, 1.5]), requires_grad=True)
    g = cr.grad(lambda a: (a * a * a).sum())(x)
    assert isinstance(g, Tensor) and g.requires_grad
    np.testing.assert_allclose(g.data, 3 * x.data**2)
    g.sum().backward()
    np.testing.assert_allclose(x.grad, 6 * x.data)
    value, _ = cr.value_and_grad(lambda a: (a * a).sum())(x)
    assert isinstance(value, Tensor) and value.shape == ()


def test_own_tensors_closed_over_are_constants_and_untouched() -> None:
    w = Tensor(np.array([2.0, 3.0]), requires_grad=True)
    g = cr.grad(lambda x: (x * x * w).sum())(np.array([1.0, 1.0]))
    assert isinstance(g, np.ndarray)
    np.testing.assert_allclose(g, [4.0, 6.0])
    assert w.grad is None


def test_grad_inside_no_grad_still_differentiates() -> None:
    with cr.no_grad():
        np.testing.assert_allclose(cr.grad(lambda x: (x * x).sum())(np.array([3.0])), [6.0])
        np.testing.assert_allclose(cr.hessian(lambda x: (x**3).sum())(np.array([1.0])), [[6.0]])
        assert not cr.is_grad_enabled()


def test_compiled_grad_nests_and_matches() -> None:
    f = random_program(5)
    x, w = point(5)
    compiled = cr.compiled_grad(lambda a, b: f(a, Tensor(b), cr))
    for _ in range(3):
        np.testing.assert_allclose(
            compiled(x, w), cr.grad(lambda a: f(a, Tensor(w), cr))(x), rtol=1e-12
        )
    ours = cr.jacobian(compiled)(x, w)
    theirs = cr.hessian(lambda a: f(a, Tensor(w), cr))(x)
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=1e-14)
    # still replayed afterwards, with arrays
    assert isinstance(compiled(x, w), np.ndarray)


def test_jacobian_shapes_and_tuple_outputs() -> None:
    x = np.array([[1.0, 2.0, 3.0]])
    J = cr.jacobian(lambda t: t.T @ t)(x)
    assert J.shape == (3, 3, 1, 3)
    theirs = torch.autograd.functional.jacobian(lambda t: t.T @ t, torch.tensor(x))
    close(J, theirs)
    a, b = cr.jacobian(lambda t: (t.sum(), t * 2.0))(np.ones(2))
    np.testing.assert_array_equal(a, [1.0, 1.0])
    np.testing.assert_array_equal(b, 2 * np.eye(2))
    np.testing.assert_array_equal(
        cr.jacobian(lambda t: Tensor(np.ones(3)))(np.ones(2)), np.zeros((3, 2))
    )


def test_hvp_errors_name_the_shapes() -> None:
    f = lambda t: (t * t).sum()  # noqa: E731
    with pytest.raises(cr.ShapeError, match=r"v has shape \(3,\) but argument 0 has shape \(2,\)"):
        cr.hvp(f)(np.ones(2), np.ones(3))
    with pytest.raises(TypeError, match="hvp\\(f\\)\\(\\*args, v\\)"):
        cr.hvp(f)(np.ones(2))
    with pytest.raises(TypeError, match="tuple of 2 arrays"):
        cr.hvp(lambda a, b: (a * b).sum(), argnums=(0, 1))(np.ones(2), np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="scalar loss"):
        cr.hvp(lambda t: t * 2.0)(np.ones(2), np.ones(2))
    with pytest.raises(ValueError, match="scalar loss"):
        cr.hessian(lambda t: t * 2.0)(np.ones(2))
