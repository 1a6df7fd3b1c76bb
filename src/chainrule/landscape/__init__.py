"""Loss landscapes: exact surfaces, slices, interpolation, PCA, trajectories.

Layer ``landscape`` of chainrule (see DESIGN.md).
"""

from chainrule.landscape.curvature import (
    TopEigen,
    function_hessian,
    function_sharpness_along,
    model_hessian,
    model_hvp,
    model_loss,
    sharpness,
    sharpness_along,
    top_eigenvalue,
)
from chainrule.landscape.directions import (
    PCA,
    interpolate,
    pca_directions,
    random_direction,
    slice_1d,
    slice_2d,
)
from chainrule.landscape.functions import (
    FUNCTIONS,
    TestFunction,
    beale,
    quadratic_bowl,
    rosenbrock,
    saddle,
)
from chainrule.landscape.surface import Surface, coordinate, evaluate_batched, surface
from chainrule.landscape.trajectories import (
    Race,
    Trajectory,
    from_history,
    race,
    race_function,
    window,
)

__all__ = [
    "FUNCTIONS",
    "PCA",
    "Race",
    "Surface",
    "TestFunction",
    "TopEigen",
    "Trajectory",
    "beale",
    "coordinate",
    "evaluate_batched",
    "from_history",
    "function_hessian",
    "function_sharpness_along",
    "interpolate",
    "model_hessian",
    "model_hvp",
    "model_loss",
    "pca_directions",
    "quadratic_bowl",
    "race",
    "race_function",
    "random_direction",
    "rosenbrock",
    "saddle",
    "sharpness",
    "sharpness_along",
    "slice_1d",
    "slice_2d",
    "surface",
    "top_eigenvalue",
    "window",
]
