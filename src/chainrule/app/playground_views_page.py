"""The playground's network views on the page: their layout, their callbacks, weight edits.

:func:`views` is the block of the page that shows the network (hover a node to
enlarge it, click a weight or a bias to edit it), the per-layer histograms and
the derived equations; :func:`register` adds their callbacks. They read the
settings store ``pg-config`` and the run store ``pg-run`` through
:mod:`chainrule.app.playground_state`, and an edit writes the run back to
``pg-run`` after checking it on the server.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import dash
import numpy as np
from dash import Input, Output, State, ctx, dcc, html

from chainrule.app import playground_state as S  # noqa: N812
from chainrule.app import playground_views as V  # noqa: N812
from chainrule.app.landscape_state import check_number
from chainrule.models import MLP
from chainrule.models.mlp_layers import layer_histograms

MAX_PARAMETER = 100.0
"""A weight or bias typed in must lie within ±MAX_PARAMETER."""
HISTOGRAM_BINS = 30
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


def node_of(model: MLP, stored: Any) -> tuple[int, int]:
    """The stored (layer, unit) if the network has it, else the output node."""
    if isinstance(stored, list) and len(stored) == 2 and all(isinstance(v, int) for v in stored):
        layer, unit = stored
        if 0 <= layer <= model.depth and 0 <= unit < model.layer_sizes[layer]:
            return layer, unit
    return model.depth, 0


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
        Output("pg-net", "figure"),
        Output("pg-hist", "src"),
        Output("pg-neuron", "figure"),
        Output("pg-node", "data"),
        Input("pg-run", "data"),
        Input("pg-net", "hoverData"),
        State("pg-config", "data"),
        State("pg-node", "data"),
    )
    def draw(run: Any, hover: Any, stored: Any, node: Any) -> tuple[Any, ...]:
        try:
            config = config_of(stored)
            model, _, _ = S.restore(config, run)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        current = node_of(model, node)
        only_hover = ctx.triggered_id == "pg-net"
        if only_hover:
            found = hovered_node(model, hover)
            if found is None or found == current:
                raise dash.exceptions.PreventUpdate
            current = found
        maps = V.grid_maps(config, model)
        neuron = V.neuron_figure(config, model, maps, current)
        if only_hover:
            return dash.no_update, dash.no_update, neuron, list(current)
        data = S.split(config)
        y = S.targets(data.labels)
        try:
            with np.errstate(all="ignore"):
                counted = layer_histograms(
                    model, data.X[:, data.train], y[:, data.train], HISTOGRAM_BINS
                )
            histograms = V.histogram_image(*counted)
        except ValueError as e:
            histograms = V.message_image(f"No histograms: {e}")
        return V.network_figure(config, model, maps), histograms, neuron, list(current)

    @app.callback(Output("pg-eq", "children"), Input("pg-config", "data"))
    def equations(stored: Any) -> list[Any]:
        try:
            model = S.network(config_of(stored))
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        return [html.Div(line, className="equation") for line in V.equations(model)]

    @app.callback(
        Output("pg-edit-target", "data"),
        Output("pg-edit-name", "children"),
        Output("pg-edit-value", "value"),
        Output("pg-edit-msg", "children"),
        Input("pg-net", "clickData"),
        prevent_initial_call=True,
    )
    def pick(click: Any) -> tuple[Any, ...]:
        try:
            name, row, col, value = click["points"][0]["customdata"]
        except (TypeError, KeyError, IndexError, ValueError):
            raise dash.exceptions.PreventUpdate from None  # a click on a node's map
        if not isinstance(name, str) or not _PARAMETER.match(name):
            raise dash.exceptions.PreventUpdate
        label = describe(name, row, col)
        return [name, row, col], f"{label}: type its new value and press set", f"{value:.6g}", ""

    @app.callback(
        Output("pg-run", "data", allow_duplicate=True),
        Output("pg-edit-msg", "children", allow_duplicate=True),
        Input("pg-edit-set", "n_clicks"),
        Input("pg-edit-value", "n_submit"),
        State("pg-edit-value", "value"),
        State("pg-edit-target", "data"),
        State("pg-run", "data"),
        State("pg-config", "data"),
        prevent_initial_call=True,
    )
    def apply(_set: Any, _submit: Any, typed: Any, target: Any, run: Any, stored: Any) -> Any:
        try:
            return edit(config_of(stored), run, target, typed), ""
        except (ValueError, TypeError, KeyError) as e:
            return dash.no_update, f"Not set: {e}"
