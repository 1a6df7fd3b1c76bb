"""The MLP's per-layer activations, L2 penalty and dropout, against PyTorch."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from chainrule import Tensor
from chainrule.models import MLP

F = torch.nn.functional
TORCH_ACTIVATIONS = {
    "identity": lambda z: z,
    "tanh": torch.tanh,
    "relu": torch.relu,
    "sigmoid": torch.sigmoid,
    "leaky_relu": F.leaky_relu,
    "elu": F.elu,
    "gelu": F.gelu,
    "gelu_tanh": lambda z: F.gelu(z, approximate="tanh"),
    "silu": F.silu,
    "softplus": F.softplus,
}


def torch_loss(model: MLP, X: np.ndarray, y: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
    T = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    A = torch.tensor(X)
    for i in range(1, model.depth + 1):
        Z = T[f"W{i}"] @ A + T[f"b{i}"]
        if i < model.depth:
            A = TORCH_ACTIVATIONS[model.activations[i - 1]](Z)
    loss = ((Z - torch.tensor(y)) ** 2).mean()
    loss = loss + model.alpha / 2 * sum((T[f"W{i}"] ** 2).sum() for i in range(1, model.depth + 1))
    loss.backward()
    return loss.item(), {k: t.grad.numpy() for k, t in T.items()}  # type: ignore[union-attr]


@pytest.mark.parametrize("alpha", [0.0, 0.3])
def test_per_layer_activations_and_l2_penalty_match_pytorch(alpha: float) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 7)), rng.standard_normal((1, 7))
    model = MLP([3, 5, 4, 1], activation=["relu", "tanh"], alpha=alpha, seed=1)
    assert model.activation == ["relu", "tanh"] and model.init == "he"
    value, grads = model.value_and_gradients(X, y)
    expected, torch_grads = torch_loss(model, X, y)
    assert value == pytest.approx(expected, rel=1e-12)
    assert model.loss(X, y) == pytest.approx(expected, rel=1e-12)
    for k, g in torch_grads.items():
        np.testing.assert_allclose(grads[k], g, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("activation", sorted(TORCH_ACTIVATIONS))
def test_every_activation_matches_pytorch(activation: str) -> None:
    rng = np.random.default_rng(5)
    X, y = rng.standard_normal((3, 11)), rng.standard_normal((1, 11))
    model = MLP([3, 6, 1], activation=activation, seed=2)
    value, grads = model.value_and_gradients(X, y)
    expected, torch_grads = torch_loss(model, X, y)
    assert value == pytest.approx(expected, rel=1e-12)
    for k, g in torch_grads.items():
        np.testing.assert_allclose(grads[k], g, rtol=1e-9, atol=1e-12)


def test_dropout_acts_only_while_training() -> None:
    rng = np.random.default_rng(3)
    X, y = rng.standard_normal((2, 50)), rng.standard_normal((1, 50))
    model = MLP([2, 200, 1], activation="relu", dropout=0.5, seed=0)
    plain = MLP([2, 200, 1], activation="relu", seed=0)
    assert model.loss(X, y) == plain.loss(X, y)  # evaluation uses every unit
    np.testing.assert_array_equal(model.gradients(X, y)["W1"], plain.gradients(X, y)["W1"])
    model.training = True
    g1, g2 = model.gradients(X, y)["W2"], model.gradients(X, y)["W2"]
    model.training = False
    assert not np.array_equal(g1, g2)  # a new mask each step
    params = {k: Tensor(v) for k, v in model.params.items()}
    kept = plain.forward(X)[1]["A1"]
    _, cache = model._layers(params, X, training=True)
    dropped = cache["A1"].data
    alive = kept > 0
    zeroed = np.mean(dropped[alive] == 0.0)
    assert 0.45 < zeroed < 0.55  # 10,000 units, p = 0.5
    survivors = alive & (dropped != 0.0)
    np.testing.assert_allclose(dropped[survivors], 2.0 * kept[survivors], rtol=1e-15)
    history = fit_for_test(model, X, y)
    assert model.training is False and history.final_loss < history.initial_loss


def fit_for_test(model: MLP, X: np.ndarray, y: np.ndarray) -> object:
    from chainrule import optim
    from chainrule.train import fit

    return fit(model, X, y, optim.adam(0.01), epochs=30)


def test_the_penalty_adds_alpha_w_to_every_weight_gradient() -> None:
    rng = np.random.default_rng(2)
    X, y = rng.standard_normal((2, 9)), rng.standard_normal((1, 9))
    plain = MLP([2, 3, 1], seed=4)
    penalised = MLP([2, 3, 1], seed=4, alpha=0.5)
    g0, g1 = plain.gradients(X, y), penalised.gradients(X, y)
    for k in g0:
        extra = 0.5 * plain.params[k] if k.startswith("W") else 0.0
        np.testing.assert_allclose(g1[k], g0[k] + extra, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"activation": ["relu"]}, "one name per hidden layer: 2"),
        ({"alpha": -1.0}, "alpha must be a finite number"),
        ({"alpha": float("inf")}, "alpha must be a finite number"),
        ({"dropout": 1.0}, r"dropout must be a probability in \[0, 1\)"),
    ],
)
def test_options_are_validated(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        MLP([2, 3, 3, 1], **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
def test_training_steps_replay_the_engine_exactly(output: str) -> None:
    import pickle
    import warnings

    rng = np.random.default_rng(7)
    X = rng.standard_normal((4, 16))
    y = {
        "identity": rng.standard_normal((1, 16)),
        "sigmoid": rng.integers(0, 2, (1, 16)).astype(float),
        "softmax": rng.integers(0, 3, 16),
    }[output]
    model = MLP([4, 5, 3 if output == "softmax" else 1], "gelu", output, alpha=0.1, seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback to eager
        for _ in range(3):  # recorded, confirmed, then replayed
            value, grads = model.value_and_gradients(X, y)
        eager_value, eager = model.autodiff_value_and_gradients(X, y)
        assert value == eager_value
        for k in grads:
            np.testing.assert_array_equal(grads[k], eager[k])
        model.alpha = 0.5  # a new configuration is recorded anew, never replayed stale
        changed = model.gradients(X, y)
        np.testing.assert_allclose(changed["W1"], grads["W1"] + 0.4 * model.params["W1"])
    copy = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(copy.gradients(X, y)["W2"], changed["W2"])
