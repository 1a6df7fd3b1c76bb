"""The optimizer race's state: parsed from the URL, validated, raced by the library.

A race is one :class:`RaceState`: the surface, the start, the number of steps,
the shared hyperparameters and, per racer, whether it runs and its learning
rate. It round-trips through a URL query (``to_query`` / ``from_query``) so a
link reproduces the view. Every value that comes from the browser passes
through :func:`check` before anything is computed; the racing itself is
:func:`chainrule.landscape.race` (the regression) or
:func:`chainrule.landscape.race_function` (a test function).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

import numpy as np

from chainrule import data, landscape, models, optim
from chainrule.app.landscape_models import (
    COORDINATES,
    MLP_SLICE,
    NETWORK,
    WORKED,
    Coordinates,
    coordinates,
    mlp_slice,
    slice_surface,
)
from chainrule.landscape.functions import FUNCTIONS, TestFunction
from chainrule.optim import GradientTransformation

REGRESSION = "regression"
SURFACES: dict[str, str] = {
    REGRESSION: "regression in (w, b) (seed 000)",
    MLP_SLICE: "MLP 2-8-1: a random 2-D slice",
    NETWORK: "two entries of a worked network (chosen below)",
    **{k: c.label for k, c in COORDINATES.items()},
    "bowl": "quadratic bowl (condition number κ)",
    "rosenbrock": "Rosenbrock",
    "himmelblau": "Himmelblau",
    "beale": "Beale",
    "goldstein-price": "Goldstein-Price",
    "styblinski-tang": "Styblinski-Tang",
    "rastrigin": "Rastrigin",
    "saddle": "saddle x² − y²",
}


@dataclass(frozen=True)
class Racer:
    """One optimizer of the race: its label, how it is made from (lr, β), and that as code."""

    label: str
    make: Callable[[float, float], GradientTransformation]
    code: str  # the same call written out, with {lr} and {beta}
    lr: float  # the default learning rate
    mini_batch: bool = False


RACERS: dict[str, Racer] = {
    "gd": Racer("GD", lambda lr, beta: optim.sgd(lr), "optim.sgd({lr})", 0.05),
    "sgd": Racer(
        "mini-batch SGD", lambda lr, beta: optim.sgd(lr), "optim.sgd({lr})", 0.05, mini_batch=True
    ),
    "momentum": Racer(
        "momentum (course)",
        lambda lr, beta: optim.momentum(lr, beta),
        "optim.momentum({lr}, {beta})",
        0.05,
    ),
    "momentum-torch": Racer(
        "momentum (PyTorch)",
        lambda lr, beta: optim.sgd(lr, momentum=beta),
        "optim.sgd({lr}, momentum={beta})",
        0.005,
    ),
    "nesterov": Racer(
        "Nesterov",
        lambda lr, beta: optim.sgd(lr, momentum=beta, nesterov=True),
        "optim.sgd({lr}, momentum={beta}, nesterov=True)",
        0.005,
    ),
    "rmsprop": Racer("RMSprop", lambda lr, beta: optim.rmsprop(lr), "optim.rmsprop({lr})", 0.01),
    "adam": Racer("Adam", lambda lr, beta: optim.adam(lr), "optim.adam({lr})", 0.05),
    "adamw": Racer("AdamW", lambda lr, beta: optim.adamw(lr), "optim.adamw({lr})", 0.05),
    "adagrad": Racer("Adagrad", lambda lr, beta: optim.adagrad(lr), "optim.adagrad({lr})", 0.5),
}
"""Racer key -> how it is made; every optimizer comes from :mod:`chainrule.optim`."""
COLORS: dict[str, str] = dict(
    zip(
        RACERS,
        (
            "#d62728",
            "#7f7f7f",
            "#1f77b4",
            "#17becf",
            "#9467bd",
            "#2ca02c",
            "#ff7f0e",
            "#8c564b",
            "#e377c2",
        ),
        strict=True,
    )
)
"""Racer key -> how it is made; every optimizer comes from :mod:`chainrule.optim`."""

LOG_LR = (-5.0, 1.0)  # the learning rate slider runs over 10^-5 .. 10^1
MAX_STEPS = 1000
MAX_BATCH = 200
MAX_CONDITION = 100.0
MAX_SEED = 2**31 - 1
DEFAULT_ON = ("gd", "momentum", "rmsprop", "adam")


@dataclass(frozen=True)
class RaceState:
    """Everything that fixes a race. ``lrs`` holds every racer's rate, on or off."""

    surface: str = REGRESSION
    start: tuple[float, float] | None = None  # None: the surface's usual start
    steps: int = 100
    step: int = 100
    on: tuple[str, ...] = DEFAULT_ON
    lrs: dict[str, float] = field(default_factory=lambda: {k: r.lr for k, r in RACERS.items()})
    beta: float = 0.9
    condition: float = 10.0
    batch: int = 16
    seed: int = 0
    network: str = "two-layer-sigmoid"  # the worked network of the NETWORK surface
    entries: tuple[str, str] = ("W1[0,0]", "b1[0,0]")  # its two moving entries


# --- validation ------------------------------------------------------------------


def check_number(name: str, value: Any, low: float, high: float, integer: bool = False) -> Any:
    """``value`` as a float (or int) in [low, high], or a ValueError naming it."""
    if isinstance(value, bool) or value is None:
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not math.isfinite(number) or not low <= number <= high:
        raise ValueError(f"{name} must be in [{low:g}, {high:g}], got {value!r}")
    if integer:
        if number != int(number):
            raise ValueError(f"{name} must be a whole number, got {value!r}")
        return int(number)
    return number


def window(state: RaceState) -> tuple[tuple[float, float], tuple[float, float]]:
    """The plotting window of the state's surface: ((x_lo, x_hi), (y_lo, y_hi))."""
    if state.surface == REGRESSION:
        (w, b), _ = regression_optimum()
        return (w - 3.0, w + 3.0), (b - 3.0, b + 3.0)
    return test_function(state).window


def check(state: RaceState) -> RaceState:
    """The state with every value checked; a ValueError names the first bad one."""
    if state.surface not in SURFACES:
        raise ValueError(f"surface must be one of {', '.join(SURFACES)}, got {state.surface!r}")
    steps = check_number("steps", state.steps, 1, MAX_STEPS, integer=True)
    step = check_number("step", state.step, 0, steps, integer=True)
    unknown = [k for k in state.on if k not in RACERS]
    if unknown:
        raise ValueError(f"unknown racer {unknown[0]!r}: use {', '.join(RACERS)}")
    lrs = dict(state.lrs)
    for k, lr in lrs.items():
        if k not in RACERS:
            raise ValueError(f"unknown racer {k!r}: use {', '.join(RACERS)}")
        lrs[k] = check_number(f"learning rate of {k}", lr, 10 ** LOG_LR[0], 10 ** LOG_LR[1])
    checked = replace(
        state,
        steps=steps,
        step=step,
        on=tuple(k for k in RACERS if k in state.on),
        lrs={k: lrs.get(k, r.lr) for k, r in RACERS.items()},
        beta=check_number("β", state.beta, 0.0, 0.99),
        condition=check_number("κ", state.condition, 1.0, MAX_CONDITION),
        batch=check_number("batch size", state.batch, 1, MAX_BATCH, integer=True),
        seed=check_number("seed", state.seed, 0, MAX_SEED, integer=True),
    )
    if checked.network not in WORKED:
        raise ValueError(f"network must be one of {', '.join(WORKED)}, got {checked.network!r}")
    if not isinstance(checked.entries, tuple | list) or len(checked.entries) != 2:
        raise ValueError(f"choose two entries of {checked.network}, got {checked.entries!r}")
    coordinates(checked.network, *checked.entries)  # a ValueError names a bad entry
    checked = replace(checked, entries=(str(checked.entries[0]), str(checked.entries[1])))
    if checked.start is not None:
        (xl, xh), (yl, yh) = window(checked)
        try:
            x, y = checked.start
        except (TypeError, ValueError):
            raise ValueError(f"start must be two numbers x,y, got {checked.start!r}") from None
        start = (check_number("start x", x, xl, xh), check_number("start y", y, yl, yh))
        checked = replace(checked, start=start)
    return checked


# --- the URL ---------------------------------------------------------------------


def to_query(state: RaceState) -> str:
    """``?surface=...&start=x,y&...``: the state as a URL query."""
    query: dict[str, str] = {
        "surface": state.surface,
        "steps": str(state.steps),
        "step": str(state.step),
        "racers": ",".join(f"{k}:{state.lrs[k]:.6g}" for k in state.on),
        "beta": f"{state.beta:g}",
    }
    if state.start is not None:
        query["start"] = f"{state.start[0]:.6g},{state.start[1]:.6g}"
    if state.surface == "bowl":
        query["kappa"] = f"{state.condition:g}"
    if state.surface == NETWORK:
        query["net"], query["x"], query["y"] = state.network, *state.entries
    if "sgd" in state.on:
        query["batch"], query["seed"] = str(state.batch), str(state.seed)
    return "?" + urlencode(query, safe=",:[]")


def from_query(search: str) -> RaceState:
    """The state a URL query describes (missing keys take their defaults), checked."""
    fields = {k: v[-1] for k, v in parse_qs(search.lstrip("?"), keep_blank_values=True).items()}
    known = ("surface", "start", "steps", "step", "racers", "beta", "kappa", "batch", "seed",
             "net", "x", "y")  # fmt: skip
    extra = sorted(set(fields) - set(known))
    if extra:
        raise ValueError(f"unknown URL setting {extra[0]!r}: the race reads {', '.join(known)}")
    state = RaceState()
    values: dict[str, Any] = {}
    if "surface" in fields:
        values["surface"] = fields["surface"]
    if "start" in fields:
        parts = fields["start"].split(",")
        if len(parts) != 2:
            raise ValueError(f"start must be two numbers x,y, got {fields['start']!r}")
        values["start"] = (parts[0], parts[1])
    for key, name in (("steps", "steps"), ("beta", "beta"), ("kappa", "condition")):
        if key in fields:
            values[name] = fields[key]
    for key in ("batch", "seed"):
        if key in fields:
            values[key] = fields[key]
    if "net" in fields:
        values["network"] = fields["net"]
        values["entries"] = (fields.get("x", "W1[0,0]"), fields.get("y", "b1[0,0]"))
    if "racers" in fields:
        on, lrs = [], dict(state.lrs)
        for item in filter(None, fields["racers"].split(",")):
            key, _, lr = item.partition(":")
            if key not in RACERS:
                raise ValueError(f"unknown racer {key!r}: use {', '.join(RACERS)}")
            on.append(key)
            if lr:
                lrs[key] = lr  # type: ignore[assignment]  # checked below
        values["on"], values["lrs"] = tuple(on), lrs
    steps = values.get("steps", state.steps)
    values["step"] = fields.get("step", steps)
    return check(replace(state, **values))


# --- racing ----------------------------------------------------------------------


def coordinates_of(state: RaceState) -> Coordinates | None:
    """The two network coordinates the state races on, if its surface is such a plane."""
    if state.surface == NETWORK:
        return coordinates(state.network, *state.entries)
    return COORDINATES.get(state.surface)


def test_function(state: RaceState) -> TestFunction:
    """The state's test function (not the regression)."""
    if state.surface == MLP_SLICE:
        return mlp_slice()
    plane = coordinates_of(state)
    if plane is not None:
        return plane.function()
    if state.surface == "bowl":
        return FUNCTIONS["bowl"](state.condition)  # type: ignore[call-arg]
    return FUNCTIONS[state.surface]()


@functools.cache
def _regression_data() -> tuple[np.ndarray, np.ndarray]:
    ds = data.load(models.get("univariate").default_data or "linear")
    X, y = ds.X.copy(), ds.y.copy()
    X.flags.writeable = y.flags.writeable = False  # shared by every request: read only
    return X, y


def regression_problem() -> tuple[models.Model, np.ndarray, np.ndarray]:
    """Seed 000's univariate regression on its registry data set: a fresh model, X (1, m),
    y (1, m)."""
    X, y = _regression_data()
    return models.build("univariate", n_features=1), X, y


def regression_optimum() -> tuple[tuple[float, float], float]:
    """The least-squares (w, b) of the regression's data and its loss."""
    _, X, y = regression_problem()
    A = np.column_stack([X[0], np.ones(X.shape[1])])
    (w, b), *_ = np.linalg.lstsq(A, y[0], rcond=None)
    loss = float(np.mean((A @ np.array([w, b]) - y[0]) ** 2))
    return (float(w), float(b)), loss


def start_of(state: RaceState) -> tuple[float, float]:
    """The state's start, or the surface's usual one."""
    if state.start is not None:
        return state.start
    if state.surface == REGRESSION:
        (w, b), _ = regression_optimum()
        return (w - 2.5, b + 2.0)
    return test_function(state).start


def optimizers(state: RaceState) -> dict[str, GradientTransformation]:
    """Racer key -> its optimizer, for the racers that are on."""
    return {k: RACERS[k].make(state.lrs[k], state.beta) for k in state.on}


def run(state: RaceState) -> dict[str, landscape.Trajectory]:
    """Every racer that is on, from the state's start: key -> Trajectory.

    Mini-batch SGD runs only on the regression (a test function has no
    examples to sample); its path is cut to ``steps`` updates so every racer
    takes the same number of steps.
    """
    start = start_of(state)
    opts = optimizers(state)
    if state.surface != REGRESSION:
        full = {k: o for k, o in opts.items() if not RACERS[k].mini_batch}
        return landscape.race_function(test_function(state), full, start, steps=state.steps)
    model, X, y = regression_problem()
    origin = {"w": np.array([[start[0]]]), "b": np.array([[start[1]]])}
    full = {k: o for k, o in opts.items() if not RACERS[k].mini_batch}
    paths = landscape.race(model, X, y, full, ("w", "b"), origin, steps=state.steps)
    if "sgd" in opts:
        batch = min(state.batch, X.shape[1])
        epochs = math.ceil(state.steps * batch / X.shape[1])
        noisy = landscape.race(
            model, X, y, {"sgd": opts["sgd"]}, ("w", "b"), origin, epochs, batch, state.seed
        )["sgd"]
        cut = state.steps + 1
        paths["sgd"] = landscape.Trajectory(
            "sgd", noisy.points[:cut], noisy.loss[:cut], noisy.diverged
        )
    return {k: paths[k] for k in state.on if k in paths}


def surface(state: RaceState, resolution: int = 100) -> landscape.Surface:
    """The loss over the state's window, from :mod:`chainrule.landscape`."""
    if state.surface == MLP_SLICE:
        return slice_surface(resolution)
    plane = coordinates_of(state)
    if plane is not None:
        return plane.surface(resolution)
    if state.surface != REGRESSION:
        return test_function(state).surface(resolution)
    model, X, y = regression_problem()
    return landscape.surface(model, X, y, ("w", "b"), span=window(state), resolution=resolution)


def gradient_at(state: RaceState, point: np.ndarray) -> tuple[float, np.ndarray]:
    """The full-data loss and its gradient (2,) at a point of the surface."""
    if state.surface != REGRESSION:
        return test_function(state).value_and_gradient(point)
    model, X, y = regression_problem()
    model.params.update({"w": np.array([[point[0]]]), "b": np.array([[point[1]]])})
    loss, grads = model.value_and_gradients(X, y)
    return float(loss), np.array([grads["w"][0, 0], grads["b"][0, 0]])


def describe(racers: Mapping[str, landscape.Trajectory]) -> list[str]:
    """One line per racer that diverged or stopped early."""
    return [
        f"{RACERS[k].label} diverged after {len(t.points) - 1} steps: lower its learning rate."
        for k, t in racers.items()
        if t.diverged
    ]
