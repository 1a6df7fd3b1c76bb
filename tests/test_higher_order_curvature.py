"""Curvature for landscapes: Hessians of models, and the top eigenvalue by power
iteration on Hessian-vector products, checked against numpy.linalg.eigvalsh."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from chainrule import landscape, models, optim
from chainrule.landscape import curvature
from chainrule.optim.newton import flatten, unflatten
from chainrule.train import fit

RNG = np.random.default_rng(7)


def small_models() -> list[tuple[Any, np.ndarray, np.ndarray]]:
    X = RNG.standard_normal((2, 12))
    y_reg = RNG.standard_normal((1, 12))
    y_bin = (RNG.random((1, 12)) > 0.5).astype(float)
    return [
        (models.TwoLayerSigmoid(2, 3, seed=1), X, y_reg),
        (models.LogisticRegression(2, seed=2), X, y_bin),
        (models.TwoLayerClassifier(2, 3, seed=3), X, y_bin),
        (models.MultivariateRegression(2, seed=4), X, y_reg),
    ]


def finite_difference_hessian(model: Any, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Central differences of the model's hand-derived gradients."""
    base = {k: v.copy() for k, v in model.params.items()}
    flat = flatten(base)
    h = 1e-5
    columns = []
    for i in range(flat.size):
        grads = []
        for sign in (1.0, -1.0):
            step = flat.copy()
            step[i] += sign * h
            model.params.update(unflatten(step, base))
            grads.append(flatten(model.gradients(X, y)))
        columns.append((grads[0] - grads[1]) / (2 * h))
    model.params.update(base)
    return np.array(columns).T


@pytest.mark.parametrize("index", range(4))
def test_model_hessian_matches_finite_differences_of_the_hand_derived_gradient(
    index: int,
) -> None:
    model, X, y = small_models()[index]
    H = curvature.model_hessian(model, X, y)(model.params)
    n = model.n_parameters
    assert H.shape == (n, n)
    np.testing.assert_allclose(H, H.T, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(H, finite_difference_hessian(model, X, y), rtol=1e-5, atol=1e-7)


@pytest.mark.parametrize("index", range(4))
def test_power_iteration_finds_the_top_eigenvalue_of_small_models(index: int) -> None:
    model, X, y = small_models()[index]
    expected = np.linalg.eigvalsh(curvature.model_hessian(model, X, y)(model.params))
    top = curvature.sharpness(model, X, y, max_iterations=5000, tol=1e-13)
    assert top.converged
    np.testing.assert_allclose(top.value, expected[-1], rtol=1e-6, atol=1e-9)
    # the vector is a unit eigenvector: H v = λ v
    v = flatten(top.vector)
    Hv = flatten(curvature.model_hvp(model, X, y)(top.vector))
    np.testing.assert_allclose(np.linalg.norm(v), 1.0)
    np.testing.assert_allclose(Hv, top.value * v, atol=1e-4 * max(1.0, abs(top.value)))


@pytest.mark.parametrize(
    "eigenvalues",
    [[-5.0, 1.0, 2.0], [2.0, -2.0, 0.5], [-3.0, -1.0, -0.5], [0.0, 0.0, 0.0], [4.0, 4.0, 1.0]],
)
def test_top_eigenvalue_is_the_most_positive_whatever_the_signs(eigenvalues: list[float]) -> None:
    Q, _ = np.linalg.qr(np.random.default_rng(1).standard_normal((3, 3)))
    M = Q @ np.diag(eigenvalues) @ Q.T
    top = curvature.top_eigenvalue(lambda v: {"p": M @ v["p"]}, {"p": np.zeros(3)}, tol=1e-14)
    np.testing.assert_allclose(top.value, max(eigenvalues), atol=1e-9)


def test_sharpness_along_a_training_trajectory() -> None:
    model, X, y = small_models()[0]
    history = fit(model, X, y, optim.sgd(0.5), epochs=6, record=["params"])
    values = curvature.sharpness_along(model, X, y, history, max_iterations=5000, tol=1e-13)
    assert values.shape == (7,)
    hessian = curvature.model_hessian(model, X, y)
    expected = [np.linalg.eigvalsh(hessian(p))[-1] for p in history.params or []]
    np.testing.assert_allclose(values, expected, rtol=1e-6, atol=1e-9)
    assert not np.allclose(values, values[0])  # it changes along the run
    np.testing.assert_allclose(
        curvature.sharpness_along(model, X, y, (history.params or [])[::3], tol=1e-13),
        expected[::3],
        rtol=1e-6,
        atol=1e-9,
    )


def test_test_function_curvature_along_a_race() -> None:
    bowl = landscape.quadratic_bowl(10.0)
    runs = landscape.race_function(bowl, {"gd": optim.sgd(0.05)}, steps=4)
    np.testing.assert_allclose(curvature.function_sharpness_along(bowl, runs["gd"]), 10.0)
    saddle = landscape.saddle()
    H = curvature.function_hessian(saddle)({"p": np.array([0.3, -0.2])})
    np.testing.assert_array_equal(H, [[2.0, 0.0], [0.0, -2.0]])


def test_errors() -> None:
    with pytest.raises(ValueError, match="max_iterations must be >= 1"):
        curvature.top_eigenvalue(lambda v: v, {"p": np.zeros(2)}, max_iterations=0)
    with pytest.raises(ValueError, match="no entries"):
        curvature.top_eigenvalue(lambda v: v, {"p": np.zeros(0)})
    model, X, y = small_models()[3]
    history = fit(model, X, y, optim.sgd(0.1), epochs=1)
    with pytest.raises(ValueError, match="record=\\['params'\\]"):
        curvature.sharpness_along(model, X, y, history)
    with pytest.raises(ValueError, match=r"\{'p': \(2,\)\}"):
        curvature.function_hessian(landscape.saddle())({"p": np.zeros(3)})
