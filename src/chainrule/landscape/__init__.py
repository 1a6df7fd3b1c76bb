"""Loss landscapes: exact surfaces, slices, interpolation, PCA, trajectories.

Layer ``landscape`` of chainrule (see DESIGN.md).
"""

from chainrule.landscape.surface import Surface, coordinate, evaluate_batched, surface

__all__ = ["Surface", "coordinate", "evaluate_batched", "surface"]
