"""The playground page: build a small network, train it step by step, watch the output.

The settings live in the URL and ``pg-config``; the run (weights, optimizer
state, loss history) lives in the browser's ``pg-run`` store and every step is
one bounded request computed by :mod:`chainrule.app.playground_state`, which
answers with a frame (:mod:`chainrule.app.playground_frames`): the new run and
its figures, taken into the page by one client-side function. While playing,
each frame taken asks for the next tick, so ticks never overlap. An
uploaded table lives in ``pg-table`` and, while it is the data set, in
``pg-config``; drawn points live in ``pg-config`` and the URL.
"""

from __future__ import annotations

import base64
from dataclasses import replace
from typing import Any

import dash
from dash import Input, Output, State, ctx, dcc, html

from chainrule.app import playground_export as E  # noqa: N812
from chainrule.app import playground_frames as F  # noqa: N812
from chainrule.app import playground_state as S  # noqa: N812
from chainrule.app import playground_views_page
from chainrule.app.landscape_state import check_number
from chainrule.app.layout import page
from chainrule.app.playground_controls import (
    controls,
    data_options,
    draw_options,
    loss_options,
    out_options,
    row_style,
)
from chainrule.app.playground_data import read_upload
from chainrule.app.playground_figures import COLORS, GRID, legend

__all__ = ["COLORS", "GRID", "layout", "register"]

PREFIX = "pg"
PLAY_BUDGET_S = 0.002  # server time one tick of play may spend training
EPOCH_BUDGET_S = 2.0  # server time one epoch step may spend; the next step goes on
REFRESH_TICKS = 10  # while playing, what the pointer reads is refreshed every 10th tick


def _config_of(data: Any) -> S.PlayConfig:
    if not isinstance(data, dict):
        raise ValueError("no settings yet")
    layers = tuple((n, a) for n, a in data.get("layers", []))
    tuples = {k: tuple(tuple(r) for r in data.get(k, ())) for k in ("drawn", "table")}
    return S.check(
        S.PlayConfig(
            **dict(
                data,
                features=tuple(data["features"]),
                layers=layers,
                hide=tuple(data.get("hide", ())),
                **tuples,
            )
        )
    )


def stored_config(config: S.PlayConfig) -> dict[str, Any]:
    """The config as JSON data for ``pg-config``."""
    return {
        "dataset": config.dataset, "classes": config.classes, "noise": config.noise,
        "points": config.points, "test": config.test, "seed": config.seed,
        "features": list(config.features), "layers": [list(la) for la in config.layers],
        "optimizer": config.optimizer, "lr": config.lr, "batch": config.batch,
        "unit": config.unit, "out": config.out, "loss": config.loss, "init": config.init,
        "l1": config.l1, "l2": config.l2, "drawn": [list(p) for p in config.drawn],
        "table": [list(r) for r in config.table], "table_name": config.table_name,
        "table_task": config.table_task, "hide": list(config.hide),
    }  # fmt: skip


def layout(search: str) -> html.Div:
    """The page for a URL query; a bad query shows its reason over the default settings."""
    error = ""
    try:
        config = S.from_query(search)
    except ValueError as e:
        config, error = S.PlayConfig(), f"The link's settings were not applied: {e}"
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
                    html.Div(
                        [
                            dcc.Graph(id="pg-boundary", config={"displaylogo": False}),
                            html.Div(id="pg-legend", className="note"),
                        ],
                        style={"flex": "1"},
                    ),
                    dcc.Graph(id="pg-loss", config={"displaylogo": False}, style={"flex": "1"}),
                ],
                className="row",
            ),
            playground_views_page.views(),
            dcc.Store(id="pg-tick", data=0),
            dcc.Store(id="pg-playing", data=False),
            dcc.Store(id="pg-config", data=stored_config(config)),
            dcc.Store(id="pg-run"),
            dcc.Store(id="pg-frame-tick"),
            dcc.Store(id="pg-frame-act"),
            dcc.Store(id="pg-frame-edit"),
        ],
        className="figures",
    )
    return page(
        "The playground",
        (
            "Choose a data set (or draw or upload one) and the inputs, build the hidden "
            "layers, choose the output, loss and initial weights, and train on chainrule's "
            "engine one batch or one epoch at a time. The background is what the network "
            "predicts; filled points train it, open points test it, stars are drawn points."
        ),
        controls(config),
        figures,
    )


INPUTS = (
    "pg-data", "pg-classes", "pg-points", "pg-seed", "pg-regenerate", "pg-noise", "pg-test",
    "pg-features", "pg-add", "pg-remove", "pg-opt", "pg-lr", "pg-batch", "pg-unit", "pg-out",
    "pg-loss", "pg-init", "pg-l1", "pg-l2", "pg-clear", "pg-boundary", "pg-table",
)  # fmt: skip
PROPERTY = {"pg-features": "value", "pg-regenerate": "n_clicks", "pg-add": "n_clicks",
            "pg-remove": "n_clicks", "pg-clear": "n_clicks", "pg-boundary": "clickData",
            "pg-table": "data"}  # fmt: skip


def settings(
    v: dict[str, Any], previous: S.PlayConfig, trigger: Any, draw: Any, draw_value: Any
) -> S.PlayConfig:
    """The config the controls' values ``v`` (by component id) describe, given the one
    before and what triggered the change (a button, a click on the figure)."""
    count = len(previous.layers)
    if trigger == "pg-add":
        count = min(S.MAX_LAYERS, count + 1)
    elif trigger == "pg-remove":
        count = max(0, count - 1)
    seed = v["pg-seed"]
    if trigger == "pg-regenerate":
        seed = check_number("seed", seed, 0, S.MAX_SEED, integer=True) + 1
    table = v["pg-table"] if isinstance(v["pg-table"], dict) else {}
    uploaded = v["pg-data"] == S.CSV
    config = S.PlayConfig(
        dataset=v["pg-data"],
        classes=v["pg-classes"],
        noise=v["pg-noise"],
        points=len(table.get("rows", ())) if uploaded else v["pg-points"],
        test=v["pg-test"],
        seed=seed,
        features=tuple(v["pg-features"] or ()),
        layers=tuple(zip(v["neurons"][:count], v["acts"][:count], strict=True)),
        optimizer=v["pg-opt"],
        lr=v["pg-lr"],
        batch=v["pg-batch"],
        unit=v["pg-unit"],
        out=v["pg-out"],
        loss=v["pg-loss"],
        init=v["pg-init"],
        l1=v["pg-l1"],
        l2=v["pg-l2"],
        drawn=previous.drawn,
        table=tuple(tuple(r) for r in table.get("rows", ())) if uploaded else (),
        table_name=str(table.get("name", "")) if uploaded else "",
        table_task=str(table.get("task", "binary")) if uploaded else "binary",
        hide=previous.hide,
    )
    if config.task != previous.task or trigger == "pg-clear":
        config = replace(config, drawn=())
    if config.out not in ("auto", *S.OUTPUT_CHOICES[config.task]):
        config = replace(config, out="auto")
    if config.loss not in ("auto", *S.LOSS_CHOICES[config.output_unit]):
        config = replace(config, loss="auto")
    click = v["pg-boundary"]
    if trigger == "pg-boundary" and draw not in (None, "off") and isinstance(click, dict):
        point = click.get("points", [{}])[0]
        label = draw_value if draw == "value" else draw
        if len(config.drawn) >= S.MAX_DRAWN:
            raise ValueError(f"at most {S.MAX_DRAWN} drawn points: clear some first")
        new = (point.get("x"), point.get("y"), label)
        config = replace(config, drawn=(*config.drawn, new))
    return S.check(config)


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
        Output("pg-out", "options"),
        Output("pg-out", "value"),
        Output("pg-loss", "options"),
        Output("pg-loss", "value"),
        Output("pg-warning", "children"),
        Output("pg-draw", "options"),
        Output("pg-drawn-count", "children"),
        Output("pg-legend", "children"),
        *[Output(f"pg-row-{i}", "style") for i in rows],
        *[Input(k, PROPERTY.get(k, "value")) for k in INPUTS],
        *[Input(f"pg-neurons-{i}", "value") for i in rows],
        *[Input(f"pg-act-{i}", "value") for i in rows],
        State("pg-draw", "value"),
        State("pg-draw-value", "value"),
        State("pg-config", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def collect(*args: Any) -> tuple[Any, ...]:
        n = len(INPUTS)
        v = dict(zip(INPUTS, args[:n], strict=True))
        v["neurons"] = args[n : n + S.MAX_LAYERS]
        v["acts"] = args[n + S.MAX_LAYERS : n + 2 * S.MAX_LAYERS]
        draw, draw_value, stored = args[n + 2 * S.MAX_LAYERS :]
        trigger = ctx.triggered_id if len(ctx.triggered) == 1 else None
        skip = dash.no_update
        if trigger == "pg-boundary" and draw in (None, "off"):
            raise dash.exceptions.PreventUpdate  # a click that draws nothing
        try:
            config = settings(v, _config_of(stored), trigger, draw, draw_value)
        except (ValueError, TypeError, KeyError) as e:
            return (skip, f"Not applied: {e}", *[skip] * (12 + len(rows)))
        noun = "layer" if len(config.layers) == 1 else "layers"
        drawn = f" {len(config.drawn)} drawn" if config.drawn else ""
        return (
            stored_config(config),
            skip if trigger is None else "",  # keep a bad link's reason
            S.to_query(config),
            config.seed,
            f" {len(config.layers)} hidden {noun}",
            f"{config.task.capitalize()} task: {config.output}.",
            out_options(config),
            config.out,
            loss_options(config),
            config.loss,
            S.slow_warning(config),
            draw_options(config),
            drawn,
            legend_block(config),
            *[row_style(i, config) for i in rows],
        )

    @app.callback(
        Output("pg-table", "data"),
        Output("pg-upload-error", "children"),
        Output("pg-data", "options"),
        Output("pg-data", "value"),
        Input("pg-upload", "contents"),
        State("pg-upload", "filename"),
        prevent_initial_call=True,
    )
    def upload(contents: Any, filename: Any) -> tuple[Any, ...]:
        skip = dash.no_update
        try:
            table = read_upload(str(contents), str(filename))
        except ValueError as e:
            return skip, f"Not loaded: {e}", skip, skip
        data = {"name": table.name, "rows": [list(r) for r in table.rows], "task": table.task}
        return data, "", data_options(table.name), S.CSV

    @app.callback(
        Output("pg-download", "data"),
        Input("pg-export-npz", "n_clicks"),
        Input("pg-export-json", "n_clicks"),
        Input("pg-export-py", "n_clicks"),
        State("pg-config", "data"),
        State("pg-run", "data"),
        prevent_initial_call=True,
    )
    def export(_npz: Any, _json: Any, _py: Any, stored: Any, run: Any) -> Any:
        try:
            config = _config_of(stored)
            if ctx.triggered_id == "pg-export-npz":
                content = base64.b64encode(E.weights_npz(config, run)).decode("ascii")
                return {"content": content, "filename": "playground.npz", "base64": True}
            if ctx.triggered_id == "pg-export-json":
                return {"content": E.weights_json(config, run), "filename": "playground.json"}
            return {"content": E.script(config, run), "filename": "playground_run.py"}
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None

    @app.callback(
        Output("pg-frame-act", "data"),
        Input("pg-config", "data"),
        Input("pg-step", "n_clicks"),
        Input("pg-play", "n_clicks"),
        Input("pg-reset", "n_clicks"),
        State("pg-run", "data"),
        State("pg-playing", "data"),
        State("pg-node", "data"),
    )
    def act(
        stored: Any, _step: Any, _play: Any, _reset: Any, run: Any, playing: Any, node: Any
    ) -> dict[str, Any]:
        # Inputs that change together come as one request (new settings and a click
        # on step while the page catches up): each is acted on, none dropped.
        fired = {t["prop_id"].rsplit(".", 1)[0] for t in ctx.triggered}
        try:
            config = _config_of(stored)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        fresh = "pg-reset" in fired or not _belongs(config, run)
        if fired == {"pg-play"} and not playing and not fresh:  # play: the run goes on
            return {"base": F.version(run), "force": True, "playing": True, "run": None}
        new_run = S.fresh_run(config) if fresh else run
        if "pg-step" in fired:
            try:
                new_run = S.advance(config, new_run, EPOCH_BUDGET_S)
            except (ValueError, TypeError, KeyError):
                new_run = S.fresh_run(config)
        out = F.frame(config, new_run, node, base=F.version(run), force=True)
        if "pg-play" in fired:
            out["playing"] = not playing
        return out

    @app.callback(
        Output("pg-frame-tick", "data"),
        Input("pg-tick", "data"),
        State("pg-config", "data"),
        State("pg-run", "data"),
        State("pg-node", "data"),
        prevent_initial_call=True,
    )
    def tick(ticks: Any, stored: Any, run: Any, node: Any) -> dict[str, Any]:
        try:
            config = _config_of(stored)
        except (ValueError, TypeError, KeyError):
            raise dash.exceptions.PreventUpdate from None
        if not _belongs(config, run):  # the settings changed under the run: start again
            return F.frame(config, S.fresh_run(config), node, base=F.version(run), force=False)
        try:
            new_run = S.advance(config, run, PLAY_BUDGET_S, play=True)
        except (ValueError, TypeError, KeyError):
            return F.frame(config, S.fresh_run(config), node, base=F.version(run), force=False)
        refresh = not isinstance(ticks, int) or ticks % REFRESH_TICKS == 0
        return F.frame(
            config, new_run, node, base=F.version(run), force=False, full=False,
            refresh=refresh, before=run,
        )  # fmt: skip

    app.clientside_callback(  # type: ignore[no-untyped-call]
        F.MERGE,
        Output("pg-playing", "data"),
        Output("pg-play", "children"),
        Output("pg-boundary", "figure"),
        Output("pg-loss", "figure"),
        Output("pg-stats", "children"),
        Output("pg-stopped", "children"),
        Output("pg-net", "figure"),
        Output("pg-hist", "src"),
        Output("pg-neuron", "figure"),
        Output("pg-node", "data"),
        Input("pg-frame-tick", "data"),
        Input("pg-frame-act", "data"),
        Input("pg-frame-edit", "data"),
        State("pg-run", "data"),
        State("pg-tick", "data"),
        State("pg-playing", "data"),
        State("pg-play", "children"),
        State("pg-stopped", "children"),
        State("pg-node", "data"),
        State("pg-boundary", "figure"),
        State("pg-loss", "figure"),
        State("pg-net", "figure"),
        State("pg-neuron", "figure"),
        prevent_initial_call=True,
    )


def legend_block(config: S.PlayConfig) -> list[Any]:
    """The output figure's legend and colour bar, as HTML under it."""
    items, scale = legend(config)
    key = {"marginRight": "0.8rem", "whiteSpace": "nowrap"}
    out: list[Any] = [
        html.Span([html.Img(src=uri, alt=""), " " + label], style=key) for label, uri in items
    ]
    if scale is not None:
        title, low, high, gradient = scale
        bar = {"background": gradient, "display": "inline-block", "width": "6rem",
               "height": "0.7rem", "verticalAlign": "middle", "margin": "0 0.3rem"}  # fmt: skip
        out.append(html.Span([f"{title}: {low}", html.Span(style=bar), high], style=key))
    return out


def _belongs(config: S.PlayConfig, run: Any) -> bool:
    """Whether the stored run is one of these settings' and well formed."""
    try:
        S.restore(config, run)
    except (ValueError, TypeError, KeyError):
        return False
    return True
