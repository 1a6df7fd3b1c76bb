"""A race as a picture: the PNG a notebook shows for the result of a race.

:class:`~chainrule.landscape.trajectories.Race` calls :func:`race_png` from
its ``_repr_png_``. The landscape layer does not import ``chainrule.plot`` (a
higher layer), so the figure is drawn here with matplotlib's ``Figure``
directly, as :meth:`Surface._repr_png_` draws its own: no pyplot, nothing
kept open.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from chainrule.landscape.surface import Surface
    from chainrule.landscape.trajectories import Trajectory


def race_png(
    paths: Mapping[str, Trajectory], background: Surface | None, labels: tuple[str, str]
) -> bytes:
    """Every path over the loss contours (when known), and every loss curve, as a PNG.

    Args:
        paths: name -> Trajectory, points (steps + 1, 2) and loss (steps + 1,).
        background: the loss surface under the paths, or None for paths alone.
        labels: the two coordinates' names, for the axes.
    """
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10.0, 4.0))
    where, curves = figure.subplots(1, 2, gridspec_kw={"width_ratios": [1.2, 1.0]})
    if background is not None:
        loss = np.ma.masked_invalid(np.asarray(background.loss, dtype=np.float64))
        finite = loss.compressed()
        if finite.size and np.ptp(finite) > 0 and min(loss.shape) > 1:
            levels = 20
            if finite.min() > 0:  # contours of log loss show a valley's floor
                loss = np.ma.log10(loss)
            where.contourf(background.x, background.y, loss, levels=levels, cmap="viridis")
            where.contour(background.x, background.y, loss, levels=levels, colors="white",
                          linewidths=0.3)  # fmt: skip
    positive = True
    for k, (name, t) in enumerate(paths.items()):
        color = f"C{k % 10}"
        points = t.points[np.all(np.isfinite(t.points), axis=1)]
        ending = " (diverged)" if t.diverged else ""
        if len(points):
            where.plot(points[:, 0], points[:, 1], color=color, linewidth=1.5, label=name + ending)
            where.plot(*points[-1], marker="o", color=color, markersize=5)
        steps = np.arange(len(t.loss))
        curves.plot(steps, t.loss, color=color, label=name + ending)
        finite = t.loss[np.isfinite(t.loss)]
        positive = positive and bool(finite.size) and bool(np.all(finite > 0))
    if paths:
        start = next(iter(paths.values())).points[0]
        if np.all(np.isfinite(start)):
            where.plot(*start, marker="x", color="black", markersize=8, linestyle="none",
                       label="start")  # fmt: skip
        where.legend(loc="best", fontsize=7)
    if background is not None:
        where.set_xlim(background.x[0], background.x[-1])
        where.set_ylim(background.y[0], background.y[-1])
    where.set_xlabel(labels[0])
    where.set_ylabel(labels[1])
    where.set_title("paths" + (" over the loss contours" if background is not None else ""),
                    fontsize=10)  # fmt: skip
    curves.set_xlabel("step")
    curves.set_ylabel("loss")
    if positive and paths:
        curves.set_yscale("log")
    curves.set_title("loss per step", fontsize=10)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()
