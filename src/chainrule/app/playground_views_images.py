"""Images for the playground's views: heatmaps as PNG and drawings as SVG, as data URIs.

The network and the histograms are redrawn at every step of play. A browser
paints a finished image far faster than Plotly lays out a trace per neuron, a
trace per group of links or a set of axes per layer, so the parts that change
at every step and need no hover of their own are sent as images: each
neuron's map as a small PNG (written here with zlib: no imaging library), the
links and the histograms as SVG.
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
    data = base64.b64encode(png(colorize(z[::-1], low, high, stops))).decode("ascii")
    return "data:image/png;base64," + data


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
