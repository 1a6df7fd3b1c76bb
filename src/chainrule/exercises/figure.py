"""Small inline SVG figures for exercises: paths on a quadratic bowl's contours.

A sheet's HTML page holds its figures inline (no file, no network, no
script), and so does the app's practice page; the figures are written here
as plain SVG text, since the ``plot`` layer sits above ``exercises``.
"""

from __future__ import annotations

import html

import numpy as np

from chainrule.landscape import TestFunction, Trajectory, window

WIDTH, HEIGHT, MARGIN = 420, 260, 24
COLOURS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd")
DASHES = ("", "6 3", "2 3", "8 3 2 3")
LEVELS = (1.0, 0.5, 0.25, 0.1, 0.03, 0.01, 0.002)  # contour levels, as fractions of the start's


def paths_svg(fn: TestFunction, paths: dict[str, np.ndarray]) -> str:
    """Labelled paths, each (steps + 1, 2), over the contours of ``fn``, as an SVG element.

    The element is for an HTML page (which gives it the SVG namespace): it
    names no namespace, so the page holds no address at all.

    The contours are drawn by marching squares on a grid of ``fn``'s values
    at the given fractions of the loss at the first path's start.
    """
    trajectories = {k: Trajectory(k, p, np.zeros(len(p))) for k, p in paths.items()}
    (xl, xh), (yl, yh) = window(trajectories, pad=0.1, minimum=0.3)
    # one scale for both axes, so a bowl looks like one
    scale = min((WIDTH - 2 * MARGIN) / (xh - xl), (HEIGHT - 2 * MARGIN) / (yh - yl))
    cx, cy = (xl + xh) / 2, (yl + yh) / 2

    def at(x: float, y: float) -> tuple[float, float]:
        return WIDTH / 2 + (x - cx) * scale, HEIGHT / 2 - (y - cy) * scale

    half_w, half_h = WIDTH / 2 / scale, HEIGHT / 2 / scale
    xs = np.linspace(cx - half_w, cx + half_w, 121)
    ys = np.linspace(cy - half_h, cy + half_h, 81)
    grid = fn.value(xs[None, :], ys[:, None])
    start = next(iter(paths.values()))[0]
    top = float(fn.value(np.array(start[0]), np.array(start[1])))
    parts = [
        f'<svg width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="paths on the contours">',
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="#fcfcfa" stroke="#ccc"/>',
    ]
    for level in LEVELS:
        segments = _contour(xs, ys, grid, level * top)
        px = WIDTH / 2 + (segments[..., 0] - cx) * scale
        py = HEIGHT / 2 - (segments[..., 1] - cy) * scale
        d = "".join(
            f"M{a:.1f} {b:.1f}L{c:.1f} {e:.1f}"
            for (a, c), (b, e) in zip(px.tolist(), py.tolist(), strict=True)
        )
        if d:
            parts.append(f'<path d="{d}" fill="none" stroke="#bbb" stroke-width="0.8"/>')
    for i, (label, points) in enumerate(paths.items()):
        colour, dash = COLOURS[i % len(COLOURS)], DASHES[i % len(DASHES)]
        xy = " ".join("{:.1f},{:.1f}".format(*at(float(x), float(y))) for x, y in points)
        style = f' stroke-dasharray="{dash}"' if dash else ""
        parts.append(
            f'<polyline points="{xy}" fill="none" stroke="{colour}" stroke-width="1.6"{style}/>'
        )
        lx, ly = MARGIN + 8 + 52 * i, HEIGHT - 8
        parts.append(
            f'<line x1="{lx}" y1="{ly - 4}" x2="{lx + 18}" y2="{ly - 4}" stroke="{colour}" '
            f'stroke-width="2"{style}/><text x="{lx + 22}" y="{ly}" font-size="12" '
            f'font-family="sans-serif">{html.escape(label)}</text>'
        )
    sx, sy = at(float(start[0]), float(start[1]))
    parts.append(f'<circle cx="{sx:.1f}" cy="{sy:.1f}" r="3" fill="#222"/>')
    parts.append("</svg>")
    return "".join(parts)


def _contour(xs: np.ndarray, ys: np.ndarray, grid: np.ndarray, level: float) -> np.ndarray:
    """The segments of the level set ``grid == level`` by marching squares (grid is (ny, nx)).

    Returns (segments, 2, 2): each segment's two (x, y) ends. A cell's crossings
    are taken in the order of its edges (bottom, right, top, left) and paired.
    """
    v00, v10 = grid[:-1, :-1], grid[:-1, 1:]
    v11, v01 = grid[1:, 1:], grid[1:, :-1]
    above = [v > level for v in (v00, v10, v11, v01)]
    mixed = ~((above[0] == above[1]) & (above[1] == above[2]) & (above[2] == above[3]))
    j, i = np.nonzero(mixed)
    x0, x1, y0, y1 = xs[i], xs[i + 1], ys[j], ys[j + 1]
    corners = [(v00[j, i], x0, y0), (v10[j, i], x1, y0), (v11[j, i], x1, y1), (v01[j, i], x0, y1)]
    points, crossing = [], []
    for k in range(4):
        (va, xa, ya), (vb, xb, yb) = corners[k], corners[(k + 1) % 4]
        crossing.append((va > level) != (vb > level))
        with np.errstate(divide="ignore", invalid="ignore"):
            t = (level - va) / (vb - va)
        points.append(np.stack([xa + t * (xb - xa), ya + t * (yb - ya)], axis=-1))
    flags = np.stack(crossing, axis=1)  # (cells, 4)
    where = np.stack(points, axis=1)  # (cells, 4, 2)
    order = np.argsort(~flags, axis=1, kind="stable")  # the crossing edges first, in order
    ends = np.take_along_axis(where, order[:, :, None], axis=1)
    count = flags.sum(axis=1)
    pairs = [ends[:, 0:2], ends[count == 4, 2:4]]
    return np.concatenate(pairs, axis=0)
