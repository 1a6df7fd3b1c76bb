"""chainrule: backpropagation you can see, derive, check and run.

The engine is re-exported here::

    import numpy as np
    import chainrule as cr

    w = cr.Tensor(np.array([[0.5, -1.0]]), requires_grad=True)   # (1, n)
    X = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.5]])               # (n, m)
    y = np.array([[1.0, 0.0, 2.0]])                                 # (1, m)
    loss = cr.mse(w @ X, y)
    loss.backward()
    w.grad          # (2/m)(ŷ − y) Xᵀ, shape (1, n)
"""

from chainrule.autodiff import (
    RULES,
    AnomalyError,
    Primitive,
    ReplayWarning,
    ShapeError,
    Tensor,
    apply,
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    clip,
    compiled_grad,
    compiled_value_and_grad,
    concatenate,
    detect_anomaly,
    grad,
    hessian,
    hessian_operator,
    hinge,
    huber,
    hvp,
    is_grad_enabled,
    jacobian,
    l1_penalty,
    l2_penalty,
    maximum,
    minimum,
    mse,
    nll,
    no_grad,
    softmax_cross_entropy,
    split,
    stack,
    value_and_grad,
    where,
)
from chainrule.gradcheck import GradcheckReport, gradcheck

__version__ = "0.1.0"

__all__ = [
    "RULES",
    "AnomalyError",
    "GradcheckReport",
    "Primitive",
    "ReplayWarning",
    "ShapeError",
    "Tensor",
    "__version__",
    "apply",
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "clip",
    "compiled_grad",
    "compiled_value_and_grad",
    "concatenate",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "hessian",
    "hessian_operator",
    "hinge",
    "huber",
    "hvp",
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
    "value_and_grad",
    "where",
]
