"""The model registry: every model builds from it, fits its sample, refuses what it cannot take."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chainrule import models
from chainrule.models import REGISTRY, build, models_for


@pytest.mark.parametrize("name", list(REGISTRY))
def test_every_model_builds_on_its_sample_and_matches_the_engine(name: str) -> None:
    spec = REGISTRY[name]
    X, y = spec.sample(0)
    assert np.all(np.isfinite(X)) and np.all(np.isfinite(y))
    net = build(name, X.shape[0], task=spec.tasks[0], seed=1)
    assert type(net) is spec.cls
    assert spec.n_features in (None, X.shape[0])
    value, grads = net.value_and_gradients(X, y)
    engine_value, engine_grads = net.autodiff_value_and_gradients(X, y)
    assert value == pytest.approx(engine_value, rel=1e-12)
    for k in grads:
        np.testing.assert_allclose(grads[k], engine_grads[k], rtol=1e-9, atol=1e-12)


def test_samples_are_seeded() -> None:
    for spec in REGISTRY.values():
        a, b = spec.sample(3), spec.sample(3)
        np.testing.assert_array_equal(a[0], b[0])
        assert not np.array_equal(spec.sample(4)[0], a[0])


def test_build_refuses_data_a_model_cannot_take() -> None:
    with pytest.raises(ValueError, match=r"univariate takes 1 feature\(s\), the data has 2"):
        build("univariate", 2)
    with pytest.raises(ValueError, match="multiclass task; use mlp"):
        build("two-layer-classifier", 4, task="multiclass", n_classes=3)
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        build("nope", 2)
    with pytest.raises(ValueError, match="logistic has no hyperparameter n_hidden"):
        build("logistic", 2, task="binary", n_hidden=3)


@pytest.mark.parametrize(
    ("hyper", "message"),
    [
        ({"n_hidden": 0}, r"n_hidden must be in \[1, 4096\], got 0"),
        ({"n_hidden": 10**9}, r"n_hidden must be in \[1, 4096\]"),
        ({"n_hidden": 2.5}, "n_hidden must be an integer, got 2.5"),
        ({"n_hidden": True}, "n_hidden must be an integer, got True"),
    ],
)
def test_hyperparameters_are_checked(hyper: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build("two-layer-sigmoid", 3, **hyper)  # type: ignore[arg-type]


def test_mlp_hyperparameters() -> None:
    net = build("mlp", 4, task="multiclass", n_classes=3, hidden_layers=[5, 6], activation="relu")
    assert isinstance(net, models.MLP)
    assert net.layer_sizes == [4, 5, 6, 3] and net.output == "softmax"
    with pytest.raises(ValueError, match="hidden_layers must hold 1 to 16 sizes, got 17"):
        build("mlp", 4, hidden_layers=[2] * 17)
    with pytest.raises(ValueError, match="activation must be one of"):
        build("mlp", 4, activation="swish!")


def test_models_for_names_only_models_that_fit() -> None:
    assert models_for("multiclass", 4) == ["mlp"]
    assert "univariate" not in models_for("regression", 3)
    assert "delta-rule" in models_for("regression", 3)
    for name in models_for("binary", 2):
        REGISTRY[name].check_data(2, "binary")


def test_load_returns_the_saved_model(tmp_path: Path) -> None:
    net = build("mlp", 3, task="binary", hidden_layers=[4], seed=2)
    path = net.save(tmp_path / "net.npz")
    back = models.load(path)
    assert type(back) is models.MLP and back.hyperparameters() == net.hyperparameters()
    X = np.random.default_rng(0).standard_normal((3, 5))
    np.testing.assert_array_equal(back.predict(X), net.predict(X))


def test_load_brings_back_the_standardisation(tmp_path: Path) -> None:
    rng = np.random.default_rng(1)
    X = rng.normal(50.0, 10.0, size=(2, 30))
    net = build("logistic", 2, task="binary", seed=0)
    mean, scale = X.mean(axis=1, keepdims=True), X.std(axis=1, keepdims=True)
    trained = models.Standardized(net, mean, scale)
    path = trained.save(tmp_path / "scaled")
    assert path.name == "scaled.npz"
    back = models.load(tmp_path / "scaled")
    assert isinstance(back, models.Standardized)
    np.testing.assert_array_equal(back.predict(X), net.predict((X - mean) / scale))
    np.testing.assert_array_equal(back.predict_class(X), trained.predict_class(X))
    with pytest.raises(ValueError, match="scale must be positive"):
        models.Standardized(net, mean, -scale)
