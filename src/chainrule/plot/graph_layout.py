"""Drawing a computation graph with matplotlib, at a width that fits a laptop's screen.

The graph is laid out in layers, inputs on the left and the loss on the
right; a graph deeper than ``MAX_COLUMNS`` layers is folded into bands read
like lines of text (left to right, then the next band below), so a long
chain stays readable at about 1600 pixels wide instead of becoming a strip.
Every node is a box (its name or formula, its shape, its value) with its
gradient in a red box under it; every edge ends in an arrowhead on the
border of the box it enters; a legend names the colours.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from matplotlib.patches import FancyArrowPatch, Patch

from chainrule.plot.figure import Figure

if TYPE_CHECKING:
    from chainrule.plot.graph import ComputationGraph, GraphNode

MAX_COLUMNS = 6  # layers per band
COLUMN_INCHES = 2.35
ROW_INCHES = 1.55
FACE = {"parameter": "#fde0c5", "data": "#e5f5e0", "constant": "#f0f0f0", "op": "#dbe9f6"}
GRADIENT = "#c0392b"


def layers(graph: ComputationGraph) -> dict[int, int]:
    """The layer of every node: an operation one past its deepest input, an
    input just left of its first consumer."""
    depth = {n.key: 0 for n in graph.nodes}
    incoming: dict[int, list[int]] = {}
    consumers: dict[int, list[int]] = {}
    for a, b in graph.edges:
        incoming.setdefault(b, []).append(a)
        consumers.setdefault(a, []).append(b)
    for n in graph.nodes:  # nodes come in topological order
        if n.key in incoming:
            depth[n.key] = max(depth[s] for s in incoming[n.key]) + 1
    for n in graph.nodes:
        if n.kind != "op" and n.key in consumers:
            depth[n.key] = max(0, min(depth[c] for c in consumers[n.key]) - 1)
    return depth


def positions(graph: ComputationGraph) -> tuple[dict[int, tuple[float, float]], int, float]:
    """Each node's (x, y) in units of columns and rows, the columns a band
    holds, and the total height in rows."""
    depth = layers(graph)
    n_layers = max(depth.values(), default=0) + 1
    bands = math.ceil(n_layers / MAX_COLUMNS)
    per_band = math.ceil(n_layers / bands)
    columns: dict[int, list[GraphNode]] = {}
    for n in graph.nodes:
        columns.setdefault(depth[n.key], []).append(n)
    pos: dict[int, tuple[float, float]] = {}
    top = 0.0
    for band in range(bands):
        held = [columns.get(d, []) for d in range(band * per_band, (band + 1) * per_band)]
        rows = max((len(c) for c in held), default=1)
        for x, col in enumerate(held):
            for i, n in enumerate(col):
                pos[n.key] = (float(x), -(top + i + (rows - len(col)) / 2))
        top += rows + 0.35
    return pos, per_band, top - 0.35


def draw(graph: ComputationGraph) -> Figure:
    """The graph as a matplotlib Figure (nothing is shown or saved).

    About ``COLUMN_INCHES`` a layer wide, folded into bands past
    ``MAX_COLUMNS`` layers: 14.5 inches (1600 pixels at 110 dpi) at most.
    """
    pos, width, height = positions(graph)
    fig = Figure(
        figsize=(COLUMN_INCHES * width + 0.4, ROW_INCHES * height + 1.6), layout="constrained"
    )
    ax = fig.add_subplot()
    boxes: dict[int, Any] = {}
    for n in graph.nodes:
        x, y = pos[n.key]
        text = "\n".join(part for part in (n.label, _shape(n), n.value) if part)
        box = {"boxstyle": "round,pad=0.35", "facecolor": FACE[n.kind], "edgecolor": "0.35"}
        main = ax.text(x, y + 0.15, text, ha="center", va="center", fontsize=9, bbox=box)
        main.set_linespacing(1.25)
        boxes[n.key] = main
        if n.grad:
            ax.annotate(
                f"{gradient_of(n)}\n{n.grad}", xy=(0.5, 0), xycoords=main, xytext=(0, -7),
                textcoords="offset points", ha="center", va="top", fontsize=8,
                color=GRADIENT, linespacing=1.2,
                bbox={"boxstyle": "round,pad=0.25", "facecolor": "white", "edgecolor": GRADIENT},
            )  # fmt: skip
    for a, b in graph.edges:
        ax.add_patch(
            FancyArrowPatch(
                _lift(pos[a]), _lift(pos[b]), patchA=boxes[a].get_bbox_patch(),
                patchB=boxes[b].get_bbox_patch(), arrowstyle="-|>", mutation_scale=13,
                color="0.3", lw=1.0, shrinkA=1, shrinkB=1, zorder=4,
            )
        )  # fmt: skip
    ax.set_xlim(-0.55, width - 0.45)
    ax.set_ylim(-height + 0.15, 0.95)
    ax.axis("off")
    ax.set_title(graph.title or "computation graph", fontsize=13)
    fig.legend(handles=_legend(), loc="outside lower center", ncols=5, frameon=False, fontsize=9)
    return fig


def gradient_of(n: GraphNode) -> str:
    """``∂L/∂Z``, or ``∂L/∂(ŷ − y)`` for an operation without a name."""
    return f"∂L/∂{n.name or f'({n.label})'}"


def _lift(p: tuple[float, float]) -> tuple[float, float]:
    """The centre of a node's main box (its gradient hangs below)."""
    return p[0], p[1] + 0.15


def _shape(n: GraphNode) -> str:
    return "scalar" if n.shape == () else "×".join(map(str, n.shape))


def _legend() -> list[Patch]:
    kinds = [
        ("parameter", "parameter (learned)"),
        ("data", "data (X, y)"),
        ("constant", "constant"),
        ("op", "operation: name = formula"),
    ]
    handles = [Patch(facecolor=FACE[k], edgecolor="0.35", label=words) for k, words in kinds]
    handles.append(Patch(facecolor="white", edgecolor=GRADIENT, label="gradient ∂L/∂(node)"))
    return handles
