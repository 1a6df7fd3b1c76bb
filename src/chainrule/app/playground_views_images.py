"""Images for the playground's views: heatmaps as PNG and drawings as SVG, as data URIs.

The network, the histograms and the output with the data points are redrawn
at every step of play. A browser paints a finished image far faster than
Plotly lays out a trace per neuron, a trace per group of links, a set of axes
per layer or an SVG marker per data point, so the parts that change at every
step and need no hover of their own are sent as images: each neuron's map and
the output with its points as PNGs (written here with zlib: no imaging
library; points stamped as anti-aliased markers), the links and the histograms
as SVG.
"""

from __future__ import annotations

import base64
import functools
import struct
import zlib
from collections.abc import Sequence
from html import escape

import numpy as np

from chainrule.models.mlp_layers import Histogram

Stops = tuple[tuple[float, str], ...]
"""A colour scale: (position in [0, 1], "#rrggbb"), positions increasing from 0 to 1."""


def _rgb(color: str) -> tuple[int, int, int]:
    if len(color) != 7 or not color.startswith("#"):
        raise ValueError(f"a colour is written #rrggbb, got {color!r}")
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def faded(color: str, opacity: float) -> str:
    """The colour "#rrggbb" painted with ``opacity`` in [0, 1] over white, as "#rrggbb"."""
    if not 0.0 <= opacity <= 1.0:
        raise ValueError(f"opacity must be in [0, 1], got {opacity}")
    mixed = (round(255 - opacity * (255 - c)) for c in _rgb(color))
    return "#" + "".join(f"{c:02x}" for c in mixed)


LEVELS = 257
"""Colours per scale: values are quantised to LEVELS steps (an odd count, so that the
middle of the range, and each quarter, is one of them exactly)."""


@functools.lru_cache(maxsize=16)
def _table(stops: tuple[tuple[float, str], ...]) -> np.ndarray:
    """The colour scale sampled at LEVELS evenly spaced positions: (LEVELS, 3) uint8."""
    positions = [p for p, _ in stops]
    colors = np.array([_rgb(c) for _, c in stops], dtype=np.float64)
    t = np.linspace(0.0, 1.0, LEVELS)
    channels = [np.interp(t, positions, colors[:, k]) for k in range(3)]
    return np.rint(np.stack(channels, axis=-1)).astype(np.uint8)


def colorize(z: np.ndarray, low: float, high: float, stops: Stops) -> np.ndarray:
    """The values z (any shape) as colours (*z.shape, 3) uint8: low maps to the first
    stop, high to the last, values between to the scale's nearest of LEVELS colours,
    values outside (±inf too) clipped, NaN the middle colour."""
    if not high > low:
        raise ValueError(f"colour range: high must exceed low, got [{low}, {high}]")
    with np.errstate(invalid="ignore"):
        t = np.clip((np.asarray(z, dtype=np.float64) - low) / (high - low), 0.0, 1.0)
    t[np.isnan(t)] = 0.5  # a value that is not a number takes the scale's middle
    return _table(tuple(stops))[np.rint(t * (LEVELS - 1)).astype(np.intp)]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(rgb: np.ndarray) -> bytes:
    """An RGB image (h, w, 3) uint8, row 0 at the top, as PNG bytes."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or 0 in rgb.shape:
        raise ValueError(
            f"png: expected a non-empty (h, w, 3) uint8 image, got {rgb.shape} {rgb.dtype}"
        )
    h, w, _ = rgb.shape
    rows = np.zeros((h, 1 + 3 * w), dtype=np.uint8)  # filter byte 0 (none) before each row
    rows[:, 1:] = rgb.reshape(h, 3 * w)
    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8 bits, truecolour
    body = zlib.compress(rows.tobytes(), 1)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", body)
        + _chunk(b"IEND", b"")
    )


def heatmap_uri(z: np.ndarray, low: float, high: float, stops: Stops) -> str:
    """A heatmap of z (h, w), row 0 the lowest y, as a PNG data URI (the image's top row
    is z's last row, as on a plot whose y axis points up)."""
    return png_uri(colorize(z[::-1], low, high, stops))


def png_uri(rgb: np.ndarray) -> str:
    """An RGB image (h, w, 3) uint8, row 0 at the top, as a PNG data URI."""
    return "data:image/png;base64," + base64.b64encode(png(rgb)).decode("ascii")


def svg_uri(svg: str) -> str:
    """An SVG document as a data URI."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def links_svg(
    box: tuple[float, float, float, float],
    segments: Sequence[tuple[float, float, float, float, str, float]],
) -> str:
    """Line segments drawn in data coordinates, stretched over ``box`` = (x0, y0, x1, y1)
    with y pointing up; each segment (xa, ya, xb, yb, colour, width in pixels)."""
    x0, y0, x1, y1 = box
    lines = "".join(
        f'<line x1="{xa:.4g}" y1="{-ya:.4g}" x2="{xb:.4g}" y2="{-yb:.4g}" '
        f'stroke="{escape(color)}" stroke-width="{width:.3g}" '
        'vector-effect="non-scaling-stroke"/>'
        for xa, ya, xb, yb, color, width in segments
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.4g} {-y1:.4g} {x1 - x0:.4g} '
        f'{y1 - y0:.4g}" preserveAspectRatio="none">'
        f'<g stroke-opacity="0.75" stroke-linecap="round">{lines}</g></svg>'
    )


def histograms_svg(
    rows: Sequence[tuple[str, Sequence[Histogram], str]], width: int = 760, height: int = 300
) -> str:
    """Small multiples of histograms: one row per (symbol, histograms, "#rrggbb"), one
    panel per histogram titled "symbol{l}: mean, std", bars as fractions of the values,
    the x range written under each panel and the tallest bar's fraction beside it."""
    columns = max([len(h) for _, h, _ in rows] + [1])
    cell_w, cell_h = width / columns, height / max(len(rows), 1)
    pad_x, top, bottom = 10.0, 18.0, 16.0
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="11">'
    ]
    for r, (symbol, hists, color) in enumerate(rows):
        for c, h in enumerate(hists):
            x0, y0 = c * cell_w + pad_x, r * cell_h + top
            w, plot_h = cell_w - 2 * pad_x, cell_h - top - bottom
            fractions = h.counts / max(h.size, 1)
            tallest = float(fractions.max()) if fractions.size else 0.0
            bar_w = w / max(len(fractions), 1)
            title = f"{symbol}{c + 1}: mean {h.mean:.2g}, std {h.std:.2g}"
            parts.append(
                f'<text x="{x0 + w / 2:.1f}" y="{y0 - 5:.1f}" text-anchor="middle">'
                f"{escape(title)}</text>"
            )
            parts.append(
                f'<line x1="{x0:.1f}" y1="{y0 + plot_h:.1f}" x2="{x0 + w:.1f}" '
                f'y2="{y0 + plot_h:.1f}" stroke="#888"/>'
            )
            for k, f in enumerate(fractions):
                bh = plot_h * f / tallest if tallest > 0 else 0.0
                parts.append(
                    f'<rect x="{x0 + k * bar_w:.1f}" y="{y0 + plot_h - bh:.1f}" '
                    f'width="{bar_w:.2f}" height="{bh:.1f}" fill="{escape(color)}"/>'
                )
            low, high = float(h.edges[0]), float(h.edges[-1])
            for x, anchor, value in ((x0, "start", low), (x0 + w, "end", high)):
                parts.append(
                    f'<text x="{x:.1f}" y="{y0 + plot_h + 12:.1f}" text-anchor="{anchor}" '
                    f'fill="#555" font-size="10">{value:.2g}</text>'
                )
            parts.append(
                f'<text x="{x0 + 2:.1f}" y="{y0 + 10:.1f}" fill="#555" font-size="10">'
                f"{tallest:.0%}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)


MARKERS = ("circle", "circle-open", "star")
STAR_INNER = 0.382  # a five-pointed star's inner radius over its outer one (1/φ² ≈ 0.382)
SUPERSAMPLE = 4  # sub-pixels per pixel side when a marker's coverage is measured


@functools.lru_cache(maxsize=16)
def _sprite(symbol: str, size: float, line: float) -> tuple[np.ndarray, np.ndarray]:
    """A marker's coverage of the pixels around its centre: (fill, edge), each (k, k) in
    [0, 1], the centre pixel in the middle. ``size`` is the diameter in pixels (a star's
    outer one); "circle" and "star" are filled with an edge ``line`` pixels wide around
    them, "circle-open" is a ring ``line`` pixels wide and has no fill."""
    if symbol not in MARKERS:
        raise ValueError(f"marker: expected one of {MARKERS}, got {symbol!r}")
    if not (size > 0 and line >= 0):
        raise ValueError(f"marker: size must be positive and line not negative, got {size}, {line}")
    r = size / 2
    half = int(np.ceil(r + line)) + 1
    k = 2 * half + 1
    offsets = (np.arange(k * SUPERSAMPLE) + 0.5) / SUPERSAMPLE - half - 0.5
    x, y = np.meshgrid(offsets, -offsets)  # y up
    rho = np.hypot(x, y)
    if symbol == "star":
        # the outline's radius at each angle, from the edge between an outer vertex (on
        # the angle 90°) and the next inner one, folded by the star's five-fold symmetry
        inner = r * STAR_INNER
        phi = np.abs(np.mod(np.arctan2(y, x) - np.pi / 2 + np.pi / 5, 2 * np.pi / 5) - np.pi / 5)
        px, py = r, 0.0
        qx, qy = inner * np.cos(np.pi / 5) - px, inner * np.sin(np.pi / 5) - py
        outline = (px * qy - py * qx) / (np.cos(phi) * qy - np.sin(phi) * qx)
        depth = rho - outline
    else:
        depth = rho - r
    if symbol == "circle-open":
        fill, edge = np.zeros_like(depth), np.abs(depth) <= line / 2
    else:
        fill = depth <= 0
        edge = (depth <= line) & ~fill

    def coverage(mask: np.ndarray) -> np.ndarray:
        return mask.reshape(k, SUPERSAMPLE, k, SUPERSAMPLE).mean(axis=(1, 3))

    return coverage(fill), coverage(edge)


def stamp(
    rgb: np.ndarray,
    centres: np.ndarray,
    symbol: str,
    size: float,
    fill: np.ndarray,
    edge: np.ndarray,
    line: float = 1.0,
) -> None:
    """Paints n markers on the image ``rgb`` (h, w, 3) uint8, in place: ``centres`` (2, n)
    their (column, row) in pixels (row 0 at the top), ``fill`` and ``edge`` (n, 3) uint8
    their colours (a "circle-open" ring takes the edge colour), ``size`` and ``line`` in
    pixels as :func:`_sprite` reads them. Markers past the border are cut off."""
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8 or not rgb.flags.c_contiguous:
        raise ValueError(
            f"stamp: expected a C-contiguous (h, w, 3) uint8 image, got {rgb.shape} {rgb.dtype}"
        )
    n = centres.shape[1] if centres.ndim == 2 and centres.shape[0] == 2 else -1
    if n < 0 or fill.shape != (n, 3) or edge.shape != (n, 3):
        raise ValueError(
            f"stamp: expected centres (2, n) and colours (n, 3), got {centres.shape}, "
            f"{fill.shape}, {edge.shape}"
        )
    if n == 0:
        return
    fill_a, edge_a = _sprite(symbol, float(size), float(line))
    k = fill_a.shape[0]
    dy, dx = np.nonzero(fill_a + edge_a)  # the pixels the marker touches
    a_fill, a_edge = fill_a[dy, dx][:, None], edge_a[dy, dx][:, None]
    with np.errstate(invalid="ignore"):
        cx, cy = (np.rint(np.nan_to_num(c, nan=-1e6)).astype(np.int64) for c in centres)
    rows = cy[:, None] + (dy - k // 2)  # (n, touched)
    cols = cx[:, None] + (dx - k // 2)
    inside = (rows >= 0) & (rows < rgb.shape[0]) & (cols >= 0) & (cols < rgb.shape[1])
    which, at = np.nonzero(inside)
    flat = rgb.reshape(-1, 3)
    pixel = rows[which, at] * rgb.shape[1] + cols[which, at]
    # fill and edge cover disjoint parts of a pixel: one blend paints both
    af, ae = a_fill[at], a_edge[at]
    mixed = flat[pixel] * (1.0 - af - ae) + fill[which] * af + edge[which] * ae
    flat[pixel] = np.rint(mixed).astype(np.uint8)


def colors(values: Sequence[str]) -> np.ndarray:
    """Colours "#rrggbb" as an (n, 3) uint8 array."""
    return np.array([_rgb(v) for v in values], dtype=np.uint8).reshape(-1, 3)


def marker_svg(symbol: str, fill: str, edge: str, size: int = 12) -> str:
    """One marker as a small SVG document, for a legend: "circle" and "star" filled with
    ``fill`` and edged with ``edge``, "circle-open" a ring of ``edge``."""
    if symbol not in MARKERS:
        raise ValueError(f"marker: expected one of {MARKERS}, got {symbol!r}")
    c, r = size / 2, size / 2 - 1.5
    if symbol == "star":
        corners = [
            (c + (r if i % 2 == 0 else STAR_INNER * r) * np.sin(i * np.pi / 5),
             c - (r if i % 2 == 0 else STAR_INNER * r) * np.cos(i * np.pi / 5))
            for i in range(10)
        ]  # fmt: skip
        points = " ".join(f"{x:.2f},{y:.2f}" for x, y in corners)
        shape = f'<polygon points="{points}" fill="{escape(fill)}" stroke="{escape(edge)}"/>'
    else:
        inside = escape(fill) if symbol == "circle" else "none"
        shape = (
            f'<circle cx="{c}" cy="{c}" r="{r * 0.75:.2f}" fill="{inside}" '
            f'stroke="{escape(edge)}" stroke-width="{1 if symbol == "circle" else 1.5}"/>'
        )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" '
        f'viewBox="0 0 {size} {size}">{shape}</svg>'
    )


def curves_svg(
    box: tuple[float, float, float, float],
    curves: Sequence[tuple[Sequence[float], Sequence[float | None], str, float]],
) -> str:
    """Polylines drawn in data coordinates, stretched over ``box`` = (x0, y0, x1, y1) with
    y pointing up; each curve (xs, ys, colour, width in pixels), broken where a y is
    None or not finite."""
    x0, y0, x1, y1 = box
    parts = []
    for xs, ys, color, width in curves:
        run: list[str] = []
        for x, y in [*zip(xs, ys, strict=True), (None, None)]:
            if x is not None and y is not None and np.isfinite(y):
                run.append(f"{x:.6g},{-y:.6g}")
                continue
            if len(run) > 1:
                parts.append(
                    f'<polyline points="{" ".join(run)}" fill="none" stroke="{escape(color)}" '
                    f'stroke-width="{width:.3g}" vector-effect="non-scaling-stroke"/>'
                )
            run = []
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.6g} {-y1:.6g} {x1 - x0:.6g} '
        f'{y1 - y0:.6g}" preserveAspectRatio="none" stroke-linejoin="round">{"".join(parts)}'
        "</svg>"
    )
