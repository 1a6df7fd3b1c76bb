"""Optimizer trajectories: from training histories, and races from one start."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from chainrule.landscape.functions import TestFunction
from chainrule.landscape.surface import Axis, coordinate
from chainrule.models import Model
from chainrule.optim import GradientTransformation, apply_updates
from chainrule.train import DivergenceError, History, fit


@dataclass(frozen=True)
class Trajectory:
    """A path through two coordinates.

    Attributes:
        name: the optimizer (or run) that made it.
        points: (steps + 1, 2): the start, then the point after every step.
        loss: (steps + 1,): the loss at each point.
        diverged: whether the run stopped because the loss blew up.
    """

    name: str
    points: np.ndarray
    loss: np.ndarray
    diverged: bool = False


def from_history(history: History, axes: tuple[Axis, Axis], name: str = "") -> Trajectory:
    """The recorded parameters of ``fit(..., record=["params"])`` along two axes.

    The loss at each point is the loss of the step taken from it (the batch
    loss; the full-data loss for full-batch GD), and the final loss for the
    last point. Points are exact for a two-parameter model; for a bigger one
    they are two coordinates of a path that also moves in the others.
    """
    if history.params is None:
        raise ValueError("the History has no trajectory: fit(..., record=['params'])")
    cx, cy = (coordinate(a, history.params[0]) for a in axes)
    points = np.array([[cx.get(p), cy.get(p)] for p in history.params])
    loss = np.array([*history.step_loss, history.final_loss])
    return Trajectory(name, points, loss, history.stopped is not None)


def race(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    optimizers: Mapping[str, GradientTransformation],
    axes: tuple[Axis, Axis] = ("w", "b"),
    start: Mapping[str, np.ndarray] | None = None,
    steps: int = 100,
    batch_size: int | None = None,
    seed: int = 0,
) -> dict[str, Trajectory]:
    """Trains a copy of ``model`` with each optimizer from the same start.

    Args:
        model: the model (it is not changed).
        X, y: the data.
        optimizers: name -> optimizer, e.g. ``{"gd": optim.sgd(0.1), ...}``.
        axes: the two coordinates to follow.
        start: starting parameters (default: the model's).
        steps: optimizer steps (epochs of full-batch GD when batch_size is None).
        batch_size, seed: as in :func:`chainrule.train.fit`.

    Returns:
        name -> :class:`Trajectory`; a run that diverges ends where it stopped.
    """
    origin = {k: np.array(v, dtype=np.float64) for k, v in (start or model.params).items()}
    results = {}
    for name, opt in optimizers.items():
        runner = copy.deepcopy(model)
        runner.params.update({k: v.copy() for k, v in origin.items()})
        try:
            history = fit(
                runner, X, y, opt, epochs=steps, batch_size=batch_size, seed=seed, record=["params"]
            )
        except DivergenceError as e:
            history = e.history
        results[name] = from_history(history, axes, name)
    return results


def race_function(
    fn: TestFunction,
    optimizers: Mapping[str, GradientTransformation],
    start: tuple[float, float] | None = None,
    steps: int = 200,
) -> dict[str, Trajectory]:
    """Runs each optimizer on a test function from one start."""
    results = {}
    for name, opt in optimizers.items():
        point = np.array(start if start is not None else fn.start, dtype=np.float64)
        params = {"p": point}
        state = opt.init(params)
        points, losses = [point.copy()], []
        diverged = False
        for _ in range(steps):
            value, grad = fn.value_and_gradient(params["p"])
            losses.append(value)
            if not np.isfinite(value) or np.abs(params["p"]).max() > 1e6:
                diverged = True
                break
            updates, state = opt.update({"p": grad}, state, params)
            params = apply_updates(params, updates)
            points.append(params["p"].copy())
        if len(losses) < len(points):
            losses.append(fn.value_and_gradient(params["p"])[0])
        results[name] = Trajectory(name, np.array(points), np.array(losses), diverged)
    return results


def window(
    trajectories: Mapping[str, Trajectory], pad: float = 0.25, minimum: float = 0.5
) -> tuple[tuple[float, float], tuple[float, float]]:
    """A plotting window around the finite points of the trajectories.

    Each axis is widened by ``pad`` times its extent (at least ``minimum``)
    on both sides; pass the result as ``surface(..., span=window(...))``.
    """
    finite = [t.points[np.all(np.isfinite(t.points), axis=1)] for t in trajectories.values()]
    points = np.concatenate([p for p in finite if len(p)])
    lo, hi = points.min(axis=0), points.max(axis=0)
    margin = np.maximum(pad * (hi - lo), minimum)
    return (
        (float(lo[0] - margin[0]), float(hi[0] + margin[0])),
        (float(lo[1] - margin[1]), float(hi[1] + margin[1])),
    )
