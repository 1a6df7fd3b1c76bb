"""The autodiff engine: ``Tensor``, the rule table, the backward pass, losses.

Layer 1 of chainrule (see DESIGN.md): imports NumPy only.

Importing it tunes glibc's allocator for graph-shaped workloads (see
:mod:`chainrule.autodiff.allocator`; opt out with CHAINRULE_DEFAULT_MALLOC=1).
"""

from chainrule.autodiff import inspect
from chainrule.autodiff.allocator import tune_allocator
from chainrule.autodiff.errors import AnomalyError, ShapeError
from chainrule.autodiff.functional import grad, value_and_grad
from chainrule.autodiff.functions import (
    clip,
    concatenate,
    maximum,
    minimum,
    split,
    stack,
    where,
)
from chainrule.autodiff.higher_order import hessian, hessian_operator, hvp, jacobian
from chainrule.autodiff.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge,
    huber,
    l1_penalty,
    l2_penalty,
    mse,
    nll,
    softmax_cross_entropy,
    sum_of_squares,
)
from chainrule.autodiff.modes import detect_anomaly, is_grad_enabled, no_grad
from chainrule.autodiff.primitive import Primitive
from chainrule.autodiff.replay import (
    Compiled,
    ReplayWarning,
    compiled_grad,
    compiled_value_and_grad,
)
from chainrule.autodiff.rules import RULES
from chainrule.autodiff.tensor import Tensor, apply

tune_allocator()

__all__ = [
    "RULES",
    "AnomalyError",
    "Compiled",
    "Primitive",
    "ReplayWarning",
    "ShapeError",
    "Tensor",
    "apply",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "clip",
    "compiled_grad",
    "compiled_value_and_grad",
    "concatenate",
    "detect_anomaly",
    "grad",
    "hessian",
    "hessian_operator",
    "hinge",
    "huber",
    "hvp",
    "inspect",
    "is_grad_enabled",
    "jacobian",
    "l1_penalty",
    "l2_penalty",
    "maximum",
    "minimum",
    "mse",
    "nll",
    "no_grad",
    "softmax_cross_entropy",
    "split",
    "stack",
    "sum_of_squares",
    "value_and_grad",
    "where",
]
