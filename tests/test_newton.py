"""Newton's method and damped Newton: hand computations and the Hessian interface."""

from __future__ import annotations

import numpy as np
import pytest

from chainrule import landscape, models, optim
from chainrule.landscape import curvature
from chainrule.train import fit

# f(p) = ½ pᵀ A p − bᵀ p with A symmetric positive definite: minimum at A⁻¹ b.
A = np.array([[3.0, 1.0, 0.0], [1.0, 2.0, 0.5], [0.0, 0.5, 4.0]])
B = np.array([1.0, -2.0, 0.5])


def quadratic_grad(p: np.ndarray) -> np.ndarray:
    return A @ p - B


def test_one_newton_step_solves_a_quadratic_exactly() -> None:
    params = {"p": np.array([5.0, -3.0, 2.0])}
    opt = optim.newton(A)
    state = opt.init(params)
    updates, state = opt.update({"p": quadratic_grad(params["p"])}, state, params)
    new = optim.apply_updates(params, updates)
    # by hand: the minimum solves A p = b
    np.testing.assert_allclose(new["p"], np.linalg.solve(A, B), rtol=1e-14)
    np.testing.assert_allclose(state[0].smallest_eigenvalue, np.linalg.eigvalsh(A)[0])


def test_damped_newton_is_the_regularised_solve_and_tends_to_gradient_descent() -> None:
    p = np.array([1.0, 1.0, 1.0])
    g = quadratic_grad(p)
    opt = optim.damped_newton(A, lr=0.5, damping=2.0)
    updates, _ = opt.update({"p": g}, opt.init({"p": p}), {"p": p})
    np.testing.assert_allclose(updates["p"], -0.5 * np.linalg.solve(A + 2.0 * np.eye(3), g))
    big = optim.damped_newton(A, lr=1.0, damping=1e8)
    step, _ = big.update({"p": g}, big.init({"p": p}), {"p": p})
    np.testing.assert_allclose(step["p"] * 1e8, -g, rtol=1e-6)  # ≈ −(1/λ) g


def test_hessian_callable_over_several_parameters_in_flatten_order() -> None:
    # f(W, b) = ‖W‖² + b³: separable, H = diag(2, 2, 2, 2, 6b) in flatten order
    params = {"W": np.array([[1.0, 2.0], [3.0, 4.0]]), "b": np.array([[2.0]])}
    seen = []

    def hessian(p: dict[str, np.ndarray]) -> np.ndarray:
        seen.append(p)
        return np.diag([2.0, 2.0, 2.0, 2.0, 6.0 * p["b"][0, 0]])

    grads = {"W": 2.0 * params["W"], "b": 3.0 * params["b"] ** 2}
    opt = optim.newton(hessian)
    updates, _ = opt.update(grads, opt.init(params), params)
    np.testing.assert_allclose(updates["W"], -params["W"])  # W reaches 0 in one step
    np.testing.assert_allclose(updates["b"], [[-1.0]])  # b − 3b²/(6b) = b/2
    assert seen[0] is params


def test_errors_name_the_problem() -> None:
    params = {"p": np.zeros(3)}
    opt = optim.newton(np.eye(2))
    with pytest.raises(ValueError, match=r"shape \(2, 2\).*3 entries.*\(3, 3\)"):
        opt.update({"p": np.ones(3)}, opt.init(params), params)
    with pytest.raises(ValueError, match="needs params"):
        opt.update({"p": np.ones(3)}, opt.init(params), None)
    singular = optim.newton(np.zeros((3, 3)))
    with pytest.raises(np.linalg.LinAlgError, match=r"singular.*damped_newton"):
        singular.update({"p": np.ones(3)}, singular.init(params), params)
    with pytest.raises(ValueError, match="damping must be a positive number, got 0"):
        optim.damped_newton(np.eye(3), damping=0)
    with pytest.raises(ValueError, match="lr must be a positive number"):
        optim.newton(np.eye(3), lr=-1.0)


def test_newton_trains_a_regression_model_in_one_step() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3, 40))
    y = np.array([[1.0, -2.0, 0.5]]) @ X + 0.3 + 0.01 * rng.standard_normal((1, 40))
    model = models.MultivariateRegression(3, seed=1)
    history = fit(model, X, y, optim.newton(curvature.model_hessian(model, X, y)), epochs=1)
    # the least-squares solution, by hand
    design = np.vstack([X, np.ones((1, 40))]).T
    solution = np.linalg.lstsq(design, y.ravel(), rcond=None)[0]
    np.testing.assert_allclose(model.params["w"].ravel(), solution[:3], rtol=1e-10)
    np.testing.assert_allclose(model.params["b"].ravel(), solution[3:], rtol=1e-10)
    assert history.final_loss < history.step_loss[0]


def test_newton_races_on_test_functions() -> None:
    bowl = landscape.quadratic_bowl(10.0)
    runs = landscape.race_function(
        bowl,
        {
            "newton": optim.newton(curvature.function_hessian(bowl)),
            "damped": optim.damped_newton(curvature.function_hessian(bowl), damping=1.0),
            "gd": optim.sgd(0.05),
        },
        steps=5,
    )
    np.testing.assert_allclose(runs["newton"].points[1], [0.0, 0.0], atol=1e-15)
    assert runs["damped"].loss[-1] < runs["gd"].loss[-1]
    rosen = landscape.rosenbrock()
    H = curvature.function_hessian(rosen)({"p": np.array([1.0, 1.0])})
    np.testing.assert_allclose(H, [[802.0, -400.0], [-400.0, 200.0]])  # by hand at (1, 1)
