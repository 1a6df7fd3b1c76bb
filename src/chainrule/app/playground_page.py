"""The playground page: build a small network, train it step by step, watch the boundary.

The settings live in the URL and ``pg-config``; the run (weights, optimizer
state, loss history) lives in the browser's ``pg-run`` store and every step is
one bounded request computed by :mod:`chainrule.app.playground_state`.
"""

from __future__ import annotations

import math
import time
from typing import Any

import dash
import numpy as np
from dash import Input, Output, State, ctx, dcc, html

from chainrule.app import playground_state as S  # noqa: N812
from chainrule.app import playground_views_page
from chainrule.app.landscape_state import check_number
from chainrule.app.layout import page

PREFIX = "pg"
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd")
GRID = 60  # the boundary is drawn on a GRID x GRID grid
TICK_MS = 100
PLAY_BUDGET_S = 0.05  # server time one tick of play may spend training


def _config_of(data: Any) -> S.PlayConfig:
    if not isinstance(data, dict):
        raise ValueError("no settings yet")
    layers = tuple((n, a) for n, a in data.get("layers", []))
    return S.check(S.PlayConfig(**dict(data, features=tuple(data["features"]), layers=layers)))


def stored_config(config: S.PlayConfig) -> dict[str, Any]:
    """The config as JSON data for ``pg-config``."""
    return {
        "dataset": config.dataset, "classes": config.classes, "noise": config.noise,
        "points": config.points, "test": config.test, "seed": config.seed,
        "features": list(config.features), "layers": [list(la) for la in config.layers],
        "optimizer": config.optimizer, "lr": config.lr, "batch": config.batch,
        "unit": config.unit,
    }  # fmt: skip


def _number(id: str, value: float, low: float, high: float | None, step: float | str) -> dcc.Input:
    return dcc.Input(
        id=id,
        type="number",
        min=low,
        max=high,
        step=step,
        value=value,
        debounce=True,
        style={"width": "5rem"},
    )


def _layer_row(i: int, config: S.PlayConfig) -> html.Div:
    neurons, activation = config.layers[i] if i < len(config.layers) else (4, "tanh")
    return html.Div(
        [
            html.Span(f"layer {i + 1}", style={"width": "4rem", "display": "inline-block"}),
            dcc.Input(
                id=f"pg-neurons-{i}",
                type="number",
                min=1,
                max=S.MAX_NEURONS,
                step=1,
                value=neurons,
                debounce=True,
                style={"width": "4rem"},
            ),
            dcc.Dropdown(
                id=f"pg-act-{i}",
                options=list(S.HIDDEN),
                value=activation,
                clearable=False,
                style={"width": "8rem", "display": "inline-block", "verticalAlign": "middle"},
            ),
        ],
        id=f"pg-row-{i}",
        style=_row_style(i, config),
    )


def _row_style(i: int, config: S.PlayConfig) -> dict[str, str]:
    return {"display": "flex" if i < len(config.layers) else "none", "alignItems": "center"}


def layout(search: str) -> html.Div:
    """The page for a URL query; a bad query shows its reason over the default settings."""
    error = ""
    try:
        config = S.from_query(search)
    except ValueError as e:
        config, error = S.PlayConfig(), f"The link's settings were not applied: {e}"
    controls = html.Div(
        [
            html.H3("Data"),
            dcc.Dropdown(
                id="pg-data",
                options=[{"label": label, "value": k} for k, (label, _) in S.DATASETS.items()],
                value=config.dataset,
                clearable=False,
            ),
            html.Label("classes (blobs and spiral arms), points, seed"),
            html.Div(
                [
                    _number("pg-classes", config.classes, 3, 5, 1),
                    _number("pg-points", config.points, 20, S.MAX_POINTS, 1),
                    _number("pg-seed", config.seed, 0, None, 1),
                    html.Button("regenerate", id="pg-regenerate", n_clicks=0),
                ]
            ),
            html.Label("noise"),
            dcc.Slider(
                id="pg-noise",
                min=0,
                max=1,
                step=0.05,
                value=config.noise,
                marks=None,
                tooltip={"placement": "bottom"},
            ),
            html.Label("test fraction"),
            dcc.Slider(
                id="pg-test",
                min=0.1,
                max=0.9,
                step=0.05,
                value=config.test,
                marks=None,
                tooltip={"placement": "bottom"},
            ),
            html.H3("Features"),
            dcc.Checklist(
                id="pg-features",
                options=[{"label": label, "value": k} for k, (label, _) in S.FEATURES.items()],
                value=list(config.features),
                inline=True,
            ),
            html.H3("Hidden layers"),
            html.Div(
                [
                    html.Button("+ layer", id="pg-add", n_clicks=0),
                    html.Button("− layer", id="pg-remove", n_clicks=0),
                    html.Span(id="pg-count", className="note"),
                ]
            ),
            *[_layer_row(i, config) for i in range(S.MAX_LAYERS)],
            html.P(id="pg-output", className="note"),
            html.H3("Training"),
            dcc.Dropdown(
                id="pg-opt", options=list(S.OPTIMIZERS), value=config.optimizer, clearable=False
            ),
            html.Label("learning rate, batch size"),
            html.Div(
                [
                    _number("pg-lr", config.lr, S.LR_RANGE[0], S.LR_RANGE[1], "any"),
                    _number("pg-batch", config.batch, 1, S.MAX_POINTS, 1),
                ]
            ),
            dcc.RadioItems(
                id="pg-unit",
                options=[
                    {"label": "step = one batch", "value": "batch"},
                    {"label": "step = one epoch", "value": "epoch"},
                ],
                value=config.unit,
                inline=True,
            ),
        ],
        className="panel controls",
    )
    figures = html.Div(
        [
            html.Div(id="pg-error", className="error", children=error),
            html.Div(
                [
                    html.Button("▶ play", id="pg-play", n_clicks=0),
                    html.Button("step", id="pg-step", n_clicks=0),
                    html.Button("reset", id="pg-reset", n_clicks=0),
                    html.Span(id="pg-stats", className="mono", style={"marginLeft": "0.6rem"}),
                ]
            ),
            html.Div(id="pg-stopped", className="error"),
            html.Div(
                [
                    dcc.Graph(id="pg-boundary", config={"displaylogo": False}, style={"flex": "1"}),
                    dcc.Graph(id="pg-loss", config={"displaylogo": False}, style={"flex": "1"}),
                ],
                className="row",
            ),
            playground_views_page.views(),
            dcc.Interval(id="pg-timer", interval=TICK_MS, disabled=True),
            dcc.Store(id="pg-config", data=stored_config(config)),
            dcc.Store(id="pg-run"),
        ],
        className="figures",
    )
    return page(
        "The playground",
        (
            "Choose a data set and the inputs, build the hidden layers, and train on "
            "chainrule's engine one batch or one epoch at a time. The background is what "
            "the network predicts; filled points train it, open points test it."
        ),
        controls,
        figures,
    )


def register(app: dash.Dash) -> None:
    """Adds the page's callbacks to ``app``."""
    rows = range(S.MAX_LAYERS)
    playground_views_page.register(app, _config_of)

    @app.callback(
        Output("pg-config", "data"),
        Output("pg-error", "children"),
        Output("url", "search", allow_duplicate=True),
        Output("pg-seed", "value"),
        Output("pg-count", "children"),
        Output("pg-output", "children"),
        *[Output(f"pg-row-{i}", "style") for i in rows],
        Input("pg-data", "value"),
        Input("pg-classes", "value"),
        Input("pg-points", "value"),
        Input("pg-seed", "value"),
        Input("pg-regenerate", "n_clicks"),
        Input("pg-noise", "value"),
        Input("pg-test", "value"),
        Input("pg-features", "value"),
        Input("pg-add", "n_clicks"),
        Input("pg-remove", "n_clicks"),
        *[Input(f"pg-neurons-{i}", "value") for i in rows],
        *[Input(f"pg-act-{i}", "value") for i in rows],
        Input("pg-opt", "value"),
        Input("pg-lr", "value"),
        Input("pg-batch", "value"),
        Input("pg-unit", "value"),
        State("pg-config", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def collect(*args: Any) -> tuple[Any, ...]:
        dataset, classes, points, seed, _regen, noise, test, chosen, _add, _remove = args[:10]
        neurons = args[10 : 10 + S.MAX_LAYERS]
        acts = args[10 + S.MAX_LAYERS : 10 + 2 * S.MAX_LAYERS]
        optimizer, lr, batch, unit, stored = args[10 + 2 * S.MAX_LAYERS :]
        trigger = ctx.triggered_id if len(ctx.triggered) == 1 else None
        skip = dash.no_update
        try:
            previous = _config_of(stored)
            count = len(previous.layers)
            if trigger == "pg-add":
                count = min(S.MAX_LAYERS, count + 1)
            elif trigger == "pg-remove":
                count = max(0, count - 1)
            if trigger == "pg-regenerate":
                seed = check_number("seed", seed, 0, S.MAX_SEED, integer=True) + 1
            config = S.check(
                S.PlayConfig(
                    dataset=dataset,
                    classes=classes,
                    noise=noise,
                    points=points,
                    test=test,
                    seed=seed,
                    features=tuple(chosen or ()),
                    layers=tuple(zip(neurons[:count], acts[:count], strict=True)),
                    optimizer=optimizer,
                    lr=lr,
                    batch=batch,
                    unit=unit,
                )
            )
        except (ValueError, TypeError, KeyError) as e:
            return (skip, f"Not applied: {e}", skip, skip, skip, skip, *[skip] * len(rows))
        noun = "layer" if len(config.layers) == 1 else "layers"
        return (
            stored_config(config),
            skip if trigger is None else "",  # keep a bad link's reason
            S.to_query(config),
            config.seed,
            f" {len(config.layers)} hidden {noun}",
            f"Output and loss, chosen by the task: {config.output}.",
            *[_row_style(i, config) for i in rows],
        )

    @app.callback(
        Output("pg-run", "data"),
        Output("pg-timer", "disabled"),
        Output("pg-play", "children"),
        Input("pg-config", "data"),
        Input("pg-step", "n_clicks"),
        Input("pg-play", "n_clicks"),
        Input("pg-reset", "n_clicks"),
        Input("pg-timer", "n_intervals"),
        State("pg-run", "data"),
        State("pg-timer", "disabled"),
    )
    def train(
        stored: Any, _step: Any, _play: Any, _reset: Any, _tick: Any, run: Any, paused: bool
    ) -> tuple[Any, ...]:
        trigger = ctx.triggered_id if len(ctx.triggered) == 1 else None
        try:
            config = _config_of(stored)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        if trigger == "pg-play":
            paused = not paused
        fresh = trigger == "pg-reset" or not isinstance(run, dict)
        if not fresh:
            try:
                S.restore(config, run)
            except (ValueError, TypeError, KeyError):
                fresh = True
        new_run = S.fresh_run(config) if fresh else run
        if trigger in ("pg-step", "pg-timer") or (trigger == "pg-play" and not paused):
            # a step is one unit; a tick of play takes as many as fit in PLAY_BUDGET_S
            began = time.perf_counter()
            try:
                new_run = S.advance(config, new_run)
                while (
                    trigger == "pg-timer"
                    and not new_run["stopped"]
                    and time.perf_counter() - began < PLAY_BUDGET_S
                ):
                    new_run = S.advance(config, new_run)
            except (ValueError, TypeError, KeyError):
                new_run = S.fresh_run(config)
        if new_run.get("stopped"):
            paused = True
        if new_run is run:
            new_run = dash.no_update
        return new_run, paused, "▶ play" if paused else "❚❚ pause"

    @app.callback(
        Output("pg-boundary", "figure"),
        Output("pg-loss", "figure"),
        Output("pg-stats", "children"),
        Output("pg-stopped", "children"),
        Input("pg-run", "data"),
        State("pg-config", "data"),
    )
    def draw(run: Any, stored: Any) -> tuple[Any, ...]:
        try:
            config = _config_of(stored)
            model, _, _ = S.restore(config, run)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        data = S.split(config)
        stats = (
            f"epoch {run['epoch']}, step {run['step']} · train loss {run['train'][-1]:.4f}, "
            f"test loss {run['test'][-1]:.4f} · train accuracy "
            f"{S.accuracy(model, data, data.train):.1%}, test accuracy "
            f"{S.accuracy(model, data, data.test):.1%}"
        )
        return boundary_figure(config, model, data), loss_figure(run), stats, run["stopped"]


def boundary_figure(config: S.PlayConfig, model: Any, data: S.Split) -> dict[str, Any]:
    """What the network predicts over the plane, with the train (filled) and test (open)
    points, as a Plotly figure dict (built directly: it is redrawn at every step)."""
    edge = S.SCALE * 1.1
    g = np.linspace(-edge, edge, GRID)
    G1, G2 = np.meshgrid(g, g)
    y_hat = model.predict(S.features(config, np.vstack([G1.ravel(), G2.ravel()])))
    grid = {"type": "heatmap", "x": g.tolist(), "y": g.tolist(), "hoverinfo": "skip"}
    if config.multiclass:
        k = config.classes
        scale = [[c / (k - 1), COLORS[c]] for c in range(k)]
        z = np.argmax(y_hat, axis=0).reshape(G1.shape)
        grid.update(z=z.tolist(), zmin=0, zmax=k - 1, colorscale=scale, opacity=0.35)
        grid["showscale"] = False
    else:
        z = np.round(y_hat.reshape(G1.shape), 4)
        grid.update(z=z.tolist(), zmin=0, zmax=1, colorscale="RdBu")  # Plotly: 0 blue, 1 red
        grid.update(opacity=0.6, colorbar={"title": {"text": "P(class 1)"}})
    traces: list[dict[str, Any]] = [grid]
    for c in range(int(data.labels.max()) + 1):
        color = COLORS[c] if config.multiclass else ("#2166ac", "#b2182b")[c]
        for name, columns, symbol in (
            ("train", data.train, "circle"),
            ("test", data.test, "circle-open"),
        ):
            cols = columns[data.labels[columns] == c]
            edge_color = "white" if symbol == "circle" else color
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": f"{name}, class {c}",
                    "x": data.P[0, cols].tolist(),
                    "y": data.P[1, cols].tolist(),
                    "marker": {
                        "color": color,
                        "symbol": symbol,
                        "size": 6,
                        "line": {"width": 1, "color": edge_color},
                    },
                }
            )
    layout = {
        "title": {"text": "decision boundary"},
        "xaxis": {"title": {"text": "x₁"}, "range": [-edge, edge], "constrain": "domain"},
        "yaxis": {"title": {"text": "x₂"}, "range": [-edge, edge], "scaleanchor": "x"},
        "height": 460,
        "margin": {"l": 40, "r": 10, "t": 40, "b": 40},
        "legend": {"orientation": "h", "y": -0.15},
    }
    return {"data": traces, "layout": layout}


def loss_figure(run: dict[str, Any]) -> dict[str, Any]:
    """Train and test loss against the step, as a Plotly figure dict."""
    traces = [
        {
            "type": "scatter",
            "mode": "lines",
            "name": f"{key} loss",
            "x": run["steps"],
            "y": [v if isinstance(v, float) and math.isfinite(v) else None for v in run[key]],
            "line": {"color": color},
        }
        for key, color in (("train", "#1f77b4"), ("test", "#ff7f0e"))
    ]
    layout = {
        "title": {"text": "loss"},
        "xaxis": {"title": {"text": "step"}},
        "yaxis": {"title": {"text": "loss"}},
        "height": 460,
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
    }
    return {"data": traces, "layout": layout}
