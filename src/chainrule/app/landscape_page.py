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

from chainrule.app import landscape_controls as C  # noqa: N812 - C for its controls
from chainrule.app import landscape_export
from chainrule.app import landscape_state as S  # noqa: N812 - S for the race's state
from chainrule.app import landscape_view as V  # noqa: N812 - V for its view
from chainrule.app.landscape_models import MLP_SLICE, WORKED, entries
from chainrule.app.layout import number_input, page

PLAY_STRIDE = 50  # steps per tick of the play button, as a divisor of the run


def stored_config(state: S.RaceState) -> dict[str, Any]:
    """The race settings as JSON for ``ls-config`` (the step lives in the step slider)."""
    d = dataclasses.asdict(state)
    d.pop("step")
    d["on"] = list(d["on"])
    d["entries"] = list(state.entries)
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
    if isinstance(values.get("entries"), list):
        values["entries"] = tuple(values["entries"])
    steps = values.get("steps", S.RaceState.steps)
    return S.check(S.RaceState(step=steps if step is None else step, **values))


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
            C.network_controls(state),
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
            *[C.racer_row(k, state) for k in S.RACERS],
            html.Label("Mini-batch SGD: batch size and seed (the regression only)"),
            html.Div(
                [
                    number_input("ls-batch", state.batch, 1, S.MAX_BATCH),
                    number_input("ls-seed", state.seed, 0, marginLeft="0.5rem"),
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
        Output("ls-entry-x", "options"),
        Output("ls-entry-x", "value"),
        Output("ls-entry-y", "options"),
        Output("ls-entry-y", "value"),
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
        Input("ls-network", "value"),
        Input("ls-entry-x", "value"),
        Input("ls-entry-y", "value"),
        State("ls-config", "data"),
        State("ls-timer", "disabled"),
    )
    def collect(
        surface: Any, kappa: Any, steps: Any, beta: Any, on: list[Any], log_lrs: list[Any],
        batch: Any, seed: Any, click: Any, _reset: Any, step: Any, _play: Any, _tick: Any,
        network: Any, entry_x: Any, entry_y: Any, config: Any, paused: bool,
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
            chosen = (entry_x, entry_y)
            if network != previous.network:  # a new network: its first weight and bias entries
                chosen = _opening_entries(network)
            if trigger == "ls-reset" or surface != previous.surface:
                start = None
            elif trigger == "ls-contour":
                start = _clicked(click)
            if (network, chosen) != (previous.network, previous.entries):
                start = None  # another plane: its own usual start
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
                    network=network,
                    entries=chosen,
                )
            )
        except (ValueError, TypeError, KeyError) as e:
            skip = dash.no_update
            shown_error = f"Not applied: {e}"
            return (skip, shown_error, skip, skip, skip, skip, [skip] * len(keys), *[skip] * 8)
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
        # while playing, the URL waits: Location pushes a history entry per change, and one
        # per frame would bury the page under Back; it is written when the play stops
        playing = trigger == "ls-timer" and not paused
        return (
            new_config if changed or trigger is None else dash.no_update,
            dash.no_update if trigger is None else "",  # keep a bad link's reason
            dash.no_update if playing else S.to_query(state),
            state.steps,
            shown,
            f"({x:.4g}, {y:.4g})",
            [f"{state.lrs[k]:.3g}" for k in keys],
            paused,
            "▶ play" if paused else "❚❚ pause",
            *(race(state) if changed or trigger is None else (dash.no_update, dash.no_update)),
            *_entry_menus(state),
        )

    def race(state: S.RaceState) -> tuple[Any, str]:
        """Every path of the race, for ``ls-race``, and a note on how it went."""
        began = time.perf_counter()
        paths = S.run(state)
        took = (time.perf_counter() - began) * 1e3
        notes = S.describe(paths)
        if state.surface == MLP_SLICE:
            notes.insert(0, f"A slice, not the whole loss: {S.test_function(state).formula}.")
        elif S.coordinates_of(state) is not None:
            notes.insert(0, f"A plane through the loss: {S.test_function(state).formula}.")
        elif state.surface != S.REGRESSION:
            notes.insert(0, f"f(x, y) = {S.test_function(state).formula}.")
        if "sgd" in state.on and state.surface != S.REGRESSION:
            notes.append("Mini-batch SGD races only on the regression: a function has no examples.")
        notes.append(f"Raced {len(paths)} optimizers × {state.steps} steps in {took:.0f} ms.")
        return V.to_store(paths), " ".join(notes)

    @app.callback(Output("ls-network-box", "style"), Input("ls-surface", "value"))
    def show_network_menus(surface: Any) -> dict[str, str]:
        return C.network_style(surface)

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
            C.table(V.step_rows(state, paths, step)),
        )


def _opening_entries(network: Any) -> tuple[str, str]:
    """A network's first weight entry and its first bias entry (or its first two entries)."""
    if network not in WORKED:
        raise ValueError(f"network must be one of {', '.join(WORKED)}, got {network!r}")
    every = entries(network)
    names = list(dict.fromkeys(e.split("[")[0] for e in every))
    second = next((e for e in every if e.startswith(names[1] + "[")), every[1])
    return every[0], second if len(names) > 1 else every[1]


def _entry_menus(state: S.RaceState) -> tuple[Any, Any, Any, Any]:
    """The two entry menus' options and values for the state's network."""
    options = [{"label": e, "value": e} for e in entries(state.network)]
    return options, state.entries[0], options, state.entries[1]


def _clicked(click: Any) -> tuple[float, float]:
    try:
        point = click["points"][0]
        return float(point["x"]), float(point["y"])
    except (TypeError, KeyError, IndexError, ValueError):
        raise ValueError(f"a click gives a point x, y; got {click!r}") from None
