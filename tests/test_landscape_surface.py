import numpy as np
import pytest

from chainrule import data, landscape
from chainrule.models import (
    MLP,
    DeltaRuleNetwork,
    LogisticRegression,
    MultivariateRegression,
    TwoLayerClassifier,
    TwoLayerLinear,
    TwoLayerSigmoid,
    UnivariateRegression,
)

CASES = [
    (UnivariateRegression(seed=1), ("w", "b"), "closed form"),
    (MultivariateRegression(3, seed=1), (("w", (0, 1)), "b"), "closed form"),
    (MultivariateRegression(3, seed=1), (("w", (0, 0)), ("w", (0, 2))), "closed form"),
    (TwoLayerLinear(3, 4, seed=1), (("w2", (0, 1)), "b2"), "closed form"),
    (TwoLayerSigmoid(3, 4, seed=1), (("w2", (0, 2)), ("w2", (0, 3))), "closed form"),
    (MLP([3, 5, 1], seed=1), (("W2", (0, 1)), "b2"), "closed form"),
    (TwoLayerSigmoid(3, 4, seed=1), (("W1", (0, 1)), "b2"), "batched"),
    (TwoLayerSigmoid(3, 4, seed=1), (("W1", (0, 1)), ("W1", (2, 2))), "batched"),
    (LogisticRegression(3, seed=1), (("w", (0, 0)), "b"), "batched"),
    (TwoLayerClassifier(3, 4, seed=1), (("W1", (1, 0)), ("W2", (0, 3))), "batched"),
    (DeltaRuleNetwork(seed=1), (("W01", (2, 1)), ("W12", (0, 0))), "batched"),
    (
        MLP([3, 6, 4, 3], activation="relu", output="softmax", seed=1),
        (("W1", (0, 0)), ("b3", (1, 0))),
        "batched",
    ),
]


def data_for(model):  # type: ignore[no-untyped-def]
    rng = np.random.default_rng(0)
    X = rng.standard_normal((model.n_inputs, 40))
    if model.task == "binary":
        return X, rng.integers(0, 2, (1, 40)).astype(float)
    if model.task == "multiclass":
        return X, rng.integers(0, 3, (1, 40)).astype(float)
    return X, rng.uniform(0, 1, (1, 40))


@pytest.mark.parametrize(
    ("model", "axes", "method"), CASES, ids=[f"{type(c[0]).__name__}-{c[2]}" for c in CASES]
)
def test_surface_equals_model_loss_at_grid_points(model, axes, method) -> None:  # type: ignore[no-untyped-def]
    X, y = data_for(model)
    s = landscape.surface(model, X, y, axes=axes, span=1.5, resolution=(9, 7))
    assert s.method == method
    assert s.loss.shape == (7, 9) and s.x.shape == (9,) and s.y.shape == (7,)
    cx = landscape.coordinate(axes[0], model.params)
    cy = landscape.coordinate(axes[1], model.params)
    saved = {k: v.copy() for k, v in model.params.items()}
    for j, i in [(0, 0), (3, 4), (6, 8), (2, 7)]:
        params = {k: v.copy() for k, v in saved.items()}
        params[cx.name][cx.index] = s.x[i]
        params[cy.name][cy.index] = s.y[j]
        model.params.update(params)
        assert s.loss[j, i] == pytest.approx(model.loss(X, y), rel=1e-10, abs=1e-12)
    model.params.update(saved)
    # the model's parameters are left as they were
    for k in saved:
        np.testing.assert_array_equal(model.params[k], saved[k])


def test_closed_form_equals_batched() -> None:
    d = data.linear(500, 1, seed=2)
    model = UnivariateRegression(seed=0)
    a = landscape.surface(model, d.X, d.y, resolution=31)
    # 100 kB: the 7.7 kB grid, and chunks of a few points at about 12 kB each
    b = landscape.surface(model, d.X, d.y, resolution=31, method="batched", max_bytes=100_000)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-10)


def test_center_and_span() -> None:
    d = data.linear(50, 1, seed=2)
    model = UnivariateRegression()
    center = {"w": np.array([[3.0]]), "b": np.array([[-1.0]])}
    s = landscape.surface(model, d.X, d.y, center=center, span=((0, 2), (-3, 3)), resolution=5)
    assert s.x[0] == 0 and s.x[-1] == 2 and s.y[0] == -3
    assert s.center["w"][0, 0] == 3.0
    mx, my, ml = s.minimum
    assert ml == s.loss.min() and mx in s.x and my in s.y


def test_axis_errors() -> None:
    d = data.linear(20, 3)
    model = MultivariateRegression(3)
    with pytest.raises(
        ValueError, match=r"w has shape \(1, 3\), so name one entry, e.g. \('w', \(0, 0\)\)"
    ):
        landscape.surface(model, d.X, d.y, axes=("w", "b"))
    with pytest.raises(ValueError, match="no parameter 'W9'"):
        landscape.surface(model, d.X, d.y, axes=("W9", "b"))
    with pytest.raises(ValueError, match=r"index \(0, 5\) is not an entry of w"):
        landscape.surface(model, d.X, d.y, axes=(("w", (0, 5)), "b"))
    with pytest.raises(ValueError, match="not quadratic"):
        landscape.surface(
            TwoLayerSigmoid(3, 2), d.X, d.y, axes=(("W1", (0, 0)), "b2"), method="closed form"
        )
    with pytest.raises(ValueError, match="same coordinate"):
        landscape.surface(model, d.X, d.y, axes=("b", "b"))
