"""The race's full-batch loops give fit's results: bit for bit on an engine model, and to
rounding (1e-12) on a linear model, which the race steps from the data's sums."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from chainrule import data, landscape, models, optim
from chainrule.landscape.trajectories import from_history
from chainrule.train import DivergenceError, fit


def _opts(scale: float = 1.0) -> dict[str, optim.GradientTransformation]:
    return {
        "gd": optim.sgd(0.1 * scale),
        "momentum": optim.momentum(0.1 * scale, 0.9),
        "nesterov": optim.sgd(0.05 * scale, momentum=0.9, nesterov=True, weight_decay=0.01),
        "rmsprop": optim.rmsprop(0.01 * scale, momentum=0.5, weight_decay=0.01),
        "adam": optim.adam(0.05 * scale, weight_decay=0.01),
        "adamw": optim.adamw(0.05 * scale),
        "adagrad": optim.adagrad(0.1 * scale),
        "scheduled": optim.sgd(optim.schedules.step_decay(0.1 * scale, 10, 0.5)),
    }


def _by_fit(
    model: models.Model,
    X: np.ndarray,
    y: np.ndarray,
    opt: optim.GradientTransformation,
    start: dict[str, np.ndarray],
    steps: int,
    axes: tuple[landscape.Axis, landscape.Axis],
) -> landscape.Trajectory:
    runner = copy.deepcopy(model)
    runner.params.update({k: v.copy() for k, v in start.items()})
    try:
        history = fit(runner, X, y, opt, epochs=steps, record=["params"])
    except DivergenceError as e:
        history = e.history
    return from_history(history, axes)


def _same(a: landscape.Trajectory, b: landscape.Trajectory) -> None:
    assert a.diverged == b.diverged
    np.testing.assert_array_equal(a.points, b.points)
    np.testing.assert_array_equal(a.loss, b.loss)


def _close(a: landscape.Trajectory, b: landscape.Trajectory) -> None:
    """The same path up to rounding: same length and ending, every number to 1e-12."""
    assert a.diverged == b.diverged
    assert a.points.shape == b.points.shape and a.loss.shape == b.loss.shape
    np.testing.assert_allclose(a.points, b.points, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(a.loss, b.loss, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("scale", [1.0, 30.0])  # 30: some runs diverge
def test_race_matches_fit_on_a_hand_derived_model(scale: float) -> None:
    ds = data.linear(m=200, seed=0)
    model = models.build("univariate", n_features=1)
    start = {"w": np.array([[-2.0]]), "b": np.array([[2.5]])}
    paths = landscape.race(model, ds.X, ds.y, _opts(scale), ("w", "b"), start, steps=60)
    diverged = 0
    for name, opt in _opts(scale).items():
        _close(paths[name], _by_fit(model, ds.X, ds.y, opt, start, 60, ("w", "b")))
        diverged += paths[name].diverged
    assert diverged > 0 if scale > 1 else diverged == 0


def test_race_matches_fit_on_a_multivariate_model_with_a_newton_racer() -> None:
    ds = data.linear(m=300, n_features=3, seed=4)
    model = models.build("multivariate", n_features=3)
    start = {"w": np.array([[0.5, -1.0, 2.0]]), "b": np.array([[-1.0]])}
    H = np.vstack([ds.X, np.ones((1, 300))])
    hessian = (2.0 / 300) * H @ H.T  # w's three entries, then b
    opts = {**_opts(), "newton": optim.newton(hessian, 0.5)}  # not elementwise: key by key
    axes = (("w", (0, 2)), "b")
    paths = landscape.race(model, ds.X, ds.y, opts, axes, start, steps=40)
    for name, opt in opts.items():
        _close(paths[name], _by_fit(model, ds.X, ds.y, opt, start, 40, axes))


@pytest.mark.filterwarnings("ignore:overflow encountered:RuntimeWarning")
def test_race_of_a_start_with_an_infinite_loss_takes_no_step() -> None:
    ds = data.linear(m=20, seed=0)
    model = models.build("univariate", n_features=1)
    start = {"w": np.array([[1e200]]), "b": np.array([[0.0]])}
    paths = landscape.race(model, ds.X, ds.y, _opts(), ("w", "b"), start, steps=5)
    for name, opt in _opts().items():
        _same(paths[name], _by_fit(model, ds.X, ds.y, opt, start, 5, ("w", "b")))
        assert len(paths[name].points) == 1


def test_race_matches_fit_on_an_engine_model() -> None:
    ds = data.linear(m=100, seed=1)
    model = models.build("mlp", n_features=ds.X.shape[0], hidden_layers=(4,))
    start = {k: v.copy() for k, v in model.params.items()}
    axes = (("W1", (0, 0)), ("b2", (0, 0)))
    paths = landscape.race(model, ds.X, ds.y, _opts(), axes, start, steps=25)
    for name, opt in _opts().items():
        _same(paths[name], _by_fit(model, ds.X, ds.y, opt, start, 25, axes))


def test_race_with_batch_size_of_all_examples_is_full_batch() -> None:
    ds = data.linear(m=50, seed=2)
    model = models.build("univariate", n_features=1)
    a = landscape.race(model, ds.X, ds.y, _opts(), steps=20)
    b = landscape.race(model, ds.X, ds.y, _opts(), steps=20, batch_size=50)
    for name in a:
        _same(a[name], b[name])


def test_race_reports_progress_after_every_step_of_all_racers() -> None:
    ds = data.linear(m=50, seed=2)
    model = models.build("univariate", n_features=1)
    calls: list[tuple[int, int]] = []
    opts = {"gd": optim.sgd(0.1), "boom": optim.sgd(100.0)}
    paths = landscape.race(
        model, ds.X, ds.y, opts, steps=5, progress=lambda d, t: calls.append((d, t))
    )
    assert paths["boom"].diverged and not paths["gd"].diverged
    end = len(paths["boom"].points) - 1  # boom's last point: the one whose loss blew up
    done = [d for d, _ in calls]
    assert {t for _, t in calls} == {10} and done[-1] == 10 and len(done) == 5
    # after step s both racers have s steps done; from the step after boom's last point on,
    # boom counts all of its 5
    assert done[:end] == [2 * s for s in range(1, end + 1)]
    assert done[end:4] == [s + 5 for s in range(end + 1, 5)]


def _function_race_by_hand(
    fn: landscape.TestFunction, opt: optim.GradientTransformation, steps: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """One racer on a test function, a step at a time with the optimizer's own update."""
    params = {"p": np.array(fn.start)}
    state = opt.init(params)
    points, losses = [params["p"]], []
    for _ in range(steps):
        value, grad = fn.value_and_gradient(params["p"])
        losses.append(value)
        if not np.isfinite(value) or np.abs(params["p"]).max() > 1e6:
            return np.array(points), np.array(losses), True
        updates, state = opt.update({"p": grad}, state, params)
        params = optim.apply_updates(params, updates)
        points.append(params["p"])
    losses.append(fn.value_and_gradient(params["p"])[0])
    return np.array(points), np.array(losses), False


@pytest.mark.parametrize("name", sorted(landscape.FUNCTIONS))
def test_function_race_steps_the_racers_as_each_alone(name: str) -> None:
    fn = landscape.FUNCTIONS[name]()
    opts = {**_opts(0.01), "boom": optim.sgd(10.0)}  # boom leaves the stack early on most
    paths = landscape.race_function(fn, opts, steps=80)
    for racer, opt in opts.items():
        points, losses, diverged = _function_race_by_hand(fn, opt, 80)
        assert paths[racer].diverged == diverged
        np.testing.assert_allclose(paths[racer].points, points, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(paths[racer].loss, losses, rtol=1e-12, atol=1e-12)


def test_values_and_gradients_at_many_points_are_each_points_own() -> None:
    fn = landscape.FUNCTIONS["goldstein-price"]()
    points = np.random.default_rng(0).uniform(-2, 2, (2, 7))
    values, grads = fn.values_and_gradients(points)
    assert values.shape == (7,) and grads.shape == (2, 7)
    for k in range(7):
        value, grad = fn.value_and_gradient(points[:, k])
        assert values[k] == pytest.approx(value, rel=1e-14)
        np.testing.assert_allclose(grads[:, k], grad, rtol=1e-14)


@pytest.mark.parametrize("name", ["gd", "momentum", "rmsprop", "adam", "adamw", "adagrad"])
def test_elementwise_optimizers_give_the_same_numbers_on_joined_parameters(name: str) -> None:
    make = optim.OPTIMIZERS[name]
    opt = make(0.05, weight_decay=0.01) if name not in ("momentum",) else make(0.05, 0.9)
    assert opt.elementwise
    rng = np.random.default_rng(1)
    params = {"w": rng.standard_normal((2, 3)), "b": rng.standard_normal((2, 1))}
    joined = {"p": np.concatenate([params["w"].ravel(), params["b"].ravel()])}
    state, state_joined = opt.init(params), opt.init(joined)
    for _ in range(5):
        grads = {"w": rng.standard_normal((2, 3)), "b": rng.standard_normal((2, 1))}
        updates, state = opt.update(grads, state, params)
        g = {"p": np.concatenate([grads["w"].ravel(), grads["b"].ravel()])}
        updates_joined, state_joined = opt.update(g, state_joined, joined)
        params, joined = (
            optim.apply_updates(params, updates),
            optim.apply_updates(joined, updates_joined),
        )
        flat = np.concatenate([params["w"].ravel(), params["b"].ravel()])
        np.testing.assert_array_equal(joined["p"], flat)


def test_newton_is_not_elementwise() -> None:
    assert not optim.newton(np.eye(2)).elementwise
    assert not optim.chain(optim.sgd(0.1), optim.newton(np.eye(2))).elementwise


def test_a_function_of_scalars_races_a_point_at_a_time_bit_for_bit() -> None:
    rosen = landscape.FUNCTIONS["rosenbrock"]()
    scalar_only = landscape.TestFunction("r", "", rosen.f, rosen.start, rosen.window, None)
    assert not scalar_only.vectorized
    opts = _opts(0.01)
    paths = landscape.race_function(scalar_only, opts, steps=30)
    for racer, opt in opts.items():
        points, losses, diverged = _function_race_by_hand(scalar_only, opt, 30)
        assert paths[racer].diverged == diverged
        np.testing.assert_array_equal(paths[racer].points, points)
        np.testing.assert_array_equal(paths[racer].loss, losses)


def test_race_matches_fit_on_an_mlp_with_no_hidden_layer() -> None:
    ds = data.linear(m=120, n_features=2, seed=5)
    model = models.MLP([2, 1], output="identity", seed=1)
    assert model.linear_readout() == ("W1", "b1", "X")  # the race steps it from the data's sums
    start = {k: v.copy() for k, v in model.params.items()}
    axes = (("W1", (0, 1)), "b1")
    paths = landscape.race(model, ds.X, ds.y, _opts(), axes, start, steps=30)
    for name, opt in _opts().items():
        _close(paths[name], _by_fit(model, ds.X, ds.y, opt, start, 30, axes))
