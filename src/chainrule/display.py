"""HTML tables and SVG line charts for the rich displays a notebook shows.

Models, histories, surfaces and check reports define ``_repr_html_`` so that
Jupyter shows them as tables and small charts. They sit in different layers,
so the writing of that HTML lives here, below every layer, in the standard
library only: every cell and label passes through :func:`html.escape`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Iterable, Sequence

_STYLE = "border-collapse:collapse;font-family:monospace;font-size:12px"
_CELL = "border:1px solid #ccc;padding:2px 6px;text-align:right"


def text(value: object) -> str:
    """``str(value)`` with ``& < > " '`` escaped for HTML."""
    return html.escape(str(value))


def number(x: float) -> str:
    """A float as a short string: five significant digits, ``nan``/``inf`` as such."""
    return f"{float(x):.5g}"


def table(
    headers: Sequence[str], rows: Iterable[Sequence[object]], caption: str | None = None
) -> str:
    """An HTML ``<table>``; every header, cell and the caption escaped.

    Each row has as many cells as there are headers; a float cell is written
    with :func:`number`, any other cell with ``str``.
    """
    head = "".join(f'<th style="{_CELL}">{html.escape(str(h))}</th>' for h in headers)
    body = []
    for row in rows:
        if len(row) != len(headers):
            raise ValueError(f"table: a row has {len(row)} cells for {len(headers)} headers")
        cells = "".join(f'<td style="{_CELL}">{html.escape(_cell(c))}</td>' for c in row)
        body.append(f"<tr>{cells}</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f'<table style="{_STYLE}">{cap}<tr>{head}</tr>{"".join(body)}</table>'


def _cell(c: object) -> str:
    return number(c) if isinstance(c, float) else str(c)


def heading(text: str) -> str:
    """A bold line of escaped text."""
    return f"<div><b>{html.escape(text)}</b></div>"


def line_chart(
    series: Sequence[tuple[str, Sequence[float], Sequence[float]]],
    x_label: str,
    y_label: str,
    width: int = 420,
    height: int = 240,
) -> str:
    """An ``<svg>`` line chart of ``(name, xs, ys)`` series, as plain SVG text.

    Non-finite points are left out of the lines (a diverged step does not
    flatten the chart). The y axis is logarithmic when every finite value is
    positive and they span more than a factor of 100. A series with one
    point is drawn as a dot. Raises ValueError when a series' xs and ys
    differ in length.
    """
    points: list[list[tuple[float, float]]] = []
    for name, xs, ys in series:
        if len(xs) != len(ys):
            raise ValueError(f"line_chart: series {name!r} has {len(xs)} xs and {len(ys)} ys")
        points.append([(float(a), float(b)) for a, b in zip(xs, ys, strict=True) if _finite(a, b)])
    values = [p for line in points for p in line]
    ys_all = [b for _, b in values]
    log = bool(ys_all) and min(ys_all) > 0 and max(ys_all) / min(ys_all) > 100
    tr = math.log10 if log else float
    left, right, top, bottom = 60, 10, 10, 36
    x_lo = min((a for a, _ in values), default=0.0)
    x_hi = max((a for a, _ in values), default=1.0)
    y_lo = min((tr(b) for b in ys_all), default=0.0)
    y_hi = max((tr(b) for b in ys_all), default=1.0)
    if x_hi == x_lo:
        x_lo, x_hi = x_lo - 0.5, x_hi + 0.5
    if y_hi == y_lo:
        y_lo, y_hi = y_lo - 0.5, y_hi + 0.5
    pw, ph = width - left - right, height - top - bottom

    def sx(a: float) -> float:
        return left + (a - x_lo) / (x_hi - x_lo) * pw

    def sy(b: float) -> float:
        return top + (1 - (tr(b) - y_lo) / (y_hi - y_lo)) * ph

    colours = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="10">',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="none" stroke="#999"/>',
    ]
    for k, line in enumerate(points):
        colour = colours[k % len(colours)]
        if len(line) == 1:
            ((a, b),) = line
            parts.append(f'<circle cx="{sx(a):.2f}" cy="{sy(b):.2f}" r="2" fill="{colour}"/>')
        elif line:
            path = " ".join(f"{sx(a):.2f},{sy(b):.2f}" for a, b in line)
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}"/>')
        name = html.escape(series[k][0])
        parts.append(
            f'<text x="{left + pw - 4}" y="{top + 12 + 12 * k}" text-anchor="end" '
            f'fill="{colour}">{name}</text>'
        )
    y_ticks = (y_lo, y_hi) if not log else (10**y_lo, 10**y_hi)
    for b in y_ticks:
        parts.append(
            f'<text x="{left - 4}" y="{sy(b) + 3:.2f}" text-anchor="end">{number(b)}</text>'
        )
    for a in (x_lo, x_hi):
        parts.append(
            f'<text x="{sx(a):.2f}" y="{top + ph + 12}" text-anchor="middle">{number(a)}</text>'
        )
    scale = " (log scale)" if log else ""
    parts.append(
        f'<text x="{left + pw / 2}" y="{height - 4}" text-anchor="middle">'
        f"{html.escape(x_label)}</text>"
    )
    parts.append(
        f'<text x="12" y="{top + ph / 2}" text-anchor="middle" '
        f'transform="rotate(-90 12 {top + ph / 2})">{html.escape(y_label + scale)}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _finite(a: float, b: float) -> bool:
    return math.isfinite(a) and math.isfinite(b)
