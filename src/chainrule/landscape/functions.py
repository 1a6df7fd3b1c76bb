"""The classic two-parameter test functions, written with the engine's operations.

Each is a :class:`TestFunction` of a point p = (x, y); gradients come from the
autodiff engine, so optimizers can race on them exactly as on a model.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chainrule.autodiff import Tensor, no_grad, value_and_grad
from chainrule.landscape.surface import (
    DEFAULT_MAX_BYTES,
    Surface,
    check_max_bytes,
    check_resolution,
    chunk_size,
    grid_bytes,
)

TEMPORARIES = 12  # arrays the size of the evaluated band that a formula may hold at once


@dataclass(frozen=True)
class TestFunction:
    """f(x, y) with its usual start, plotting window and minimum (if any)."""

    __test__ = False  # not a pytest test class

    name: str
    formula: str
    f: Callable[[Tensor, Tensor], Tensor]
    start: tuple[float, float]
    window: tuple[tuple[float, float], tuple[float, float]]
    minimum: tuple[float, float] | None

    def value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """f on arrays of points (any matching shapes), elementwise."""
        with no_grad():
            return self.f(Tensor(x), Tensor(y)).data

    def value_and_gradient(self, point: np.ndarray) -> tuple[float, np.ndarray]:
        """f and ∇f at one point (2,)."""
        value, (gx, gy) = value_and_grad(lambda x, y: self.f(x, y), argnums=(0, 1))(
            np.array(point[0], dtype=np.float64), np.array(point[1], dtype=np.float64)
        )
        return value, np.array([gx, gy])

    def surface(self, resolution: int = 201, max_bytes: int = DEFAULT_MAX_BYTES) -> Surface:
        """f on a grid over its window: resolution points per axis, or (nx, ny).

        The grid is evaluated a band of rows at a time, so the losses and the
        formula's temporaries (counted as ``TEMPORARIES`` arrays of a band)
        stay under ``max_bytes``; a grid that cannot fit is refused with the
        memory it needs.
        """
        check_max_bytes(max_bytes)
        nx, ny = check_resolution(resolution)
        grid = grid_bytes(nx * ny, max_bytes, f"a {nx} x {ny} grid", "lower the resolution")
        row = TEMPORARIES * 8 * nx
        rows = chunk_size(
            row, max_bytes - grid, f"a {nx} x {ny} grid", "row", "lower the resolution"
        )
        (xl, xh), (yl, yh) = self.window
        xs, ys = np.linspace(xl, xh, nx), np.linspace(yl, yh, ny)
        loss = np.empty((ny, nx))
        for top in range(0, ny, rows):
            loss[top : top + rows] = self.value(xs[None, :], ys[top : top + rows, None])
        return Surface(xs, ys, loss, "x", "y", {}, "function")


def quadratic_bowl(condition: float = 10.0) -> TestFunction:
    """f = (x² + κ y²) / 2: a bowl whose curvatures differ by the factor κ."""
    if condition < 1:
        raise ValueError(f"condition must be >= 1, got {condition!r}")
    return TestFunction(
        f"quadratic bowl (κ={condition:g})",
        f"(x² + {condition:g} y²) / 2",
        lambda x, y: (x * x + condition * (y * y)) * 0.5,
        (-4.0, 1.5),
        ((-5.0, 5.0), (-2.5, 2.5)),
        (0.0, 0.0),
    )


def rosenbrock(a: float = 1.0, b: float = 100.0) -> TestFunction:
    """f = (a − x)² + b (y − x²)²: a curved, flat-bottomed valley; minimum at (a, a²)."""
    return TestFunction(
        "Rosenbrock",
        f"({a:g} − x)² + {b:g} (y − x²)²",
        lambda x, y: (a - x) ** 2 + b * (y - x * x) ** 2,
        (-1.5, 2.0),
        ((-2.0, 2.0), (-1.0, 3.0)),
        (a, a * a),
    )


def beale() -> TestFunction:
    """f = (1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²; minimum at (3, 0.5)."""
    return TestFunction(
        "Beale",
        "(1.5 − x + xy)² + (2.25 − x + xy²)² + (2.625 − x + xy³)²",
        lambda x, y: (
            (1.5 - x + x * y) ** 2 + (2.25 - x + x * y**2) ** 2 + (2.625 - x + x * y**3) ** 2
        ),
        (1.0, 1.4),
        ((-4.5, 4.5), (-4.5, 4.5)),
        (3.0, 0.5),
    )


def saddle() -> TestFunction:
    """f = x² − y²: a saddle point at the origin, no minimum."""
    return TestFunction(
        "saddle",
        "x² − y²",
        lambda x, y: x * x - y * y,
        (-1.5, 0.01),
        ((-2.0, 2.0), (-2.0, 2.0)),
        None,
    )


FUNCTIONS: dict[str, Callable[[], TestFunction]] = {
    "bowl": quadratic_bowl,
    "rosenbrock": rosenbrock,
    "beale": beale,
    "saddle": saddle,
}
