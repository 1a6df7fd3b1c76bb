"""Automatic derivation of backprop equations, by the engine's own rules on symbols.

Layer ``symbolic`` of chainrule (see DESIGN.md): uses the autodiff rule table.
"""

from chainrule.symbolic.derivation import Derivation
from chainrule.symbolic.derive import derive
from chainrule.symbolic.notation import NOTATIONS, in_notation
from chainrule.symbolic.trace import SymbolicError

__all__ = ["NOTATIONS", "Derivation", "SymbolicError", "derive", "in_notation"]
