"""Automatic derivation of backprop equations, by the engine's own rules on symbols.

Layer ``symbolic`` of chainrule (see DESIGN.md): uses the autodiff rule table.
"""

from chainrule.symbolic.derive import Derivation, derive
from chainrule.symbolic.notation import NOTATIONS, in_notation

__all__ = ["NOTATIONS", "Derivation", "derive", "in_notation"]
