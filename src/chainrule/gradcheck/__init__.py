"""Gradient checking against central finite differences.

Layer 2 of chainrule (see DESIGN.md): imports autodiff only.
"""

from chainrule.gradcheck.check import gradcheck
from chainrule.gradcheck.model_check import (
    ModelCheck,
    ParameterCheck,
    check_model,
    numeric_gradients,
)
from chainrule.gradcheck.report import GradcheckReport, InputCheck

__all__ = [
    "GradcheckReport",
    "InputCheck",
    "ModelCheck",
    "ParameterCheck",
    "check_model",
    "gradcheck",
    "numeric_gradients",
]
