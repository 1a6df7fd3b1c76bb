"""Plotly versions of the landscape and loss figures, for Jupyter and offline HTML."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np
import plotly.graph_objects as go

from chainrule.files import atomic_path, output_path
from chainrule.landscape import Surface, Trajectory
from chainrule.plot import racers
from chainrule.train import History

COLORS = tuple(color for color, _, _ in racers.STYLES)
# the Plotly names of racers.STYLES's line styles and markers, in the same order
DASHES = ("solid", "dash", "dot", "dashdot", "longdashdot", "longdash")
SYMBOLS = ("circle", "square", "triangle-up", "diamond", "triangle-down", "cross")


def contour(
    surface: Surface,
    trajectories: Mapping[str, Trajectory] | None = None,
    log_levels: bool = True,
    title: str = "",
    loss_name: str = "loss",
) -> go.Figure:
    """Loss contours (log10 of the loss when ``log_levels``) with trajectories.

    Racers are told apart as in :func:`chainrule.plot.contour`: colour, line
    style and marker each their own, the first drawn widest and lowest; a
    slice through a bigger model says so under the title.
    """
    use_log = log_levels and bool(np.all(surface.loss > 0))
    z = np.log10(surface.loss) if use_log else surface.loss
    fig = go.Figure(
        go.Contour(
            x=surface.x,
            y=surface.y,
            z=z,
            colorscale="Viridis",
            colorbar={"title": {"text": f"log10 {loss_name}" if use_log else loss_name}},
            customdata=surface.loss,
            hovertemplate=f"{surface.x_label}=%{{x:.4g}}<br>{surface.y_label}=%{{y:.4g}}"
            "<br>loss=%{customdata:.4g}<extra></extra>",
        )
    )
    paths = trajectories or {}
    for k, (name, t) in enumerate(paths.items()):
        style = racers.style(k, len(paths))
        color = style["color"]
        fig.add_trace(
            go.Scatter(
                x=t.points[:, 0],
                y=t.points[:, 1],
                mode="lines+markers",
                name=racers.legend_label(name, t, surface, loss_name),
                line={"color": color, "width": style["lw"], "dash": DASHES[k % len(DASHES)]},
                marker={
                    "size": 4 + style["lw"],
                    "color": color,
                    "symbol": SYMBOLS[k % len(SYMBOLS)],
                    "maxdisplayed": 12,
                    "line": {"color": "white", "width": 1},
                },
                customdata=np.stack([np.arange(len(t.loss)), t.loss], axis=1),
                hovertemplate=f"{name}<br>step %{{customdata[0]}}<br>loss %{{customdata[1]:.4g}}"
                "<extra></extra>",
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[t.points[0, 0]],
                y=[t.points[0, 1]],
                mode="markers",
                marker={"size": 11, "color": color, "line": {"color": "white", "width": 1}},
                name=f"{name} start",
                showlegend=False,
            )
        )
    note = racers.slice_note(surface)
    heading = title or "loss landscape"
    fig.update_layout(
        title=f"{heading}<br><sup>{note}</sup>" if note else heading,
        xaxis_title=surface.x_label,
        yaxis_title=surface.y_label,
        legend={"bgcolor": "rgba(255,255,255,0.8)"},
    )
    return fig


def surface3d(
    surface: Surface, trajectories: Mapping[str, Trajectory] | None = None, title: str = ""
) -> go.Figure:
    """The loss as an interactive 3-D surface with trajectories on it."""
    fig = go.Figure(
        go.Surface(x=surface.x, y=surface.y, z=surface.loss, colorscale="Viridis", opacity=0.9)
    )
    for k, (name, t) in enumerate((trajectories or {}).items()):
        fig.add_trace(
            go.Scatter3d(
                x=t.points[:, 0],
                y=t.points[:, 1],
                z=t.loss,
                mode="lines+markers",
                name=name,
                line={"color": COLORS[k % len(COLORS)], "width": 5},
                marker={"size": 2},
            )
        )
    fig.update_layout(
        title=title or "loss surface",
        scene={
            "xaxis_title": surface.x_label,
            "yaxis_title": surface.y_label,
            "zaxis_title": "loss",
        },
    )
    return fig


def loss_curves(histories: Mapping[str, History], log: bool = True, title: str = "") -> go.Figure:
    """Loss per epoch of one or several training runs."""
    fig = go.Figure()
    for k, (name, h) in enumerate(histories.items()):
        losses = [h.initial_loss, *h.epoch_loss]
        fig.add_trace(
            go.Scatter(
                x=list(range(len(losses))),
                y=losses,
                mode="lines",
                name=f"{name} ({h.epoch_loss_kind})" if h.batch_means else name,
                line={"color": COLORS[k % len(COLORS)]},
            )
        )
    fig.update_layout(
        title=title or "training loss",
        xaxis_title="epoch",
        yaxis_title="loss",
        yaxis_type="log" if log else "linear",
    )
    return fig


def write_html(fig: go.Figure, path: str | Path) -> Path:
    """A standalone HTML file with plotly.js embedded: it opens without a network.

    ``.html`` is added when the name has no suffix; the file is written
    atomically (a failure leaves a previous file intact). Returns the path.
    """
    target = output_path(path, ".html")
    with atomic_path(target) as tmp:
        fig.write_html(str(tmp), include_plotlyjs=True, full_html=True)
    return target
