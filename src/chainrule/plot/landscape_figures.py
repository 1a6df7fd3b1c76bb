"""Loss landscapes with optimizer trajectories, and decision boundaries (matplotlib)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import animation, colors, ticker
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from chainrule.data import Dataset
from chainrule.files import atomic_path, output_path
from chainrule.landscape import Surface, Trajectory
from chainrule.landscape.surface import DEFAULT_MAX_BYTES
from chainrule.models import Model
from chainrule.plot import racers
from chainrule.plot.figure import Figure
from chainrule.plot.files import write_gif

DEFAULT_FRAMES = 200  # an animation of a longer path shows this many evenly spaced steps
ANIMATION_INCHES = (7.2, 5.6)
MAX_FRAMES = 2000  # 100 s at 20 frames per second


def contour(
    surface: Surface,
    trajectories: Mapping[str, Trajectory] | None = None,
    log_levels: bool = True,
    levels: int = 30,
    title: str = "",
    loss_name: str = "loss",
    minimum: tuple[float, float] | None = None,
) -> Figure:
    """Filled contours of the loss, with trajectories drawn on top.

    Each trajectory gets its own colour, line style and marker (see
    :mod:`chainrule.plot.racers`), a start (a white circle), an end (a
    cross) and a legend entry with its final loss. ``minimum`` is starred
    where it is known; otherwise the grid's lowest point is, when it lies
    inside the grid. A surface through a model with more than two
    parameters is a slice: the figure says so, and the legend gives each
    path's loss with every parameter trained and, labelled, on the slice.

    Args:
        surface: the grid of losses.
        trajectories: paths by name (the racers), drawn in order.
        log_levels: contour levels spaced logarithmically, which shows both
            the floor and the walls of a valley.
        levels: the number of contour levels.
        title: the figure's title.
        loss_name: what the loss is (``MSE``, ``cross-entropy``), for the
            colour bar and the legend.
        minimum: the (x, y) of the known minimum, or None.
    """
    fig = Figure(figsize=(7.6, 7.0), layout="constrained")
    ax = fig.add_subplot()
    filled, norm = _filled(ax, surface, log_levels, levels)
    if norm is not None:
        bar = fig.colorbar(
            filled,
            ax=ax,
            ticks=racers.colorbar_ticks(norm.vmin, norm.vmax),
            format=ticker.FuncFormatter(lambda v, _: f"{v:.4g}"),
        )
        bar.minorticks_off()
    else:
        bar = fig.colorbar(filled, ax=ax)
    bar.set_label(loss_name + (" (log scale)" if norm is not None else ""))
    if trajectories:
        racers.draw_paths(ax, surface, trajectories, loss_name)
    racers.mark_minimum(ax, surface, minimum)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=1, frameon=False)
    ax.set_xlim(surface.x[0], surface.x[-1])
    ax.set_ylim(surface.y[0], surface.y[-1])
    ax.set_xlabel(surface.x_label)
    ax.set_ylabel(surface.y_label)
    _titles(fig, ax, surface, title or "loss landscape")
    return fig


def _filled(ax: Any, surface: Surface, log_levels: bool, levels: int) -> tuple[Any, Any]:
    """The filled contours and their LogNorm (None for linear levels)."""
    Xg, Yg = np.meshgrid(surface.x, surface.y)
    loss = surface.loss
    norm: Any = None
    if log_levels and loss.max() > 0:
        # a minimum of exactly 0 (Rosenbrock, Beale) is drawn at a floor
        positive = loss[loss > 0]
        floor = max(positive.min(), loss.max() * 1e-8)
        loss = np.clip(loss, floor, None)
        lv = np.geomspace(floor, loss.max(), levels)
        norm = colors.LogNorm(vmin=lv[0], vmax=lv[-1])
    else:
        lv = np.linspace(loss.min(), loss.max(), levels)
    filled = ax.contourf(Xg, Yg, loss, levels=lv, norm=norm, cmap="viridis")
    ax.contour(Xg, Yg, loss, levels=lv, norm=norm, colors="white", linewidths=0.3, alpha=0.5)
    return filled, norm


def _titles(fig: Figure, ax: Any, surface: Surface, title: str) -> None:
    """The title, and under it the slice a bigger model's surface is."""
    note = racers.slice_note(surface)
    if note:
        fig.suptitle(title, fontsize=12)
        ax.set_title(note, fontsize=9, wrap=True)
    else:
        ax.set_title(title)


def surface3d(
    surface: Surface,
    trajectories: Mapping[str, Trajectory] | None = None,
    title: str = "",
    loss_name: str = "loss",
) -> Figure:
    """The loss as a 3-D surface, with trajectories lifted onto it.

    On a slice through a bigger model the paths' heights are their losses
    with every parameter trained, which the figure's note says is a slice.
    """
    fig = Figure(figsize=(7.2, 5.6), layout="constrained")
    ax = fig.add_subplot(projection="3d", computed_zorder=False)  # paths drawn on top
    Xg, Yg = np.meshgrid(surface.x, surface.y)
    art = ax.plot_surface(Xg, Yg, surface.loss, cmap="viridis", alpha=0.85, linewidth=0)
    fig.colorbar(art, ax=ax, shrink=0.6, label=loss_name)
    if trajectories:
        for k, (name, t) in enumerate(trajectories.items()):
            st = racers.style(k, len(trajectories))
            ax.plot(
                t.points[:, 0], t.points[:, 1], t.loss, color=st["color"],
                linestyle=st["linestyle"], lw=st["lw"] * 0.7, label=name, zorder=10 + k,
            )  # fmt: skip
            ax.scatter(
                *t.points[0], t.loss[0], color=st["color"], s=40, zorder=20, edgecolor="white"
            )
        ax.legend()
    ax.set_xlabel(surface.x_label)
    ax.set_ylabel(surface.y_label)
    ax.set_zlabel(loss_name)
    _titles(fig, ax, surface, title or "loss surface")
    return fig


def decision_boundary(
    model: Model, dataset: Dataset, resolution: int = 200, title: str = ""
) -> Figure:
    """The classes a 2-feature classifier predicts over the plane, with the data."""
    if dataset.n_features != 2:
        raise ValueError(
            f"decision_boundary needs 2 features, {dataset.name} has {dataset.n_features}"
        )
    x0, x1 = dataset.X
    pad0, pad1 = 0.1 * np.ptp(x0) + 1e-9, 0.1 * np.ptp(x1) + 1e-9
    g0 = np.linspace(x0.min() - pad0, x0.max() + pad0, resolution)
    g1 = np.linspace(x1.min() - pad1, x1.max() + pad1, resolution)
    G0, G1 = np.meshgrid(g0, g1)
    y_hat = model.predict(np.vstack([G0.ravel(), G1.ravel()]))
    fig = Figure(figsize=(6.4, 5.4), layout="constrained")
    ax = fig.add_subplot()
    if y_hat.shape[0] == 1:
        p = y_hat.reshape(G0.shape)
        filled = ax.contourf(G0, G1, p, levels=np.linspace(0, 1, 21), cmap="RdBu_r", alpha=0.8)
        ax.contour(G0, G1, p, levels=[0.5], colors="black", linewidths=1.5)
        fig.colorbar(filled, ax=ax, label="predicted probability of class 1")
    else:
        classes = np.argmax(y_hat, axis=0).reshape(G0.shape)
        ax.contourf(
            G0, G1, classes, levels=np.arange(y_hat.shape[0] + 1) - 0.5, cmap="tab10", alpha=0.35
        )
    labels = dataset.labels
    markers = "o^sDv<>p*h"
    shades = ("white", "black", "0.6", "yellow", "cyan", "magenta")
    for c in np.unique(labels):
        mask = labels == c
        name = dataset.class_names[c] if c < len(dataset.class_names) else str(c)
        ax.scatter(
            x0[mask],
            x1[mask],
            s=18,
            marker=markers[c % len(markers)],
            facecolor=shades[c % len(shades)],
            edgecolor="black",
            linewidth=0.6,
            label=f"class {name}",
        )
    ax.legend(loc="best", framealpha=0.9)
    ax.set_xlabel(dataset.feature_names[0])
    ax.set_ylabel(dataset.feature_names[1])
    ax.set_title(title or f"{model.name} on the {dataset.name} data set")
    return fig


def animate(
    surface: Surface,
    trajectories: Mapping[str, Trajectory],
    path: str | Path,
    fps: int = 20,
    log_levels: bool = True,
    title: str = "",
    frames: int | None = None,
    dpi: int = 90,
    max_bytes: int = DEFAULT_MAX_BYTES,
    progress: Callable[[int, int], None] | None = None,
    loss_name: str = "loss",
) -> Path:
    """Writes an animation of the trajectories advancing over the contours.

    ``.gif`` is written with Pillow; ``.mp4`` needs the ``ffmpeg`` program and
    says so when it is missing; a name without a suffix gets ``.gif``. The
    file is written atomically (a failure leaves a previous file intact).

    Args:
        surface, trajectories: as for :func:`contour`; at least one trajectory.
        path: the file to write.
        fps: frames per second, 1 to 100.
        frames: how many frames; by default one per step up to
            ``DEFAULT_FRAMES``, and that many evenly spaced steps (the first
            and the last among them) for longer paths. At most ``MAX_FRAMES``.
        dpi: resolution of each frame.
        max_bytes: the bound on the memory a GIF's frames take before they
            are written (one byte per pixel per frame).
        progress: called as ``progress(done, total)`` after each frame is
            drawn, ``total`` being the number of frames: a hook for a
            progress bar.
        loss_name: what the loss is, for the colour bar.

    Every frame shows the step it draws ("step 40 of 100").

    Returns:
        The path written.

    Raises:
        ValueError: an unknown suffix, no trajectory, or frames, fps or the
            frames' memory past the limits (the error names the limit).
    """
    target = output_path(path, ".gif")
    suffix = target.suffix.lower()
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"animations are written as .gif or .mp4, not {suffix!r}")
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise ValueError("writing .mp4 needs the ffmpeg program, which is not installed; use .gif")
    if not trajectories:
        raise ValueError("animate needs at least one trajectory")
    if not (isinstance(fps, int | float) and 1 <= fps <= 100):
        raise ValueError(f"fps must be a number from 1 to 100, got {fps!r}")
    longest = max(len(t.points) for t in trajectories.values())
    steps = _frame_steps(longest, frames)
    fig = contour(surface, None, log_levels=log_levels, title=title, loss_name=loss_name)
    fig.set_size_inches(ANIMATION_INCHES)  # the legend holds names alone: less height
    width, height = (round(v * dpi) for v in fig.get_size_inches())
    if suffix == ".gif" and len(steps) * width * height > max_bytes:
        raise ValueError(
            f"{len(steps)} frames of {width}x{height} pixels need "
            f"{_mb(len(steps) * width * height)} before the GIF is written, over "
            f"max_bytes={_mb(max_bytes)}: pass fewer frames, a lower dpi or a larger max_bytes"
        )
    ax = fig.axes[0]
    moving = []
    for k, (name, t) in enumerate(trajectories.items()):
        st = racers.style(k, len(trajectories))
        ax.plot(*t.points[0], "o", color="white", mec="black", ms=8)
        (line,) = ax.plot(
            [], [], color=st["color"], linestyle=st["linestyle"], lw=st["lw"],
            zorder=st["zorder"], label=name,
        )  # fmt: skip
        (head,) = ax.plot([], [], st["marker"], color=st["color"], mec="white", ms=9, zorder=20)
        moving.append((line, head, t))
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.1), ncols=2, frameon=False)
    counter = ax.text(
        0.02, 0.97, "", transform=ax.transAxes, ha="left", va="top", fontsize=11,
        bbox={"boxstyle": "round", "facecolor": "white", "alpha": 0.85}, zorder=30,
    )  # fmt: skip

    def show(i: int) -> None:
        """Draws every path up to step ``i``, and the step."""
        for line, head, t in moving:
            j = min(i, len(t.points) - 1)
            line.set_data(t.points[: j + 1, 0], t.points[: j + 1, 1])
            head.set_data([t.points[j, 0]], [t.points[j, 1]])
        counter.set_text(f"step {i} of {longest - 1}")

    artists = [a for line, head, _ in moving for a in (line, head)] + [counter]
    if suffix == ".gif":
        return write_gif(_blitted(fig, artists, show, steps, dpi, progress), target, fps)
    writer = animation.FFMpegWriter(fps=fps)
    with atomic_path(target) as tmp, writer.saving(fig, str(tmp), dpi):
        for done, i in enumerate(steps, start=1):
            show(i)
            writer.grab_frame()
            if progress is not None:
                progress(done, len(steps))
    return target


def _blitted(
    fig: Figure,
    artists: list[Any],
    show: Callable[[int], None],
    steps: list[int],
    dpi: float,
    progress: Callable[[int, int], None] | None,
) -> Iterator[Image.Image]:
    """The frames as images: the still parts drawn once, the moving ``artists`` over them.

    A full redraw of a contour figure takes a few tenths of a second (the
    layout, the ticks, the colour bar); drawing only what moves takes
    milliseconds.
    """
    fig.set_dpi(dpi)
    canvas: Any = FigureCanvasAgg(fig)  # its methods are untyped
    for a in artists:
        a.set_animated(True)
    canvas.draw()
    fig.set_layout_engine("none")  # the layout is fixed from the first draw on
    background = canvas.copy_from_bbox(fig.bbox)
    size = canvas.get_width_height()
    for done, i in enumerate(steps, start=1):
        show(i)
        canvas.restore_region(background)
        for a in artists:
            fig.draw_artist(a)
        frame = Image.frombuffer("RGBA", size, bytes(canvas.buffer_rgba()), "raw", "RGBA", 0, 1)
        if progress is not None:
            progress(done, len(steps))
        yield frame


def _frame_steps(longest: int, frames: int | None) -> list[int]:
    """The steps shown: all of them, or ``frames`` evenly spaced ones."""
    if frames is None:
        frames = min(longest, DEFAULT_FRAMES)
    elif isinstance(frames, bool) or not isinstance(frames, int | np.integer):
        raise ValueError(f"frames must be an integer, got {frames!r}")
    elif not 1 <= frames <= MAX_FRAMES:
        raise ValueError(f"frames must be from 1 to MAX_FRAMES={MAX_FRAMES}, got {frames}")
    if frames >= longest:
        return list(range(longest))
    return [int(i) for i in np.linspace(0, longest - 1, int(frames)).round()]


def _mb(n: float) -> str:
    return f"{n / 1e6:.1f} MB" if n < 1e9 else f"{n / 1e9:.1f} GB"
