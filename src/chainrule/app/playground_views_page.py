"""The playground's network views on the page: their layout, their callbacks, weight edits.

:func:`views` is the block of the page that shows the network (hover a node to
enlarge it, click a weight or a bias to edit it), the per-layer histograms and
the derived equations; :func:`register` adds their callbacks. They read the
settings store ``pg-config`` and the run store ``pg-run`` through
:mod:`chainrule.app.playground_state`; an edit is checked on the server and
answers with a frame (:mod:`chainrule.app.playground_frames`) that wins over
any tick of play under way.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from chainrule.app import playground_frames as F  # noqa: N812
from chainrule.app import playground_state as S  # noqa: N812
from chainrule.app import playground_views as V  # noqa: N812
from chainrule.app.landscape_state import check_number
from chainrule.app.layout import math_text
from chainrule.app.playground_frames import node_of
from chainrule.models import MLP

MAX_PARAMETER = 100.0
"""A weight or bias typed in must lie within ±MAX_PARAMETER."""
PROMPT = "click a weight (a dot on its link) or a bias (a node's corner square) to edit it"
_PARAMETER = re.compile(r"^[Wb]([1-9][0-9]?)$")


def views() -> html.Div:
    """The block of the page that holds the network, its histograms and its equations."""
    graph: Any = {"displaylogo": False, "displayModeBar": False}
    editor = html.Div(
        [
            html.Div(PROMPT, id="pg-edit-name", className="note"),
            dcc.Input(id="pg-edit-value", type="text", debounce=True, style={"width": "8rem"}),
            html.Button("set", id="pg-edit-set", n_clicks=0),
            html.Div(id="pg-edit-msg", className="error"),
        ]
    )
    return html.Div(
        [
            html.Div(
                [
                    dcc.Graph(id="pg-net", config=graph, style={"flex": "3", "minWidth": "0"}),
                    html.Div(
                        [dcc.Graph(id="pg-neuron", config=graph), editor],
                        style={"flex": "2", "minWidth": "0"},
                    ),
                ],
                className="row",
            ),
            html.Img(id="pg-hist", alt="per-layer histograms", style={"maxWidth": "100%"}),
            html.H3("The backprop equations of this network"),
            html.P(
                "Derived by chainrule's symbolic deriver for the current layers; they change "
                "when the architecture does.",
                className="note",
            ),
            html.Div(id="pg-eq"),
            dcc.Store(id="pg-node"),
            dcc.Store(id="pg-edit-target"),
        ]
    )


def hovered_node(model: MLP, hover: Any) -> tuple[int, int] | None:
    """The node under the pointer, from the network figure's hoverData; None off the nodes."""
    try:
        kind, layer, unit = hover["points"][0]["customdata"][:3]
    except (TypeError, KeyError, IndexError, ValueError):
        return None
    if kind != "node" or not isinstance(layer, int) or not isinstance(unit, int):
        return None
    found = node_of(model, [layer, unit])
    return found if found == (layer, unit) else None


def target_of(model: MLP, target: Any) -> tuple[str, int, int]:
    """A weight or bias to edit, checked: (name, row, column) of a parameter of ``model``."""
    if not isinstance(target, list | tuple) or len(target) < 3:
        raise ValueError("click a weight or a bias first")
    name, row, col = target[:3]
    if not isinstance(name, str) or not _PARAMETER.match(name) or name not in model.params:
        raise ValueError(f"the network has no parameter {name!r}")
    rows, cols = model.params[name].shape
    row = check_number(f"{name}'s row", row, 0, rows - 1, integer=True)
    col = check_number(f"{name}'s column", col, 0, cols - 1, integer=True)
    return name, row, col


def describe(name: str, row: int, col: int) -> str:
    """W2[3,1] or b2[3]: indices from 0, as the figure's hover shows them."""
    return f"{name}[{row}]" if name.startswith("b") else f"{name}[{row},{col}]"


def edit(config: S.PlayConfig, run: Any, target: Any, typed: Any) -> dict[str, Any]:
    """The run with one weight or bias set to the number typed.

    The number must be finite and within ±MAX_PARAMETER; the run's last loss
    point is replaced by the losses at the new weights, so the curve and the
    numbers shown follow the edit. The optimizer's state is kept. Raises
    ValueError naming the reason for a bad run, target or number.
    """
    model, _, _ = S.restore(config, run)
    name, row, col = target_of(model, target)
    label = describe(name, row, col)
    text = typed.strip() if isinstance(typed, str) else typed
    value = check_number(label, text, -MAX_PARAMETER, MAX_PARAMETER)
    params = {k: v.copy() for k, v in model.params.items()}
    params[name][row, col] = value
    model.params = params
    out = dict(run, params=S.tree_to_json(params))
    out.update({k: list(run[k]) for k in ("steps", "train", "test")})
    if out["steps"] and out["steps"][-1] == run["step"]:
        for k in ("steps", "train", "test"):
            out[k].pop()
    S.losses(model, S.split(config), out)
    return out


def register(app: dash.Dash, config_of: Callable[[Any], S.PlayConfig]) -> None:
    """Adds the views' callbacks to ``app``; ``config_of`` reads ``pg-config``'s data
    into a checked config (raising ValueError, TypeError or KeyError when it cannot)."""

    @app.callback(
        Output("pg-neuron", "figure", allow_duplicate=True),
        Output("pg-node", "data", allow_duplicate=True),
        Input("pg-net", "hoverData"),
        State("pg-config", "data"),
        State("pg-run", "data"),
        State("pg-node", "data"),
        prevent_initial_call=True,
    )
    def hover(hover: Any, stored: Any, run: Any, node: Any) -> tuple[Any, ...]:
        try:
            config = config_of(stored)
            model, _, _ = S.restore(config, run)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        found = hovered_node(model, hover)
        if found is None or found == node_of(model, node):
            raise dash.exceptions.PreventUpdate
        return V.neuron_figure(config, model, V.grid_maps(config, model), found), list(found)

    @app.callback(Output("pg-eq", "children"), Input("pg-config", "data"))
    def equations(stored: Any) -> list[Any]:
        try:
            model = S.network(config_of(stored))
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        return [html.Div(math_text(line), className="equation") for line in V.equations(model)]

    @app.callback(
        Output("pg-edit-target", "data"),
        Output("pg-edit-name", "children"),
        Output("pg-edit-value", "value"),
        Output("pg-edit-msg", "children"),
        Input("pg-net", "clickData"),
        State("pg-config", "data"),
        State("pg-run", "data"),
        prevent_initial_call=True,
    )
    def pick(click: Any, stored: Any, run: Any) -> tuple[Any, ...]:
        try:
            name, row, col = click["points"][0]["customdata"][:3]
            model, _, _ = S.restore(config_of(stored), run)
            name, row, col = target_of(model, [name, row, col])
        except (TypeError, KeyError, IndexError, ValueError):
            raise dash.exceptions.PreventUpdate from None  # a click on a node's map
        value = float(model.params[name][row, col])
        label = describe(name, row, col)
        return [name, row, col], f"{label}: type its new value and press set", f"{value:.6g}", ""

    @app.callback(
        Output("pg-frame-edit", "data"),
        Output("pg-edit-msg", "children", allow_duplicate=True),
        Input("pg-edit-set", "n_clicks"),
        Input("pg-edit-value", "n_submit"),
        State("pg-edit-value", "value"),
        State("pg-edit-target", "data"),
        State("pg-run", "data"),
        State("pg-config", "data"),
        State("pg-node", "data"),
        prevent_initial_call=True,
    )
    def apply(
        _set: Any, _submit: Any, typed: Any, target: Any, run: Any, stored: Any, node: Any
    ) -> Any:
        try:
            config = config_of(stored)
            edited = edit(config, run, target, typed)
        except (ValueError, TypeError, KeyError) as e:
            return dash.no_update, f"Not set: {e}"
        return F.frame(config, edited, node, base=F.version(run), force=True), ""
