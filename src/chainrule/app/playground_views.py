"""The playground's views of the network itself, as Plotly figure dicts.

The network is drawn as TensorFlow Playground draws it: a column of input
feature nodes, a column per hidden layer, the output column; every node a
small heatmap of its output over the input plane, every weight a link whose
colour is its sign and whose width its magnitude, every bias a small marker on
its node. One forward pass over a GRID x GRID grid (:func:`grid_maps`) gives
the output heatmap and every neuron's map. Beside it: an enlarged node, the
per-layer histograms of activations and gradients, and the derived backprop
equations of the architecture. The figures are built as plain dicts: they are
redrawn at every step of play.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np

from chainrule.app import playground_state as S  # noqa: N812
from chainrule.models import MLP
from chainrule.models.mlp_layers import Histogram, layer_outputs
from chainrule.symbolic import Derivation, derive
from chainrule.symbolic.render import text

GRID = 80
"""The output heatmap is GRID x GRID; neuron tiles take every TILE_STEP-th point of it."""
TILE_STEP = 5
COLUMN = 2.2  # distance between the columns of nodes, in tile widths
ROW = 1.25  # distance between the nodes of a column
POSITIVE, NEGATIVE = "#f59322", "#0877bd"  # TensorFlow Playground's orange and blue
DIVERGING = [[0.0, NEGATIVE], [0.5, "#e8eaeb"], [1.0, POSITIVE]]
MAX_LINK_WIDTH = 6.0


@dataclass(frozen=True)
class GridMaps:
    """Every node's output over the plane: ``g`` (GRID,) the coordinates of the grid's
    rows and columns; ``layers[0]`` the input features (k, GRID, GRID), ``layers[l]``
    layer l's outputs (h_l, GRID, GRID), the last one ŷ (out, GRID, GRID)."""

    g: np.ndarray
    layers: list[np.ndarray]


def grid_maps(config: S.PlayConfig, model: MLP, resolution: int = GRID) -> GridMaps:
    """One forward pass over a resolution x resolution grid covering the data's square."""
    edge = S.SCALE * 1.1
    g = np.linspace(-edge, edge, resolution)
    G1, G2 = np.meshgrid(g, g)
    X = S.features(config, np.vstack([G1.ravel(), G2.ravel()]))
    shape = (resolution, resolution)
    layers = [X, *layer_outputs(model, X)]
    return GridMaps(g, [a.reshape(a.shape[0], *shape) for a in layers])


def node_label(config: S.PlayConfig, layer: int, unit: int, depth: int) -> str:
    """A node in words: its feature, its hidden layer and neuron, or its output unit."""
    if layer == 0:
        return S.FEATURES[config.features[unit]][0]
    if layer == depth:
        return f"output {unit + 1}" if config.multiclass else "output ŷ"
    return f"layer {layer}, neuron {unit + 1}"


def _centres(sizes: list[int]) -> list[np.ndarray]:
    """Each column's node centres (y), the column centred on 0, the first node on top."""
    return [((n - 1) / 2 - np.arange(n)) * ROW for n in sizes]


def _range(layer: int, depth: int, values: np.ndarray, config: S.PlayConfig) -> tuple[float, float]:
    """The colour range of a column: probabilities on [0, 1], others symmetric about 0."""
    if layer == depth and not config.multiclass:
        return 0.0, 1.0
    top = float(np.max(np.abs(values))) if values.size else 1.0
    return -max(top, 1e-9), max(top, 1e-9)


def nodes(model: MLP) -> list[tuple[int, int]]:
    """(layer, unit) of every heatmap trace of :func:`network_figure`, in trace order."""
    return [(layer, unit) for layer, n in enumerate(model.layer_sizes) for unit in range(n)]


def network_figure(config: S.PlayConfig, model: MLP, maps: GridMaps) -> dict[str, Any]:
    """The network as a figure: node heatmaps, weight links, bias markers.

    Traces: one heatmap per node in :func:`nodes` order, then the links (a few
    traces grouped by sign and width), then one marker trace per kind of editable
    number (weights at link midpoints, biases on their nodes) whose ``customdata``
    is [parameter name, row, column]: what a click edits.
    """
    sizes = model.layer_sizes
    depth = model.depth
    centres = _centres(sizes)
    tiles = [a[:, ::TILE_STEP, ::TILE_STEP] for a in maps.layers]
    r = tiles[0].shape[1]
    traces: list[dict[str, Any]] = []
    for layer, (tile, ys) in enumerate(zip(tiles, centres, strict=True)):
        zmin, zmax = _range(layer, depth, tile, config)
        for unit, y in enumerate(ys):
            traces.append(
                {
                    "type": "heatmap",
                    "z": np.round(tile[unit], 4).tolist(),
                    "x0": layer * COLUMN + 0.5 / r,
                    "dx": 1 / r,
                    "y0": y - 0.5 + 0.5 / r,
                    "dy": 1 / r,
                    "zmin": zmin,
                    "zmax": zmax,
                    "colorscale": DIVERGING,
                    "showscale": False,
                    "name": node_label(config, layer, unit, depth),
                    "hovertemplate": "%{fullData.name}: %{z:.3f}<extra></extra>",
                }
            )
    traces += _links(model, centres) + _handles(model, centres)
    width = COLUMN * depth + 1
    height = ROW * max(sizes)
    layout = {
        "title": {"text": "the network: hover a node to enlarge it, click a weight or bias"},
        "xaxis": {"visible": False, "range": [-0.3, width + 0.3], "fixedrange": True},
        "yaxis": {
            "visible": False,
            "range": [-height / 2 - 0.1, height / 2 + 0.1],
            "fixedrange": True,
        },
        "height": int(min(900, max(320, 70 * max(sizes) + 80))),
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "showlegend": False,
        "hovermode": "closest",
        "plot_bgcolor": "white",
        "annotations": [
            {
                "x": layer * COLUMN + 0.5,
                "y": height / 2,
                "text": title,
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": 11},
            }
            for layer, title in enumerate(_column_titles(model))
        ],
    }
    return {"data": traces, "layout": layout}


def _column_titles(model: MLP) -> list[str]:
    hidden = [f"{n} {a}" for n, a in zip(model.layer_sizes[1:-1], model.activations, strict=True)]
    return ["inputs", *hidden, model.output]


def _links(model: MLP, centres: list[np.ndarray]) -> list[dict[str, Any]]:
    """The weights as line segments, one trace per (sign, width class)."""
    groups: dict[tuple[bool, float], tuple[list[float | None], list[float | None]]] = {}
    top = max(float(np.max(np.abs(model.params[f"W{i}"]))) for i in range(1, model.depth + 1))
    for i in range(1, model.depth + 1):
        W = model.params[f"W{i}"]
        x0, x1 = (i - 1) * COLUMN + 1, i * COLUMN
        for j, i_ in np.ndindex(*W.shape):
            w = float(W[j, i_])
            width = round(0.5 + (MAX_LINK_WIDTH - 0.5) * abs(w) / max(top, 1e-12))
            xs, ys = groups.setdefault((w >= 0, width), ([], []))
            xs += [x0, x1, None]
            ys += [float(centres[i - 1][i_]), float(centres[i][j]), None]
    return [
        {
            "type": "scatter",
            "mode": "lines",
            "x": xs,
            "y": ys,
            "line": {"color": POSITIVE if positive else NEGATIVE, "width": width},
            "opacity": 0.7,
            "hoverinfo": "skip",
        }
        for (positive, width), (xs, ys) in sorted(groups.items())
    ]


def _handles(model: MLP, centres: list[np.ndarray]) -> list[dict[str, Any]]:
    """Markers to hover and click: each weight at its link's middle, each bias on its node."""
    wx: list[float] = []
    wy: list[float] = []
    wdata: list[list[Any]] = []
    bx: list[float] = []
    by: list[float] = []
    bdata: list[list[Any]] = []
    for i in range(1, model.depth + 1):
        W, b = model.params[f"W{i}"], model.params[f"b{i}"]
        x0, x1 = (i - 1) * COLUMN + 1, i * COLUMN
        for j, k in np.ndindex(*W.shape):
            wx.append((x0 + x1) / 2)
            wy.append(float(centres[i - 1][k] + centres[i][j]) / 2)
            wdata.append([f"W{i}", j, k, float(W[j, k])])
        for j in range(b.shape[0]):
            bx.append(x1 + 0.08)
            by.append(float(centres[i][j]) - 0.42)
            bdata.append([f"b{i}", j, 0, float(b[j, 0])])
    marker = {"size": 7, "color": "rgba(80,80,80,0.35)", "line": {"width": 0}}
    return [
        {
            "type": "scatter", "mode": "markers", "x": wx, "y": wy, "customdata": wdata,
            "marker": marker, "name": "weights",
            "hovertemplate": "%{customdata[0]}[%{customdata[1]},%{customdata[2]}] = "
                             "%{customdata[3]:.4f}<br>click to edit<extra></extra>",
        },
        {
            "type": "scatter", "mode": "markers", "x": bx, "y": by, "customdata": bdata,
            "marker": dict(marker, symbol="square", color="rgba(40,40,40,0.8)", size=8),
            "name": "biases",
            "hovertemplate": "%{customdata[0]}[%{customdata[1]}] = %{customdata[3]:.4f}"
                             "<br>click to edit<extra></extra>",
        },
    ]  # fmt: skip


def neuron_figure(
    config: S.PlayConfig, model: MLP, maps: GridMaps, node: tuple[int, int], data: S.Split
) -> dict[str, Any]:
    """One node's output over the plane at full resolution, with the training points."""
    layer, unit = node
    z = maps.layers[layer][unit]
    zmin, zmax = _range(layer, model.depth, maps.layers[layer], config)
    g = np.round(maps.g, 4).tolist()
    colors = np.array([NEGATIVE, POSITIVE, "#2ca02c", "#d62728", "#9467bd"])
    cols = data.train
    traces = [
        {"type": "heatmap", "x": g, "y": g, "z": np.round(z, 4).tolist(), "zmin": zmin,
         "zmax": zmax, "colorscale": DIVERGING, "colorbar": {"thickness": 10},
         "hovertemplate": "x₁ %{x:.2f}, x₂ %{y:.2f}: %{z:.4f}<extra></extra>"},
        {"type": "scatter", "mode": "markers", "x": data.P[0, cols].tolist(),
         "y": data.P[1, cols].tolist(), "hoverinfo": "skip",
         "marker": {"size": 4, "color": colors[data.labels[cols] % 5].tolist(),
                    "line": {"width": 0.5, "color": "white"}}},
    ]  # fmt: skip
    edge = float(maps.g[-1])
    layout = {
        "title": {"text": node_label(config, layer, unit, model.depth)},
        "xaxis": {"range": [-edge, edge], "title": {"text": "x₁"}, "constrain": "domain"},
        "yaxis": {"range": [-edge, edge], "scaleanchor": "x", "title": {"text": "x₂"}},
        "height": 320,
        "margin": {"l": 40, "r": 10, "t": 40, "b": 40},
        "showlegend": False,
    }
    return {"data": traces, "layout": layout}


def histogram_figure(activations: list[Histogram], gradients: list[Histogram]) -> dict[str, Any]:
    """Small multiples: a row of activation histograms (hidden layers) above a row of
    weight-gradient histograms (every layer), each titled with its mean and spread."""
    rows = [("A", activations, "#4c78a8"), ("∂L/∂W", gradients, "#e45756")]
    columns = max(len(gradients), 1)
    gap = 0.04
    width = (1 - gap * (columns - 1)) / columns
    traces: list[dict[str, Any]] = []
    layout: dict[str, Any] = {
        "height": 380,
        "margin": {"l": 40, "r": 10, "t": 30, "b": 30},
        "showlegend": False,
        "bargap": 0,
        "annotations": [],
        "title": {"text": "per layer: activations (top) and weight gradients (bottom)",
                  "font": {"size": 13}},
    }  # fmt: skip
    for row, (symbol, hists, color) in enumerate(rows):
        for c, h in enumerate(hists):
            n = row * columns + c + 1
            ax = "" if n == 1 else str(n)
            centres = (h.edges[:-1] + h.edges[1:]) / 2
            traces.append(
                {
                    "type": "bar",
                    "x": centres.tolist(),
                    "y": (h.counts / h.size).tolist(),
                    "width": float(h.edges[1] - h.edges[0]),
                    "marker": {"color": color},
                    "xaxis": "x" + ax,
                    "yaxis": "y" + ax,
                    "hovertemplate": "%{x:.3g}: %{y:.1%}<extra></extra>",
                }
            )
            x0 = c * (width + gap)
            y0, y1 = (0.58, 0.9) if row == 0 else (0.05, 0.37)
            layout["xaxis" + ax] = {"domain": [x0, x0 + width], "anchor": "y" + ax,
                                    "tickfont": {"size": 9}, "nticks": 4}  # fmt: skip
            layout["yaxis" + ax] = {"domain": [y0, y1], "anchor": "x" + ax,
                                    "tickformat": ".0%", "tickfont": {"size": 9}}  # fmt: skip
            layout["annotations"].append(
                {"x": x0 + width / 2, "y": y1, "xref": "paper", "yref": "paper",
                 "yanchor": "bottom", "showarrow": False, "font": {"size": 11},
                 "text": f"{symbol}{c + 1}: mean {h.mean:.2g}, std {h.std:.2g}"}
            )  # fmt: skip
    return {"data": traces, "layout": layout}


@functools.lru_cache(maxsize=64)
def _derivation(hyperparameters: str) -> Derivation:
    return derive(MLP(**json.loads(hyperparameters)))


def derivation(model: MLP) -> Derivation:
    """The model's derived backward pass, derived once per architecture (its
    hyperparameters: sizes, activations, output, penalty)."""
    return _derivation(json.dumps(model.hyperparameters(), sort_keys=True))


def equations(model: MLP) -> list[str]:
    """The derived forward and backward equations of the model's architecture, as the
    text lines the /backprop page shows (the deriver's text rendering)."""
    return text(derivation(model)).splitlines()
