"""The optimizer race's figures, drawn from the trajectories the library computed.

The contour comes from :func:`chainrule.plot.interactive.contour`; this module
adds what the page needs on top: each racer's path in its own colour, its
position at the current step with the step's update as an arrow (and, for
the momentum racers, the part of it their velocity carries as a dotted one), the loss
curves with the current step marked, and for the regression the data with
each racer's current line.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import plotly.graph_objects as go

from chainrule.app.landscape_state import (
    COLORS,
    RACERS,
    REGRESSION,
    RaceState,
    gradient_at,
    regression_optimum,
    regression_problem,
    surface,
    test_function,
    window,
)
from chainrule.landscape import Trajectory
from chainrule.plot.interactive import contour

MARGIN = {"l": 50, "r": 10, "t": 40, "b": 40}
TOOLBAR = 34  # pixels at the top of a figure that its toolbar (the mode bar) covers
CONTOUR_HEIGHT = 560


def to_store(paths: Mapping[str, Trajectory]) -> dict[str, Any]:
    """Trajectories as JSON-ready lists for a dcc.Store."""
    return {
        k: {"points": t.points.tolist(), "loss": t.loss.tolist(), "diverged": t.diverged}
        for k, t in paths.items()
    }


def from_store(stored: Mapping[str, Any]) -> dict[str, Trajectory]:
    """The inverse of :func:`to_store`; refuses anything that is not a path of points."""
    paths = {}
    for k, t in stored.items():
        if k not in RACERS:
            raise ValueError(f"unknown racer {k!r} in the stored race")
        points = np.asarray(t["points"], dtype=np.float64).reshape(-1, 2)
        loss = np.asarray(t["loss"], dtype=np.float64).reshape(-1)
        paths[k] = Trajectory(k, points, loss, bool(t["diverged"]))
    return paths


def _at(t: Trajectory, step: int) -> int:
    return min(step, len(t.points) - 1)


def contour_figure(state: RaceState, paths: Mapping[str, Trajectory], step: int) -> go.Figure:
    """The loss contours, every path, every racer's position at ``step`` and its next update.

    Only the contour answers the pointer: a click anywhere on it is where the start moves
    (a marker beneath the pointer would otherwise catch it), and hovering reads the loss
    there; each racer's own numbers at ``step`` are in the table of :func:`step_rows`.
    """
    s = surface(state)
    fig = contour(s, None, log_levels=state.surface != REGRESSION)
    fig.data[0].update(colorbar={"len": 0.8, "thickness": 12}, ncontours=28)
    (xl, xh), (yl, yh) = window(state)
    for k, t in paths.items():
        color, label = COLORS[k], RACERS[k].label
        shown = np.clip(t.points, [xl - 1e3, yl - 1e3], [xh + 1e3, yh + 1e3])
        fig.add_trace(
            go.Scatter(
                x=shown[:, 0],
                y=shown[:, 1],
                mode="lines",
                name=label,
                line={"color": color, "width": 2},
                hoverinfo="skip",
            )
        )
        i = _at(t, step)
        fig.add_trace(
            go.Scatter(
                x=[t.points[i, 0]],
                y=[t.points[i, 1]],
                mode="markers",
                marker={"size": 11, "color": color, "line": {"color": "white", "width": 1.5}},
                name=f"{label} at step {i}",
                showlegend=False,
                hoverinfo="skip",  # clicks go to the contour beneath; the table has its numbers
            )
        )
        carried = velocity_part(state, k, t, i)
        if carried is not None and np.any(carried) and np.all(np.isfinite(carried)):
            tip = t.points[i] + carried
            fig.add_trace(
                go.Scatter(
                    x=[t.points[i, 0], tip[0]],
                    y=[t.points[i, 1], tip[1]],
                    mode="lines+markers",
                    line={"color": color, "width": 2, "dash": "dot"},
                    marker={"symbol": ["circle", "arrow"], "size": [1, 11], "angleref": "previous",
                            "color": color},
                    name=f"{label}: velocity",
                    showlegend=False,
                    hoverinfo="skip",
                )
            )  # fmt: skip
        if i + 1 < len(t.points) and np.all(np.isfinite(t.points[i + 1])):
            fig.add_annotation(
                x=t.points[i + 1, 0],
                y=t.points[i + 1, 1],
                ax=t.points[i, 0],
                ay=t.points[i, 1],
                xref="x",
                yref="y",
                axref="x",
                ayref="y",
                showarrow=True,
                arrowhead=2,
                arrowwidth=2,
                arrowcolor=color,
            )
    best = minimum(state)
    if best is not None:
        fig.add_trace(
            go.Scatter(
                x=[best[0]],
                y=[best[1]],
                mode="markers",
                marker={"size": 14, "symbol": "star", "color": "gold", "line": {"width": 1}},
                name="minimum",
                hoverinfo="skip",
            )
        )
    if paths:
        x0, y0 = next(iter(paths.values())).points[0]
        fig.add_trace(
            go.Scatter(
                x=[x0],
                y=[y0],
                mode="markers",
                marker={"size": 13, "symbol": "x", "color": "white", "line": {"width": 1}},
                name="start (click the contours to move it)",
                hoverinfo="skip",
            )
        )
    fig.update_layout(
        title={
            "text": f"{s.x_label}, {s.y_label}: loss contours, step {step}",
            "subtitle": {"text": "arrows: each racer's next update; dotted: momentum's velocity"},
            # below the toolbar (the top TOOLBAR pixels, at the right) and above the axes
            "x": 0,
            "xref": "paper",
            "xanchor": "left",
            "y": 1 - TOOLBAR / CONTOUR_HEIGHT,
            "yref": "container",
            "yanchor": "top",
        },
        xaxis={"range": [xl, xh], "constrain": "domain"},
        yaxis={"range": [yl, yh]},
        margin={**MARGIN, "t": TOOLBAR + 58},
        height=CONTOUR_HEIGHT,
        legend={"orientation": "h", "y": -0.12, "bgcolor": "rgba(255,255,255,0.8)"},
        clickmode="event",
        uirevision=state.surface,
    )
    return fig


MOMENTUM = ("momentum", "momentum-torch", "nesterov")


def velocity_part(state: RaceState, key: str, t: Trajectory, i: int) -> np.ndarray | None:
    """The part of racer ``key``'s update at step ``i`` that its velocity carries in (2,).

    None for a racer without momentum or at the path's end; zero at the start.
    With a constant learning rate η and β = ``state.beta`` it comes from the
    recorded path: the course's momentum steps −η v with v ← β v + (1 − β) g,
    so its velocity's part is −η β v = β (p_i − p_{i−1}), the previous update
    times β; PyTorch's momentum (b ← β b + g, step −η b) gives the same. Nesterov
    steps −η (g + β b) with b ← β b + g, so its velocity's part is −η β² b =
    β (p_i − p_{i−1} + η g_{i−1}), with the gradient at the previous point.
    """
    if key not in MOMENTUM or i + 1 >= len(t.points):
        return None
    if i == 0:
        return np.zeros(2)
    previous = t.points[i] - t.points[i - 1]
    if key == "nesterov":
        previous = previous + state.lrs[key] * gradient_at(state, t.points[i - 1])[1]
    return state.beta * previous


def minimum(state: RaceState) -> tuple[float, float] | None:
    """Where the surface is least: the least-squares fit, or the function's known minimum."""
    if state.surface == REGRESSION:
        return regression_optimum()[0]
    return test_function(state).minimum


def loss_figure(paths: Mapping[str, Trajectory], step: int) -> go.Figure:
    """Loss per step of every racer, with the current step marked."""
    fig = go.Figure()
    finite = [t.loss[np.isfinite(t.loss)] for t in paths.values()]
    positive = all(len(v) and np.all(v > 0) for v in finite)
    for k, t in paths.items():
        fig.add_trace(
            go.Scatter(
                x=np.arange(len(t.loss)),
                y=t.loss,
                mode="lines",
                name=RACERS[k].label,
                line={"color": COLORS[k]},
            )
        )
    fig.add_vline(x=step, line={"color": "#555", "dash": "dot"})
    fig.update_layout(
        title="loss per step",
        xaxis_title="step",
        yaxis_title="loss",
        yaxis_type="log" if positive and paths else "linear",
        margin=MARGIN,
        height=300,
        showlegend=False,
    )
    return fig


def fit_figure(paths: Mapping[str, Trajectory], step: int) -> go.Figure:
    """The regression's data with each racer's line ŷ = w x + b at ``step``."""
    _, X, y = regression_problem()
    fig = go.Figure(
        go.Scatter(x=X[0], y=y[0], mode="markers", name="data", marker={"color": "#999", "size": 5})
    )
    xs = np.array([X.min(), X.max()])
    for k, t in paths.items():
        w, b = t.points[_at(t, step)]
        fig.add_trace(
            go.Scatter(
                x=xs,
                y=w * xs + b,
                mode="lines",
                name=f"{RACERS[k].label}: ŷ = {w:.3g} x + {b:.3g}",
                line={"color": COLORS[k]},
            )
        )
    fig.update_layout(
        title=f"the data and each racer's line at step {step}",
        xaxis_title="x",
        yaxis_title="y",
        margin=MARGIN,
        height=300,
        showlegend=False,
    )
    return fig


def step_rows(
    state: RaceState, paths: Mapping[str, Trajectory], step: int
) -> list[tuple[str, str, list[str]]]:
    """Per racer: (key, label, cells) with its point, loss, gradient and update at ``step``."""
    rows = []
    for k, t in paths.items():
        i = _at(t, step)
        point = t.points[i]
        if np.all(np.isfinite(point)):
            loss, grad = gradient_at(state, point)
            g = f"({grad[0]:.4g}, {grad[1]:.4g})"
        else:
            loss, g = float("nan"), "—"
        update = "—"
        if i + 1 < len(t.points):
            d = t.points[i + 1] - point
            update = f"({d[0]:.4g}, {d[1]:.4g})"
        carried = velocity_part(state, k, t, i)
        v = "—" if carried is None else f"({carried[0]:.4g}, {carried[1]:.4g})"
        cells = [str(i), f"({point[0]:.4g}, {point[1]:.4g})", f"{loss:.5g}", g, update, v]
        rows.append((k, RACERS[k].label, cells))
    return rows
