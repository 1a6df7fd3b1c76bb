"""The computation graph of a forward pass, with values and gradients.

``trace(model, X, y)`` records the model's loss on the engine and collects
every operation with its shape, value and gradient; ``to_dot`` writes it as
Graphviz DOT, ``render_svg`` runs the ``dot`` program when it is installed,
and ``draw`` lays it out in layers with matplotlib otherwise.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from chainrule.autodiff import Tensor, inspect
from chainrule.files import atomic_path, output_path, write_text
from chainrule.models import Model

SMALL = 6  # tensors with at most this many entries show their values


@dataclass(frozen=True)
class GraphNode:
    key: int
    label: str  # a parameter or data name, or the operation
    kind: str  # "parameter", "data", "constant" or "op"
    shape: tuple[int, ...]
    value: str
    grad: str


@dataclass(frozen=True)
class ComputationGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[int, int], ...]  # (from, to)
    title: str


def summary(a: Any) -> str:
    """Values of a small array, or its shape and norm."""
    a = np.asarray(a, dtype=np.float64)
    if a.size <= SMALL:
        return np.array2string(a.ravel() if a.ndim > 1 else a, precision=3, separator=", ")
    return f"‖·‖={np.linalg.norm(a):.3g}"


def trace(model: Model, X: np.ndarray, y: np.ndarray) -> ComputationGraph:
    """The loss graph of ``model`` on (X, y) with every value and gradient."""
    X, y = model.check_data(X, y)
    leaves = {name: Tensor(v, requires_grad=True) for name, v in model.params.items()}
    loss = model.loss_graph(leaves, X, y)
    return from_tensor(
        loss, {**leaves}, {"X": X, "y": y}, title=f"{type(model).__name__}: loss graph"
    )


def from_tensor(
    root: Tensor,
    names: dict[str, Tensor] | None = None,
    data: dict[str, np.ndarray] | None = None,
    title: str = "",
) -> ComputationGraph:
    """The graph that produced ``root``; ``names`` labels leaves, ``data`` constants."""
    grads = inspect.all_gradients(root)
    leaf_names = {id(t): n for n, t in (names or {}).items()}
    data_names = {id(v): n for n, v in (data or {}).items()}
    nodes: list[GraphNode] = []
    edges: list[tuple[int, int]] = []
    const_keys: dict[int, int] = {}
    for t in inspect.nodes(root):
        op = inspect.operation(t)
        g = grads.get(t)
        grad = "" if g is None else summary(g)
        if op is None:
            nodes.append(
                GraphNode(
                    id(t),
                    leaf_names.get(id(t), "leaf"),
                    "parameter",
                    t.shape,
                    summary(t.data),
                    grad,
                )
            )
            continue
        params = inspect.parameters(t)
        label = op + (f" {params}" if params and op in ("sum", "pow", "transpose") else "")
        nodes.append(GraphNode(id(t), label, "op", t.shape, summary(t.data), grad))
        for x in inspect.inputs(t):
            if isinstance(x, Tensor):
                edges.append((id(x), id(t)))
                continue
            key = const_keys.get(id(x))
            if key is None:
                key = -len(const_keys) - 1
                const_keys[id(x)] = key
                name = data_names.get(id(x))
                shape = tuple(np.shape(x))
                nodes.append(
                    GraphNode(
                        key,
                        name or "constant",
                        "data" if name else "constant",
                        shape,
                        summary(x),
                        "",
                    )
                )
            edges.append((key, id(t)))
    return ComputationGraph(tuple(nodes), tuple(edges), title)


def to_dot(graph: ComputationGraph) -> str:
    """Graphviz DOT text: boxes for operations, ellipses for inputs, gradients in red."""
    shapes = {"op": "box", "parameter": "ellipse", "data": "note", "constant": "plaintext"}
    lines = ["digraph G {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    if graph.title:
        lines.append(f'  label="{_escape(graph.title)}"; labelloc=t;')
    for n in graph.nodes:
        grad = f'<BR/><FONT COLOR="red">grad {_html(n.grad)}</FONT>' if n.grad else ""
        label = f"<<B>{_html(n.label)}</B><BR/>{n.shape}<BR/>{_html(n.value)}{grad}>"
        lines.append(f"  n{_key(n.key)} [shape={shapes[n.kind]}, label={label}];")
    for a, b in graph.edges:
        lines.append(f"  n{_key(a)} -> n{_key(b)};")
    lines.append("}")
    return "\n".join(lines)


def write_dot(graph: ComputationGraph, path: str | Path) -> Path:
    """Writes :func:`to_dot`'s text to ``path`` (``.dot`` added when there is no suffix).

    Written atomically: a failure leaves a previous file intact. Returns the path.
    """
    return write_text(output_path(path, ".dot"), to_dot(graph) + "\n")


def render_svg(graph: ComputationGraph, path: str | Path) -> Path:
    """Writes an SVG with the ``dot`` program (Graphviz); returns the path written.

    ``.svg`` is added when the name has no suffix; the file is written
    atomically (a failure leaves a previous file intact).

    Raises:
        ValueError: Graphviz is not installed.
        RuntimeError: ``dot`` failed; the message carries what it said.
    """
    if shutil.which("dot") is None:
        raise ValueError("rendering SVG needs Graphviz's dot program; use draw() for a PNG")
    target = output_path(path, ".svg")
    with atomic_path(target) as tmp:
        run = subprocess.run(
            ["dot", "-Tsvg", "-o", str(tmp)], input=to_dot(graph).encode(), capture_output=True
        )
        if run.returncode != 0:
            said = run.stderr.decode(errors="replace").strip()
            raise RuntimeError(f"Graphviz dot failed writing {target} ({run.returncode}): {said}")
    return target


def draw(graph: ComputationGraph) -> Figure:
    """A layered drawing with matplotlib: inputs on the left, the loss on the right."""
    depth: dict[int, int] = {}
    incoming: dict[int, list[int]] = {}
    for a, b in graph.edges:
        incoming.setdefault(b, []).append(a)
    for n in graph.nodes:  # nodes come in topological order, constants before use
        depth[n.key] = 0
    for _ in range(len(graph.nodes)):
        changed = False
        for b, srcs in incoming.items():
            d = max(depth[s] for s in srcs) + 1
            if d != depth[b]:
                depth[b], changed = d, True
        if not changed:
            break
    consumers: dict[int, list[int]] = {}
    for a, b in graph.edges:
        consumers.setdefault(a, []).append(b)
    for n in graph.nodes:  # an input sits just left of its first consumer
        if n.kind != "op" and n.key in consumers:
            depth[n.key] = max(0, min(depth[c] for c in consumers[n.key]) - 1)
    columns: dict[int, list[GraphNode]] = {}
    for n in graph.nodes:
        columns.setdefault(depth[n.key], []).append(n)
    width = max(columns) + 1
    height = max(len(c) for c in columns.values())
    fig = Figure(figsize=(2.3 * width + 1, 1.25 * height + 1), layout="constrained")
    ax = fig.add_subplot()
    pos = {}
    for d, col in columns.items():
        for i, n in enumerate(col):
            pos[n.key] = (d, (height - 1) / 2 - i + (len(col) - 1) / 2 - (height - 1) / 2)
    for a, b in graph.edges:
        ax.annotate(
            "",
            xy=pos[b],
            xytext=pos[a],
            arrowprops={
                "arrowstyle": "->",
                "color": "0.5",
                "lw": 0.8,
                "shrinkA": 28,
                "shrinkB": 28,
            },
        )
    face = {"op": "#dbe9f6", "parameter": "#fde0c5", "data": "#e5f5e0", "constant": "#f0f0f0"}
    for n in graph.nodes:
        text = f"{n.label}\n{n.shape}\n{n.value}" + (f"\ngrad {n.grad}" if n.grad else "")
        box = {"boxstyle": "round", "facecolor": face[n.kind], "edgecolor": "0.4"}
        ax.text(*pos[n.key], text, ha="center", va="center", fontsize=7, bbox=box)
    ax.set_xlim(-0.7, width - 0.3)
    ax.set_ylim(-height / 2 - 0.3, height / 2 + 0.3)
    ax.axis("off")
    ax.set_title(graph.title or "computation graph")
    return fig


def _key(k: int) -> str:
    return f"m{-k}" if k < 0 else str(k)


def _escape(text: str) -> str:
    return text.replace('"', '\\"')


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
