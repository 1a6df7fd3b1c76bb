"""Loss landscapes with optimizer trajectories, and decision boundaries (matplotlib)."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib import animation, colors, ticker
from matplotlib.figure import Figure

from chainrule.data import Dataset
from chainrule.landscape import Surface, Trajectory
from chainrule.models import Model

PALETTE = ("tab:red", "tab:blue", "tab:green", "tab:orange", "tab:purple", "tab:brown")


def contour(
    surface: Surface,
    trajectories: Mapping[str, Trajectory] | None = None,
    log_levels: bool = True,
    levels: int = 30,
    title: str = "",
) -> Figure:
    """Filled contours of the loss, with trajectories drawn on top.

    Each trajectory gets a start marker (a circle), arrows showing the
    direction of travel, an end marker (a cross) and a legend entry; the
    colour bar gives the loss. ``log_levels`` spaces the contour levels
    logarithmically, which shows both the floor and the walls of a valley.
    """
    fig = Figure(figsize=(7.2, 5.6), layout="constrained")
    ax = fig.add_subplot()
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
    if norm is not None:
        bar = fig.colorbar(
            filled,
            ax=ax,
            ticks=ticker.LogLocator(subs=(1.0, 2.0, 5.0)),
            format=ticker.FormatStrFormatter("%.3g"),
        )
    else:
        bar = fig.colorbar(filled, ax=ax)
    bar.set_label("loss" + (" (log scale)" if norm is not None else ""))
    if trajectories:
        _draw_trajectories(ax, trajectories)
        ax.legend(loc="upper right", framealpha=0.9)
    ax.set_xlim(surface.x[0], surface.x[-1])
    ax.set_ylim(surface.y[0], surface.y[-1])
    ax.set_xlabel(surface.x_label)
    ax.set_ylabel(surface.y_label)
    ax.set_title(title or "loss landscape")
    return fig


def _draw_trajectories(ax: Any, trajectories: Mapping[str, Trajectory]) -> None:
    for k, (name, t) in enumerate(trajectories.items()):
        color = PALETTE[k % len(PALETTE)]
        p = t.points
        label = f"{name}, final loss {t.loss[-1]:.3g}" + (" (diverged)" if t.diverged else "")
        ax.plot(p[:, 0], p[:, 1], "-", color=color, lw=1.8, label=label)
        ax.plot(p[0, 0], p[0, 1], "o", color=color, ms=7, mec="white", zorder=5)
        ax.plot(p[-1, 0], p[-1, 1], "X", color=color, ms=8, mec="white", zorder=5)
        # arrows at a few points along the path show the direction of travel
        n = len(p)
        for i in np.unique(np.linspace(0, n - 2, min(6, n - 1)).astype(int)) if n > 1 else []:
            ax.annotate(
                "",
                xy=p[i + 1],
                xytext=p[i],
                arrowprops={"arrowstyle": "->", "color": color, "lw": 1.5},
            )


def surface3d(
    surface: Surface, trajectories: Mapping[str, Trajectory] | None = None, title: str = ""
) -> Figure:
    """The loss as a 3-D surface, with trajectories lifted onto it."""
    fig = Figure(figsize=(7.2, 5.6), layout="constrained")
    ax = fig.add_subplot(projection="3d", computed_zorder=False)  # paths drawn on top
    Xg, Yg = np.meshgrid(surface.x, surface.y)
    art = ax.plot_surface(Xg, Yg, surface.loss, cmap="viridis", alpha=0.85, linewidth=0)
    fig.colorbar(art, ax=ax, shrink=0.6, label="loss")
    if trajectories:
        for k, (name, t) in enumerate(trajectories.items()):
            color = PALETTE[k % len(PALETTE)]
            ax.plot(
                t.points[:, 0], t.points[:, 1], t.loss, color=color, lw=2.5, label=name, zorder=10
            )
            ax.scatter(*t.points[0], t.loss[0], color=color, s=40, zorder=11, edgecolor="white")
        ax.legend()
    ax.set_xlabel(surface.x_label)
    ax.set_ylabel(surface.y_label)
    ax.set_zlabel("loss")
    ax.set_title(title or "loss surface")
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
    ax.set_title(title or f"{type(model).__name__} on {dataset.name}")
    return fig


def animate(
    surface: Surface,
    trajectories: Mapping[str, Trajectory],
    path: str | Path,
    fps: int = 20,
    log_levels: bool = True,
    title: str = "",
) -> Path:
    """Writes an animation of the trajectories advancing over the contours.

    ``.gif`` is written with Pillow; ``.mp4`` needs the ``ffmpeg`` program and
    says so when it is missing.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix == ".mp4" and shutil.which("ffmpeg") is None:
        raise ValueError("writing .mp4 needs the ffmpeg program, which is not installed; use .gif")
    if suffix not in (".gif", ".mp4"):
        raise ValueError(f"animations are written as .gif or .mp4, not {suffix or 'no extension'}")
    fig = contour(surface, None, log_levels=log_levels, title=title)
    ax = fig.axes[0]
    lines = []
    heads = []
    for k, (name, t) in enumerate(trajectories.items()):
        color = PALETTE[k % len(PALETTE)]
        ax.plot(*t.points[0], "o", color=color, ms=7, mec="white")
        (line,) = ax.plot([], [], "-", color=color, lw=1.8, label=name)
        (head,) = ax.plot([], [], "o", color=color, ms=6)
        lines.append((line, t))
        heads.append(head)
    ax.legend(loc="upper right")
    frames = max(len(t.points) for t in trajectories.values())

    def draw(i: int) -> list[Any]:
        for (line, t), head in zip(lines, heads, strict=True):
            j = min(i, len(t.points) - 1)
            line.set_data(t.points[: j + 1, 0], t.points[: j + 1, 1])
            head.set_data([t.points[j, 0]], [t.points[j, 1]])
        return [line for line, _ in lines] + heads

    anim = animation.FuncAnimation(fig, draw, frames=frames, interval=1000 / fps, blit=False)
    writer: Any = (
        animation.PillowWriter(fps=fps) if suffix == ".gif" else animation.FFMpegWriter(fps=fps)
    )
    anim.save(str(path), writer=writer, dpi=90)
    return path
