"""The playground's two main figures: the output over the plane with the points, and the loss.

Both are Plotly figure dicts built directly (no ``plotly.graph_objects``): they
are redrawn at every step of play.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from chainrule.app import playground_state as S  # noqa: N812

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
GRID = 60  # the output is drawn on a GRID x GRID grid


def boundary_figure(config: S.PlayConfig, model: Any, data: S.Split) -> dict[str, Any]:
    """What the network predicts over the plane, with the train (filled), test (open) and
    drawn (stars) points. The heatmap takes clicks (its hover is off, not skipped), so
    points can be drawn on it."""
    edge = S.EDGE
    g = np.linspace(-edge, edge, GRID)
    G1, G2 = np.meshgrid(g, g)
    y_hat = model.predict(S.features(config, np.vstack([G1.ravel(), G2.ravel()])))
    grid = {"type": "heatmap", "x": g.tolist(), "y": g.tolist(), "hoverinfo": "none"}
    if config.multiclass:
        k = config.classes
        scale = [[c / (k - 1), COLORS[c]] for c in range(k)]
        z = np.argmax(y_hat, axis=0).reshape(G1.shape)
        grid.update(z=z.tolist(), zmin=0, zmax=k - 1, colorscale=scale, opacity=0.35)
        grid["showscale"] = False
    elif config.task == "regression":
        z = np.round(y_hat.reshape(G1.shape), 4)
        grid.update(z=z.tolist(), zmin=-1, zmax=1, colorscale="RdBu", opacity=0.6)
        grid["colorbar"] = {"title": {"text": "ŷ"}}
    else:
        z = np.round(y_hat.reshape(G1.shape), 4)
        grid.update(z=z.tolist(), zmin=0, zmax=1, colorscale="RdBu")  # Plotly: 0 blue, 1 red
        grid.update(opacity=0.6, colorbar={"title": {"text": "P(class 1)"}})
    traces: list[dict[str, Any]] = [grid]
    first_drawn = data.P.shape[1] - len(config.drawn)
    own = data.train[data.train < first_drawn]
    drawn = np.arange(first_drawn, data.P.shape[1])
    groups = (("train", own, "circle"), ("test", data.test, "circle-open"),
              ("drawn", drawn, "star"))  # fmt: skip
    if config.task == "regression":
        for name, cols, symbol in groups:
            if name == "drawn" and not len(cols):
                continue
            traces.append(_points(f"{name} points", data, cols, symbol, data.labels[cols].tolist()))
        return {"data": traces, "layout": _layout("output ŷ over the plane", edge)}
    for c in range(config.n_classes):
        color = COLORS[c] if config.multiclass else ("#2166ac", "#b2182b")[c]
        for name, columns, symbol in groups:
            cols = columns[data.labels[columns] == c]
            if name == "drawn" and not len(cols):
                continue
            traces.append(_points(f"{name}, class {c}", data, cols, symbol, color))
    return {"data": traces, "layout": _layout("decision boundary", edge)}


def _points(name: str, data: S.Split, cols: np.ndarray, symbol: str, color: Any) -> dict[str, Any]:
    """A scatter trace of the columns ``cols`` of the data; ``color`` a colour or values."""
    marker: dict[str, Any] = {
        "color": color,
        "symbol": symbol,
        "size": 10 if symbol == "star" else 6,
    }
    edge_color = color if symbol == "circle-open" else "white"
    if isinstance(color, list):  # a regression's targets on the heatmap's scale
        marker.update(colorscale="RdBu", cmin=-1, cmax=1)
        edge_color = "black" if symbol != "circle" else "white"
    marker["line"] = {"width": 1, "color": edge_color}
    return {
        "type": "scatter",
        "mode": "markers",
        "name": name,
        "x": data.P[0, cols].tolist(),
        "y": data.P[1, cols].tolist(),
        "marker": marker,
    }


def _layout(title: str, edge: float) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "xaxis": {"title": {"text": "x₁"}, "range": [-edge, edge], "constrain": "domain"},
        "yaxis": {"title": {"text": "x₂"}, "range": [-edge, edge], "scaleanchor": "x"},
        "height": 460,
        "margin": {"l": 40, "r": 10, "t": 40, "b": 40},
        "legend": {"orientation": "h", "y": -0.15},
    }


def loss_figure(run: dict[str, Any]) -> dict[str, Any]:
    """Train and test loss against the step, as a Plotly figure dict."""
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{key} loss",
            "x": run["steps"],
            "y": [v if isinstance(v, float) and math.isfinite(v) else None for v in run[key]],
            "line": {"color": color},
        }
        for key, color in (("train", "#1f77b4"), ("test", "#ff7f0e"))
    ]
    layout = {
        "title": {"text": "loss"},
        "xaxis": {"title": {"text": "step"}},
        "yaxis": {"title": {"text": "loss"}},
        "height": 460,
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
    }
    return {"data": traces, "layout": layout}
