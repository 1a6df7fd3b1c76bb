import numpy as np
import pytest

import chainrule as cr
from chainrule import ShapeError, Tensor


def test_mse_is_seed_000s_formula_without_half() -> None:
    rng = np.random.default_rng(0)
    y_hat, y = rng.standard_normal((1, 7)), rng.standard_normal((1, 7))
    assert cr.mse(Tensor(y_hat), y).item() == pytest.approx(np.sum((y_hat - y) ** 2) / 7, rel=1e-15)
    # multi-output: (1/m)·||Ŷ − Y||² over all entries, m = columns
    Y_hat, Y = rng.standard_normal((3, 5)), rng.standard_normal((3, 5))
    assert cr.mse(Tensor(Y_hat), Y).item() == pytest.approx(np.sum((Y_hat - Y) ** 2) / 5, rel=1e-15)


def test_mse_gradient_is_two_over_m_residual() -> None:
    rng = np.random.default_rng(1)
    y_hat, y = rng.standard_normal((1, 4)), rng.standard_normal((1, 4))
    t = Tensor(y_hat, requires_grad=True)
    cr.mse(t, y).backward()
    np.testing.assert_allclose(t.grad, 2 / 4 * (y_hat - y), rtol=1e-15)


def test_target_shape_mismatch_is_refused_with_fix() -> None:
    with pytest.raises(
        ShapeError,
        match=r"prediction shape \(1, 4\) and target shape \(4,\) differ; "
        r"reshape the target to \(1, 4\)",
    ):
        cr.mse(Tensor(np.ones((1, 4))), np.ones(4))


def test_bce_and_with_logits_agree() -> None:
    rng = np.random.default_rng(2)
    z, y = rng.standard_normal((1, 6)), rng.integers(0, 2, (1, 6)).astype(float)
    p = 1 / (1 + np.exp(-z))
    expected = -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))
    assert cr.binary_cross_entropy(Tensor(p), y).item() == pytest.approx(expected, rel=1e-13)
    assert cr.binary_cross_entropy_with_logits(Tensor(z), y).item() == pytest.approx(
        expected, rel=1e-13
    )
    t = Tensor(z, requires_grad=True)
    cr.binary_cross_entropy_with_logits(t, y).backward()
    np.testing.assert_allclose(t.grad, (p - y) / 6, rtol=1e-13)


@pytest.mark.parametrize("scale", [1e2, 1e4, 1e6])
def test_logit_losses_finite_for_huge_logits(scale: float) -> None:
    z = np.array([[scale, -scale, 0.5 * scale]])
    y = np.array([[0.0, 1.0, 1.0]])
    t = Tensor(z, requires_grad=True)
    loss = cr.binary_cross_entropy_with_logits(t, y)
    loss.backward()
    assert loss.item() == pytest.approx((scale + scale) / 3, rel=1e-12)
    np.testing.assert_allclose(t.grad, [[1 / 3, -1 / 3, 0.0]], atol=1e-300)
    Z = Tensor(np.array([[scale, 0.0], [-scale, scale], [0.0, -scale]]), requires_grad=True)
    loss = cr.softmax_cross_entropy(Z, np.array([1, 1]))
    loss.backward()
    assert np.isfinite(loss.item()) and np.all(np.isfinite(Z.grad))
    assert loss.item() == pytest.approx(scale, rel=1e-12)  # column 0 costs 2·scale, column 1 ~0


def test_softmax_cross_entropy_labels_and_one_hot_agree() -> None:
    rng = np.random.default_rng(3)
    Z = rng.standard_normal((4, 5))
    labels = np.array([0, 3, 1, 1, 2])
    one_hot = np.eye(4)[labels].T
    a = cr.softmax_cross_entropy(Tensor(Z), labels).item()
    assert a == pytest.approx(cr.softmax_cross_entropy(Tensor(Z), one_hot).item(), rel=1e-15)
    assert a == pytest.approx(
        cr.softmax_cross_entropy(Tensor(Z), labels[None, :]).item(), rel=1e-15
    )
    logp = Z - np.log(np.exp(Z).sum(axis=0))
    assert a == pytest.approx(-logp[labels, np.arange(5)].mean(), rel=1e-13)
    t = Tensor(Z, requires_grad=True)
    cr.softmax_cross_entropy(t, labels).backward()
    np.testing.assert_allclose(t.grad, (np.exp(logp) - one_hot) / 5, rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_bad_targets() -> None:
    Z = Tensor(np.zeros((3, 4)))
    with pytest.raises(ValueError, match=r"label 5 at example 2 is outside 0\.\.2"):
        cr.softmax_cross_entropy(Z, np.array([0, 1, 5, 2]))
    with pytest.raises(ShapeError, match=r"target shape \(3,\) fits neither"):
        cr.softmax_cross_entropy(Z, np.array([0, 1, 2]))
    with pytest.raises(TypeError, match="must be integers"):
        cr.softmax_cross_entropy(Z, np.array([0.5, 1, 2, 0]))
    with pytest.raises(ShapeError, match="logits must have shape"):
        cr.softmax_cross_entropy(Tensor(np.zeros((2, 2, 2))), np.zeros((2, 2, 2)))
