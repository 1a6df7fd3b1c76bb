"""Optimizers as pure ``init`` / ``update`` transformations, and schedules.

Layer ``optim`` of chainrule (see DESIGN.md): imports NumPy only.
"""

from chainrule.optim.base import GradientTransformation, Optimizer, apply_updates, chain
from chainrule.optim.newton import NewtonState, damped_newton, newton
from chainrule.optim.optimizers import OPTIMIZERS, adagrad, adam, adamw, momentum, rmsprop, sgd
from chainrule.optim.schedules import (
    Schedule,
    constant,
    cosine,
    exponential,
    inverse_time,
    step_decay,
)
from chainrule.optim.transforms import current_lr

__all__ = [
    "OPTIMIZERS",
    "GradientTransformation",
    "NewtonState",
    "Optimizer",
    "Schedule",
    "adagrad",
    "adam",
    "adamw",
    "apply_updates",
    "chain",
    "constant",
    "cosine",
    "current_lr",
    "damped_newton",
    "exponential",
    "inverse_time",
    "momentum",
    "newton",
    "rmsprop",
    "sgd",
    "step_decay",
]
