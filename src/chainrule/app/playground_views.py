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
import math
from dataclasses import dataclass
from html import escape
from typing import Any

import numpy as np

from chainrule.app import playground_state as S  # noqa: N812
from chainrule.app import playground_views_images as img
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
DIVERGING = ((0.0, NEGATIVE), (0.5, "#e8eaeb"), (1.0, POSITIVE))
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


RUNGS = (1.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)
"""A column's colour range is its largest magnitude rounded up to one of these (times a
power of ten): the range, and the colour bar, change only now and then during play."""


def rounded_up(top: float) -> float:
    """The smallest RUNGS[i] x 10^k at or above ``top`` > 0."""
    if not (top > 0 and math.isfinite(top)):
        raise ValueError(f"rounded_up: expected a positive finite number, got {top}")
    power = 10.0 ** math.floor(math.log10(top))
    return next(r * power for r in RUNGS if r * power >= top * (1 - 1e-12))


def _range(model: MLP, layer: int, values: np.ndarray) -> tuple[float, float]:
    """The colour range of a column: the probabilities of a sigmoid or softmax output on
    [0, 1], any other column symmetric about 0 over its largest finite magnitude,
    rounded up (:func:`rounded_up`)."""
    if layer == model.depth and model.output in ("sigmoid", "softmax"):
        return 0.0, 1.0
    top = max(float(values.max()), -float(values.min())) if values.size else 1.0
    if not np.isfinite(top):
        finite = np.abs(values[np.isfinite(values)])
        top = float(finite.max()) if finite.size else 1.0
    top = rounded_up(max(top, 1e-9))
    return -top, top


def nodes(model: MLP) -> list[tuple[int, int]]:
    """(layer, unit) of every heatmap trace of :func:`network_figure`, in trace order."""
    return [(layer, unit) for layer, n in enumerate(model.layer_sizes) for unit in range(n)]


def column_strip(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """A column's tiles as one image (h, w, 3) uint8, the first node on top: each node's
    map ``values`` (n, g, g) at every TILE_STEP-th grid point, coloured on [low, high],
    the tiles ROW apart with white between them."""
    tiles = values[:, ::TILE_STEP, ::TILE_STEP][:, ::-1]  # each tile's top row: largest x₂
    n, t, _ = tiles.shape
    gap = round((ROW - 1) * t)
    strip = np.full((n * t + (n - 1) * gap, t, 3), 255, dtype=np.uint8)
    colored = img.colorize(tiles, low, high, DIVERGING)
    for unit in range(n):
        top = unit * (t + gap)
        strip[top : top + t] = colored[unit]
    return strip


def network_figure(config: S.PlayConfig, model: MLP, maps: GridMaps) -> dict[str, Any]:
    """The network as a figure: node heatmaps, weight links, bias markers.

    The links (colour the sign, width the magnitude) are one SVG image and each
    column's node maps one PNG image (:func:`column_strip`), after the links; the one
    trace holds what the pointer reads (see :func:`_handles`).
    """
    sizes = model.layer_sizes
    depth = model.depth
    centres = _centres(sizes)
    width = COLUMN * depth + 1
    height = ROW * max(sizes)
    box = (-0.3, -height / 2 - 0.1, width + 0.3, height / 2 + 0.1)
    images = [_image(img.svg_uri(img.links_svg(box, _links(model, centres))), box)]
    for layer, (a, ys) in enumerate(zip(maps.layers, centres, strict=True)):
        x = layer * COLUMN
        strip = column_strip(a, *_range(model, layer, a))
        images.append(
            _image(img.png_uri(strip), (x, float(ys[-1]) - 0.5, x + 1, float(ys[0]) + 0.5))
        )
    layout = {
        "title": {"text": "the network: hover a node to enlarge it, click a weight or bias"},
        "xaxis": {"visible": False, "range": [box[0], box[2]], "fixedrange": True},
        "yaxis": {"visible": False, "range": [box[1], box[3]], "fixedrange": True},
        "height": int(min(900, max(320, 70 * max(sizes) + 80))),
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "showlegend": False,
        "hovermode": "closest",
        "plot_bgcolor": "white",
        "images": images,
        "meta": {"key": config.network_key()},
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
    return {"data": [_handles(config, model, centres)], "layout": layout}


def _image(source: str, box: tuple[float, float, float, float]) -> dict[str, Any]:
    """A layout image stretched over box = (x0, y0, x1, y1) in data coordinates."""
    x0, y0, x1, y1 = box
    return {
        "source": source, "xref": "x", "yref": "y", "x": x0, "y": y1, "sizex": x1 - x0,
        "sizey": y1 - y0, "sizing": "stretch", "layer": "below",
    }  # fmt: skip


def _column_titles(model: MLP) -> list[str]:
    hidden = [f"{n} {a}" for n, a in zip(model.layer_sizes[1:-1], model.activations, strict=True)]
    return ["inputs", *hidden, model.output]


def _links(
    model: MLP, centres: list[np.ndarray]
) -> list[tuple[float, float, float, float, str, float]]:
    """Every weight W_l[j, k] as a segment from node k of column l − 1 to node j of column
    l: orange when positive, blue when negative, wider the larger |w| (the largest
    weight of the network MAX_LINK_WIDTH pixels)."""
    top = max(float(np.max(np.abs(model.params[f"W{i}"]))) for i in range(1, model.depth + 1))
    segments = []
    for i in range(1, model.depth + 1):
        W = model.params[f"W{i}"]
        x0, x1 = (i - 1) * COLUMN + 1, i * COLUMN
        for j, k in np.ndindex(*W.shape):
            w = float(W[j, k])
            width = 0.5 + (MAX_LINK_WIDTH - 0.5) * abs(w) / max(top, 1e-12)
            color = POSITIVE if w >= 0 else NEGATIVE
            segments.append((x0, float(centres[i - 1][k]), x1, float(centres[i][j]), color, width))
    return segments


def _handles(config: S.PlayConfig, model: MLP, centres: list[np.ndarray]) -> dict[str, Any]:
    """One marker trace of what the pointer reads, in one trace because each trace costs
    the browser a redraw: every node (invisible, tile-sized: hover to enlarge), then per
    layer each weight on its link and each bias on its node's corner (click to
    edit). ``customdata``: ["node", layer, unit, label] or [parameter, row, column]; the
    weights' and biases' values are in ``hovertext``, which a step of play changes alone."""
    x: list[float] = []
    y: list[float] = []
    data: list[list[Any]] = []
    text: list[str] = []
    size: list[int] = []
    symbol: list[str] = []
    color: list[str] = []

    def add(px: float, py: float, d: list[Any], t: str, s: int, sym: str, c: str) -> None:
        x.append(px)
        y.append(py)
        data.append(d)
        text.append(t)
        size.append(s)
        symbol.append(sym)
        color.append(c)

    for layer, unit in nodes(model):
        label = node_label(config, layer, unit, model.depth)
        add(layer * COLUMN + 0.5, float(centres[layer][unit]), ["node", layer, unit, label],
            f"{label}: enlarged on the right", 34, "square", "rgba(0,0,0,0)")  # fmt: skip
    for i in range(1, model.depth + 1):
        W, b = model.params[f"W{i}"], model.params[f"b{i}"]
        x0, x1 = (i - 1) * COLUMN + 1, i * COLUMN
        for j, k in np.ndindex(*W.shape):
            # along the link at a fraction that differs per target node: no two handles meet
            t = 0.25 + 0.5 * (j + 0.5) / W.shape[0]
            ya, yb = float(centres[i - 1][k]), float(centres[i][j])
            w = float(W[j, k])
            add(x0 + t * (x1 - x0), ya + t * (yb - ya), [f"W{i}", j, k],
                f"W{i}[{j},{k}] = {w:.4f}<br>click to edit", 7, "circle",
                "rgba(80,80,80,0.35)")  # fmt: skip
        for j in range(b.shape[0]):
            v = float(b[j, 0])
            add(x1 + 0.08, float(centres[i][j]) - 0.42, [f"b{i}", j, 0],
                f"b{i}[{j}] = {v:.4f}<br>click to edit", 8, "square",
                "rgba(40,40,40,0.8)")  # fmt: skip
    return {
        "type": "scatter", "mode": "markers", "x": x, "y": y, "customdata": data,
        "hovertext": text, "hovertemplate": "%{hovertext}<extra></extra>", "name": "handles",
        "marker": {"size": size, "symbol": symbol, "color": color, "line": {"width": 0}},
    }  # fmt: skip


def neuron_key(config: S.PlayConfig, node: tuple[int, int]) -> str:
    """What the enlarged node's figure depends on besides its values: the run's settings
    and the node."""
    return f"{config.network_key()}|{node[0]},{node[1]}"


def neuron_image(model: MLP, maps: GridMaps, node: tuple[int, int]) -> tuple[str, float, float]:
    """One node's output over the plane as a PNG data URI at the grid's resolution, and its
    colour range (low, high)."""
    layer, unit = node
    low, high = _range(model, layer, maps.layers[layer])
    return img.heatmap_uri(maps.layers[layer][unit], low, high, DIVERGING), low, high


def neuron_values(maps: GridMaps, node: tuple[int, int]) -> list[list[float]]:
    """One node's output on the grid, rounded, for the enlarged figure's hover."""
    return np.round(maps.layers[node[0]][node[1]], 4).tolist()


def neuron_figure(
    config: S.PlayConfig, model: MLP, maps: GridMaps, node: tuple[int, int]
) -> dict[str, Any]:
    """One node's output over the plane at the grid's full resolution, to read by hovering.

    The map is an image under the axes (:func:`neuron_image`); a transparent heatmap of
    the values (``data[0]``) answers the hover and an empty trace (``data[1]``) draws the
    colour bar, so a step of play changes the image alone, and the colour bar when the
    range moves to another rung.
    """
    layer, unit = node
    source, low, high = neuron_image(model, maps, node)
    g = np.round(maps.g, 4).tolist()
    edge = float(maps.g[-1])
    half = float(maps.g[1] - maps.g[0]) / 2  # the image covers the grid's cells
    values = {
        "type": "heatmap", "x": g, "y": g, "z": neuron_values(maps, node), "opacity": 0,
        "showscale": False, "hovertemplate": "x₁ %{x:.2f}, x₂ %{y:.2f}: %{z:.4f}<extra></extra>",
    }  # fmt: skip
    scale = {
        "type": "scatter", "mode": "markers", "x": [None, None], "y": [None, None],
        "hoverinfo": "skip", "showlegend": False,
        "marker": {"color": [low, high], "cmin": low, "cmax": high, "showscale": True,
                   "colorscale": [list(s) for s in DIVERGING], "colorbar": {"thickness": 10}},
    }  # fmt: skip
    layout = {
        "title": {"text": node_label(config, layer, unit, model.depth)},
        "xaxis": {"range": [-edge - half, edge + half], "title": {"text": "x₁"},
                  "constrain": "domain", "showgrid": False, "zeroline": False},
        "yaxis": {"range": [-edge - half, edge + half], "scaleanchor": "x",
                  "title": {"text": "x₂"}, "showgrid": False, "zeroline": False},
        "height": 320,
        "margin": {"l": 40, "r": 10, "t": 40, "b": 40},
        "images": [_image(source, (-edge - half, -edge - half, edge + half, edge + half))],
        "meta": {"key": neuron_key(config, node)},
    }  # fmt: skip
    return {"data": [values, scale], "layout": layout}


def histogram_image(activations: list[Histogram], gradients: list[Histogram]) -> str:
    """Per-layer histograms as an SVG data URI: the activations A_l of the hidden layers
    above the weight gradients ∂L/∂W_l of every layer, each with its mean and spread."""
    rows = [("A", activations, "#4c78a8"), ("∂L/∂W", gradients, "#e45756")]
    return img.svg_uri(img.histograms_svg(rows))


def message_image(text: str) -> str:
    """A line of text as an SVG data URI: what stands in for the histograms when the
    network's values cannot be counted (not finite)."""
    body = escape(text)
    return img.svg_uri(
        '<svg xmlns="http://www.w3.org/2000/svg" width="760" height="40" font-family="sans-serif"'
        f' font-size="13"><text x="10" y="25" fill="#b00020">{body}</text></svg>'
    )


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
