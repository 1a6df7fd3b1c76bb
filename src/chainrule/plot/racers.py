"""How optimizer paths are drawn on a loss landscape so that none hides another.

Each racer gets its own colour, line style and marker (:data:`STYLES`); the
first racer is drawn widest and lowest, each later one narrower and on top,
so a path that runs under another still shows at its edges; two paths that
coincide are said to in the legend. A surface through a bigger model is a
2-D slice: :func:`slice_note` says so, and :func:`on_slice` measures a
path's end on the slice, so the legend can give both losses, labelled.
Shared by the contour figure and its animation.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
from matplotlib import ticker

from chainrule.landscape import Surface, Trajectory

# colour, line style, marker: no two racers share any of the three (up to six racers)
STYLES = (
    ("#d62728", "-", "o"),
    ("#1f77b4", "--", "s"),
    ("#2ca02c", ":", "^"),
    ("#ff7f0e", "-.", "D"),
    ("#9467bd", (0, (5, 1, 1, 1, 1, 1)), "v"),
    ("#8c564b", (0, (1, 1)), "P"),
)
WIDEST = 5.0  # the first racer's line width; each later one is narrower
SAME_PATH = 1e-3  # paths closer than this fraction of the window coincide


def style(k: int, n: int) -> dict[str, Any]:
    """Line properties of racer ``k`` of ``n``: colour, style, marker, width, order."""
    color, dash, marker = STYLES[k % len(STYLES)]
    width = WIDEST - (WIDEST - 1.5) * k / max(n - 1, 1)
    return {"color": color, "linestyle": dash, "marker": marker, "lw": width, "zorder": 3 + k}


def parameter_count(surface: Surface) -> int:
    """How many numbers the model behind ``surface`` has (2 for a test function)."""
    return sum(int(np.size(v)) for v in surface.center.values()) or 2


def is_slice(surface: Surface) -> bool:
    """Whether the surface is a 2-D slice through a model with more than two parameters."""
    return parameter_count(surface) > 2


def slice_note(surface: Surface) -> str:
    """One line saying which slice a surface is, or "" for a whole two-parameter surface."""
    if not is_slice(surface):
        return ""
    others = parameter_count(surface) - 2
    return (
        f"2-D slice through {surface.x_label} and {surface.y_label}: the other {others} "
        "parameters are frozen at their starting values"
    )


def on_slice(surface: Surface, point: np.ndarray) -> float:
    """The surface's loss at ``point`` (2,), interpolated between grid points.

    Points outside the grid take the value at its nearest edge.
    """
    x = float(np.clip(point[0], surface.x[0], surface.x[-1]))
    y = float(np.clip(point[1], surface.y[0], surface.y[-1]))
    i = int(np.clip(np.searchsorted(surface.x, x) - 1, 0, len(surface.x) - 2))
    j = int(np.clip(np.searchsorted(surface.y, y) - 1, 0, len(surface.y) - 2))
    tx = (x - surface.x[i]) / (surface.x[i + 1] - surface.x[i])
    ty = (y - surface.y[j]) / (surface.y[j + 1] - surface.y[j])
    L = surface.loss
    low = (1 - tx) * L[j, i] + tx * L[j, i + 1]
    high = (1 - tx) * L[j + 1, i] + tx * L[j + 1, i + 1]
    return float((1 - ty) * low + ty * high)


def coincident(trajectories: Mapping[str, Trajectory], surface: Surface) -> dict[str, str]:
    """For each racer whose path coincides with an earlier racer's, that racer's name."""
    scale = SAME_PATH * max(np.ptp(surface.x), np.ptp(surface.y))
    seen: list[tuple[str, np.ndarray]] = []
    same: dict[str, str] = {}
    for name, t in trajectories.items():
        for other, p in seen:
            if p.shape == t.points.shape and np.max(np.abs(p - t.points)) <= scale:
                same[name] = other
                break
        seen.append((name, t.points))
    return same


def legend_label(name: str, t: Trajectory, surface: Surface, loss_name: str) -> str:
    """``adam: MSE 0.0105`` and, on a slice, the loss where the path ends on the slice."""
    end = f"{name}: final {loss_name} {t.loss[-1]:.3g}"
    if is_slice(surface):
        end += f" (all parameters), ≈ {on_slice(surface, t.points[-1]):.3g} on this slice"
    return end + (" (diverged)" if t.diverged else "")


def draw_paths(
    ax: Any, surface: Surface, trajectories: Mapping[str, Trajectory], loss_name: str
) -> None:
    """Every path with its start (a white circle), its marker every tenth of the
    figure's diagonal along it (offset per racer, so markers of paths that
    run together do not stack) and its end (a cross)."""
    same = coincident(trajectories, surface)
    n = len(trajectories)
    for k, (name, t) in enumerate(trajectories.items()):
        s = style(k, n)
        p = t.points
        label = legend_label(name, t, surface, loss_name)
        if name in same:
            label += f"\n(same path as {same[name]})"
        ax.plot(
            p[:, 0], p[:, 1], color=s["color"], linestyle=s["linestyle"], lw=s["lw"],
            marker=s["marker"], ms=4 + s["lw"], markevery=(0.03 + 0.1 * k / max(n, 1), 0.1),
            mec="white", mew=0.8, zorder=s["zorder"], label=label,
        )  # fmt: skip
        ax.plot(*p[0], "o", color="white", mec="black", ms=9, zorder=20)
        ax.plot(*p[-1], "X", color=s["color"], mec="white", ms=11, zorder=21)


def mark_minimum(ax: Any, surface: Surface, minimum: tuple[float, float] | None) -> None:
    """A star at the known minimum, else at the grid's lowest point when it is inside the grid."""
    if minimum is not None:
        x, y = minimum
        label = f"minimum ({x:g}, {y:g})"
    else:
        j, i = np.unravel_index(int(np.argmin(surface.loss)), surface.loss.shape)
        if i in (0, len(surface.x) - 1) or j in (0, len(surface.y) - 1):
            return  # the lowest point is on the edge: the minimum lies outside the window
        x, y = float(surface.x[i]), float(surface.y[j])
        label = f"lowest point of the grid ({x:.3g}, {y:.3g})"
    ax.plot(x, y, "*", color="white", mec="black", ms=18, zorder=19, label=label)


def colorbar_ticks(vmin: float, vmax: float) -> np.ndarray:
    """At least four readable ticks between ``vmin`` and ``vmax`` (> 0) on a log scale."""
    ticks = np.asarray(ticker.LogLocator(subs=(1.0, 2.0, 5.0)).tick_values(vmin, vmax), float)
    ticks = ticks[(ticks >= vmin) & (ticks <= vmax)]
    if len(ticks) > 12:  # many decades: the powers of ten alone
        ticks = ticks[np.isclose(np.log10(ticks) % 1, 0) | np.isclose(np.log10(ticks) % 1, 1)]
    if len(ticks) >= 4:
        return np.asarray(ticks)
    spaced = np.geomspace(vmin, vmax, 6)[1:-1]
    digits = 1 - np.floor(np.log10(spaced)).astype(int)
    rounded = np.unique([round(float(v), int(d)) for v, d in zip(spaced, digits, strict=True)])
    return np.asarray([v for v in rounded if vmin <= v <= vmax])
