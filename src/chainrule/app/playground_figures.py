"""The playground's two main figures: the output over the plane with the points, and the loss.

Both are Plotly figure dicts built directly (no ``plotly.graph_objects``): they
are redrawn at every step of play. The output and the train, test and drawn
points are one PNG (:func:`boundary_image`) laid under the axes: a browser
paints it far faster than Plotly lays out a marker per point. The figure's one
trace draws nothing (a transparent heatmap takes the clicks that draw points)
and its legend and colour bar are plain HTML beside it (:func:`legend`), so at
each step of play only the image changes and Plotly redraws no legend.
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np

from chainrule.app import playground_state as S  # noqa: N812
from chainrule.app import playground_views_images as img
from chainrule.app.playground_views import rounded_up

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
BINARY = ("#2166ac", "#b2182b")  # class 0 and class 1 of a binary task
GRID = 60  # clicks on the output figure land on a GRID x GRID grid
PIXELS = 360  # the output image is PIXELS x PIXELS
RDBU: img.Stops = (
    (0.0, "#050aac"), (0.35, "#6a89f7"), (0.5, "#bebebe"), (0.6, "#dcaa84"), (0.7, "#e6915a"),
    (1.0, "#b20a1c"),
)  # fmt: skip
"""Plotly's "RdBu" colour scale: low blue, high red."""
MARKER_SIZE = {"circle": 7.0, "circle-open": 7.0, "star": 12.0}  # diameters in image pixels
GROUPS = (("train", "circle"), ("test", "circle-open"), ("drawn", "star"))


def _scale(config: S.PlayConfig) -> tuple[float, float, float, str]:
    """The output's colour range, opacity over white and colour bar title."""
    if config.task == "regression":
        return -1.0, 1.0, 0.6, "ŷ"
    return 0.0, 1.0, 0.6, "P(class 1)"


def _groups(config: S.PlayConfig, data: S.Split) -> list[tuple[str, str, np.ndarray]]:
    """(name, marker, columns of data.P) of the training points not drawn, the test points
    and the drawn points (drawn points come last in P and are all for training)."""
    first_drawn = data.P.shape[1] - len(config.drawn)
    own = data.train[data.train < first_drawn]
    drawn = np.arange(first_drawn, data.P.shape[1])
    return [(name, symbol, cols) for (name, symbol), cols in
            zip(GROUPS, (own, data.test, drawn), strict=True)]  # fmt: skip


def _class_colors(config: S.PlayConfig) -> tuple[str, ...]:
    return COLORS[: config.n_classes] if config.multiclass else BINARY


@functools.lru_cache(maxsize=8)
def points_layer(config: S.PlayConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The config's train (filled), test (open) and drawn (stars) points as a layer to
    paint over a PIXELS x PIXELS image: (pixels (k,) indices into the flattened image,
    alpha (k, 1), colour times alpha (k, 3)), for the k pixels the markers touch. The
    points are in their class's colour or their target's on the output's scale.

    The markers are stamped once on black and once on white; a pixel that shows b on
    black and w on white is the image's pixel times 1 − alpha plus b, alpha = 1 − (w − b)
    / 255. Points do not move while a network trains: this is made once per data set.
    """
    data = S.split(config)
    edge = S.EDGE
    low, high, _, _ = _scale(config)
    white = img.colors(["#ffffff"])
    black_image = np.zeros((PIXELS, PIXELS, 3), dtype=np.uint8)
    white_image = np.full((PIXELS, PIXELS, 3), 255, dtype=np.uint8)
    for name, symbol, idx in _groups(config, data):
        if not len(idx):
            continue
        at = np.vstack([data.P[0, idx] + edge, edge - data.P[1, idx]]) * (PIXELS / (2 * edge))
        if config.task == "regression":
            fill = img.colorize(data.labels[idx], low, high, RDBU)
            around = "#ffffff" if name == "train" else "#000000"
            ring = np.broadcast_to(img.colors([around]), fill.shape)
        else:
            fill = img.colors(_class_colors(config))[data.labels[idx].astype(np.intp)]
            ring = fill if symbol == "circle-open" else np.broadcast_to(white, fill.shape)
        for canvas in (black_image, white_image):
            img.stamp(canvas, at, symbol, MARKER_SIZE[symbol], fill, np.ascontiguousarray(ring))
    b = black_image.reshape(-1, 3).astype(np.float64)
    w = white_image.reshape(-1, 3).astype(np.float64)
    alpha = 1.0 - np.mean(w - b, axis=1, keepdims=True) / 255.0
    pixels = np.nonzero(alpha[:, 0] > 0)[0]
    layer = (pixels, alpha[pixels], b[pixels])
    for a in layer:
        a.flags.writeable = False  # shared by every request of this data set
    return layer


def boundary_image(config: S.PlayConfig, y_hat: np.ndarray) -> str:
    """The output and the points as a PNG data URI, PIXELS square, covering the plane
    [-EDGE, EDGE]² (the image's top row is the largest x₂).

    ``y_hat`` (out, g, g) is the output on a g x g grid over that square, row i at the
    i-th x₂ and column j at the j-th x₁ (``grid_maps(...).layers[-1]``); each pixel
    takes its nearest grid point. A classification shows P(class 1), or the class
    regions of a multiclass task; a regression ŷ. Over it, :func:`points_layer`.
    """
    g = y_hat.shape[-1]
    if y_hat.ndim != 3 or y_hat.shape[1] != g or g < 2:
        raise ValueError(
            f"boundary_image: expected y_hat (out, g, g) with g >= 2, got {y_hat.shape}"
        )
    centres = (np.arange(PIXELS) + 0.5) / PIXELS  # pixel centres from 0 to 1
    cols = np.rint(centres * (g - 1)).astype(np.intp)
    rows = cols[::-1]  # the image's top row is the grid's last
    low, high, opacity, _ = _scale(config)
    if config.multiclass:
        palette = img.colors([img.faded(c, 0.35) for c in COLORS[: config.n_classes]])
        cells = palette[np.argmax(y_hat, axis=0)]
    else:
        faded = tuple((p, img.faded(c, opacity)) for p, c in RDBU)
        cells = img.colorize(y_hat[0], low, high, faded)
    rgb = cells.take(rows, axis=0).take(cols, axis=1)  # each pixel its nearest grid point
    pixels, alpha, painted = points_layer(config)
    flat = rgb.reshape(-1, 3)
    flat[pixels] = np.rint(flat[pixels] * (1.0 - alpha) + painted).astype(np.uint8)
    return img.png_uri(rgb)


def boundary_figure(config: S.PlayConfig, y_hat: np.ndarray) -> dict[str, Any]:
    """What the network predicts over the plane, with the train (filled), test (open) and
    drawn (stars) points, as one image under the axes (:func:`boundary_image`); its
    legend and colour bar are :func:`legend`, beside the figure.

    The one trace, a transparent heatmap, takes clicks (its hover is off, not skipped),
    so points can be drawn on it. ``layout.meta.key`` names what the rest depends on,
    so a later step may change the image alone.
    """
    edge = S.EDGE
    g = np.round(np.linspace(-edge, edge, GRID), 4).tolist()
    catcher = {"type": "heatmap", "x": g, "y": g, "z": [[0] * GRID] * GRID, "opacity": 0,
               "showscale": False, "hoverinfo": "none", "showlegend": False}  # fmt: skip
    layout = {
        "title": {"text": "output ŷ over the plane" if config.task == "regression"
                  else "decision boundary"},
        "xaxis": {"title": {"text": "x₁"}, "range": [-edge, edge], "constrain": "domain",
                  "showgrid": False, "zeroline": False},
        "yaxis": {"title": {"text": "x₂"}, "range": [-edge, edge], "scaleanchor": "x",
                  "showgrid": False, "zeroline": False},
        "height": 400,
        "margin": {"l": 40, "r": 10, "t": 40, "b": 40},
        "images": [{"source": boundary_image(config, y_hat), "xref": "x", "yref": "y",
                    "x": -edge, "y": edge, "sizex": 2 * edge, "sizey": 2 * edge,
                    "sizing": "stretch", "layer": "below"}],
        "meta": {"key": config.network_key()},
    }  # fmt: skip
    return {"data": [catcher], "layout": layout}


def legend(config: S.PlayConfig) -> tuple[list[tuple[str, str]], tuple[str, str, str, str] | None]:
    """What the output figure's marks mean: (label, marker as an SVG data URI) per group
    of points, and the colour bar as (title, low, high, CSS gradient) or None (the class
    regions of a multiclass task are the classes' colours)."""
    drawn = {round(float(c)) for _, _, c in config.drawn}
    items = []
    if config.task == "regression":
        for name, symbol in GROUPS:
            if name != "drawn" or config.drawn:
                edge = "#ffffff" if name == "train" else "#000000"
                fill = "#777777"
                items.append((f"{name} points", _marker(symbol, fill, fill if symbol ==
                              "circle-open" else edge)))  # fmt: skip
    else:
        for c, color in enumerate(_class_colors(config)):
            for name, symbol in GROUPS:
                if name != "drawn" or c in drawn:
                    edge = color if symbol == "circle-open" else "#ffffff"
                    items.append((f"{name}, class {c}", _marker(symbol, color, edge)))
    if config.multiclass:
        return items, None
    low, high, opacity, title = _scale(config)
    stops = ", ".join(f"{img.faded(c, opacity)} {p:.0%}" for p, c in RDBU)
    return items, (title, f"{low:g}", f"{high:g}", f"linear-gradient(to right, {stops})")


def _marker(symbol: str, fill: str, edge: str) -> str:
    return img.svg_uri(img.marker_svg(symbol, fill, edge))


MAX_CURVE_POINTS = 400  # a loss curve is drawn through at most this many of its points
LOSS_COLORS = (("train", "#1f77b4"), ("test", "#ff7f0e"))


def loss_figure(run: dict[str, Any]) -> dict[str, Any]:
    """Train and test loss against the step, as a Plotly figure dict; before the first
    step an empty figure that says so.

    The curves are an SVG image under the axes (:func:`loss_curves`), so a step of play
    changes the image alone; two empty traces are the legend. The step axis runs to
    the last step rounded up, the loss axis from 0 to the largest loss rounded up
    (:func:`rounded_up`), so that they move now and then, not at every step of play.
    ``layout.meta.key`` says which of the two figures it is.
    """
    layout: dict[str, Any] = {
        "title": {"text": "loss"},
        "height": 460,
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "meta": {"key": "no steps"},
    }
    if not run["steps"] or max(run["steps"]) == 0:
        layout.update(
            xaxis={"visible": False},
            yaxis={"visible": False},
            annotations=[{"text": "no steps yet: step or play to train", "showarrow": False,
                          "xref": "paper", "yref": "paper", "x": 0.5, "y": 0.5,
                          "font": {"size": 14, "color": "#555"}}],
        )  # fmt: skip
        return {"data": [], "layout": layout}
    source, xrange, yrange = loss_curves(run)
    legend = [
        {"type": "scatter", "mode": "lines", "name": f"{key} loss", "x": [None], "y": [None],
         "line": {"color": color}, "hoverinfo": "skip"}
        for key, color in LOSS_COLORS
    ]  # fmt: skip
    layout.update(
        xaxis={"title": {"text": "step"}, "zeroline": False, "range": xrange},
        yaxis={"title": {"text": "loss"}, "zeroline": False, "range": yrange},
        legend={"orientation": "h", "y": -0.15},
        images=[{"source": source, "xref": "x", "yref": "y", "x": xrange[0], "y": yrange[1],
                 "sizex": xrange[1] - xrange[0], "sizey": yrange[1] - yrange[0],
                 "sizing": "stretch", "layer": "below"}],
        meta={"key": "curves"},
    )  # fmt: skip
    return {"data": legend, "layout": layout}


def loss_curves(run: dict[str, Any]) -> tuple[str, list[float], list[float]]:
    """The run's train and test loss curves as an SVG data URI, and the ranges of the
    step and loss axes it is drawn over (losses not finite break the curves)."""
    steps = run["steps"]
    keep = np.unique(np.linspace(0, len(steps) - 1, min(len(steps), MAX_CURVE_POINTS)).astype(int))
    xs = [float(steps[i]) for i in keep]
    finite = [v for key, _ in LOSS_COLORS for v in run[key] if _finite(v)]
    xrange = [float(steps[0]), rounded_up(max(float(steps[-1]), 1.0))]
    yrange = [0.0, rounded_up(max(finite)) if finite and max(finite) > 0 else 1.0]
    curves = [
        (xs, [float(run[key][i]) if _finite(run[key][i]) else None for i in keep], color, 2.0)
        for key, color in LOSS_COLORS
    ]
    box = (xrange[0], yrange[0], xrange[1], yrange[1])
    return img.svg_uri(img.curves_svg(box, curves)), xrange, yrange


def _finite(v: Any) -> bool:
    return isinstance(v, int | float) and math.isfinite(v)
