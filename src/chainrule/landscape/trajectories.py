"""Optimizer trajectories: from training histories, and races from one start.

A race is long work: :func:`race` and :func:`race_function` take an optional
``progress(done, total)`` callback, called as steps complete (``total`` is
the number of steps of all the optimizers together, and the last call has
``done == total``, also when a run stops early), so a caller can draw a
progress bar. Steps past ``MAX_STEPS`` are refused, and so is a race whose
recorded parameters would not fit in ``max_bytes``.
"""

from __future__ import annotations

import copy
import math
import numbers
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.data import check_finite
from chainrule.landscape.functions import TestFunction
from chainrule.landscape.stacked import column, readout_names, stacked_race, step_together
from chainrule.landscape.surface import (
    DEFAULT_MAX_BYTES,
    Axis,
    Surface,
    check_max_bytes,
    coordinate,
    show_bytes,
)
from chainrule.landscape.surface import surface as loss_surface
from chainrule.models import Model
from chainrule.models.base import HandDerived
from chainrule.optim import GradientTransformation, apply_updates
from chainrule.train import DivergenceError, History, fit
from chainrule.train.fit import DIVERGENCE_FACTOR

MAX_STEPS = 100_000  # per optimizer: a path of more points is not seen in a figure
Progress = Callable[[int, int], None]


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


class Race(dict[str, Trajectory]):
    """The result of a race: name -> :class:`Trajectory`, a dict that a notebook draws.

    ``labels`` names the two coordinates; ``background()``, when given, makes
    the loss surface under the paths (computed only when the race is drawn).
    In Jupyter the race shows as a PNG: the paths over the contours and the
    loss curves.
    """

    def __init__(
        self,
        paths: Mapping[str, Trajectory],
        labels: tuple[str, str] = ("x", "y"),
        background: Callable[[], Surface] | None = None,
    ) -> None:
        super().__init__(paths)
        self.labels = labels
        self.background = background

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled (and deep-copied) without ``background``, which may hold a closure."""
        return (Race, (dict(self), self.labels))

    def _repr_png_(self) -> bytes:
        from chainrule.landscape.race_figure import race_png

        surface_ = None
        if self.background is not None and self:
            try:
                surface_ = self.background()
            except ValueError:  # no finite point to frame: the paths alone
                surface_ = None
        return race_png(self, surface_, self.labels)


def from_history(history: History, axes: tuple[Axis, Axis], name: str = "") -> Trajectory:
    """The recorded parameters of ``fit(..., record=["params"])`` along two axes.

    The loss at each point is the loss of the step taken from it (the batch
    loss; the full-data loss for full-batch GD), and the final loss for the
    last point. Points are exact for a two-parameter model; for a bigger one
    they are two coordinates of a path that also moves in the others.
    """
    if history.params is None:
        raise ValueError("the History has no trajectory: fit(..., record=['params'])")
    loss = [*history.step_loss, history.final_loss]
    return _trajectory(name, history.params, loss, axes, history.stopped is not None)


def _trajectory(
    name: str,
    params: list[dict[str, np.ndarray]],
    loss: list[float],
    axes: tuple[Axis, Axis],
    diverged: bool,
) -> Trajectory:
    """The Trajectory of a list of parameter dicts (steps + 1) and their losses."""
    cx, cy = (coordinate(a, params[0]) for a in axes)
    points = np.array([[cx.get(p), cy.get(p)] for p in params])
    return Trajectory(name, points, np.array(loss), diverged)


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
    progress: Progress | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Race:
    """Trains a copy of ``model`` with each optimizer from the same start.

    Args:
        model: the model (it is not changed).
        X, y: the data.
        optimizers: name -> optimizer, e.g. ``{"gd": optim.sgd(0.1), ...}``.
        axes: the two coordinates to follow.
        start: starting parameters (default: the model's).
        steps: epochs, 1 to ``MAX_STEPS``: optimizer steps of full-batch GD
            when batch_size is None.
        batch_size, seed: as in :func:`chainrule.train.fit`.
        progress: called as ``progress(done, total)``, with ``total = steps *
            len(optimizers)`` (see the module docstring): after every epoch of
            each racer in turn, or, for full-batch GD on a linear model (whose
            racers step together), after every step with the racer-steps done.
        max_bytes: the bound on the parameters one run records (every
            step's parameters are kept to draw the path).

    Returns:
        A :class:`Race`, name -> :class:`Trajectory`; a run that diverges ends
        where it stopped.

    Raises:
        ValueError: steps past the limit, or a record past ``max_bytes``
            (both named in the message).
    """
    check_steps(steps)
    check_max_bytes(max_bytes)
    origin = {k: np.array(v, dtype=np.float64) for k, v in (start or model.params).items()}
    m = np.shape(X)[1] if np.ndim(X) == 2 else 1
    per_epoch = 1 if batch_size is None or batch_size <= 0 else math.ceil(m / batch_size)
    need = (steps * per_epoch + 1) * _bytes_per_step(origin)
    if need > max_bytes:
        raise ValueError(
            f"recording {steps * per_epoch} steps of {sum(v.size for v in origin.values())} "
            f"parameters needs about {show_bytes(need)}, over max_bytes={show_bytes(max_bytes)}: "
            "take fewer steps or raise max_bytes"
        )
    total = steps * len(optimizers)
    results = {}
    full_batch = batch_size is None or (
        isinstance(batch_size, int) and not isinstance(batch_size, bool) and batch_size >= m
    )
    if full_batch:
        X, y = model.check_data(X, y)
        check_finite(X, y)
        names = readout_names(model, origin)
        if names is not None and optimizers:
            where = [coordinate(a, origin) for a in axes]
            columns = (column(names, X.shape[0], where[0].name, where[0].index),
                       column(names, X.shape[0], where[1].name, where[1].index))  # fmt: skip
            paths = stacked_race(model, X, y, optimizers, names, origin, columns, steps, progress)
            found = {k: Trajectory(k, *path) for k, path in paths.items()}
            return _model_race(found, model, X, y, axes, origin)
    for k, (name, opt) in enumerate(optimizers.items()):
        if full_batch:
            results[name] = _full_batch_run(model, X, y, opt, origin, axes, steps, name,
                                            progress, k * steps, total)  # fmt: skip
            continue
        runner = copy.deepcopy(model)
        runner.params.update({key: v.copy() for key, v in origin.items()})
        callback = _epoch_callback(progress, k * steps, total)
        try:
            history = fit(
                runner,
                X,
                y,
                opt,
                epochs=steps,
                batch_size=batch_size,
                seed=seed,
                record=["params"],
                callback=callback,
            )
        except DivergenceError as e:
            history = e.history
            if progress is not None:  # the steps it will not take count as done
                progress((k + 1) * steps, total)
        results[name] = from_history(history, axes, name)
    return _model_race(results, model, X, y, axes, origin)


def _model_race(
    paths: dict[str, Trajectory],
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    axes: tuple[Axis, Axis],
    origin: Mapping[str, np.ndarray],
) -> Race:
    """The paths as a :class:`Race` whose picture shows the model's loss around them."""
    labels = (coordinate(axes[0], dict(origin)).label, coordinate(axes[1], dict(origin)).label)

    def background() -> Surface:
        center = {k: np.array(v) for k, v in origin.items()}
        return loss_surface(model, X, y, axes, center, window(paths), resolution=60)

    return Race(paths, labels, background)


def _full_batch_run(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    opt: GradientTransformation,
    origin: Mapping[str, np.ndarray],
    axes: tuple[Axis, Axis],
    steps: int,
    name: str,
    progress: Progress | None,
    before: int,
    total: int,
) -> Trajectory:
    """One racer of full-batch GD: the Trajectory ``fit(..., record=["params"])`` gives.

    The same steps as :func:`chainrule.train.fit` (the same checks, the same
    losses, bit for bit) without its per-step History. For a hand-derived
    model, whose loss and gradients share one forward pass that computes the
    loss as :meth:`Model.loss` does, the loss after an epoch is the next
    step's loss, so each step costs one forward pass instead of two.
    """
    runner = copy.deepcopy(model)
    runner.params.update({key: v.copy() for key, v in origin.items()})
    kind = type(runner)
    shared = kind.value_and_gradients is HandDerived.value_and_gradients and kind.loss is Model.loss
    initial = runner.loss(X, y)
    params = dict(runner.params)
    path = [params]
    losses: list[float] = []
    if not math.isfinite(initial):  # fit refuses to start
        if progress is not None:
            progress(before + steps, total)
        return _trajectory(name, path, [initial], axes, False)
    limit = DIVERGENCE_FACTOR * initial if initial > 0 else math.inf
    state = opt.init(dict(params))
    last = initial  # the loss after the last epoch (fit's final_loss)
    diverged = False
    was_training, runner.training = runner.training, True
    try:
        loss, grads = runner.value_and_gradients(X, y)
        for epoch in range(steps):
            if not (math.isfinite(loss) and loss <= limit):
                diverged = True
                break
            updates, state = opt.update(grads, state, params)
            params = apply_updates(params, updates)
            runner.params.update(params)
            losses.append(loss)
            path.append(params)
            if shared:
                loss, grads = runner.value_and_gradients(X, y)
                after = loss
            else:
                after = runner.loss(X, y)
            if not (math.isfinite(after) and after <= limit):
                diverged = True
                break
            last = after
            if not shared and epoch + 1 < steps:
                loss, grads = runner.value_and_gradients(X, y)
            if progress is not None and (epoch + 1 < steps):
                progress(before + epoch + 1, total)
    finally:
        runner.training = was_training
    if progress is not None:
        progress(before + steps, total)
    return _trajectory(name, path, [*losses, last], axes, diverged)


def check_steps(steps: Any) -> int:
    """``steps`` as an int from 1 to ``MAX_STEPS``, or a ValueError naming the limit."""
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise ValueError(f"steps must be an integer, got {steps!r}")
    if not 1 <= int(steps) <= MAX_STEPS:
        raise ValueError(f"steps must be from 1 to MAX_STEPS={MAX_STEPS}, got {steps}")
    return int(steps)


def _bytes_per_step(params: Mapping[str, np.ndarray]) -> int:
    """The memory one recorded step takes: the arrays, their dict, the History's numbers.

    Measured with tracemalloc: 612 bytes a step for the univariate regression
    (this gives 632), 1251 for a 1-16-1 MLP (1280).
    """
    arrays = sum(v.nbytes + sys.getsizeof(np.empty((1,) * v.ndim)) for v in params.values())
    return arrays + sys.getsizeof(dict(params)) + 160


def _epoch_callback(
    progress: Progress | None, before: int, total: int
) -> Callable[[int, History], None] | None:
    """fit's per-epoch callback, reporting ``before`` + the epochs done of ``total``."""
    if progress is None:
        return None

    def callback(epoch: int, history: History) -> None:
        progress(before + epoch + 1, total)  # fit counts epochs from 0

    return callback


def race_function(
    fn: TestFunction,
    optimizers: Mapping[str, GradientTransformation],
    start: tuple[float, float] | None = None,
    steps: int = 200,
    progress: Progress | None = None,
) -> Race:
    """Runs each optimizer on a test function from one start.

    The racers step together: every step evaluates the function at all their
    points at once (one pass of the engine when ``fn.vectorized``), then each
    optimizer updates its own point; a racer that diverges stops and the
    others go on.

    Args:
        fn: the test function.
        optimizers: name -> optimizer.
        start: the starting point (default: the function's own); finite.
        steps: steps per optimizer, 1 to ``MAX_STEPS``.
        progress: called as ``progress(done, total)`` after every step with the
            racer-steps done (a stopped racer's steps count as done), ``total =
            steps * len(optimizers)`` (see the module docstring).

    Returns:
        A :class:`Race`, name -> :class:`Trajectory`; a run that diverges ends
        where it stopped.
    """
    check_steps(steps)
    origin = np.array(start if start is not None else fn.start, dtype=np.float64)
    if origin.shape != (2,) or not np.all(np.isfinite(origin)):
        raise ValueError(f"start must be two finite numbers, got {start!r}")

    def evaluate(P: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        values, grads = fn.values_and_gradients(P.T)
        return values, grads.T

    def bad(values: np.ndarray, P: np.ndarray) -> np.ndarray:
        return ~(np.isfinite(values) & (np.abs(P).max(axis=1) <= 1e6))

    run = step_together(
        origin, evaluate, bad, optimizers, steps, lambda p: {"p": p}, False, progress
    )
    paths = {}
    for i, k in enumerate(optimizers):
        end = run.ends[i] + 1
        paths[k] = Trajectory(k, run.history[:end, i], run.losses[:end, i], run.diverged[i])
    return Race(paths, ("x", "y"), lambda: fn.surface(101))


def window(
    trajectories: Mapping[str, Trajectory], pad: float = 0.25, minimum: float = 0.5
) -> tuple[tuple[float, float], tuple[float, float]]:
    """A plotting window around the finite points of the trajectories.

    Each axis is widened by ``pad`` times its extent (at least ``minimum``)
    on both sides; pass the result as ``surface(..., span=window(...))``.
    """
    finite = [t.points[np.all(np.isfinite(t.points), axis=1)] for t in trajectories.values()]
    if not any(len(p) for p in finite):
        raise ValueError(
            "no trajectory has a finite point to frame (did the start hold nan or inf?); "
            "give the surface an explicit span"
        )
    points = np.concatenate([p for p in finite if len(p)])
    lo, hi = points.min(axis=0), points.max(axis=0)
    margin = np.maximum(pad * (hi - lo), minimum)
    return (
        (float(lo[0] - margin[0]), float(hi[0] + margin[0])),
        (float(lo[1] - margin[1]), float(hi[1] + margin[1])),
    )
