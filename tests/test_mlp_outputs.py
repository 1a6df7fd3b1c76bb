"""The MLP's outputs and losses, L1 penalty and named initialisations, against PyTorch."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

import chainrule as cr
from chainrule.models import MLP, build
from chainrule.models.init import INITIALISERS, LARGE_STD, SMALL_STD

F = torch.nn.functional
OUTPUT = {"identity": lambda z: z, "tanh": torch.tanh, "sigmoid": torch.sigmoid}


def torch_loss(model: MLP, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    """The model's loss and gradients written in PyTorch, from the MLP's documented formulas."""
    T = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    A, Y = torch.tensor(X), torch.tensor(y)
    for i in range(1, model.depth + 1):
        Z = T[f"W{i}"] @ A + T[f"b{i}"]
        if i < model.depth:
            A = torch.tanh(Z)
    if model.loss_kind == "mse":
        loss = ((OUTPUT[model.output](Z) - Y) ** 2).sum() / Y.shape[1]
    elif model.loss_kind == "binary_cross_entropy":
        loss = F.binary_cross_entropy_with_logits(Z, Y)
    else:
        loss = F.cross_entropy(Z.T, Y.long().reshape(-1))
    weights = [T[f"W{i}"] for i in range(1, model.depth + 1)]
    loss = loss + model.alpha / 2 * sum((W**2).sum() for W in weights)
    loss = loss + model.l1 * sum(W.abs().sum() for W in weights)
    loss.backward()
    return loss.item(), {k: t.grad.numpy() for k, t in T.items()}  # type: ignore[union-attr]


CASES = [
    ("identity", "mse", 1),
    ("tanh", "mse", 1),
    ("sigmoid", "mse", 1),
    ("sigmoid", "binary_cross_entropy", 1),
    ("softmax", "cross_entropy", 3),
]


def data(output: str, m: int = 13) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(11)
    X = rng.standard_normal((3, m))
    if output == "softmax":
        return X, rng.integers(0, 3, (1, m)).astype(float)
    if output == "sigmoid":
        return X, rng.integers(0, 2, (1, m)).astype(float)
    return X, np.tanh(rng.standard_normal((1, m)))


@pytest.mark.parametrize(("output", "loss", "out"), CASES)
@pytest.mark.parametrize(("alpha", "l1"), [(0.0, 0.0), (0.0, 0.07), (0.2, 0.05)])
def test_every_output_and_loss_with_l1_and_l2_match_pytorch(
    output: str, loss: str, out: int, alpha: float, l1: float
) -> None:
    model = MLP([3, 5, 4, out], "tanh", output, loss=loss, alpha=alpha, l1=l1, seed=2)
    X, y = data(output)
    expected, torch_grads = torch_loss(model, X, y)
    value, grads = model.value_and_gradients(X, y)
    assert value == pytest.approx(expected, rel=1e-12)
    assert model.loss(X, y) == pytest.approx(expected, rel=1e-12)
    for k, g in torch_grads.items():
        np.testing.assert_allclose(grads[k], g, rtol=1e-10, atol=1e-13)
    eager_value, eager = model.autodiff_value_and_gradients(X, y)
    assert eager_value == pytest.approx(expected, rel=1e-12)
    for k, g in eager.items():
        np.testing.assert_allclose(grads[k], g, rtol=1e-12, atol=1e-15)


def test_the_l1_gradient_is_lambda_sign_w_and_zero_at_zero() -> None:
    rng = np.random.default_rng(4)
    X, y = rng.standard_normal((2, 9)), rng.standard_normal((1, 9))
    plain = MLP([2, 3, 1], seed=4)
    penalised = MLP([2, 3, 1], seed=4, l1=0.25)
    for model in (plain, penalised):
        model.params["W1"][0, 0] = 0.0
    g0, g1 = plain.gradients(X, y), penalised.gradients(X, y)
    for k in g0:
        extra = 0.25 * np.sign(plain.params[k]) if k.startswith("W") else 0.0
        np.testing.assert_allclose(g1[k], g0[k] + extra, rtol=1e-12, atol=1e-15)
    assert g1["W1"][0, 0] == g0["W1"][0, 0]
    assert penalised.loss_name == "MSE + L1 penalty"
    assert penalised.linear_readout() is None and plain.linear_readout() is not None


@pytest.mark.parametrize(("output", "loss", "out"), CASES)
def test_the_deriver_derives_every_output_and_loss(output: str, loss: str, out: int) -> None:
    model = MLP([3, 4, out], "tanh", output, loss=loss, alpha=0.1, l1=0.3, seed=1)
    X, y = data(output)
    d = cr.derive(model)
    targets = y if output != "softmax" else np.eye(3)[y.astype(int).reshape(-1)].T
    derived = d.evaluate(model.params, X, targets)
    _, torch_grads = torch_loss(model, X, y)
    for k, g in torch_grads.items():
        np.testing.assert_allclose(derived[k], g, rtol=1e-9, atol=1e-12)
    if output == "tanh":
        assert "ŷ = tanh(Z2)" in str(d)
    assert "sign(W1)" in str(d)


def test_the_defaults_are_unchanged() -> None:
    model = MLP([2, 3, 1])
    assert (model.output, model.loss_kind, model.init, model.l1) == ("identity", "mse", "glorot", 0)
    assert MLP([2, 3, 1], activation="relu").init == "he"
    assert MLP([2, 3, 1], output="sigmoid").loss_kind == "binary_cross_entropy"
    assert MLP([2, 3, 2], output="softmax").loss_kind == "cross_entropy"
    rng = np.random.default_rng(0)
    limit = np.sqrt(6 / 5)
    expected = rng.uniform(-limit, limit, size=(3, 2))
    np.testing.assert_array_equal(model.params["W1"], expected)


def test_named_initialisations() -> None:
    sizes = [300, 400, 1]
    w = {name: MLP(sizes, init=name, seed=3).params["W1"] for name in INITIALISERS}
    assert not np.any(w["zero"])
    assert np.std(w["small"]) == pytest.approx(SMALL_STD, rel=0.01)
    assert np.std(w["large"]) == pytest.approx(LARGE_STD, rel=0.01)
    assert np.std(w["he"]) == pytest.approx(np.sqrt(2 / 300), rel=0.01)
    assert np.max(np.abs(w["glorot"])) <= np.sqrt(6 / 700)
    assert np.std(w["glorot"]) == pytest.approx(np.sqrt(2 / 700), rel=0.01)
    xavier = MLP(sizes, init="xavier", seed=3)
    assert xavier.init == "glorot"
    np.testing.assert_array_equal(xavier.params["W1"], w["glorot"])
    for model in (MLP(sizes, init=name, seed=3) for name in INITIALISERS):
        assert not np.any(model.params["b1"]) and model.params["W2"].shape == (1, 400)


def test_zero_initialisation_never_breaks_symmetry() -> None:
    from chainrule import optim
    from chainrule.train import fit

    rng = np.random.default_rng(1)
    X, y = rng.standard_normal((2, 40)), rng.standard_normal((1, 40))
    model = MLP([2, 4, 1], init="zero")
    fit(model, X, y, optim.sgd(0.1), epochs=20)
    W1 = model.params["W1"]
    assert not np.any(W1)  # the output weights start at 0, so no gradient reaches W1
    assert np.all(model.params["W2"] == model.params["W2"][0, 0])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"output": "softmax", "loss": "mse"}, "a softmax output takes the loss 'cross_entropy'"),
        ({"output": "tanh", "loss": "cross_entropy"}, "a tanh output takes the loss 'mse'"),
        ({"l1": -0.1}, "l1 must be a finite number"),
        ({"l1": float("nan")}, "l1 must be a finite number"),
        ({"init": "uniform"}, r"init must be one of zero, small, glorot, he, large"),
        ({"output": "relu"}, "output must be one of"),
    ],
)
def test_bad_choices_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MLP([2, 3, 3], **kwargs)  # type: ignore[arg-type]


def test_the_registry_builds_and_files_keep_the_choices(tmp_path: Path) -> None:
    net = build(
        "mlp", 2, task="regression", hidden_layers=[4], output="tanh", init="small", l1=0.01
    )
    assert (net.output, net.loss_kind, net.init, net.l1) == ("tanh", "mse", "small", 0.01)  # type: ignore[attr-defined]
    auto = build("mlp", 2, task="binary", hidden_layers=[4], activation="relu")
    assert (auto.output, auto.loss_kind, auto.init) == ("sigmoid", "binary_cross_entropy", "he")  # type: ignore[attr-defined]
    squared = build("mlp", 2, task="binary", output="sigmoid", loss="mse")
    assert squared.loss_name == "MSE"
    with pytest.raises(ValueError, match="a softmax output learns a multiclass task"):
        build("mlp", 2, task="binary", output="softmax")
    with pytest.raises(ValueError, match="init must be one of auto, zero"):
        build("mlp", 2, init="big")
    back = cr.models.load(net.save(tmp_path / "net.npz"))
    assert back.hyperparameters() == net.hyperparameters()
    X = np.random.default_rng(0).standard_normal((2, 5))
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    np.testing.assert_array_equal(net.predict(X), np.tanh(net.forward(X)[1]["Z2"]))


def test_the_command_line_takes_the_choices(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from chainrule.cli import app

    runner = CliRunner()
    path = tmp_path / "net.npz"
    args = ["train", "-m", "mlp", "--data", "wave", "--layers", "6", "--out-unit", "tanh",
            "--init", "small", "--l1", "0.001", "--epochs", "3", "--save", str(path)]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    saved = cr.models.load(path)
    assert isinstance(saved, cr.models.Standardized)  # trained on standardised features
    model = saved.model
    assert (model.output, model.init, model.l1) == ("tanh", "small", 0.001)  # type: ignore[attr-defined]
    bad = runner.invoke(app, ["train", "-m", "mlp", "--data", "wave", "--out-unit", "softmax"])
    assert bad.exit_code != 0 and "a softmax output learns a multiclass task" in bad.output
