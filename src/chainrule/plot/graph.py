"""The computation graph of a forward pass, with values and gradients.

``trace(model, X, y)`` records the model's loss on the engine and collects
every operation with its shape, value and gradient. Nodes are named as the
course notes name them: a value the model's forward cache holds takes the
cache's name (``Z``, ``A``, ``ŷ``), the loss is ``L``, and every other
operation is written as the formula of its inputs (``ŷ − y``, ``(ŷ − y)²``).
``to_dot`` writes it as Graphviz DOT, ``render_svg`` runs the ``dot``
program when it is installed, and :func:`chainrule.plot.graph_layout.draw`
lays it out with matplotlib otherwise. The nodes are plain data, so the
same names reach every drawing.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.autodiff import Tensor, inspect
from chainrule.files import atomic_path, output_path, write_text
from chainrule.models import Model
from chainrule.plot.graph_layout import draw, gradient_of

SMALL = 6  # tensors with at most this many entries show their values
LONGEST = 30  # a formula longer than this is shown by its operation alone
CACHE_NAMES = {"y_hat": "ŷ", "z_out": "z"}  # cache keys that the notes write otherwise
KINDS = {
    "parameter": "parameter (learned)",
    "data": "data",
    "constant": "constant",
    "op": "operation",
}


@dataclass(frozen=True)
class GraphNode:
    """One node: a leaf (parameter, data, constant) or an operation.

    Attributes:
        key: a unique id; edges refer to it.
        label: what the node is called: the leaf's name, ``Z = W1 X + b1``
            for a named operation, the formula (``ŷ − y``) for another.
        kind: "parameter", "data", "constant" or "op".
        shape: the value's shape.
        value: the value: its entries when small, else its norm.
        grad: dL/d(node) written the same way, "" where there is none.
        name: the short name (``Z``, ``ŷ``, ``L``, ``W1``) or "".
        operation: the primitive in words (``matrix product``), "" for a leaf.
    """

    key: int
    label: str
    kind: str
    shape: tuple[int, ...]
    value: str
    grad: str
    name: str = ""
    operation: str = ""


@dataclass(frozen=True)
class ComputationGraph:
    nodes: tuple[GraphNode, ...]
    edges: tuple[tuple[int, int], ...]  # (from, to)
    title: str


def summary(a: Any) -> str:
    """Entries of a small array (a matrix row by row), or its norm.

    One entry is written as a number, a matrix of at most ``SMALL`` entries
    as rows in brackets (one line a row), anything larger as ``‖·‖ = norm``
    (the shape is shown beside it by every drawing).
    """
    a = np.asarray(a, dtype=np.float64)
    if a.size == 1:
        return f"{float(a.ravel()[0]):.3g}"
    if a.size <= SMALL:
        rows = a.reshape(-1, a.shape[-1]) if a.ndim > 1 else a.reshape(1, -1)
        return "\n".join("[" + ", ".join(f"{v:.3g}" for v in row) + "]" for row in rows)
    return f"‖·‖ = {np.linalg.norm(a):.3g}"


def trace(model: Model, X: np.ndarray, y: np.ndarray) -> ComputationGraph:
    """The loss graph of ``model`` on (X, y) with every value and gradient.

    Args:
        model: any chainrule model.
        X: (n, m) inputs, y: (outputs, m) targets.

    Returns:
        The graph, its operations named after the model's forward cache.
    """
    X, y = model.check_data(X, y)
    leaves = {name: Tensor(v, requires_grad=True) for name, v in model.params.items()}
    loss = model.loss_graph(leaves, X, y)
    cache = {CACHE_NAMES.get(k, k): v for k, v in model.forward(X)[1].items()}
    title = f"{model.name}: the loss graph on {X.shape[1]} examples"
    return from_tensor(loss, leaves, {"X": X, "y": y}, title=title, cache=cache)


def from_tensor(
    root: Tensor,
    names: dict[str, Tensor] | None = None,
    data: dict[str, np.ndarray] | None = None,
    title: str = "",
    cache: dict[str, np.ndarray] | None = None,
) -> ComputationGraph:
    """The graph that produced ``root``.

    Args:
        root: the output (one value for gradients to be shown; the loss).
        names: names of leaf tensors; ``data``: names of constant arrays.
        title: the graph's title.
        cache: named intermediate values: the last operation whose value
            equals one (same shape, same entries) takes its name.
    """
    grads = inspect.all_gradients(root)
    leaf_names = {id(t): n for n, t in (names or {}).items()}
    data_names = {id(v): n for n, v in (data or {}).items()}
    order = inspect.nodes(root)
    named = _cache_names(order, cache or {})
    m = next((np.shape(v)[-1] for v in (data or {}).values() if np.ndim(v) == 2), None)
    nodes: list[GraphNode] = []
    edges: list[tuple[int, int]] = []
    const_keys: dict[int, int] = {}
    written: dict[int, str] = {}  # key -> how the node is written inside a formula
    for t in order:
        op = inspect.operation(t)
        g = grads.get(t)
        grad = "" if g is None else summary(g)
        if op is None:
            name = leaf_names.get(id(t), "leaf")
            written[id(t)] = name
            nodes.append(GraphNode(id(t), name, "parameter", t.shape, summary(t.data), grad, name))
            continue
        args: list[str] = []
        for x in inspect.inputs(t):
            if isinstance(x, Tensor):
                edges.append((id(x), id(t)))
                args.append(written[id(x)])
                continue
            key = const_keys.get(id(x))
            if key is None:
                key = -len(const_keys) - 1
                const_keys[id(x)] = key
                name = data_names.get(id(x)) or _constant_name(x, m)
                written[key] = name
                kind = "data" if id(x) in data_names else "constant"
                nodes.append(GraphNode(key, name, kind, tuple(np.shape(x)), summary(x), "", name))
            edges.append((key, id(t)))
            args.append(written[key])
        first: Any = inspect.inputs(t)[0] if inspect.inputs(t) else ()
        formula, words = _formula(op, args, inspect.parameters(t), np.shape(first))
        name = "L" if t is root and t.size == 1 else named.get(id(t), "")
        if name:
            label = f"{name} = {formula}" if len(formula) <= LONGEST else name
        else:
            label = formula if len(formula) <= LONGEST else words
        written[id(t)] = name or (formula if len(formula) <= LONGEST else words)
        nodes.append(GraphNode(id(t), label, "op", t.shape, summary(t.data), grad, name, words))
    return ComputationGraph(tuple(nodes), tuple(edges), title)


def _cache_names(order: list[Tensor], cache: dict[str, np.ndarray]) -> dict[int, str]:
    """The id of the last operation whose value is each cached value, and its name."""
    found: dict[int, str] = {}
    for name, value in cache.items():
        value = np.asarray(value)
        same = [
            t
            for t in order
            if inspect.operation(t) is not None
            and t.shape == value.shape
            and np.allclose(t.data, value, rtol=1e-12, atol=1e-12)
        ]
        if same and (id(same[-1]) not in found or name == "ŷ"):  # ŷ names the output
            found[id(same[-1])] = name
    return found


def _constant_name(x: Any, m: int | None) -> str:
    """``1/m`` for the mean's factor, else the value itself when it is one number."""
    a = np.asarray(x)
    if a.size == 1 and m is not None and np.isclose(float(a.ravel()[0]), 1.0 / m):
        return "1/m"
    if a.size == 1 and m is not None and np.isclose(float(a.ravel()[0]), 0.5 / m):
        return "1/(2m)"
    if a.size == 1:
        return f"{float(a.ravel()[0]):.3g}"
    return "constant"


def _group(text: str, sums_only: bool = False) -> str:
    """``text`` in parentheses where, outside any parentheses of its own, it
    is a sum (``sums_only``), or any formula with spaces, or a fraction."""
    depth, top = 0, []
    for c in text:
        depth += (c == "(") - (c == ")")
        top.append(c if depth == 0 else "_")
    outer = "".join(top)
    if sums_only:
        return f"({text})" if " + " in outer or " − " in outer else text
    if text.startswith("Σ"):
        return text
    return f"({text})" if " " in outer or "/" in outer else text


def _formula(
    op: str, args: list[str], params: dict[str, Any], shape: tuple[int, ...]
) -> tuple[str, str]:
    """How an operation on written arguments reads, and the operation in words.

    ``shape`` is the first input's shape.
    """
    a = args[0] if args else ""
    b = args[1] if len(args) > 1 else ""
    if op == "add":
        return f"{a} + {b}", "sum"
    if op == "sub":
        return f"{a} − {_group(b, sums_only=True)}", "difference"
    if op == "mul":
        if _is_number(b):  # a scalar factor is written first: (1/m) Σ ...
            a, b = b, a
        if a == b:
            return f"{_group(a)}²", "square, entry by entry"
        return f"{_group(a)} {_group(b)}", "product, entry by entry"
    if op == "div":
        return f"{_group(a)} / {_group(b)}", "quotient, entry by entry"
    if op == "neg":
        return f"−{_group(a)}", "negation"
    if op == "matmul":
        return f"{_group(a)} {_group(b)}", "matrix product"
    if op == "transpose":
        return f"{_group(a)}ᵀ", "transpose"
    if op == "pow":
        power = params.get("exponent")
        sup = {2.0: "²", 3.0: "³", 0.5: "^½", -1.0: "⁻¹"}.get(float(power or 0), f"^{power}")
        return f"{_group(a)}{sup}", f"power {power}"
    if op == "sum":
        return f"Σ {_group(a, sums_only=True)}", _sum_words(params.get("axis"), shape)
    if op == "sigmoid":
        return f"σ({a})", "sigmoid σ(z) = 1/(1 + e⁻ᶻ)"
    return f"{op}({', '.join(args)})", op


def _is_number(text: str) -> bool:
    return text in ("1/m", "1/(2m)") or text.replace(".", "", 1).replace("-", "", 1).isdigit()


def _sum_words(axis: Any, shape: tuple[int, ...]) -> str:
    """What a sum of an array of ``shape`` adds up, examples being columns (the last axis)."""
    ndim = len(shape)
    axes = tuple(range(ndim)) if axis is None else np.atleast_1d(axis).tolist()
    axes = tuple(sorted(int(i) % max(ndim, 1) for i in axes))
    rows = shape[0] if ndim == 2 else 1
    if ndim == 2 and (axes == (1,) or (axes == (0, 1) and rows == 1)):
        return "Σ over examples"
    if ndim == 2 and axes == (0,):
        return "Σ over rows"
    return "Σ over every entry"


def to_dot(graph: ComputationGraph) -> str:
    """Graphviz DOT text: boxes for operations, ellipses for inputs, gradients in red."""
    shapes = {"op": "box", "parameter": "ellipse", "data": "note", "constant": "plaintext"}
    lines = ["digraph G {", "  rankdir=LR;", '  node [fontname="Helvetica", fontsize=10];']
    if graph.title:
        lines.append(f'  label="{_escape(graph.title)}"; labelloc=t;')
    for n in graph.nodes:
        value = _html(n.value).replace("\n", "<BR/>")
        grad = ""
        if n.grad:
            of = _html(gradient_of(n))
            grad = f'<BR/><FONT COLOR="red">{of}: {_html(n.grad).replace(chr(10), "<BR/>")}</FONT>'
        label = f"<<B>{_html(n.label)}</B><BR/>{n.shape}<BR/>{value}{grad}>"
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


def _key(k: int) -> str:
    return f"m{-k}" if k < 0 else str(k)


def _escape(text: str) -> str:
    return text.replace('"', '\\"')


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


__all__ = [
    "ComputationGraph",
    "GraphNode",
    "draw",
    "from_tensor",
    "gradient_of",
    "render_svg",
    "summary",
    "to_dot",
    "trace",
    "write_dot",
]
