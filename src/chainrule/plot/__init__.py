"""Figures as pure functions of data objects.

Layer ``plot`` of chainrule (see DESIGN.md). matplotlib figures are returned
as ``Figure`` objects (nothing is shown); :func:`save` writes one to a file
atomically, as every writer here does (``interactive.write_html``,
``animate``, ``graph.write_dot``, ``graph.render_svg``): a failed write leaves
a previous file intact. ``chainrule.plot.interactive`` has the Plotly versions.
"""

from chainrule.plot import graph, interactive
from chainrule.plot.curves import grad_norm_curve, loss_curve, loss_name
from chainrule.plot.files import save
from chainrule.plot.landscape_figures import animate, contour, decision_boundary, surface3d

__all__ = [
    "animate",
    "contour",
    "decision_boundary",
    "grad_norm_curve",
    "graph",
    "interactive",
    "loss_curve",
    "loss_name",
    "save",
    "surface3d",
]
