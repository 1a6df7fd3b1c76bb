"""``/landscape``: the optimizer race, its controls and callbacks.

Two callbacks, so a step-slider move never re-races:

- ``collect``: every control (and a click on the contours, the play timer)
  -> the checked race settings in ``ls-config``, the URL, the step and, when
  the settings changed, every racer's path in ``ls-race`` (from
  :func:`chainrule.landscape.race` / ``race_function``);
- ``draw``: ``ls-race`` and the step -> the figures and the step's table.

All state is in the two stores and the URL; the server keeps none.
"""

from __future__ import annotations

import base64
import dataclasses
import time
from typing import Any

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html

from chainrule.app import landscape_export
from chainrule.app import landscape_state as S  # noqa: N812 - S for the race's state
from chainrule.app import landscape_view as V  # noqa: N812 - V for its view
from chainrule.app.landscape_models import MLP_SLICE
from chainrule.app.layout import page

PLAY_STRIDE = 50  # steps per tick of the play button, as a divisor of the run


def stored_config(state: S.RaceState) -> dict[str, Any]:
    """The race settings as JSON for ``ls-config`` (the step lives in the step slider)."""
    d = dataclasses.asdict(state)
    d.pop("step")
    d["on"] = list(d["on"])
    d["start"] = list(state.start) if state.start is not None else None
    return d


def _state(config: dict[str, Any], step: int | None = None) -> S.RaceState:
    """A checked state from a stored config (which the browser could have altered)."""
    if not isinstance(config, dict):
        raise ValueError("the stored race settings are not a mapping")
    fields = {f.name for f in dataclasses.fields(S.RaceState)} - {"step"}
    values = {k: v for k, v in config.items() if k in fields}
    if values.get("start") is not None:
        values["start"] = tuple(values["start"])
    values["on"] = tuple(values.get("on", ()))
    steps = values.get("steps", S.RaceState.steps)
    return S.check(S.RaceState(step=steps if step is None else step, **values))


def _racer_row(key: str, state: S.RaceState) -> html.Div:
    racer = S.RACERS[key]
    return html.Div(
        [
            dcc.Checklist(
                id={"type": "ls-on", "racer": key},
                options=[{"label": "", "value": key}],
                value=[key] if key in state.on else [],
            ),
            html.Span(
                [
                    html.Span(className="swatch", style={"background": S.COLORS[key]}),
                    " ",
                    racer.label,
                ]
            ),
            dcc.Slider(
                id={"type": "ls-lr", "racer": key},
                min=S.LOG_LR[0],
                max=S.LOG_LR[1],
                step=0.01,
                value=_log10(state.lrs[key]),
                marks=None,
                updatemode="drag",
            ),
            html.Span(
                f"{state.lrs[key]:.3g}", id={"type": "ls-lr-text", "racer": key}, className="lr"
            ),
        ],
        className="racer",
    )


def _log10(x: float) -> float:
    import math

    return math.log10(x)


def layout(search: str) -> html.Div:
    """The page for a URL query; a bad query shows its reason and the default race."""
    error = ""
    try:
        state = S.from_query(search)
    except ValueError as e:
        state, error = S.RaceState(), f"The link's settings were not used: {e}"
    controls = html.Div(
        [
            html.Label("Surface", htmlFor="ls-surface"),
            dcc.Dropdown(
                id="ls-surface",
                options=[{"label": v, "value": k} for k, v in S.SURFACES.items()],
                value=state.surface,
                clearable=False,
            ),
            html.Label("Condition number κ (the bowl only)"),
            dcc.Slider(
                id="ls-kappa",
                min=1,
                max=100,
                step=1,
                value=min(state.condition, 100),
                marks={1: "1", 10: "10", 50: "50", 100: "100"},
                updatemode="drag",
            ),
            html.Label("Steps"),
            dcc.Slider(
                id="ls-steps",
                min=10,
                max=S.MAX_STEPS,
                step=10,
                value=state.steps,
                marks={10: "10", 250: "250", 500: "500", 1000: "1000"},
                updatemode="drag",
            ),
            html.Label("Momentum β (momentum, PyTorch's, Nesterov)"),
            dcc.Slider(
                id="ls-beta",
                min=0,
                max=0.99,
                step=0.01,
                value=min(state.beta, 0.99),
                marks={0: "0", 0.5: "0.5", 0.9: "0.9", 0.99: ".99"},
                updatemode="drag",
            ),
            html.Label("Racers: on, learning rate (log scale)"),
            *[_racer_row(k, state) for k in S.RACERS],
            html.Label("Mini-batch SGD: batch size and seed (the regression only)"),
            html.Div(
                [
                    dcc.Input(
                        id="ls-batch",
                        type="number",
                        min=1,
                        max=S.MAX_BATCH,
                        step=1,
                        value=state.batch,
                        debounce=True,
                        style={"width": "5rem"},
                    ),
                    dcc.Input(
                        id="ls-seed",
                        type="number",
                        min=0,
                        step=1,
                        value=state.seed,
                        debounce=True,
                        style={"width": "5rem", "marginLeft": "0.5rem"},
                    ),
                ]
            ),
            html.Label("Start"),
            html.Div(
                [
                    html.Span(id="ls-start", className="mono"),
                    html.Button(
                        "usual start", id="ls-reset", n_clicks=0, style={"marginLeft": "0.6rem"}
                    ),
                ]
            ),
        ],
        className="panel controls",
    )
    figures = html.Div(
        [
            html.Div(id="ls-error", className="error", children=error),
            html.Div(id="ls-note", className="note"),
            dcc.Graph(id="ls-contour", config={"displaylogo": False}),
            html.Div(
                [
                    html.Button("▶ play", id="ls-play", n_clicks=0),
                    html.Span("step", style={"marginRight": "0.5rem"}),
                    html.Div(
                        dcc.Slider(
                            id="ls-step",
                            min=0,
                            max=state.steps,
                            step=1,
                            value=state.step,
                            marks=None,
                            updatemode="drag",
                            tooltip={"placement": "bottom", "always_visible": False},
                        ),
                        style={"flex": "1"},
                    ),
                ],
                style={"display": "flex", "alignItems": "center"},
            ),
            html.Div(id="ls-table"),
            html.Div(
                [
                    html.Span("Export: ", className="note"),
                    html.Button("Python script", id="ls-export-script", n_clicks=0),
                    html.Button("HTML figure", id="ls-export-html", n_clicks=0),
                    html.Button("GIF", id="ls-export-gif", n_clicks=0),
                    html.Span("(PNG: the camera of the figure's toolbar)", className="note"),
                    dcc.Loading(dcc.Download(id="ls-download"), type="dot"),
                ],
                style={"margin": "0.4rem 0"},
            ),
            html.Div(
                [
                    dcc.Graph(id="ls-loss", config={"displaylogo": False}, style={"flex": "1"}),
                    dcc.Graph(id="ls-fit", config={"displaylogo": False}, style={"flex": "1"}),
                ],
                className="row",
            ),
            dcc.Interval(id="ls-timer", interval=120, disabled=True),
            dcc.Store(id="ls-config", data=stored_config(state)),
            dcc.Store(id="ls-race"),
        ],
        className="figures",
    )
    return page(
        "The optimizer race",
        (
            "Every racer starts from the same point and takes the same number of steps. "
            "Click the contours to move the start; every slider recomputes every path at "
            "once, and the step slider walks along them."
        ),
        controls,
        figures,
    )


def register(app: dash.Dash) -> None:
    """Adds the page's callbacks to ``app``."""

    @app.callback(
        Output("ls-config", "data"),
        Output("ls-error", "children"),
        Output("url", "search"),
        Output("ls-step", "max"),
        Output("ls-step", "value"),
        Output("ls-start", "children"),
        Output({"type": "ls-lr-text", "racer": ALL}, "children"),
        Output("ls-timer", "disabled"),
        Output("ls-play", "children"),
        Output("ls-race", "data"),
        Output("ls-note", "children"),
        Input("ls-surface", "value"),
        Input("ls-kappa", "value"),
        Input("ls-steps", "value"),
        Input("ls-beta", "value"),
        Input({"type": "ls-on", "racer": ALL}, "value"),
        Input({"type": "ls-lr", "racer": ALL}, "value"),
        Input("ls-batch", "value"),
        Input("ls-seed", "value"),
        Input("ls-contour", "clickData"),
        Input("ls-reset", "n_clicks"),
        Input("ls-step", "value"),
        Input("ls-play", "n_clicks"),
        Input("ls-timer", "n_intervals"),
        State("ls-config", "data"),
        State("ls-timer", "disabled"),
    )
    def collect(
        surface: Any, kappa: Any, steps: Any, beta: Any, on: list[Any], log_lrs: list[Any],
        batch: Any, seed: Any, click: Any, _reset: Any, step: Any, _play: Any, _tick: Any,
        config: Any, paused: bool,
    ) -> tuple[Any, ...]:  # fmt: skip
        # a freshly rendered page reports every input as triggered: treat it as the first call
        trigger = ctx.triggered_id if len(ctx.triggered) == 1 else None
        keys = list(S.RACERS)
        try:
            previous = _state(config)
            if len(on) != len(keys) or len(log_lrs) != len(keys):
                raise ValueError("every racer needs its switch and its learning rate")
            lrs = {}
            for k, v in zip(keys, log_lrs, strict=True):
                exponent = S.check_number(f"log10 learning rate of {k}", v, *S.LOG_LR)
                lrs[k] = float(f"{10**exponent:.3g}")  # three figures, as shown
            start = previous.start
            if trigger == "ls-reset" or surface != previous.surface:
                start = None
            elif trigger == "ls-contour":
                start = _clicked(click)
            state = S.check(
                S.RaceState(
                    surface=surface,
                    start=start,
                    steps=steps,
                    step=0,
                    on=tuple(k for k, v in zip(keys, on, strict=True) if v),
                    lrs=lrs,
                    beta=beta,
                    condition=kappa,
                    batch=batch,
                    seed=seed,
                )
            )
        except (ValueError, TypeError, KeyError) as e:
            skip = dash.no_update
            return (
                skip,
                f"Not applied: {e}",
                skip,
                skip,
                skip,
                skip,
                [skip] * len(keys),
                skip,
                skip,
            )
        new_config = stored_config(state)
        changed = new_config != config
        if trigger in ("ls-step", None) and not changed:
            shown = S.check_number("step", step, 0, state.steps, integer=True)
        elif trigger == "ls-timer" and not changed:
            stride = max(1, state.steps // PLAY_STRIDE)
            current = S.check_number("step", step, 0, state.steps, integer=True)
            shown = min(state.steps, current + stride)
        else:
            shown = state.steps
        if trigger == "ls-play":
            paused = not paused
            if not paused and shown >= state.steps:
                shown = 0
        if shown >= state.steps and trigger == "ls-timer":
            paused = True
        state = dataclasses.replace(state, step=shown)
        x, y = S.start_of(state)
        return (
            new_config if changed or trigger is None else dash.no_update,
            dash.no_update if trigger is None else "",  # keep a bad link's reason
            S.to_query(state),
            state.steps,
            shown,
            f"({x:.4g}, {y:.4g})",
            [f"{state.lrs[k]:.3g}" for k in keys],
            paused,
            "▶ play" if paused else "❚❚ pause",
            *(race(state) if changed or trigger is None else (dash.no_update, dash.no_update)),
        )

    def race(state: S.RaceState) -> tuple[Any, str]:
        """Every path of the race, for ``ls-race``, and a note on how it went."""
        began = time.perf_counter()
        paths = S.run(state)
        took = (time.perf_counter() - began) * 1e3
        notes = S.describe(paths)
        if state.surface == MLP_SLICE:
            notes.insert(0, f"A slice, not the whole loss: {S.test_function(state).formula}.")
        elif state.surface != S.REGRESSION:
            notes.insert(0, f"f(x, y) = {S.test_function(state).formula}.")
        if "sgd" in state.on and state.surface != S.REGRESSION:
            notes.append("Mini-batch SGD races only on the regression: a function has no examples.")
        notes.append(f"Raced {len(paths)} optimizers × {state.steps} steps in {took:.0f} ms.")
        return V.to_store(paths), " ".join(notes)

    @app.callback(
        Output("ls-download", "data"),
        Input("ls-export-script", "n_clicks"),
        Input("ls-export-html", "n_clicks"),
        Input("ls-export-gif", "n_clicks"),
        State("ls-config", "data"),
        State("ls-race", "data"),
        State("ls-step", "value"),
        prevent_initial_call=True,
    )
    def export(_script: Any, _html: Any, _gif: Any, config: Any, stored: Any, step: Any) -> Any:
        if (
            ctx.triggered_id not in ("ls-export-script", "ls-export-html", "ls-export-gif")
            or len(ctx.triggered) != 1
            or not any(t["value"] for t in ctx.triggered)
        ):
            raise dash.exceptions.PreventUpdate
        try:
            state = _state(config)
            if ctx.triggered_id == "ls-export-script":
                return {"content": landscape_export.script(state), "filename": "race.py"}
            paths = V.from_store(stored)
            if ctx.triggered_id == "ls-export-gif":
                gif = base64.b64encode(landscape_export.gif(state, paths)).decode()
                return {"content": gif, "base64": True, "filename": "race.gif"}
            step = S.check_number("step", step, 0, state.steps, integer=True)
            fig = V.contour_figure(state, paths, step)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        html_text = fig.to_html(include_plotlyjs=True, full_html=True)
        return {"content": html_text, "filename": "race.html"}

    @app.callback(
        Output("ls-contour", "figure"),
        Output("ls-loss", "figure"),
        Output("ls-fit", "figure"),
        Output("ls-fit", "style"),
        Output("ls-table", "children"),
        Input("ls-race", "data"),
        Input("ls-step", "value"),
        State("ls-config", "data"),
    )
    def draw(stored: Any, step: Any, config: Any) -> tuple[Any, ...]:
        if stored is None:
            raise dash.exceptions.PreventUpdate
        try:
            state = _state(config)
            paths = V.from_store(stored)
            step = S.check_number("step", step, 0, state.steps, integer=True)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        regression = state.surface == S.REGRESSION
        return (
            V.contour_figure(state, paths, step),
            V.loss_figure(paths, step),
            V.fit_figure(paths, step) if regression else {},
            {"flex": "1"} if regression else {"display": "none"},
            _table(V.step_rows(state, paths, step)),
        )


def _clicked(click: Any) -> tuple[float, float]:
    try:
        point = click["points"][0]
        return float(point["x"]), float(point["y"])
    except (TypeError, KeyError, IndexError, ValueError):
        raise ValueError(f"a click gives a point x, y; got {click!r}") from None


def _table(rows: list[tuple[str, str, list[str]]]) -> html.Table:
    head = ["racer", "step", "point", "loss", "gradient", "next update"]
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in head])),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(
                                [
                                    html.Span(
                                        className="swatch",
                                        style={
                                            "background": S.COLORS[k],
                                            "display": "inline-block",
                                            "width": "0.7rem",
                                            "height": "0.7rem",
                                            "borderRadius": "50%",
                                        },
                                    ),
                                    " ",
                                    label,
                                ],
                                style={"textAlign": "left"},
                            ),
                            *[html.Td(c, className="mono") for c in cells],
                        ],
                        id=f"ls-row-{k}",
                    )
                    for k, label, cells in rows
                ]
            ),
        ],
        className="values",
    )
