"""Learning-rate schedules: callables from the step number (0, 1, ...) to a rate.

Every optimizer's ``lr`` takes a number or one of these. Each mirrors the
PyTorch scheduler of the same idea stepped once per optimizer step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


def _positive(name: str, value: float) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not value > 0:
        raise ValueError(f"{name} must be a positive number, got {value!r}")
    return float(value)


def _rate(name: str, value: float) -> float:
    if not isinstance(value, int | float) or not 0 < value <= 1:
        raise ValueError(f"{name} must be in (0, 1], got {value!r}")
    return float(value)


@dataclass(frozen=True)
class Schedule:
    """Base class: ``schedule(step) -> learning rate``."""

    def __call__(self, step: int) -> float:
        raise NotImplementedError


@dataclass(frozen=True)
class constant(Schedule):  # noqa: N801 - schedules read like functions
    """lr at every step."""

    lr: float

    def __post_init__(self) -> None:
        _positive("lr", self.lr)

    def __call__(self, step: int) -> float:
        return self.lr


@dataclass(frozen=True)
class step_decay(Schedule):  # noqa: N801
    """lr · gamma^⌊step / step_size⌋ (PyTorch's StepLR)."""

    lr: float
    step_size: int
    gamma: float = 0.1

    def __post_init__(self) -> None:
        _positive("lr", self.lr)
        if not isinstance(self.step_size, int) or self.step_size < 1:
            raise ValueError(f"step_size must be a positive integer, got {self.step_size!r}")
        _rate("gamma", self.gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma ** (step // self.step_size)


@dataclass(frozen=True)
class exponential(Schedule):  # noqa: N801
    """lr · gamma^step (PyTorch's ExponentialLR)."""

    lr: float
    gamma: float

    def __post_init__(self) -> None:
        _positive("lr", self.lr)
        _rate("gamma", self.gamma)

    def __call__(self, step: int) -> float:
        return self.lr * self.gamma**step


@dataclass(frozen=True)
class inverse_time(Schedule):  # noqa: N801
    """lr / (1 + decay_rate · step / decay_steps)."""

    lr: float
    decay_rate: float
    decay_steps: int = 1

    def __post_init__(self) -> None:
        _positive("lr", self.lr)
        if not isinstance(self.decay_rate, int | float) or self.decay_rate < 0:
            raise ValueError(f"decay_rate must be >= 0, got {self.decay_rate!r}")
        if not isinstance(self.decay_steps, int) or self.decay_steps < 1:
            raise ValueError(f"decay_steps must be a positive integer, got {self.decay_steps!r}")

    def __call__(self, step: int) -> float:
        return self.lr / (1.0 + self.decay_rate * step / self.decay_steps)


@dataclass(frozen=True)
class cosine(Schedule):  # noqa: N801
    """min_lr + (lr − min_lr)(1 + cos(π · step / total_steps)) / 2, then min_lr.

    PyTorch's CosineAnnealingLR over ``total_steps``; past the end the rate
    stays at ``min_lr`` instead of rising again.
    """

    lr: float
    total_steps: int
    min_lr: float = 0.0

    def __post_init__(self) -> None:
        _positive("lr", self.lr)
        if not isinstance(self.total_steps, int) or self.total_steps < 1:
            raise ValueError(f"total_steps must be a positive integer, got {self.total_steps!r}")
        if not 0 <= self.min_lr <= self.lr:
            raise ValueError(f"min_lr must be in [0, lr], got {self.min_lr!r}")

    def __call__(self, step: int) -> float:
        if step >= self.total_steps:
            return self.min_lr
        return (
            self.min_lr
            + (self.lr - self.min_lr) * (1.0 + math.cos(math.pi * step / self.total_steps)) / 2.0
        )
