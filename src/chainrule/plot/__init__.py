"""Figures as pure functions of data objects.

Layer ``plot`` of chainrule (see DESIGN.md).
"""

from chainrule.plot.curves import grad_norm_curve, loss_curve

__all__ = ["grad_norm_curve", "loss_curve"]
