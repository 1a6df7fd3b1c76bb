"""Gradient checking against central finite differences.

Layer 2 of chainrule (see DESIGN.md): imports autodiff only.
"""

from chainrule.gradcheck.check import gradcheck
from chainrule.gradcheck.report import GradcheckReport, InputCheck

__all__ = ["GradcheckReport", "InputCheck", "gradcheck"]
