"""The 2-2-2 sigmoid network under squared error: hand = engine = PyTorch = finite
differences = the deriver's equations, and the classic worked example by hand."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.models import SigmoidSquaredError, build
from chainrule.symbolic import derive


def _problem(
    n: int, k: int, o: int, m: int, seed: int
) -> tuple[SigmoidSquaredError, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    model = SigmoidSquaredError(n, k, o, seed=seed)
    model.params["b1"] = rng.standard_normal((k, 1))  # nonzero biases: their gradients count
    model.params["b2"] = rng.standard_normal((o, 1))
    return model, rng.standard_normal((n, m)), rng.uniform(0, 1, (o, m))


@pytest.mark.parametrize(
    ("n", "k", "o", "m"), [(2, 2, 2, 1), (2, 2, 2, 5), (3, 4, 1, 7), (1, 3, 5, 2)]
)
def test_hand_gradients_equal_torch_engine_and_finite_differences(
    n: int, k: int, o: int, m: int
) -> None:
    model, X, Y = _problem(n, k, o, m, seed=n + k + o + m)
    value, hand = model.value_and_gradients(X, Y)
    T = {key: torch.tensor(v, requires_grad=True) for key, v in model.params.items()}
    A1 = torch.sigmoid(T["W1"] @ torch.tensor(X) + T["b1"])
    A2 = torch.sigmoid(T["W2"] @ A1 + T["b2"])
    loss = ((A2 - torch.tensor(Y)) ** 2).sum() / (2 * m)
    loss.backward()
    assert value == pytest.approx(loss.item(), rel=1e-13)
    engine = model.autodiff_gradients(X, Y)
    for key in model.params:
        assert hand[key].shape == model.params[key].shape
        np.testing.assert_allclose(hand[key], T[key].grad.numpy(), rtol=1e-11, atol=1e-15)
        np.testing.assert_allclose(engine[key], hand[key], rtol=1e-11, atol=1e-15)
    names = list(model.params)

    def f(*tensors: cr.Tensor) -> cr.Tensor:
        return model.loss_graph(dict(zip(names, tensors, strict=True)), X, Y)

    assert cr.gradcheck(f, *(model.params[key] for key in names), atol=1e-8, rtol=1e-6)


@pytest.mark.parametrize("outputs", [1, 2, 4])
def test_the_deriver_derives_its_equations(outputs: int) -> None:
    model, X, Y = _problem(3, 2, outputs, 6, seed=outputs)
    d = derive(model)
    assert [name for name, _ in d.forward] == ["Z1", "A1", "Z2", "A2"]
    assert [name for name, _ in d.adjoints] == ["dZ2", "dZ1"]
    o = 1 if outputs == 1 else "o"
    assert d.shapes["W2"] == (o, "k") and d.shapes["A2"] == (o, "m")
    assert d.data_names == (("X", "y") if outputs == 1 else ("X", "Y"))
    target = d.data_names[1]
    text = str(d)
    assert f"L = (1/(2m)) ‖A2 − {target}‖²" in text
    assert f"dZ2 = (A2 − {target}) ⊙ A2 ⊙ (1 − A2)" in text
    assert "dZ1 = (W2ᵀ dZ2) ⊙ A1 ⊙ (1 − A1)" in text
    assert "∂L/∂W1 = (1/m) dZ1 Xᵀ" in text and "∂L/∂W2 = (1/m) dZ2 A1ᵀ" in text
    assert "∂L/∂b1 = (1/m) dZ1 1⃗" in text
    derived = d.evaluate(model.params, X, Y)
    for key, g in model.gradients(X, Y).items():
        np.testing.assert_allclose(derived[key], g, rtol=1e-11, atol=1e-15)


def test_the_classic_example_by_hand() -> None:
    """One example, η = 0.5: the numbers of the step-by-step example, written out."""
    model = SigmoidSquaredError()
    model.params = {
        "W1": np.array([[0.15, 0.20], [0.25, 0.30]]), "b1": np.array([[0.35], [0.35]]),
        "W2": np.array([[0.40, 0.45], [0.50, 0.55]]), "b2": np.array([[0.60], [0.60]]),
    }  # fmt: skip
    x, target = np.array([[0.05], [0.10]]), np.array([[0.01], [0.99]])
    # forward, unit by unit: net_h1 = w1 i1 + w2 i2 + b1, out_h1 = 1 / (1 + e^−net_h1)
    net_h = [0.15 * 0.05 + 0.20 * 0.10 + 0.35, 0.25 * 0.05 + 0.30 * 0.10 + 0.35]
    out_h = [1 / (1 + np.exp(-v)) for v in net_h]
    net_o = [0.40 * out_h[0] + 0.45 * out_h[1] + 0.60, 0.50 * out_h[0] + 0.55 * out_h[1] + 0.60]
    out_o = [1 / (1 + np.exp(-v)) for v in net_o]
    E = 0.5 * (0.01 - out_o[0]) ** 2 + 0.5 * (0.99 - out_o[1]) ** 2
    # backward: δ_o = (out − target) out (1 − out); ∂E/∂w5 = δ_o1 out_h1, ...
    d_o = [
        (out_o[0] - 0.01) * out_o[0] * (1 - out_o[0]),
        (out_o[1] - 0.99) * out_o[1] * (1 - out_o[1]),
    ]
    d_h = [
        (0.40 * d_o[0] + 0.50 * d_o[1]) * out_h[0] * (1 - out_h[0]),
        (0.45 * d_o[0] + 0.55 * d_o[1]) * out_h[1] * (1 - out_h[1]),
    ]
    dW2 = [[d_o[0] * out_h[0], d_o[0] * out_h[1]], [d_o[1] * out_h[0], d_o[1] * out_h[1]]]
    dW1 = [[d_h[0] * 0.05, d_h[0] * 0.10], [d_h[1] * 0.05, d_h[1] * 0.10]]
    value, grads = model.value_and_gradients(x, target)
    assert value == pytest.approx(E, rel=1e-14)
    assert value == pytest.approx(0.298371109, abs=1e-9)  # the example's E_total
    np.testing.assert_allclose(grads["W2"], dW2, rtol=1e-13)
    np.testing.assert_allclose(grads["W1"], dW1, rtol=1e-13)
    np.testing.assert_allclose(grads["b2"], np.array(d_o).reshape(2, 1), rtol=1e-13)
    np.testing.assert_allclose(grads["b1"], np.array(d_h).reshape(2, 1), rtol=1e-13)
    # the example's updated weights, w ← w − 0.5 ∂E/∂w
    new_W2 = [[0.35891648, 0.408666186], [0.511301270, 0.561370121]]
    new_W1 = [[0.149780716, 0.19956143], [0.24975114, 0.29950229]]
    np.testing.assert_allclose(model.params["W2"] - 0.5 * grads["W2"], new_W2, atol=1e-8)
    np.testing.assert_allclose(model.params["W1"] - 0.5 * grads["W1"], new_W1, atol=1e-8)


def test_registry_builds_it_for_its_sample_and_refuses_bad_sizes() -> None:
    net = build("sigmoid-squared-error", n_features=2)
    assert isinstance(net, SigmoidSquaredError) and net.n_outputs == 2 and net.n_hidden == 2
    X, Y = cr.models.get("sigmoid-squared-error").sample(0)
    assert X.shape == (2, 24) and Y.shape == (2, 24) and np.all((Y > 0) & (Y < 1))
    net.value_and_gradients(X, Y)
    with pytest.raises(ValueError, match=r"y has shape \(1, 24\), expected \(2, 24\)"):
        net.value_and_gradients(X, Y[:1])
    with pytest.raises(ValueError, match="n_outputs"):
        build("sigmoid-squared-error", n_features=2, n_outputs=0)
    with pytest.raises(ValueError, match="n_outputs"):
        SigmoidSquaredError(2, 2, 0)
