"""Figures as pure functions of data objects.

Layer ``plot`` of chainrule (see DESIGN.md). matplotlib figures are returned
as ``Figure`` objects (nothing is shown); ``chainrule.plot.interactive`` has
the Plotly versions.
"""

from chainrule.plot import graph, interactive
from chainrule.plot.curves import grad_norm_curve, loss_curve
from chainrule.plot.landscape_figures import animate, contour, decision_boundary, surface3d

__all__ = [
    "animate",
    "contour",
    "decision_boundary",
    "grad_norm_curve",
    "graph",
    "interactive",
    "loss_curve",
    "surface3d",
]
