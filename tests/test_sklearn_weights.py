"""sample_weight in the estimators' fit, partial_fit and score: scikit-learn's semantics."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import accuracy_score
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.neural_network import MLPRegressor as SkRegressor

from chainrule.sklearn import MLPClassifier, MLPRegressor, solvers

pytestmark = [
    pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning"),
    pytest.mark.filterwarnings("error::chainrule.autodiff.replay.ReplayWarning"),
]


def _digits(m: int = 240) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    rng = np.random.default_rng(0)
    weights = rng.integers(0, 4, m).astype(float)
    weights[:2] = 1.0
    return X[:m] / 16.0, y[:m], weights


def _coefs(est: Any) -> list[np.ndarray]:
    return [*est.coefs_, *est.intercepts_]


def _fitted_alike(
    ours: Any, theirs: Any, settings: dict[str, Any], X: np.ndarray, y: np.ndarray, w: np.ndarray
) -> tuple[Any, Any]:
    """Both estimators fitted with the sample weights, checked to the same weights and loss."""
    fitted = theirs(**settings).fit(X, y, sample_weight=w)
    mine = ours(**settings).fit(X, y, sample_weight=w)
    for a, b in zip(_coefs(mine), _coefs(fitted), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    assert mine.loss_ == pytest.approx(fitted.loss_, rel=1e-9)
    return mine, fitted


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_weighted_classifier_trains_scikit_learns_weights(solver: str) -> None:
    X, y, w = _digits()
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(12,), solver=solver, max_iter=8, batch_size=32, alpha=1e-3,
        learning_rate_init=0.05, random_state=0,
    )  # fmt: skip
    ours, theirs = _fitted_alike(MLPClassifier, SkClassifier, settings, X, y, w)
    assert ours.score(X, y, sample_weight=w) == theirs.score(X, y, sample_weight=w)


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
def test_weighted_regressor_trains_scikit_learns_weights(solver: str) -> None:
    X, _, w = _digits()
    Y = np.stack([X[:, :5].sum(axis=1), X[:, 5:9].mean(axis=1)], axis=1)
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(9,), solver=solver, max_iter=6, batch_size=40, alpha=1e-2,
        learning_rate_init=0.01, random_state=1,
    )  # fmt: skip
    ours, theirs = _fitted_alike(MLPRegressor, SkRegressor, settings, X, Y, w)
    assert ours.score(X, Y, sample_weight=w) == pytest.approx(theirs.score(X, Y, sample_weight=w))


def test_weighted_gradient_is_scikit_learns_formula() -> None:
    """One batch: ∂/∂W_l = (A_{l−1}ᵀ (δ_l ⊙ s) + α W_l) / Σ s, ∂/∂b_l = Σ_rows (δ_l ⊙ s) / Σ s,
    with δ_L = (softmax − Y) and δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ step(Z_l), in rows (NumPy)."""
    X, y, w = _digits(50)
    est = MLPClassifier((7,), solver="sgd", max_iter=1, batch_size=50, random_state=0)
    est.fit(X, y)
    model, alpha = est.model_, 0.3
    Y = np.eye(10)[y]
    step = solvers.objective(model, 1.0, weighted=True)
    names = list(model.params)
    loss, grads = step(*(model.params[k] for k in names), X.T, Y.T, w, alpha / w.sum())
    W1, b1, W2, b2 = (model.params[k] for k in ("W1", "b1", "W2", "b2"))
    Z1 = X @ W1.T + b1.T
    A1 = np.maximum(Z1, 0)
    Z2 = A1 @ W2.T + b2.T
    P = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
    P /= P.sum(axis=1, keepdims=True)
    total = w.sum()
    want_loss = -np.sum(w * np.sum(Y * np.log(P), axis=1)) / total
    want_loss += alpha / (2 * total) * (np.sum(W1**2) + np.sum(W2**2))
    d2 = (P - Y) * w[:, None]
    d1 = (d2 @ W2) * (Z1 > 0)
    want = {
        "W2": (A1.T @ d2 + alpha * W2.T).T / total,
        "b2": d2.sum(axis=0)[:, None] / total,
        "W1": (X.T @ d1 + alpha * W1.T).T / total,
        "b1": d1.sum(axis=0)[:, None] / total,
    }
    assert loss == pytest.approx(want_loss, rel=1e-12)
    for k, g in zip(names, grads, strict=True):
        np.testing.assert_allclose(g, want[k], rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("estimator", ["classifier", "regressor"])
def test_ones_are_no_weights_bit_for_bit(estimator: str) -> None:
    X, y, _ = _digits()
    cls: Any = MLPClassifier if estimator == "classifier" else MLPRegressor
    target = y if estimator == "classifier" else X[:, :3].sum(axis=1)
    settings = dict(hidden_layer_sizes=(10,), max_iter=5, batch_size=64, random_state=0)
    plain = cls(**settings).fit(X, target)
    ones = cls(**settings).fit(X, target, sample_weight=np.ones(len(X)))
    for a, b in zip(_coefs(plain), _coefs(ones), strict=True):
        np.testing.assert_array_equal(a, b)
    assert plain.loss_curve_ == ones.loss_curve_


@pytest.mark.parametrize("solver", ["lbfgs", "adam"])
def test_zero_weights_drop_rows_in_full_batches(solver: str) -> None:
    X, y, w = _digits(120)
    settings = dict(hidden_layer_sizes=(6,), solver=solver, max_iter=20, random_state=0)
    keep = w > 0
    # batch_size 'auto' = every row: one batch per epoch for both (L-BFGS has no batches)
    dropped = MLPClassifier(**settings, shuffle=False).fit(X[keep], y[keep], w[keep])
    zeros = MLPClassifier(**settings, shuffle=False).fit(X, y, sample_weight=w)
    for a, b in zip(_coefs(zeros), _coefs(dropped), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_partial_fit_and_early_stopping_take_weights_as_scikit_learn() -> None:
    X, y, w = _digits()
    settings: dict[str, Any] = dict(
        hidden_layer_sizes=(8,), solver="sgd", batch_size=30, learning_rate_init=0.05,
        random_state=0,
    )  # fmt: skip
    ours, theirs = MLPClassifier(**settings), SkClassifier(**settings)
    for part in (slice(0, 120), slice(120, 240)):
        ours.partial_fit(X[part], y[part], w[part], classes=np.arange(10))
        theirs.partial_fit(X[part], y[part], w[part], classes=np.arange(10))
    for a, b in zip(_coefs(ours), _coefs(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)
    settings.update(early_stopping=True, max_iter=6, n_iter_no_change=50)
    ours = MLPClassifier(**settings).fit(X, y, sample_weight=w)
    theirs = SkClassifier(**settings).fit(X, y, sample_weight=w)
    np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_, rtol=1e-12)
    for a, b in zip(_coefs(ours), _coefs(theirs), strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-12)


def test_score_weights_the_examples() -> None:
    X, y, w = _digits()
    est = MLPClassifier((8,), max_iter=3, random_state=0).fit(X, y)
    assert est.score(X, y, sample_weight=w) == accuracy_score(y, est.predict(X), sample_weight=w)


def test_bad_weights_are_refused() -> None:
    X, y, w = _digits(40)
    with pytest.raises(ValueError, match="Negative values"):
        MLPClassifier((4,), max_iter=1).fit(X, y, sample_weight=-w)
    zeros = np.zeros(40)
    zeros[0] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        with pytest.raises(ValueError, match="positive total weight"):
            MLPClassifier((4,), max_iter=1, batch_size=5, shuffle=False).fit(
                X, y, sample_weight=zeros
            )
