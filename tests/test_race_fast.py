"""The race's full-batch loop and the optimizers' updates give fit's results, bit for bit."""

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


@pytest.mark.parametrize("scale", [1.0, 30.0])  # 30: some runs diverge
def test_race_matches_fit_on_a_hand_derived_model(scale: float) -> None:
    ds = data.linear(m=200, seed=0)
    model = models.build("univariate", n_features=1)
    start = {"w": np.array([[-2.0]]), "b": np.array([[2.5]])}
    paths = landscape.race(model, ds.X, ds.y, _opts(scale), ("w", "b"), start, steps=60)
    diverged = 0
    for name, opt in _opts(scale).items():
        _same(paths[name], _by_fit(model, ds.X, ds.y, opt, start, 60, ("w", "b")))
        diverged += paths[name].diverged
    assert diverged > 0 if scale > 1 else diverged == 0


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


def test_race_reports_progress_as_fit_does() -> None:
    ds = data.linear(m=50, seed=2)
    model = models.build("univariate", n_features=1)
    calls: list[tuple[int, int]] = []
    opts = {"gd": optim.sgd(0.1), "boom": optim.sgd(100.0)}
    paths = landscape.race(
        model, ds.X, ds.y, opts, steps=5, progress=lambda d, t: calls.append((d, t))
    )
    assert paths["boom"].diverged and not paths["gd"].diverged
    assert calls[:5] == [(i, 10) for i in range(1, 6)]
    assert calls[-1] == (10, 10)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)
