"""Weighted losses (a weight per example): against PyTorch, and what weights mean."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule import ShapeError, Tensor
from chainrule.autodiff.replay import ReplayWarning

torch = pytest.importorskip("torch")
F = torch.nn.functional


def _cases(rng: np.random.Generator) -> list[tuple[str, Callable[..., Any], Any, Any, Any]]:
    """(name, chainrule loss, z (k, m), target, torch's per-example loss of (m, k) rows)."""
    z = rng.standard_normal((4, 6))
    labels = rng.integers(0, 4, 6)
    y_real = rng.standard_normal((2, 6))
    z2 = rng.standard_normal((2, 6))
    y01 = rng.integers(0, 2, (1, 6)).astype(float)
    z1 = rng.standard_normal((1, 6))
    return [
        (
            "softmax_cross_entropy",
            cr.softmax_cross_entropy,
            z,
            labels,
            lambda t: F.cross_entropy(t.T, torch.tensor(labels), reduction="none"),
        ),
        (
            "mse",
            cr.mse,
            z2,
            y_real,
            lambda t: ((t - torch.tensor(y_real)) ** 2).sum(dim=0),
        ),
        (
            "binary_cross_entropy_with_logits",
            cr.binary_cross_entropy_with_logits,
            z1,
            y01,
            lambda t: F.binary_cross_entropy_with_logits(
                t, torch.tensor(y01), reduction="none"
            ).sum(dim=0),
        ),
    ]


@pytest.mark.parametrize("which", [0, 1, 2])
def test_weighted_mean_and_gradient_equal_torch(which: int) -> None:
    """Σᵢ sᵢ ℓᵢ / Σᵢ sᵢ and its gradient, as PyTorch computes them from per-example losses."""
    rng = np.random.default_rng(which)
    name, loss, z, target, per_example = _cases(rng)[which]
    s = rng.uniform(0.0, 3.0, z.shape[1])
    s[1] = 0.0
    t = Tensor(z, requires_grad=True)
    value = loss(t, target, s)
    value.backward()
    zt = torch.tensor(z, requires_grad=True)
    st = torch.tensor(s)
    want = (per_example(zt) * st).sum() / st.sum()
    want.backward()
    assert value.item() == pytest.approx(want.item(), rel=1e-13), name
    np.testing.assert_allclose(t.grad, zt.grad.numpy(), rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("which", [0, 1, 2])
def test_ones_are_no_weights_and_zeros_drop_examples(which: int) -> None:
    rng = np.random.default_rng(10 + which)
    _, loss, z, target, _ = _cases(rng)[which]
    m = z.shape[1]
    plain, ones = Tensor(z, requires_grad=True), Tensor(z, requires_grad=True)
    loss(plain, target).backward()
    loss(ones, target, np.ones(m)).backward()
    np.testing.assert_array_equal(ones.grad, plain.grad)  # bit for bit
    assert loss(Tensor(z), target, np.ones((1, m))).item() == loss(Tensor(z), target).item()
    keep = np.array([True, False, True, True, False, True])
    s = keep.astype(float)
    kept_target = target[keep] if np.ndim(target) == 1 else target[:, keep]
    dropped = loss(Tensor(z[:, keep]), kept_target).item()
    assert loss(Tensor(z), target, s).item() == pytest.approx(dropped, rel=1e-14)


def test_integer_weights_repeat_examples() -> None:
    rng = np.random.default_rng(3)
    z, labels = rng.standard_normal((3, 5)), rng.integers(0, 3, 5)
    counts = np.array([1, 3, 0, 2, 1])
    repeated = cr.softmax_cross_entropy(
        Tensor(np.repeat(z, counts, axis=1)), np.repeat(labels, counts)
    )
    weighted = cr.softmax_cross_entropy(Tensor(z), labels, counts)
    assert weighted.item() == pytest.approx(repeated.item(), rel=1e-14)


def test_bad_weights_are_refused_with_the_value() -> None:
    z = Tensor(np.zeros((1, 3)))
    y = np.zeros((1, 3))
    with pytest.raises(ShapeError, match=r"weights of shape \(4,\) for 3 examples"):
        cr.mse(z, y, np.ones(4))
    with pytest.raises(ValueError, match=r"weight -1.0 of example 1"):
        cr.mse(z, y, np.array([1.0, -1.0, 1.0]))
    with pytest.raises(ValueError, match=r"weight nan of example 2"):
        cr.mse(z, y, np.array([1.0, 1.0, np.nan]))
    with pytest.raises(ValueError, match=r"sum to 0\.0"):
        cr.mse(z, y, np.zeros(3))


def test_weights_are_replayed_from_each_call() -> None:
    """A compiled loss reads the weights of each call (not the first call's)."""

    def loss(W: Any, X: Any, Y: Any, s: Any) -> Any:
        return cr.softmax_cross_entropy(W @ X, Y, s)

    rng = np.random.default_rng(4)
    W, X = rng.standard_normal((3, 2)), rng.standard_normal((2, 5))
    Y = np.eye(3)[rng.integers(0, 3, 5)].T
    step = cr.compiled_value_and_grad(loss)
    eager = cr.value_and_grad(loss)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ReplayWarning)
        for _ in range(4):
            s = rng.uniform(0.1, 2.0, 5)
            value, grad = step(W, X, Y, s)
            want_value, want_grad = eager(W, X, Y, s)
            assert value == want_value
            np.testing.assert_array_equal(grad, want_grad)
