"""The optimizers, each a chain of transformations with PyTorch's semantics.

Every ``lr`` takes a number or a schedule (:mod:`chainrule.optim.schedules`).
Hyperparameters are checked when the optimizer is made. In the rules below
g is the gradient, p the parameter, η the learning rate at step t.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chainrule.optim.base import GradientTransformation, chain
from chainrule.optim.schedules import Schedule
from chainrule.optim.transforms import (
    add_decayed_weights,
    ema,
    scale_by_adagrad,
    scale_by_adam,
    scale_by_learning_rate,
    scale_by_rms,
    trace,
)

LearningRate = float | Schedule


def sgd(
    lr: LearningRate, momentum: float = 0.0, nesterov: bool = False, weight_decay: float = 0.0
) -> GradientTransformation:
    """Stochastic gradient descent, as ``torch.optim.SGD`` with dampening 0.

        d = g + λ p
        b = d at the first step, then b ← μ b + d        (if μ > 0)
        d = b, or d + μ b with Nesterov                  (if μ > 0)
        p ← p − η d

    Plain gradient descent is ``sgd(lr)`` on the full batch.
    """
    _lr(lr)
    _in_unit("momentum", momentum, closed=False)
    _non_negative("weight_decay", weight_decay)
    if nesterov and momentum <= 0:
        raise ValueError("nesterov=True needs momentum > 0")
    parts = []
    if weight_decay:
        parts.append(add_decayed_weights(weight_decay))
    if momentum:
        parts.append(trace(momentum, nesterov))
    parts.append(scale_by_learning_rate(lr))
    return chain(
        *parts,
        name="sgd",
        **_shown(lr=lr, momentum=momentum, nesterov=nesterov, weight_decay=weight_decay),
    )


def momentum(lr: LearningRate, beta: float = 0.9) -> GradientTransformation:
    """The course's momentum: an exponential average of the gradients.

        v ← β v + (1 − β) g,   v starting at 0
        p ← p − η v

    PyTorch's form (``sgd(lr, momentum=β)``) accumulates b ← β b + g without
    the (1 − β), so b ≈ v / (1 − β) once the start has been forgotten: this
    optimizer with learning rate η takes the steps of ``sgd(η (1 − β),
    momentum=β)``, except in the first few steps (v starts at 0 and b at g).
    """
    _lr(lr)
    _in_unit("beta", beta, closed=False)
    return chain(ema(beta), scale_by_learning_rate(lr), name="momentum", lr=lr, beta=beta)


def rmsprop(
    lr: LearningRate,
    alpha: float = 0.99,
    eps: float = 1e-8,
    momentum: float = 0.0,
    weight_decay: float = 0.0,
) -> GradientTransformation:
    """RMSprop, as ``torch.optim.RMSprop`` (not centered).

    d = g + λ p
    s ← α s + (1 − α) d²,   s starting at 0
    d = d / (√s + ε)
    b ← μ b + d             (if μ > 0; b starting at 0)
    p ← p − η d  (or p ← p − η b)
    """
    _lr(lr)
    _in_unit("alpha", alpha, closed=True)
    _non_negative("eps", eps)
    _in_unit("momentum", momentum, closed=False)
    _non_negative("weight_decay", weight_decay)
    parts = []
    if weight_decay:
        parts.append(add_decayed_weights(weight_decay))
    parts.append(scale_by_rms(alpha, eps))
    if momentum:
        parts.append(trace(momentum))
    parts.append(scale_by_learning_rate(lr))
    return chain(
        *parts,
        name="rmsprop",
        **_shown(lr=lr, alpha=alpha, eps=eps, momentum=momentum, weight_decay=weight_decay),
    )


def adam(
    lr: LearningRate,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.0,
) -> GradientTransformation:
    """Adam, as ``torch.optim.Adam`` (weight decay added to the gradient).

    d = g + λ p
    m ← β1 m + (1 − β1) d,   v ← β2 v + (1 − β2) d²,   both from 0
    p ← p − η (m / (1 − β1ᵗ)) / (√v / √(1 − β2ᵗ) + ε)
    """
    _lr(lr)
    b1, b2 = _betas(betas)
    _non_negative("eps", eps)
    _non_negative("weight_decay", weight_decay)
    parts = [add_decayed_weights(weight_decay)] if weight_decay else []
    parts += [scale_by_adam(b1, b2, eps), scale_by_learning_rate(lr)]
    return chain(
        *parts, name="adam", **_shown(lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay)
    )


def adamw(
    lr: LearningRate,
    betas: tuple[float, float] = (0.9, 0.999),
    eps: float = 1e-8,
    weight_decay: float = 0.01,
) -> GradientTransformation:
    """AdamW, as ``torch.optim.AdamW``: Adam with decoupled weight decay.

    p ← p − η λ p − η (m / (1 − β1ᵗ)) / (√v / √(1 − β2ᵗ) + ε),  m, v from g alone
    """
    _lr(lr)
    b1, b2 = _betas(betas)
    _non_negative("eps", eps)
    _non_negative("weight_decay", weight_decay)
    parts = [scale_by_adam(b1, b2, eps)]
    if weight_decay:
        parts.append(add_decayed_weights(weight_decay))
    parts.append(scale_by_learning_rate(lr))
    return chain(
        *parts, name="adamw", **_shown(lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay)
    )


def adagrad(
    lr: LearningRate, eps: float = 1e-10, weight_decay: float = 0.0
) -> GradientTransformation:
    """Adagrad, as ``torch.optim.Adagrad`` (lr_decay 0, initial accumulator 0).

    d = g + λ p
    S ← S + d²
    p ← p − η d / (√S + ε)
    """
    _lr(lr)
    _non_negative("eps", eps)
    _non_negative("weight_decay", weight_decay)
    parts = [add_decayed_weights(weight_decay)] if weight_decay else []
    parts += [scale_by_adagrad(eps), scale_by_learning_rate(lr)]
    return chain(*parts, name="adagrad", **_shown(lr=lr, eps=eps, weight_decay=weight_decay))


OPTIMIZERS: dict[str, Callable[..., GradientTransformation]] = {
    "gd": sgd,
    "sgd": sgd,
    "momentum": momentum,
    "rmsprop": rmsprop,
    "adam": adam,
    "adamw": adamw,
    "adagrad": adagrad,
}


def _shown(**hyper: Any) -> dict[str, Any]:
    """The hyperparameters worth showing: lr always, the rest when not off."""
    return {k: v for k, v in hyper.items() if k == "lr" or (v not in (0, 0.0, False))}


def _lr(lr: Any) -> None:
    if isinstance(lr, Schedule):
        return
    if callable(lr):
        return
    if isinstance(lr, bool) or not isinstance(lr, int | float) or not lr > 0:
        raise ValueError(f"lr must be a positive number or a schedule, got {lr!r}")


def _non_negative(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not value >= 0:
        raise ValueError(f"{name} must be a number >= 0, got {value!r}")


def _in_unit(name: str, value: Any, closed: bool) -> None:
    ok = isinstance(value, int | float) and not isinstance(value, bool)
    ok = ok and (0 <= value <= 1 if closed else 0 <= value < 1)
    if not ok:
        interval = "[0, 1]" if closed else "[0, 1)"
        raise ValueError(f"{name} must be in {interval}, got {value!r}")


def _betas(betas: Any) -> tuple[float, float]:
    try:
        b1, b2 = betas
    except (TypeError, ValueError):
        raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}") from None
    _in_unit("betas[0]", b1, closed=False)
    _in_unit("betas[1]", b2, closed=False)
    return float(b1), float(b2)
