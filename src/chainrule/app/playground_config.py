"""The playground's settings: :class:`PlayConfig`, their checks, their URL query.

Every setting a playground has, checked against the hard bounds (the soft
bounds only warn), and written to and read from a URL query so that a link
reproduces a run. :mod:`chainrule.app.playground_state` re-exports all of it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

from chainrule.app.landscape_state import check_number
from chainrule.app.playground_data import (
    CSV,
    DATASETS,
    FEATURES,
    MAX_CLASSES,
    MULTICLASS,
    REGRESSION,
    check_drawn,
    drawn_from_text,
    drawn_to_text,
)
from chainrule.models.init import INITIALISERS
from chainrule.models.mlp import ACTIVATIONS

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adamw", "adagrad")
HIDDEN = tuple(ACTIVATIONS)
MAX_LAYERS = 16
MAX_NEURONS = 128
MAX_POINTS = 5000
SOFT_LAYERS, SOFT_NEURONS, SOFT_POINTS = 8, 64, 2000
"""Past these the page warns that training will be slow; MAX_* are the hard bounds."""
MAX_SEED = 2**31 - 1
LR_RANGE = (1e-5, 10.0)
PENALTY_RANGE = (0.0, 10.0)
MAX_HISTORY = 2000  # loss points kept in the run
MAX_URL = 8000
"""The longest URL query the page writes (MAX_DRAWN points fit well inside it)."""
INITS = ("auto", *INITIALISERS)
OUTPUT_CHOICES = {"regression": ("tanh", "identity"), "binary": ("sigmoid",),
                  "multiclass": ("softmax",)}  # fmt: skip
"""The output units each task may take, its default first."""
LOSS_CHOICES = {
    "tanh": ("mse",),
    "identity": ("mse",),
    "sigmoid": ("binary_cross_entropy", "mse"),
    "softmax": ("cross_entropy",),
}
"""The losses each output unit may take, its default first."""
OUTPUT_WORDS = {"tanh": "tanh output", "identity": "linear output", "sigmoid": "sigmoid output"}
LOSS_WORDS = {"mse": "squared error loss", "binary_cross_entropy": "binary cross-entropy loss",
              "cross_entropy": "cross-entropy loss"}  # fmt: skip
HIDEABLE = ("data", "features", "network", "training", "export")
"""The control groups a classroom link may hide (``hide=data,network``)."""

Row = tuple[float, float, float]


@dataclass(frozen=True)
class PlayConfig:
    """Every setting of a playground; ``layers`` holds (neurons, activation) per hidden layer.

    ``out`` and ``loss`` are "auto" (the task's default) or a choice of
    OUTPUT_CHOICES and LOSS_CHOICES; ``init`` is "auto" or a name of
    :data:`chainrule.models.init.INITIALISERS`; ``l1`` and ``l2`` are the penalties'
    strengths (the MLP's ``l1`` and ``alpha``). ``drawn`` holds points drawn on the
    figure (x1, x2, label); ``table`` the rows (x1, x2, target) of an uploaded CSV
    file (the data set ``csv``, whose task is ``table_task``); ``hide`` the control
    groups a classroom link hides.
    """

    dataset: str = "circle"
    classes: int = 3
    noise: float = 0.2
    points: int = 300
    test: float = 0.3
    seed: int = 0
    features: tuple[str, ...] = ("x1", "x2")
    layers: tuple[tuple[int, str], ...] = ((4, "tanh"), (2, "tanh"))
    optimizer: str = "sgd"
    lr: float = 0.03
    batch: int = 10
    unit: str = "batch"
    out: str = "auto"
    loss: str = "auto"
    init: str = "auto"
    l1: float = 0.0
    l2: float = 0.0
    drawn: tuple[Row, ...] = ()
    table: tuple[Row, ...] = field(default=(), repr=False)
    table_name: str = ""
    table_task: str = "binary"
    hide: tuple[str, ...] = ()

    @property
    def task(self) -> str:
        """ "regression", "binary" or "multiclass"."""
        if self.dataset == CSV:
            return self.table_task
        if self.dataset in REGRESSION:
            return "regression"
        return "multiclass" if self.dataset in MULTICLASS else "binary"

    @property
    def multiclass(self) -> bool:
        return self.task == "multiclass"

    @property
    def n_classes(self) -> int:
        """The classes of a classification (2 for binary), 0 for a regression."""
        return {"regression": 0, "binary": 2, "multiclass": self.classes}[self.task]

    @property
    def output_unit(self) -> str:
        """The MLP's output: ``out`` or the task's default."""
        return OUTPUT_CHOICES[self.task][0] if self.out == "auto" else self.out

    @property
    def loss_kind(self) -> str:
        """The MLP's loss: ``loss`` or the output's default."""
        return LOSS_CHOICES[self.output_unit][0] if self.loss == "auto" else self.loss

    @property
    def output(self) -> str:
        """The output layer and loss the task takes, in words."""
        loss = LOSS_WORDS[self.loss_kind]
        if self.multiclass:
            return f"softmax over {self.classes} classes, {loss}"
        return f"{OUTPUT_WORDS[self.output_unit]}, {loss}"

    def network_key(self) -> str:
        """What fixes the data and the network: a change to any of it starts a new run."""
        parts = (
            self.dataset, self.classes if self.multiclass else 0, self.noise, self.points,
            self.test, self.seed, self.features, self.layers, self.output_unit,
            self.loss_kind, self.init, self.drawn,
        )  # fmt: skip
        key = repr(parts)
        if self.dataset == CSV:
            key += hashlib.sha256(repr(self.table).encode()).hexdigest()[:16]
        return key


def check(config: PlayConfig) -> PlayConfig:
    """The config with every value checked; a ValueError names the first bad one."""
    if config.dataset not in DATASETS and config.dataset != CSV:
        raise ValueError(f"data set must be one of {', '.join(DATASETS)}, got {config.dataset!r}")
    if config.dataset == CSV:
        if not config.table:
            raise ValueError("the uploaded data is not in the link: upload the CSV file again")
        if config.table_task not in OUTPUT_CHOICES:
            raise ValueError(f"table task must be one of {', '.join(OUTPUT_CHOICES)}")
    unknown = [f for f in config.features if f not in FEATURES]
    if unknown:
        raise ValueError(f"unknown feature {unknown[0]!r}: use {', '.join(FEATURES)}")
    if not config.features:
        raise ValueError("choose at least one input feature")
    if len(config.layers) > MAX_LAYERS:
        raise ValueError(f"at most {MAX_LAYERS} hidden layers, got {len(config.layers)}")
    layers = []
    for i, (neurons, activation) in enumerate(config.layers, 1):
        if activation not in ACTIVATIONS:
            raise ValueError(
                f"activation of layer {i} must be one of {', '.join(HIDDEN)}, got {activation!r}"
            )
        n = check_number(f"neurons of layer {i}", neurons, 1, MAX_NEURONS, integer=True)
        layers.append((n, activation))
    if config.optimizer not in OPTIMIZERS:
        raise ValueError(
            f"optimizer must be one of {', '.join(OPTIMIZERS)}, got {config.optimizer!r}"
        )
    if config.unit not in ("batch", "epoch"):
        raise ValueError(f"a step is one 'batch' or one 'epoch', got {config.unit!r}")
    if config.init not in INITS:
        raise ValueError(f"initialisation must be one of {', '.join(INITS)}, got {config.init!r}")
    task = config.task
    if config.out != "auto" and config.out not in OUTPUT_CHOICES[task]:
        raise ValueError(
            f"a {task} task takes the output {' or '.join(OUTPUT_CHOICES[task])}, "
            f"got {config.out!r}"
        )
    losses = LOSS_CHOICES[config.output_unit]
    if config.loss != "auto" and config.loss not in losses:
        raise ValueError(
            f"a {config.output_unit} output takes the loss {' or '.join(losses)}, "
            f"got {config.loss!r}"
        )
    unknown = [h for h in config.hide if h not in HIDEABLE]
    if unknown:
        raise ValueError(f"hide takes {', '.join(HIDEABLE)}, got {unknown[0]!r}")
    if config.dataset == CSV:
        points = len(config.table)
        try:
            table = tuple((float(a), float(b), float(c)) for a, b, c in config.table)
        except (TypeError, ValueError):
            raise ValueError("the uploaded table must be rows of three numbers") from None
        config = replace(config, table=table)
        classes = int(max(r[2] for r in config.table)) + 1 if task == "multiclass" else 3
        classes = check_number("classes", classes, 3, MAX_CLASSES, integer=True)
    else:
        points = check_number("points", config.points, 20, MAX_POINTS, integer=True)
        classes = check_number("classes", config.classes, 3, 5, integer=True)
    checked = replace(config, classes=classes)
    return replace(
        checked,
        noise=check_number("noise", config.noise, 0.0, 1.0),
        points=points,
        test=check_number("test fraction", config.test, 0.1, 0.9),
        seed=check_number("seed", config.seed, 0, MAX_SEED, integer=True),
        features=tuple(f for f in FEATURES if f in config.features),
        layers=tuple(layers),
        lr=check_number("learning rate", config.lr, *LR_RANGE),
        batch=check_number("batch size", config.batch, 1, MAX_POINTS, integer=True),
        l1=check_number("L1 rate", config.l1, *PENALTY_RANGE),
        l2=check_number("L2 rate", config.l2, *PENALTY_RANGE),
        drawn=check_drawn(config.drawn, task, checked.n_classes),
        hide=tuple(h for h in HIDEABLE if h in config.hide),
    )


def slow_warning(config: PlayConfig) -> str:
    """A warning when the config passes a soft limit (training will be slow), else ""."""
    over = []
    if len(config.layers) > SOFT_LAYERS:
        over.append(f"{len(config.layers)} hidden layers (more than {SOFT_LAYERS})")
    widest = max((n for n, _ in config.layers), default=0)
    if widest > SOFT_NEURONS:
        over.append(f"{widest} neurons in a layer (more than {SOFT_NEURONS})")
    if config.points > SOFT_POINTS:
        over.append(f"{config.points} points (more than {SOFT_POINTS})")
    if not over:
        return ""
    return f"Allowed, but training will be slow: {'; '.join(over)}."


# --- the URL ---------------------------------------------------------------------

KEYS = ("data", "classes", "noise", "points", "test", "seed", "features", "layers", "opt", "lr",
        "batch", "unit", "out", "loss", "init", "l1", "l2", "pts", "hide")  # fmt: skip


def to_query(config: PlayConfig) -> str:
    """``?data=circle&layers=4:tanh,2:tanh&...``: the config as a URL query; the newer
    settings (output, loss, initialisation, penalties, drawn points, hidden controls)
    appear only when they differ from their defaults. An uploaded table is not in it."""
    query = {
        "data": config.dataset,
        "classes": str(config.classes),
        "noise": f"{config.noise:.6g}",
        "points": str(config.points),
        "test": f"{config.test:.6g}",
        "seed": str(config.seed),
        "features": ",".join(config.features),
        "layers": ",".join(f"{n}:{a}" for n, a in config.layers),
        "opt": config.optimizer,
        "lr": f"{config.lr:.6g}",
        "batch": str(config.batch),
        "unit": config.unit,
    }
    extra = {
        "out": config.out,
        "loss": config.loss,
        "init": config.init,
        "l1": f"{config.l1:.6g}",
        "l2": f"{config.l2:.6g}",
        "pts": drawn_to_text(config.drawn),
        "hide": ",".join(config.hide),
    }
    defaults = {"out": "auto", "loss": "auto", "init": "auto", "l1": "0", "l2": "0", "pts": "",
                "hide": ""}  # fmt: skip
    query.update({k: v for k, v in extra.items() if v != defaults[k]})
    return "?" + urlencode(query, safe=",:;")


def from_query(search: str) -> PlayConfig:
    """The config a URL query describes (missing keys take their defaults), checked."""
    if len(search) > MAX_URL:
        raise ValueError(f"the link's settings are longer than {MAX_URL} characters")
    fields = {k: v[-1] for k, v in parse_qs(search.lstrip("?"), keep_blank_values=True).items()}
    extra = sorted(set(fields) - set(KEYS))
    if extra:
        raise ValueError(
            f"unknown URL setting {extra[0]!r}: the playground reads {', '.join(KEYS)}"
        )
    values: dict[str, Any] = {}
    names = {"data": "dataset", "opt": "optimizer"}
    plain = ("data", "classes", "noise", "points", "test", "seed", "opt", "lr", "batch", "unit",
             "out", "loss", "init", "l1", "l2")  # fmt: skip
    for key in plain:
        if key in fields:
            values[names.get(key, key)] = fields[key]
    if "features" in fields:
        values["features"] = tuple(filter(None, fields["features"].split(",")))
    if "hide" in fields:
        values["hide"] = tuple(filter(None, fields["hide"].split(",")))
    if "pts" in fields:
        values["drawn"] = drawn_from_text(fields["pts"])
    if "layers" in fields:
        layers = []
        for item in filter(None, fields["layers"].split(",")):
            neurons, _, activation = item.partition(":")
            layers.append((neurons, activation or "tanh"))
        values["layers"] = tuple(layers)
    return check(replace(PlayConfig(), **values))
