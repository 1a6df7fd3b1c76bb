"""The classic two-parameter test functions, written with the engine's operations.

Each is a :class:`TestFunction` of a point p = (x, y); gradients come from the
autodiff engine, so optimizers can race on them exactly as on a model.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.autodiff import Tensor, compiled_value_and_grad, no_grad
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
    """f(x, y) with its usual start, plotting window and minimum (if any).

    ``vectorized`` says that ``f`` takes arrays of points and works on them
    elementwise (every formula here does), so a race evaluates all its racers
    in one pass; a function of two scalars only (a slice through a model's
    loss) leaves it False and is evaluated a point at a time.
    """

    __test__ = False  # not a pytest test class

    name: str
    formula: str
    f: Callable[[Tensor, Tensor], Tensor]
    start: tuple[float, float]
    window: tuple[tuple[float, float], tuple[float, float]]
    minimum: tuple[float, float] | None
    vectorized: bool = False

    def value(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """f on arrays of points (any matching shapes), elementwise."""
        with no_grad():
            return self.f(Tensor(x), Tensor(y)).data

    def value_and_gradient(self, point: np.ndarray) -> tuple[float, np.ndarray]:
        """f and ∇f at one point (2,), by the engine (its graph recorded once, then replayed)."""
        value, (gx, gy) = self._compiled(
            np.array(point[0], dtype=np.float64), np.array(point[1], dtype=np.float64)
        )
        return float(value), np.array([gx, gy])

    def values_and_gradients(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """f (K,) and ∇f (2, K) at K points (2, K) at once, in one replay of the engine.

        The engine differentiates Σ v·f(x, y) with v a vector of ones: its
        gradient in x and y is each point's own gradient (each term depends on
        its point alone, and multiplying by 1 is exact), its gradient in v the
        values f(x, y). A function that is not ``vectorized`` is evaluated
        point by point.
        """
        if not self.vectorized:
            pairs = [self.value_and_gradient(p) for p in points.T]
            values = np.array([v for v, _ in pairs], dtype=np.float64)
            return values, np.array([g for _, g in pairs], dtype=np.float64).reshape(-1, 2).T
        x = np.ascontiguousarray(points[0], dtype=np.float64)
        y = np.ascontiguousarray(points[1], dtype=np.float64)
        _, (gx, gy, values) = self._compiled_sum(x, y, _ones(len(x)))
        return values, np.array([gx, gy])

    @functools.cached_property
    def _compiled(self) -> Callable[..., Any]:
        return compiled_value_and_grad(self.f, argnums=(0, 1))

    @functools.cached_property
    def _compiled_sum(self) -> Callable[..., Any]:
        return compiled_value_and_grad(lambda x, y, v: (v * self.f(x, y)).sum(), argnums=(0, 1, 2))

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


@functools.cache
def _ones(k: int) -> np.ndarray:
    """A read-only vector of k ones (made once per length)."""
    ones = np.ones(k)
    ones.setflags(write=False)
    return ones


def quadratic_bowl(condition: float = 10.0) -> TestFunction:
    """f = (x² + κ y²) / 2: a bowl whose curvatures differ by the factor κ."""
    if not 1 <= condition < np.inf:
        raise ValueError(f"condition must be a finite number >= 1, got {condition!r}")
    return TestFunction(
        f"quadratic bowl (κ={condition:g})",
        f"(x² + {condition:g} y²) / 2",
        lambda x, y: (x * x + condition * (y * y)) * 0.5,
        (-4.0, 1.5),
        ((-5.0, 5.0), (-2.5, 2.5)),
        (0.0, 0.0),
        vectorized=True,
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
        vectorized=True,
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
        vectorized=True,
    )


def himmelblau() -> TestFunction:
    """f = (x² + y − 11)² + (x + y² − 7)²: four minima of value 0, at (3, 2) and three more."""
    return TestFunction(
        "Himmelblau",
        "(x² + y − 11)² + (x + y² − 7)²",
        lambda x, y: (x * x + y - 11.0) ** 2 + (x + y * y - 7.0) ** 2,
        (-0.5, -1.0),
        ((-5.0, 5.0), (-5.0, 5.0)),
        (3.0, 2.0),
        vectorized=True,
    )


def goldstein_price() -> TestFunction:
    """Goldstein-Price: a product of two quartic factors; minimum 3 at (0, −1)."""
    return TestFunction(
        "Goldstein-Price",
        "[1 + (x + y + 1)² (19 − 14x + 3x² − 14y + 6xy + 3y²)]"
        " · [30 + (2x − 3y)² (18 − 32x + 12x² + 48y − 36xy + 27y²)]",
        lambda x, y: (
            (
                1.0
                + (x + y + 1.0) ** 2
                * (19.0 - 14.0 * x + 3.0 * x * x - 14.0 * y + 6.0 * x * y + 3.0 * y * y)
            )
            * (
                30.0
                + (2.0 * x - 3.0 * y) ** 2
                * (18.0 - 32.0 * x + 12.0 * x * x + 48.0 * y - 36.0 * x * y + 27.0 * y * y)
            )
        ),
        (0.2, -0.8),
        ((-2.0, 2.0), (-2.0, 2.0)),
        (0.0, -1.0),
        vectorized=True,
    )


STYBLINSKI_TANG_ARGMIN = -2.903534027771178
"""The root of 4t³ − 32t + 5 = 0 where x⁴ − 16x² + 5x is least."""


def styblinski_tang() -> TestFunction:
    """f = ½ Σ (t⁴ − 16t² + 5t) over t = x, y; minimum ≈ −78.332 at x = y ≈ −2.9035."""
    return TestFunction(
        "Styblinski-Tang",
        "½ (x⁴ − 16x² + 5x + y⁴ − 16y² + 5y)",
        lambda x, y: (x**4 - 16.0 * x * x + 5.0 * x + y**4 - 16.0 * y * y + 5.0 * y) * 0.5,
        (0.2, 0.1),
        ((-5.0, 5.0), (-5.0, 5.0)),
        (STYBLINSKI_TANG_ARGMIN, STYBLINSKI_TANG_ARGMIN),
        vectorized=True,
    )


def rastrigin(a: float = 10.0) -> TestFunction:
    """f = 2a + x² − a cos 2πx + y² − a cos 2πy: a bowl covered in local minima; 0 at (0, 0)."""
    if not 0 <= a < np.inf:
        raise ValueError(f"a must be a finite number >= 0, got {a!r}")
    two_pi = 2.0 * np.pi
    return TestFunction(
        "Rastrigin",
        f"{2 * a:g} + x² − {a:g} cos 2πx + y² − {a:g} cos 2πy",
        lambda x, y: 2.0 * a + x * x - a * (two_pi * x).cos() + y * y - a * (two_pi * y).cos(),
        (-2.3, 3.1),
        ((-5.12, 5.12), (-5.12, 5.12)),
        (0.0, 0.0),
        vectorized=True,
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
        vectorized=True,
    )


FUNCTIONS: dict[str, Callable[[], TestFunction]] = {
    "bowl": quadratic_bowl,
    "rosenbrock": rosenbrock,
    "himmelblau": himmelblau,
    "beale": beale,
    "goldstein-price": goldstein_price,
    "styblinski-tang": styblinski_tang,
    "rastrigin": rastrigin,
    "saddle": saddle,
}
