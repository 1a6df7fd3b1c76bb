"""Loss and gradient-norm curves from a training History (matplotlib)."""

from __future__ import annotations

import numpy as np

from chainrule.models import Model
from chainrule.plot.figure import Figure
from chainrule.train import History


def loss_name(model: Model) -> str:
    """What ``model``'s loss is, for an axis: MSE, ½ MSE, binary cross-entropy, cross-entropy."""
    return str(model.loss_name)


def loss_curve(
    history: History, title: str = "", log: bool = True, loss_name: str = "loss"
) -> Figure:
    """The loss against the epoch: each epoch's loss (of all the data, or the mean of
    its batches, as ``history.batch_means`` says), batch losses faintly.

    Returns a matplotlib Figure (nothing is shown or saved); ``log`` puts the
    loss axis on a log scale; ``loss_name`` (see :func:`loss_name`) names
    the axis and the curves.
    """
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    epochs = np.arange(0, history.epochs + 1)
    losses = [history.initial_loss, *history.epoch_loss]
    if history.steps > history.epochs:
        steps_per_epoch = history.steps / max(history.epochs, 1)
        x = np.arange(1, history.steps + 1) / steps_per_epoch
        batch = f"batch {loss_name}"
        ax.plot(x, history.step_loss, color="tab:blue", alpha=0.25, lw=0.8, label=batch)
    label = history.epoch_loss_kind.replace("loss", loss_name)
    ax.plot(epochs, losses, color="tab:blue", lw=2, label=label)
    ax.plot([0], [history.initial_loss], "o", color="tab:red", label="start")
    final = history.final_loss
    if history.batch_means:
        ax.plot([epochs[-1]], [final], "s", color="tab:red", label=f"end, {loss_name} on all data")
        losses.append(final)
    if log and min(losses) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel(loss_name + (" (log scale)" if ax.get_yscale() == "log" else ""))
    ax.set_title(title or f"training {loss_name}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend(frameon=False)
    ax.annotate(
        f"final {final:.4g}",
        xy=(epochs[-1], final),
        xytext=(-10, 12),
        textcoords="offset points",
        ha="right",
    )
    return fig


def grad_norm_curve(history: History, title: str = "") -> Figure:
    """The global gradient norm at every step, on a log scale."""
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(np.arange(history.steps), history.grad_norm, color="tab:purple")
    if history.grad_norm and min(history.grad_norm) > 0:
        ax.set_yscale("log")
    ax.set_xlabel("step")
    ax.set_ylabel("‖gradient‖")
    ax.set_title(title or "gradient norm")
    ax.grid(True, which="both", alpha=0.3)
    return fig
