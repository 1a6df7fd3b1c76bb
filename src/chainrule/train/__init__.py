"""Training: ``fit`` with a History, and DivergenceError.

Layer ``train`` of chainrule (see DESIGN.md).
"""

from chainrule.train.fit import DivergenceError, History, fit

__all__ = ["DivergenceError", "History", "fit"]
