"""``/backprop``: the stepper, forward node by node, backward adjoint by adjoint, the update.

One callback turns the controls (network, typed matrices, η, the step
buttons) into the checked state, the URL and the step's card; a second one
checks a learner's typed answer. The state is in ``bp-state`` and the URL.
"""

from __future__ import annotations

from typing import Any

import dash
import numpy as np
from dash import ALL, Input, Output, State, ctx, dcc, html

from chainrule.app import backprop_graph as G  # noqa: N812 - G for the graph
from chainrule.app import backprop_state as B  # noqa: N812 - B for the stepper's state
from chainrule.app.layout import math_text

PHASES = {
    "forward": "Forward",
    "loss": "Loss",
    "backward": "Backward",
    "gradient": "Gradient",
    "update": "Update",
}


def _shape(value: Any) -> str:
    """``(r×c)`` of a matrix given as nested lists (rows) or an array of shape (r, c)."""
    a = np.asarray(value, dtype=np.float64)
    return f"({a.shape[0]}×{a.shape[1]})" if a.ndim == 2 else f"{a.shape}"


def _numbers_box(name: str, value: np.ndarray) -> html.Div:
    return html.Div(
        [
            html.Label(
                [f"{name}  ", html.Span(_shape(value), id={"type": "bp-shape", "name": name})]
            ),
            dcc.Textarea(
                id={"type": "bp-matrix", "name": name},
                value=B.format_matrix(value).replace(";", ";\n"),
                rows=min(6, value.shape[0] + 1),
            ),
        ]
    )


def _controls(state: B.StepperState) -> list[Any]:
    return [
        html.Label("Network", htmlFor="bp-network"),
        dcc.Dropdown(
            id="bp-network",
            options=[{"label": n.label, "value": k} for k, n in B.NETWORKS.items()],
            value=state.network,
            clearable=False,
        ),
        html.Label("Learning rate η"),
        dcc.Input(id="bp-lr", type="number", value=state.lr, min=1e-6, max=100, debounce=True),
        html.P(
            "Rows separated by ';' or new lines, entries by ',' or spaces. Examples are "
            "columns: X is (n, m).",
            className="note",
        ),
        *[_numbers_box(k, v) for k, v in state.numbers.items()],
    ]


def layout(search: str) -> html.Div:
    """The page for a URL query; a bad query shows its reason and the defaults."""
    error = ""
    try:
        state = B.from_query(search)
    except ValueError as e:
        state = B.from_query("")
        error = f"The link's settings were not used: {e}"
    return html.Div(
        [
            html.H2("The backprop stepper"),
            html.P(
                "One forward pass node by node, the backward pass adjoint by adjoint, then "
                "the update. Each equation comes from chainrule's symbolic deriver; the line "
                "below it puts in the current numbers.",
                className="note",
            ),
            html.Div(
                [
                    html.Div(_controls(state), id="bp-controls", className="panel controls"),
                    html.Div(
                        [
                            html.Div(error, id="bp-error", className="error"),
                            dcc.Graph(id="bp-graph", config={"displayModeBar": False}),
                            html.Div(
                                [
                                    html.Button("« start", id="bp-first", n_clicks=0),
                                    html.Button("◀ back", id="bp-back", n_clicks=0),
                                    html.Button("next ▶", id="bp-next", n_clicks=0),
                                    html.Button("end »", id="bp-last", n_clicks=0),
                                    html.Span(id="bp-position", className="note"),
                                ]
                            ),
                            html.Div(id="bp-card", className="step-card"),
                            html.Div(
                                [
                                    html.Label("Work it out yourself: entry [0, 0] of the result"),
                                    dcc.Checklist(
                                        id="bp-hide",
                                        options=[
                                            {"label": " hide results until I ask", "value": "hide"}
                                        ],
                                        value=[],
                                    ),
                                    dcc.Input(id="bp-answer", type="text", debounce=False),
                                    html.Button("check", id="bp-check", n_clicks=0),
                                    html.Span(id="bp-verdict"),
                                ],
                                className="panel",
                                style={"marginTop": "0.8rem"},
                            ),
                            dcc.Store(id="bp-state", data=stored(state)),
                        ],
                        className="figures",
                    ),
                ],
                className="row",
            ),
        ]
    )


def stored(state: B.StepperState) -> dict[str, Any]:
    """The stepper's state as JSON for ``bp-state``; matrices as nested lists (rows)."""
    return {
        "network": state.network,
        "numbers": {k: v.tolist() for k, v in state.numbers.items()},
        "lr": state.lr,
        "step": state.step,
    }


def from_stored(data: Any) -> B.StepperState:
    """The checked state from ``bp-state`` (which the browser could have altered)."""
    if not isinstance(data, dict):
        raise ValueError("the stored stepper state is not a mapping")
    numbers = {str(k): np.asarray(v, dtype=np.float64) for k, v in data["numbers"].items()}
    return B.check(B.StepperState(str(data["network"]), numbers, data["lr"], data["step"]))


def register(app: dash.Dash) -> None:
    """Adds the page's callbacks to ``app``."""

    @app.callback(
        Output("bp-state", "data"),
        Output("url", "search", allow_duplicate=True),
        Output("bp-error", "children"),
        Output("bp-controls", "children"),
        Input("bp-network", "value"),
        Input("bp-lr", "value"),
        Input({"type": "bp-matrix", "name": ALL}, "value"),
        Input("bp-first", "n_clicks"),
        Input("bp-back", "n_clicks"),
        Input("bp-next", "n_clicks"),
        Input("bp-last", "n_clicks"),
        State("bp-state", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def collect(
        network: Any, lr: Any, matrices: list[Any], _f: Any, _b: Any, _n: Any, _l: Any, data: Any
    ) -> tuple[Any, ...]:
        trigger = ctx.triggered_id if len(ctx.triggered) == 1 else None
        skip = dash.no_update
        if trigger is None:  # the page was just drawn: pass the stored state on to `show`
            return data, skip, skip, skip
        try:
            previous = from_stored(data)
            if network != previous.network:
                state = B.check(B.StepperState(network, B.defaults(network), previous.lr, 0))
                return stored(state), B.to_query(state), "", _controls(state)
            names = [i["id"]["name"] for i in ctx.inputs_list[2]]
            numbers = dict(previous.numbers)
            for name, text in zip(names, matrices, strict=True):
                numbers[name] = B.parse_matrix(name, text)
            if lr is None:
                raise ValueError("the learning rate η must be a number in (0, 100]")
            total = len(B.steps(previous.network, previous.numbers, previous.lr))
            step = {
                "bp-first": 0,
                "bp-back": max(0, previous.step - 1),
                "bp-next": min(total - 1, previous.step + 1),
                "bp-last": total - 1,
            }.get(trigger if isinstance(trigger, str) else "", previous.step)
            state = B.check(B.StepperState(previous.network, numbers, lr, step))
        except (ValueError, TypeError, KeyError) as e:
            return skip, skip, f"Not applied: {e}", skip
        return stored(state), B.to_query(state), "", skip

    @app.callback(
        Output({"type": "bp-shape", "name": ALL}, "children"),
        Input("bp-state", "data"),
        State({"type": "bp-shape", "name": ALL}, "children"),
    )
    def shapes(data: Any, shown: list[Any]) -> list[Any]:
        """Each matrix's label shows the shape it holds once an edit is accepted; the boxes
        themselves are left alone, so the learner's typing and focus stay."""
        numbers = data.get("numbers", {}) if isinstance(data, dict) else {}
        names = [o["id"]["name"] for o in ctx.outputs_list]
        try:
            return [
                _shape(numbers[n]) if n in numbers else old
                for n, old in zip(names, shown, strict=True)
            ]
        except (ValueError, TypeError):
            raise dash.exceptions.PreventUpdate from None

    @app.callback(
        Output("bp-graph", "figure"),
        Output("bp-card", "children"),
        Output("bp-position", "children"),
        Output("bp-answer", "value"),
        Output("bp-verdict", "children"),
        Input("bp-state", "data"),
        Input("bp-hide", "value"),
    )
    def show(data: Any, hide: Any) -> tuple[Any, ...]:
        try:
            state = from_stored(data)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        all_steps = B.steps(state.network, state.numbers, state.lr)
        step = all_steps[state.step]
        fig = G.figure(B.derivation(state.network), step.node, step.phase)
        position = f"  step {state.step + 1} of {len(all_steps)}: {PHASES[step.phase].lower()}"
        hidden = isinstance(hide, list) and "hide" in hide
        return fig, _card(step, hidden), position, "", ""

    @app.callback(
        Output("bp-verdict", "children", allow_duplicate=True),
        Output("bp-verdict", "className"),
        Input("bp-check", "n_clicks"),
        Input("bp-answer", "n_submit"),
        State("bp-answer", "value"),
        State("bp-state", "data"),
        prevent_initial_call=True,
    )
    def check_answer(_clicks: Any, _submit: Any, typed: Any, data: Any) -> tuple[str, str]:
        try:
            state = from_stored(data)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        step = B.steps(state.network, state.numbers, state.lr)[state.step]
        right, message = B.check_answer(typed, step.value)
        return " " + message, "right" if right else "wrong"


def _card(step: B.Step, hidden: bool = False) -> list[Any]:
    value = np.atleast_2d(step.value)
    rows = [
        html.H3(f"{PHASES[step.phase]}: {step.name}", id="bp-title"),
        html.Div(math_text(step.equation), className="equation", id="bp-equation"),
        html.Div(
            math_text("= " + step.substituted if step.phase != "update" else step.substituted),
            className="substituted",
            id="bp-substituted",
        ),
    ]
    if step.correction is not None:
        rows.append(_correction(step))
    if step.old is not None and step.change is not None:
        rows += [
            html.Div("old value", className="note"),
            _matrix(step.old),
            html.Div("step −η ∂L/∂p", className="note"),
            _matrix(step.change),
        ]
    shape = f"{step.shape} = {value.shape[0]}×{value.shape[1]}" if step.value.ndim else "scalar"
    result = [html.Div(f"result, shape {shape}", className="note"), _matrix(step.value)]
    if hidden:
        return [*rows, html.Details([html.Summary("show the result"), *result])]
    return rows + result


def _correction(step: B.Step) -> html.Div:
    """Where seed 003 writes this step differently: its line, the correct one, and why."""
    assert step.correction is not None
    box = {"borderLeft": "4px solid #b00020", "background": "#fdf3f4", "padding": "0.3rem 0.7rem",
           "margin": "0.5rem 0"}  # fmt: skip
    struck = {"textDecoration": "line-through", "color": "#b00020"}
    rows = [
        html.Div("Seed 003 writes", className="note"),
        html.Div(
            math_text(step.correction.seed), className="equation", id="bp-seed-form", style=struck
        ),
        html.Div("correct", className="note"),
        html.Div(math_text(step.equation), className="equation", style={"color": "#1b7f3b"}),
        html.Div("why: " + step.correction.why, id="bp-why"),
    ]
    return html.Div(rows, id="bp-correction", style=box)


def _matrix(a: np.ndarray) -> html.Table | html.Div:
    a = np.atleast_2d(a)
    if a.shape[0] > 8 or a.shape[1] > 8:
        return html.Div(
            f"{a.shape[0]}×{a.shape[1]} matrix, norm {np.linalg.norm(a):.6g}", className="mono"
        )
    return html.Table(
        [html.Tr([html.Td(f"{v:.6g}", className="mono") for v in row]) for row in a],
        className="values result",
    )
