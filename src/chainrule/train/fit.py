"""``fit``: gradient descent on a model, full-batch or in mini-batches, with a History."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from chainrule.data import check_finite
from chainrule.display import heading, line_chart, table
from chainrule.models import Model
from chainrule.optim import GradientTransformation, apply_updates, current_lr
from chainrule.optim.joined import KEY, joined_layout

RECORDABLE = ("params", "state")

DIVERGENCE_FACTOR = 100.0
"""A loss this many times its starting value means the run has diverged.

Measured on every registry model with its default data, trained with SGD,
momentum, RMSprop and Adam at learning rates 0.001 to 1 (full batch and
batches of 16, 60 epochs): every run that ended below its starting loss stayed
under 82 times it on the way, except RMSprop and Adam at learning rates of 0.3
and more, whose transients reached 220 to 800,000 times the start before
settling; those learning rates are too large for the model and are reported
as such. A millionfold, the old bound, let a loss go from 2.47 to 495 unnoticed.
"""


@dataclass
class History:
    """What happened during :func:`fit`.

    Attributes:
        step_loss: the loss of the batch at each step, before its update.
        grad_norm: the global L2 norm of the gradients at each step.
        lr: the learning rate of each step.
        initial_loss: the full-data loss before training.
        epoch_loss: the loss of each epoch. Full-batch steps (and
            ``fit(..., full_loss=True)``) record the loss of all the data
            after the epoch; mini-batches record the mean of the epoch's batch
            losses, each taken before its step and weighted by the batch's
            size (or total sample weight), as scikit-learn's ``loss_curve_``
            and Keras's ``loss`` do, which costs no pass over the data.
        batch_means: True when ``epoch_loss`` holds those means.
        end_loss: the full-data loss after the last step (nan until fit sets it).
        params: when recorded, the parameters before the first step and after
            every step (``steps + 1`` dicts of arrays).
        states: when recorded, the optimizer state after every step.
        epoch_of_step: the epoch each step belongs to.
        stopped: why training ended early, or None.
    """

    step_loss: list[float] = field(default_factory=list)
    grad_norm: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    initial_loss: float = math.nan
    epoch_loss: list[float] = field(default_factory=list)
    batch_means: bool = False
    end_loss: float = math.nan
    params: list[dict[str, np.ndarray]] | None = None
    states: list[Any] | None = None
    epoch_of_step: list[int] = field(default_factory=list)
    stopped: str | None = None

    @property
    def steps(self) -> int:
        return len(self.step_loss)

    @property
    def epochs(self) -> int:
        return len(self.epoch_loss)

    @property
    def epoch_loss_kind(self) -> str:
        """What ``epoch_loss`` holds, in words for a legend."""
        return "mean batch loss of each epoch" if self.batch_means else "loss on all data"

    @property
    def final_loss(self) -> float:
        """The full-data loss after training: ``end_loss`` where fit set it, else
        the last full-data epoch loss, else the initial loss."""
        if not math.isnan(self.end_loss):
            return self.end_loss
        if self.epoch_loss and not self.batch_means:
            return self.epoch_loss[-1]
        return self.initial_loss

    def __repr__(self) -> str:
        return (
            f"History({self.steps} steps, {self.epochs} epochs, loss {self.initial_loss:.5g} -> "
            f"{self.final_loss:.5g}" + (f", {self.stopped}" if self.stopped else "") + ")"
        )

    def _repr_html_(self) -> str:
        """A notebook's view: a summary table and the loss curve as inline SVG.

        The curve draws the loss of each step's batch against the step and,
        where epochs ended, the epoch loss (the initial loss at step 0, then
        each epoch's at that epoch's last step: of all the data, or the mean
        of the epoch's batches, as ``batch_means`` says).
        """
        rows: list[tuple[str, object]] = [
            ("steps", self.steps),
            ("epochs", self.epochs),
            ("initial loss", float(self.initial_loss)),
            ("final loss", float(self.final_loss)),
        ]
        if self.lr:
            rows.append(("learning rate", f"{self.lr[0]:.5g} → {self.lr[-1]:.5g}"))
        if self.grad_norm:
            rows.append(("last gradient norm", float(self.grad_norm[-1])))
        if self.stopped:
            rows.append(("stopped", self.stopped))
        parts = [heading("History"), table(("", "value"), rows)]
        series: list[tuple[str, list[float], list[float]]] = []
        if self.step_loss:
            series.append(("batch loss", list(range(self.steps)), list(self.step_loss)))
        if self.epoch_loss:
            ends = self._epoch_ends()
            series.append(
                (self.epoch_loss_kind, [0.0, *ends], [self.initial_loss, *self.epoch_loss])
            )
        if series:
            parts.append(line_chart(series, "step", "loss"))
        return "".join(parts)

    def _epoch_ends(self) -> list[float]:
        """The step count at the end of each epoch (one number per epoch).

        Read from ``epoch_of_step`` where it covers every step; otherwise the
        epochs are taken as equally long.
        """
        steps, of = self.steps, self.epoch_of_step
        if steps and len(of) == steps:
            ends = [float(i + 1) for i in range(steps) if i + 1 == steps or of[i + 1] != of[i]]
            if len(ends) == self.epochs:
                return ends
        return [steps * (e + 1) / self.epochs for e in range(self.epochs)]

    def as_dict(self) -> dict[str, Any]:
        """The numbers, JSON-ready (no parameters or states)."""
        return {
            "initial_loss": self.initial_loss,
            "final_loss": self.final_loss,
            "epoch_loss": list(self.epoch_loss),
            "batch_means": self.batch_means,
            "step_loss": list(self.step_loss),
            "grad_norm": list(self.grad_norm),
            "lr": list(self.lr),
            "steps": self.steps,
            "epochs": self.epochs,
            "stopped": self.stopped,
        }


class DivergenceError(ArithmeticError):
    """Training stopped because the loss became non-finite or exploded.

    Attributes:
        step: the step at which it happened (0-based).
        lr: the learning rate at that step.
        history: the History up to that step.
    """

    def __init__(self, message: str, step: int, lr: float | None, history: History) -> None:
        super().__init__(message)
        self.step = step
        self.lr = lr
        self.history = history


def fit(
    model: Model,
    X: np.ndarray,
    y: np.ndarray,
    optimizer: GradientTransformation,
    epochs: int = 100,
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: int = 0,
    record: bool | Iterable[str] = (),
    callback: Callable[[int, History], None] | None = None,
    divergence_factor: float = DIVERGENCE_FACTOR,
    sample_weight: np.ndarray | None = None,
    full_loss: bool = False,
) -> History:
    """Trains ``model`` in place and returns its History.

    The data are checked once (``model.check_data``); each step computes the
    loss and gradients of one batch with ``model.checked_value_and_gradients``
    (the hand-derived equations for the worked networks, the engine's compiled
    gradients for the MLP) and applies the optimizer's update to
    ``model.params``. An elementwise optimizer (``optim.joined.joined_layout``)
    steps the parameters joined into one vector, from the gradients
    ``model.joined_value_and_gradients`` lays end to end (the same numbers);
    with ``record=["state"]`` it steps them array by array.

    Args:
        model: any chainrule model.
        X: features, (n, m), examples as columns.
        y: targets, (1, m) (or what the model accepts).
        optimizer: e.g. ``optim.sgd(0.1)``.
        epochs: passes over the data.
        batch_size: None for full-batch gradient descent, else the number of
            examples per step (the last batch of an epoch may be smaller).
        shuffle: reshuffle the examples each epoch (mini-batches only).
        seed: seeds the shuffling: the same seed gives the same History, bit
            for bit.
        record: True, or any of "params" and "state": keep the parameter
            trajectory and/or the optimizer state of every step.
        callback: called after every epoch with (epoch, history).
        divergence_factor: stop when a loss (of a batch, or of the whole data
            after an epoch) exceeds this many times the initial loss; see
            :data:`DIVERGENCE_FACTOR`.
        sample_weight: None, or a weight per example (m,), each ≥ 0 with a
            positive sum: every loss (of a batch, of the whole data) is then the
            weighted mean Σᵢ sᵢ ℓᵢ / Σᵢ sᵢ of its examples' losses, for a model
            whose ``takes_weights`` is True (the MLP). Weights of ones train
            the same parameters as no weights.
        full_loss: with mini-batches, record the loss of all the data after
            each epoch in ``History.epoch_loss`` (one more forward pass over
            every example per epoch) instead of the mean of the epoch's batch
            losses. Full-batch training always records the former. Either
            way the loss of all the data before training and after the last
            step is computed (``initial_loss``, ``final_loss``).

    Raises:
        ValueError: X or y holds nan or inf (naming the row and column), or an
            argument is out of range (sample weights included, or a batch whose
            weights sum to 0).
        DivergenceError: a loss became nan or inf, or grew past
            ``divergence_factor`` times its start; the full-data loss after the
            last update is checked too. The model keeps the parameters of the last
            step whose loss was acceptable and the error carries the History.
    """
    X, y = model.check_data(X, y)
    check_finite(X, y)
    m = X.shape[1]
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a positive integer, got {epochs!r}")
    if batch_size is not None and (
        isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1
    ):
        raise ValueError(f"batch_size must be a positive integer or None, got {batch_size!r}")
    wanted = set(RECORDABLE) if record is True else set() if record is False else set(record)
    unknown = wanted - set(RECORDABLE)
    if unknown:
        raise ValueError(f"record takes {RECORDABLE}, got {sorted(unknown)}")
    if not (isinstance(divergence_factor, int | float) and divergence_factor > 1):
        raise ValueError(f"divergence_factor must be a number above 1, got {divergence_factor!r}")
    weights = None if sample_weight is None else _check_weights(model, sample_weight, m)

    def loss_of(Xs: np.ndarray, ys: np.ndarray, ws: np.ndarray | None) -> float:
        return model.checked_loss(Xs, ys) if ws is None else model.checked_weighted_loss(Xs, ys, ws)

    rng = np.random.default_rng(seed)
    history = History(initial_loss=loss_of(X, y, weights))
    if "params" in wanted:
        history.params = [dict(model.params)]
    if "state" in wanted:
        history.states = []
    if not math.isfinite(history.initial_loss):
        raise DivergenceError(
            f"the loss is {history.initial_loss} before training: look at the data and the "
            "initial parameters",
            0,
            None,
            history,
        )
    limit = divergence_factor * history.initial_loss if history.initial_loss > 0 else math.inf
    # Recorded states stay per parameter, so those runs step array by array.
    joined = None if "state" in wanted else joined_layout(optimizer, model.params)
    if joined is None:
        state = optimizer.init(dict(model.params))
    else:
        state = optimizer.init({KEY: joined.join([model.params[k] for k in joined.names])})
    size = m if batch_size is None else min(batch_size, m)
    means = size < m and not full_loss
    history.batch_means = means
    step = 0
    epoch = 0

    def diverged(loss: float, lr: float | None, good: dict[str, np.ndarray], where: str) -> None:
        what = f"became {loss}" if not math.isfinite(loss) else f"grew to {loss:.3g}"
        history.stopped = f"diverged at step {step}"
        model.params.update(good)
        suggestion = f", such as {lr / 10:g}" if lr else ""
        raise DivergenceError(
            f"training diverged at step {step} (epoch {epoch + 1}): {where} {what}, more than "
            f"{divergence_factor:g} times its start of {history.initial_loss:.3g}, with "
            f"{optimizer!r}. Try a smaller learning rate{suggestion}. The model keeps the "
            "parameters of the last step whose loss was acceptable.",
            step,
            lr,
            history,
        )

    weighted = weights is not None
    pairs = (
        model.checked_weighted_value_and_gradients
        if weighted
        else model.checked_value_and_gradients
    )
    was_training, model.training = model.training, True
    try:
        for epoch in range(epochs):
            epoch_start = dict(model.params)
            if joined is not None:  # read again: a callback may have set parameters
                vector = joined.join([model.params[k] for k in joined.names])
                joined_pairs = model.joined_value_and_gradients(weighted)
            X_epoch, y_epoch, w_epoch = X, y, weights
            if shuffle and size < m:
                # One shuffled copy per epoch, whose batches are slices (views):
                # the same columns in the same order as indexing each batch.
                order = rng.permutation(m)
                X_epoch, y_epoch = X[:, order], y[:, order]
                w_epoch = None if weights is None else weights[order]
            total = counted = 0.0
            for start in range(0, m, size):
                wb = None
                if size == m:
                    Xb, yb, wb = X_epoch, y_epoch, w_epoch
                else:
                    Xb, yb = X_epoch[:, start : start + size], y_epoch[:, start : start + size]
                    if w_epoch is not None:
                        wb = w_epoch[start : start + size]
                lr = current_lr(optimizer, state)
                if wb is None:
                    data: tuple[np.ndarray, ...] = (Xb, yb)
                    share = float(Xb.shape[1])
                else:
                    data = (Xb, yb, wb)
                    share = float(wb.sum())
                    if not share > 0:
                        raise ValueError(
                            f"the batch of examples {start} to {start + wb.size - 1} (epoch "
                            f"{epoch + 1}) has sample weights summing to {share}: give "
                            "fewer zero weights, a larger batch_size, or drop those examples"
                        )
                if joined is None:
                    params = dict(model.params)
                    loss, grads = pairs(*data)
                else:
                    loss, gradient = joined_pairs(*data)
                if not (math.isfinite(loss) and loss <= limit):
                    good = params if joined is None else joined.split(vector)
                    diverged(loss, lr, good, "the loss of a batch")
                if joined is None:
                    updates, state = optimizer.update(grads, state, params)
                    model.params.update(apply_updates(params, updates))
                    norm = math.sqrt(sum(float(np.vdot(g, g)) for g in grads.values()))
                else:
                    updates, state = optimizer.update({KEY: gradient}, state, {KEY: vector})
                    vector = vector + updates[KEY]  # a new vector: recorded parameters stay put
                    model.params.update(joined.split(vector))
                    norm = math.sqrt(float(np.vdot(gradient, gradient)))
                history.step_loss.append(loss)
                history.grad_norm.append(norm)
                history.lr.append(math.nan if lr is None else lr)
                history.epoch_of_step.append(epoch)
                if history.params is not None:
                    history.params.append(dict(model.params))
                if history.states is not None:
                    history.states.append(state)
                total += loss * share
                counted += share
                step += 1
            last = epoch == epochs - 1
            if means and not last:
                history.epoch_loss.append(total / counted)
            else:
                full = loss_of(X, y, weights)
                if not (math.isfinite(full) and full <= limit):
                    diverged(full, current_lr(optimizer, state), epoch_start, "the loss")
                history.epoch_loss.append(total / counted if means else full)
                if last:
                    history.end_loss = full
            if callback is not None:
                callback(epoch, history)
    finally:
        model.training = was_training
    return history


def _check_weights(model: Model, sample_weight: Any, m: int) -> np.ndarray:
    """The sample weights as a float array (m,), refused with the reason when the
    model cannot weight its loss or a weight is not finite and ≥ 0."""
    if not model.takes_weights:
        raise ValueError(model.weights_refusal())
    weights = np.asarray(sample_weight, dtype=np.float64)
    if weights.shape not in ((m,), (1, m)):
        raise ValueError(
            f"sample_weight has shape {weights.shape}; give one weight per example, ({m},)"
        )
    weights = weights.reshape(m)
    bad = ~np.isfinite(weights) | (weights < 0)
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"sample_weight {weights[first]} of example {first}: weights must be finite and ≥ 0"
        )
    if not weights.sum() > 0:
        raise ValueError("sample_weight sums to 0: at least one example needs a positive weight")
    return weights
