"""chainrule: backpropagation you can see, derive, check and run.

One front door: ``import chainrule as cr`` reaches the engine (``cr.Tensor``,
``cr.grad``, ``cr.mse``...) and every layer as ``cr.<name>``::

    import numpy as np
    import chainrule as cr

    w = cr.Tensor(np.array([[0.5, -1.0]]), requires_grad=True)   # (1, n)
    X = np.array([[1.0, 2.0, 3.0], [0.0, 1.0, 0.5]])               # (n, m)
    y = np.array([[1.0, 0.0, 2.0]])                                 # (1, m)
    loss = cr.mse(w @ X, y)
    loss.backward()
    w.grad          # (2/m)(ŷ − y) Xᵀ, shape (1, n)

    d = cr.data.moons()                                  # a Dataset, X (2, 200)
    net = cr.models.build("two-layer-classifier", 2, task="binary")
    history = cr.fit(net, d.X, d.y, cr.optim.adam(0.05), epochs=100)
    print(cr.derive(net))                                # its backprop equations

Everything is loaded on first use (PEP 562), so ``import chainrule`` costs
almost nothing and the command line starts fast.
"""

from __future__ import annotations

import importlib
import sys
import types
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# name -> the module that defines it (a submodule itself when the name is a layer)
_ENGINE = "chainrule.autodiff"
_EXPORTS: dict[str, str] = {
    **dict.fromkeys(
        (
            "AnomalyError",
            "Primitive",
            "RULES",
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
        ),
        _ENGINE,
    ),
    "GradcheckReport": "chainrule.gradcheck",
    "gradcheck": "chainrule.gradcheck",
    "check_model": "chainrule.gradcheck",
    "fit": "chainrule.train",
    "History": "chainrule.train",
    "DivergenceError": "chainrule.train",
    "check_backward": "chainrule.exercises",
    "derive": "chainrule.symbolic",
    "Derivation": "chainrule.symbolic",
}
_LAYERS = (
    "autodiff",
    "data",
    "exercises",
    "landscape",
    "models",
    "optim",
    "plot",
    "sklearn",
    "symbolic",
    "train",
)

__all__ = sorted([*_EXPORTS, *_LAYERS, "__version__"])


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
    elif name in _LAYERS:
        value = importlib.import_module(f"chainrule.{name}")
    else:
        raise AttributeError(f"module 'chainrule' has no attribute {name!r}")
    globals()[name] = value  # later lookups skip this function
    return value


def __dir__() -> list[str]:
    return __all__


class _FrontDoor(types.ModuleType):
    """The package module; ``cr.gradcheck`` stays the function.

    Importing a submodule sets an attribute of that name on its package, so
    the first ``import chainrule.gradcheck`` anywhere would replace the
    function ``cr.gradcheck`` with the module of the same name.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "gradcheck" and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _FrontDoor


if TYPE_CHECKING:  # the same names, for type checkers and editors
    from chainrule import (  # noqa: F401
        autodiff,
        data,
        exercises,
        landscape,
        models,
        optim,
        plot,
        sklearn,
        symbolic,
        train,
    )
    from chainrule.autodiff import (  # noqa: F401
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
    from chainrule.exercises import check_backward  # noqa: F401
    from chainrule.gradcheck import GradcheckReport, check_model, gradcheck  # noqa: F401
    from chainrule.symbolic import Derivation, derive  # noqa: F401
    from chainrule.train import DivergenceError, History, fit  # noqa: F401
