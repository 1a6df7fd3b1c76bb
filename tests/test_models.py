"""The worked networks: hand-derived gradients = engine = finite differences = PyTorch."""

from __future__ import annotations

import numpy as np
import pytest

import chainrule as cr
from chainrule.models import (
    MLP,
    REGISTRY,
    DeltaRuleNetwork,
    LogisticRegression,
    Model,
    MultivariateRegression,
    SigmoidSquaredError,
    TwoLayerClassifier,
    TwoLayerLinear,
    TwoLayerSigmoid,
    UnivariateRegression,
    read_saved,
)

torch = pytest.importorskip("torch")


def make(name: str, n: int, k: int, seed: int) -> Model:
    return {
        "univariate": lambda: UnivariateRegression(seed=seed),
        "multivariate": lambda: MultivariateRegression(n, seed=seed),
        "two-layer-linear": lambda: TwoLayerLinear(n, k, seed=seed),
        "two-layer-sigmoid": lambda: TwoLayerSigmoid(n, k, seed=seed),
        "logistic": lambda: LogisticRegression(n, seed=seed),
        "two-layer-classifier": lambda: TwoLayerClassifier(n, k, seed=seed),
        "delta-rule": lambda: DeltaRuleNetwork(seed=seed),
        "sigmoid-squared-error": lambda: SigmoidSquaredError(n, k, 1 + seed % 3, seed=seed),
    }[name]()


def data_for(model: Model, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((model.n_inputs, m))
    if model.task == "binary":
        y = rng.integers(0, 2, size=(1, m)).astype(float)
    elif model.name in ("delta-rule", "sigmoid-squared-error"):
        y = rng.uniform(0, 1, size=(model.n_outputs, m))
    else:
        y = rng.standard_normal((1, m))
    return X, y


def torch_loss(model: Model, T: dict, X: np.ndarray, y: np.ndarray):  # type: ignore[no-untyped-def]
    """The model's loss written independently in PyTorch."""
    Xt, yt = torch.tensor(X), torch.tensor(y)
    m = X.shape[1]
    F = torch.nn.functional
    name = model.name
    if name == "univariate":
        return ((T["w"] * Xt + T["b"] - yt) ** 2).sum() / m
    if name == "multivariate":
        return ((T["w"] @ Xt + T["b"] - yt) ** 2).sum() / m
    if name == "two-layer-linear":
        return ((T["w2"] @ (T["W1"] @ Xt + T["b1"]) + T["b2"] - yt) ** 2).sum() / m
    if name == "two-layer-sigmoid":
        A = torch.sigmoid(T["W1"] @ Xt + T["b1"])
        return ((T["w2"] @ A + T["b2"] - yt) ** 2).sum() / m
    if name == "logistic":
        return F.binary_cross_entropy(torch.sigmoid(T["w"] @ Xt + T["b"]), yt)
    if name == "two-layer-classifier":
        A1 = torch.sigmoid(T["W1"] @ Xt + T["b1"])
        return F.binary_cross_entropy(torch.sigmoid(T["W2"] @ A1 + T["b2"]), yt)
    if name == "delta-rule":
        y_hat = torch.sigmoid(T["W12"].T @ torch.sigmoid(T["W01"].T @ Xt))
        return 0.5 * ((yt - y_hat) ** 2).sum() / m
    if name == "sigmoid-squared-error":
        A1 = torch.sigmoid(T["W1"] @ Xt + T["b1"])
        out = torch.sigmoid(T["W2"] @ A1 + T["b2"])
        return F.mse_loss(out, yt, reduction="sum") / (2 * m)
    raise AssertionError(name)


WORKED = [n for n in REGISTRY if n != "mlp"]


@pytest.mark.parametrize("name", WORKED)
@pytest.mark.parametrize("seed", range(5))
def test_hand_gradients_equal_engine_torch_and_finite_differences(name: str, seed: int) -> None:
    rng = np.random.default_rng(seed)
    n, k, m = (int(v) for v in rng.integers(1, 7, size=3))
    model = make(name, n, k, seed)
    X, y = data_for(model, m, rng)
    hand = model.gradients(X, y)
    engine = model.autodiff_gradients(X, y)
    T = {key: torch.tensor(v, requires_grad=True) for key, v in model.params.items()}
    loss_t = torch_loss(model, T, X, y)
    loss_t.backward()
    assert model.loss(X, y) == pytest.approx(loss_t.item(), rel=1e-12)
    assert set(hand) == set(model.params)
    for key in model.params:
        assert hand[key].shape == model.params[key].shape
        np.testing.assert_allclose(hand[key], T[key].grad.numpy(), rtol=1e-10, atol=1e-14)
        np.testing.assert_allclose(engine[key], hand[key], rtol=1e-10, atol=1e-14)
    names = list(model.params)

    def f(*tensors: cr.Tensor) -> cr.Tensor:
        return model.loss_graph(dict(zip(names, tensors, strict=True)), X, y)

    assert cr.gradcheck(f, *(model.params[k2] for k2 in names), atol=1e-8, rtol=1e-6)


def test_value_and_gradients_agree_with_separate_calls() -> None:
    rng = np.random.default_rng(0)
    for name in WORKED:
        model = make(name, 3, 4, 0)
        X, y = data_for(model, 9, rng)
        value, grads = model.value_and_gradients(X, y)
        assert value == model.loss(X, y)
        for key, g in model.gradients(X, y).items():
            np.testing.assert_array_equal(grads[key], g)


def test_params_dict_is_read_on_every_call() -> None:
    model = MultivariateRegression(2, seed=0)
    X = np.array([[1.0, 2.0], [3.0, 4.0]])
    model.params["w"] = np.array([[1.0, -1.0]])
    model.params["b"] = np.array([[0.5]])
    np.testing.assert_allclose(model.predict(X), [[-1.5, -1.5]])


def test_same_seed_same_parameters() -> None:
    a, b = TwoLayerSigmoid(3, 4, seed=7), TwoLayerSigmoid(3, 4, seed=7)
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])
    c = TwoLayerSigmoid(3, 4, seed=8)
    assert not np.array_equal(a.params["W1"], c.params["W1"])


def test_forward_cache_names_and_shapes() -> None:
    model = TwoLayerSigmoid(3, 4)
    _, cache = model.forward(np.ones((3, 5)))
    assert {k: v.shape for k, v in cache.items()} == {"Z": (4, 5), "A": (4, 5), "y_hat": (1, 5)}
    _, cache = TwoLayerClassifier(3, 2).forward(np.ones((3, 5)))
    assert {"Z1", "A1", "Z2", "A2"} <= set(cache)


def test_shape_errors_say_how_to_fix() -> None:
    model = MultivariateRegression(3)
    with pytest.raises(ValueError, match=r"X has shape \(5, 3\), expected \(3, m\).*pass X.T"):
        model.loss(np.ones((5, 3)), np.ones((1, 5)))
    with pytest.raises(ValueError, match=r"y has shape \(5,\), expected \(1, 5\).*reshape"):
        model.loss(np.ones((3, 5)), np.ones(5))
    with pytest.raises(ValueError, match="n_hidden must be a positive integer"):
        TwoLayerSigmoid(3, 0)


def test_classifier_loss_is_finite_when_saturated() -> None:
    model = LogisticRegression(1)
    model.params["w"] = np.array([[1000.0]])
    with pytest.warns(RuntimeWarning, match="overflow"):  # σ(−1000) = 0, as documented
        loss = model.loss(np.array([[1.0, -1.0]]), np.array([[0.0, 1.0]]))
    assert loss == pytest.approx(1000.0)


@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "relu"])
@pytest.mark.parametrize("output", ["identity", "sigmoid", "softmax"])
def test_mlp_matches_torch(activation: str, output: str) -> None:
    rng = np.random.default_rng(3)
    sizes = [4, 5, 3, 3]
    model = MLP(sizes, activation=activation, output=output, seed=1)
    m = 7
    X = rng.standard_normal((4, m))
    if output == "softmax":
        labels = rng.integers(0, 3, size=m)
        y = labels
    elif output == "sigmoid":
        y = rng.integers(0, 2, size=(3, m)).astype(float)
    else:
        y = rng.standard_normal((3, m))
    grads = model.gradients(X, y)
    T = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    act = {
        "identity": lambda z: z,
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
        "relu": torch.relu,
    }
    A = torch.tensor(X)
    for i in range(1, 4):
        Z = T[f"W{i}"] @ A + T[f"b{i}"]
        A = act[activation](Z) if i < 3 else Z
    F = torch.nn.functional
    if output == "identity":
        loss = ((Z - torch.tensor(y)) ** 2).sum() / m
    elif output == "sigmoid":
        loss = F.binary_cross_entropy_with_logits(Z, torch.tensor(y), reduction="sum") / m
    else:
        loss = F.cross_entropy(Z.T, torch.tensor(labels), reduction="sum") / m
    loss.backward()
    assert model.loss(X, y) == pytest.approx(loss.item(), rel=1e-12)
    for k in model.params:
        np.testing.assert_allclose(grads[k], T[k].grad.numpy(), rtol=1e-10, atol=1e-14)


def test_mlp_validation_and_init() -> None:
    with pytest.raises(ValueError, match="layer_sizes"):
        MLP([3])
    with pytest.raises(ValueError, match="activation must be one of"):
        MLP([3, 2, 1], activation="swish!")
    with pytest.raises(ValueError, match="labels must be integers"):
        MLP([2, 3], output="softmax").loss(np.ones((2, 2)), np.array([0, 5]))
    relu = MLP([100, 50, 1], activation="relu", seed=0)
    assert relu.init == "he"
    assert relu.params["W1"].std() == pytest.approx(np.sqrt(2 / 100), rel=0.05)
    glorot = MLP([100, 50, 1], activation="tanh", seed=0)
    assert np.abs(glorot.params["W1"]).max() <= np.sqrt(6 / 150)


def test_save_and_load_round_trip_and_mismatch(tmp_path) -> None:  # type: ignore[no-untyped-def]
    model = MLP([3, 4, 2], activation="relu", output="softmax", seed=5)
    path = model.save(tmp_path / "m.npz")
    name, hyper = read_saved(path)
    assert name == "mlp" and hyper["layer_sizes"] == [3, 4, 2]
    other = MLP(**hyper, seed=9)
    other.load_params(path)
    for k in model.params:
        np.testing.assert_array_equal(other.params[k], model.params[k])
    with pytest.raises(ValueError, match="holds a 'mlp' model, not 'two-layer-sigmoid'"):
        TwoLayerSigmoid(3, 4).load_params(path)
    with pytest.raises(ValueError, match=r"W1 has shape \(4, 3\), the model has \(5, 3\)"):
        MLP([3, 5, 2], activation="relu", output="softmax").load_params(path)


def test_delta_rule_reproduces_seed_001() -> None:
    net = DeltaRuleNetwork(seed=0)
    x = np.array([[1.0], [0.5], [-1.0]])
    y = np.array([[1.0]])
    W01, W12 = net.params["W01"], net.params["W12"]
    f = lambda h: 1 / (1 + np.exp(-h))  # noqa: E731
    v_out1 = f(W01.T @ x)
    y_hat = f(W12.T @ v_out1)
    d2 = (y - y_hat) * y_hat * (1 - y_hat)
    d1 = (W12 @ d2) * v_out1 * (1 - v_out1)
    upd = net.updates(x, y, lr=0.5)
    np.testing.assert_allclose(upd["W12"], 0.5 * v_out1 @ d2.T, rtol=1e-15)
    np.testing.assert_allclose(upd["W01"], 0.5 * x @ d1.T, rtol=1e-15)
    for i in range(3):
        for j in range(2):  # Δw_ij = η δ_j x_i
            assert upd["W01"][i, j] == pytest.approx(0.5 * d1[j, 0] * x[i, 0], rel=1e-14)
    text = net.worked_example(x.ravel(), 1.0, 0.5)
    assert "δ2" in text and "ΔW01" in text and f"{y_hat[0, 0]:.6f}" in text
    after = float(text.rsplit("E = ", 1)[1].split()[0])
    assert after < 0.5 * (1 - y_hat[0, 0]) ** 2  # one update lowers the error
