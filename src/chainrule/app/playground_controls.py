"""The playground's controls, in groups a classroom link may hide (``hide=data,network``).

Each group is one ``html.Div`` with the id ``pg-group-<name>`` for the names of
:data:`chainrule.app.playground_state.HIDEABLE`; a group the config hides is
laid out with ``display: none``, so its controls still hold their values.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html

from chainrule.app import playground_state as S  # noqa: N812
from chainrule.app.layout import number_input
from chainrule.app.playground_data import MAX_DRAWN, MAX_UPLOAD_BYTES, MAX_UPLOAD_ROWS
from chainrule.models.init import LARGE_STD, SMALL_STD

INIT_LABELS = {
    "auto": "auto (He for ReLU-like units, else Glorot)",
    "zero": "zero (symmetry is never broken)",
    "small": f"small: N(0, {SMALL_STD:g}²)",
    "glorot": "Xavier/Glorot uniform",
    "he": "He normal: N(0, 2/fan-in)",
    "large": f"large: N(0, {LARGE_STD:g}²)",
}
OUT_LABELS = {
    "auto": "auto",
    "tanh": "tanh",
    "identity": "linear",
    "sigmoid": "sigmoid",
    "softmax": "softmax",
}
LOSS_LABELS = {
    "auto": "auto",
    "mse": "squared error",
    "binary_cross_entropy": "binary cross-entropy",
    "cross_entropy": "cross-entropy",
}
CSV_FORMAT = (
    f"CSV: three columns of numbers, x₁, x₂ and the target (a class label or, when the "
    f"targets are fractional, a regression value), an optional header line, at most "
    f"{MAX_UPLOAD_BYTES:,} bytes and {MAX_UPLOAD_ROWS:,} rows. The points are scaled to "
    f"±{S.SCALE:g}. A link cannot carry an uploaded file: upload it again after opening one."
)


def row_style(i: int, config: S.PlayConfig) -> dict[str, str]:
    return {"display": "flex" if i < len(config.layers) else "none", "alignItems": "center"}


def _layer_row(i: int, config: S.PlayConfig) -> html.Div:
    neurons, activation = config.layers[i] if i < len(config.layers) else (4, "tanh")
    return html.Div(
        [
            html.Span(f"layer {i + 1}", style={"width": "4rem", "display": "inline-block"}),
            number_input(f"pg-neurons-{i}", neurons, 1, S.MAX_NEURONS, width="4rem"),
            dcc.Dropdown(
                id=f"pg-act-{i}",
                options=list(S.HIDDEN),
                value=activation,
                clearable=False,
                style={"width": "8rem", "display": "inline-block", "verticalAlign": "middle"},
            ),
        ],
        id=f"pg-row-{i}",
        style=row_style(i, config),
    )


def out_options(config: S.PlayConfig) -> list[dict[str, str]]:
    return [{"label": OUT_LABELS[o], "value": o} for o in ("auto", *S.OUTPUT_CHOICES[config.task])]


def loss_options(config: S.PlayConfig) -> list[dict[str, str]]:
    losses = ("auto", *S.LOSS_CHOICES[config.output_unit])
    return [{"label": LOSS_LABELS[o], "value": o} for o in losses]


def draw_options(config: S.PlayConfig) -> list[dict[str, str]]:
    """Off, then one choice per class (or one 'value' choice for a regression)."""
    options = [{"label": "off", "value": "off"}]
    if config.task == "regression":
        return [*options, {"label": "value (below)", "value": "value"}]
    return [*options, *({"label": f"class {c}", "value": str(c)} for c in range(config.n_classes))]


def data_options(table_name: str) -> list[dict[str, str]]:
    options = [{"label": label, "value": k} for k, (label, _) in S.DATASETS.items()]
    if table_name:
        options.append({"label": f"uploaded: {table_name}", "value": S.CSV})
    return options


def group(name: str, config: S.PlayConfig, children: list[Any]) -> html.Div:
    hidden = {"display": "none"} if name in config.hide else {}
    return html.Div(children, id=f"pg-group-{name}", style=hidden)


def controls(config: S.PlayConfig) -> html.Div:
    """The control panel for a config."""
    data = group(
        "data",
        config,
        [
            html.H3("Data"),
            dcc.Dropdown(
                id="pg-data", options=data_options(""), value=config.dataset, clearable=False
            ),
            html.Label("classes (blobs and spiral arms), points, seed"),
            html.Div(
                [
                    number_input("pg-classes", config.classes, 3, 5, 1),
                    number_input("pg-points", config.points, 20, S.MAX_POINTS, 1),
                    number_input("pg-seed", config.seed, 0, None, 1),
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
            html.Label(
                f"draw points by clicking on the output figure (at most {MAX_DRAWN}; the link "
                f"keeps them, its settings within {S.MAX_URL:,} characters)"
            ),
            dcc.RadioItems(id="pg-draw", options=draw_options(config), value="off", inline=True),
            html.Div(
                [
                    html.Span("value ", className="note"),
                    number_input("pg-draw-value", 0.5, -1, 1, 0.1),
                    html.Button("clear drawn points", id="pg-clear", n_clicks=0),
                    html.Span(id="pg-drawn-count", className="note"),
                ]
            ),
            html.Label("your own data"),
            dcc.Upload(
                id="pg-upload",
                children=html.Div(["drop a CSV file here or ", html.A("choose one")]),
                max_size=MAX_UPLOAD_BYTES,
                style={"border": "1px dashed #888", "padding": "0.4rem", "textAlign": "center"},
            ),
            html.P(CSV_FORMAT, className="note"),
            html.Div(id="pg-upload-error", className="error"),
            dcc.Store(id="pg-table"),
        ],
    )
    features = group(
        "features",
        config,
        [
            html.H3("Features"),
            dcc.Checklist(
                id="pg-features",
                options=[{"label": label, "value": k} for k, (label, _) in S.FEATURES.items()],
                value=list(config.features),
                inline=True,
            ),
        ],
    )
    network = group(
        "network",
        config,
        [
            html.H3("Hidden layers"),
            html.Div(
                [
                    html.Button("+ layer", id="pg-add", n_clicks=0),
                    html.Button("− layer", id="pg-remove", n_clicks=0),
                    html.Span(id="pg-count", className="note"),
                ]
            ),
            *[_layer_row(i, config) for i in range(S.MAX_LAYERS)],
            html.Label("output unit, loss"),
            html.Div(
                [
                    dcc.Dropdown(
                        id="pg-out",
                        options=out_options(config),
                        value=config.out,
                        clearable=False,
                        style={"width": "8rem"},
                    ),
                    dcc.Dropdown(
                        id="pg-loss",
                        options=loss_options(config),
                        value=config.loss,
                        clearable=False,
                        style={"width": "12rem"},
                    ),
                ],
                className="row",
            ),
            html.P(id="pg-output", className="note"),
            html.Label("initial weights"),
            dcc.Dropdown(
                id="pg-init",
                options=[{"label": INIT_LABELS[k], "value": k} for k in S.INITS],
                value=config.init,
                clearable=False,
            ),
            html.Div(id="pg-warning", className="error"),
        ],
    )
    training = group(
        "training",
        config,
        [
            html.H3("Training"),
            dcc.Dropdown(
                id="pg-opt", options=list(S.OPTIMIZERS), value=config.optimizer, clearable=False
            ),
            html.Label("learning rate, batch size"),
            html.Div(
                [
                    number_input("pg-lr", config.lr, S.LR_RANGE[0], S.LR_RANGE[1], "any"),
                    number_input("pg-batch", config.batch, 1, S.MAX_POINTS, 1),
                ]
            ),
            html.Label("L1 rate λ (adds λ·Σ|W|), L2 rate α (adds (α/2)·Σ‖W‖²)"),
            html.Div(
                [
                    number_input("pg-l1", config.l1, *S.PENALTY_RANGE, "any"),
                    number_input("pg-l2", config.l2, *S.PENALTY_RANGE, "any"),
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
    )
    export = group(
        "export",
        config,
        [
            html.H3("Export"),
            html.Button("weights (.npz)", id="pg-export-npz", n_clicks=0),
            html.Button("weights (JSON)", id="pg-export-json", n_clicks=0),
            html.Button("Python script", id="pg-export-py", n_clicks=0),
            html.P(
                "The .npz file loads with chainrule.models.load; the script retrains the "
                "current settings from the start with chainrule and prints the losses. "
                f"Classroom mode: a link with hide= and some of {', '.join(S.HIDEABLE)} "
                "(e.g. hide=data,network) hides those controls.",
                className="note",
            ),
            dcc.Download(id="pg-download"),
        ],
    )
    return html.Div([data, features, network, training, export], className="panel controls")
