import numpy as np
import pytest

import chainrule as cr
from chainrule import Primitive, Tensor, apply, gradcheck


def wrong_square_vjp(g, ans, x):  # type: ignore[no-untyped-def]
    return g * x  # should be 2 g x


WRONG_SQUARE = Primitive("wrong_square", lambda x: x * x, (wrong_square_vjp,))


def test_detects_a_wrong_gradient_and_says_where() -> None:
    x = np.array([[1.0, 2.0], [3.0, -4.0]])
    report = gradcheck(lambda t: apply(WRONG_SQUARE, t).sum(), x)
    assert not report
    check = report.inputs[0]
    assert not check.passed
    assert check.worst_index == (1, 1)  # largest |x| gives the largest error
    assert check.analytic == pytest.approx(-4.0) and check.numeric == pytest.approx(-8.0, rel=1e-6)
    text = str(report)
    assert "FAILED" in text and "FAIL" in text and "(1, 1)" in text


def test_passing_report_is_truthy_and_readable() -> None:
    rng = np.random.default_rng(0)
    report = gradcheck(
        lambda a, b: (a @ b).tanh().sum(), rng.standard_normal((2, 3)), rng.standard_normal((3, 2))
    )
    assert report and report.passed
    assert len(report.inputs) == 2
    assert all(c.max_rel_error < 1e-6 for c in report.inputs)
    assert str(report).startswith("gradcheck passed: 2 input(s)")


def test_float32_is_explained_and_checked_in_float64() -> None:
    x = np.linspace(-1, 1, 6, dtype=np.float32)
    report = gradcheck(lambda t: (t.sigmoid() * t).sum(), x)
    assert report
    assert any("float32" in n and "float64" in n for n in report.notes)


def test_random_direction_mode_for_large_inputs() -> None:
    rng = np.random.default_rng(1)
    big = rng.standard_normal((100, 50))
    report = gradcheck(lambda t: (t.tanh() ** 2).mean(), big)
    assert report.inputs[0].kind == "directions" and report.inputs[0].checked == 8
    assert report
    bad = gradcheck(lambda t: apply(WRONG_SQUARE, t).sum(), big, mode="directions", n_directions=3)
    assert not bad and "direction" in str(bad)


def test_non_scalar_output_is_weighted() -> None:
    report = gradcheck(lambda t: t.softmax(axis=0), np.array([[0.1, 2.0], [1.0, -1.0]]))
    assert report and any("sum(f * v)" in n for n in report.notes)


def test_bad_arguments() -> None:
    with pytest.raises(TypeError, match="at least one array"):
        gradcheck(lambda: Tensor(1.0))
    with pytest.raises(ValueError, match="eps > 0"):
        gradcheck(lambda t: t.sum(), np.ones(2), eps=0)
    with pytest.raises(TypeError, match="must return a Tensor"):
        gradcheck(lambda t: 1.0, np.ones(2))
    with pytest.raises(ValueError, match="mode must be"):
        gradcheck(lambda t: t.sum(), np.ones(2), mode="fast")  # type: ignore[arg-type]


def test_checks_the_worked_network_of_seed_000() -> None:
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((3, 8)), rng.standard_normal((1, 8))

    def loss(W1: Tensor, b1: Tensor, w2: Tensor, b2: Tensor) -> Tensor:
        return cr.mse(w2 @ (W1 @ X + b1).sigmoid() + b2, y)

    params = [
        rng.standard_normal((4, 3)),
        np.zeros((4, 1)),
        rng.standard_normal((1, 4)),
        np.zeros((1, 1)),
    ]
    assert gradcheck(loss, *params, atol=1e-8, rtol=1e-6)


def test_numeric_gradients_agree_with_pytorch_and_restore_the_parameters() -> None:
    import torch

    from chainrule.gradcheck import numeric_gradients
    from chainrule.models import registry

    net = registry.build("two-layer-sigmoid", n_features=3, task="regression", n_hidden=4)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 7)), rng.standard_normal((1, 7))
    before = {k: v.copy() for k, v in net.params.items()}
    numeric = numeric_gradients(net, X, y, eps=1e-6)
    assert all(np.array_equal(net.params[k], before[k]) for k in before)
    p = {k: torch.tensor(v, requires_grad=True) for k, v in before.items()}
    yhat = p["w2"] @ torch.sigmoid(p["W1"] @ torch.tensor(X) + p["b1"]) + p["b2"]
    ((yhat - torch.tensor(y)) ** 2).mean().backward()
    for k, v in p.items():
        assert v.grad is not None and numeric[k].shape == v.shape
        np.testing.assert_allclose(numeric[k], v.grad.numpy(), rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match="eps must be > 0"):
        numeric_gradients(net, X, y, eps=0.0)
