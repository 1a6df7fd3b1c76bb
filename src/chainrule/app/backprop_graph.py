"""The computation graph of a derived network, laid out left to right.

Nodes are named as the seeds name them (X, W1, Z1, A1, ŷ, L), read from the
derivation's forward equations: each forward value sits one column right of
the latest value it is computed from, and each parameter or data matrix one
column left of its first use.
"""

from __future__ import annotations

import plotly.graph_objects as go

from chainrule.symbolic import Derivation
from chainrule.symbolic import expr as E  # noqa: N812 - E for expression walking

PHASE_COLORS = {
    "forward": "#3b6fd8",
    "loss": "#3b6fd8",
    "backward": "#d62728",
    "gradient": "#d62728",
    "update": "#2ca02c",
}


def edges(d: Derivation) -> list[tuple[str, str]]:
    """(input, output) for every use of a named value in a forward equation or the loss."""
    out = []
    for name, e in [*d.forward, ("L", d.loss)]:
        inputs = {s.name for s in E.walk(e) if isinstance(s, E.Sym)}
        out += [(i, name) for i in sorted(inputs)]
    return out


def positions(d: Derivation) -> dict[str, tuple[float, float]]:
    """Node -> (column, row): forward values left to right, leaves just before their use."""
    pairs = edges(d)
    computed = [n for n, _ in d.forward] + ["L"]
    column: dict[str, int] = {}
    for name in computed:
        before = [column[i] for i, o in pairs if o == name and i in column]
        column[name] = 1 + max(before, default=0)
    for i, o in pairs:
        if i not in computed:
            column[i] = min(column.get(i, column[o] - 1), column[o] - 1)
    slots = (0.0, 1.0, -1.0, 2.0, -2.0, 3.0, -3.0, 4.0, -4.0)
    placed: dict[str, tuple[float, float]] = {}
    taken: dict[int, int] = {}  # column -> slots used there
    for name in computed:  # on the main row; two values of one column (A2 and L) stack
        k = taken.get(column[name], 0)
        taken[column[name]] = k + 1
        placed[name] = (float(column[name]), slots[k % len(slots)])
    for name in column:
        if name not in computed:  # leaves above and below the main row
            k = taken.get(column[name], 0)
            taken[column[name]] = k + 1
            placed[name] = (float(column[name]), slots[k % len(slots)])
    return placed


def figure(d: Derivation, highlight: str, phase: str) -> go.Figure:
    """The graph with ``highlight`` drawn in its phase's colour."""
    where = positions(d)
    fig = go.Figure()
    for i, o in edges(d):
        (x0, y0), (x1, y1) = where[i], where[o]
        fig.add_annotation(
            x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y",
            showarrow=True, arrowhead=2, arrowwidth=1.4, arrowcolor="#9aa5b8", standoff=17,
            startstandoff=17, text="",
        )  # fmt: skip
    names = list(where)
    colors = [PHASE_COLORS.get(phase, "#3b6fd8") if n == highlight else "#ffffff" for n in names]
    text_colors = ["#ffffff" if n == highlight else "#1d2330" for n in names]
    fig.add_trace(
        go.Scatter(
            x=[where[n][0] for n in names],
            y=[where[n][1] for n in names],
            mode="markers+text",
            text=names,
            textfont={"size": 15, "color": text_colors},
            marker={"size": 40, "color": colors, "line": {"color": "#1d2330", "width": 1.5}},
            hoverinfo="text",
            hovertext=[f"{n} {_shape(d, n)}" for n in names],
        )
    )
    fig.update_layout(
        height=230,
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        xaxis={"visible": False, "range": [min(x for x, _ in where.values()) - 0.5,
                                           max(x for x, _ in where.values()) + 0.5]},
        yaxis={"visible": False, "range": [min(y for _, y in where.values()) - 0.7,
                                           max(y for _, y in where.values()) + 0.7]},
        plot_bgcolor="#ffffff",
        showlegend=False,
    )  # fmt: skip
    return fig


def _shape(d: Derivation, name: str) -> str:
    shape = d.shapes.get(name, ())
    return "(" + ", ".join(str(s) for s in shape) + ")" if shape else "scalar"
