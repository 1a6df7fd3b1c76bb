"""The playground's state: settings from the URL, a run kept in the browser, training.

A playground is one :class:`PlayConfig` (the data set, the input features, the
hidden layers, the optimizer) that round-trips through a URL query
(``to_query`` / ``from_query``), and one *run*: the parameters, the optimizer's
state, the position in the current epoch and the loss history, as a JSON
object that lives in the browser's ``dcc.Store``. Each request rebuilds the
data from the seed, the network from :class:`chainrule.models.MLP` and the
optimizer from :data:`chainrule.optim.OPTIMIZERS`, checks the stored run
against them, trains a bounded number of steps and hands the run back: the
server keeps nothing between requests.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import parse_qs, urlencode

import numpy as np

from chainrule import optim
from chainrule.app.landscape_state import check_number
from chainrule.data import Dataset, blobs, circles, moons, spirals, xor
from chainrule.data.synthetic import gaussians, spiral_arms
from chainrule.models import MLP
from chainrule.models.mlp import ACTIVATIONS
from chainrule.train.fit import DIVERGENCE_FACTOR

SCALE = 2.0
"""Every data set is scaled so that its largest coordinate is ±SCALE."""

DATASETS: dict[str, tuple[str, Callable[[int, float, int, int], Dataset]]] = {
    "circle": ("circle", lambda m, noise, seed, k: circles(m, noise=0.2 * noise, seed=seed)),
    "xor": ("xor", lambda m, noise, seed, k: xor(m, noise=0.1 + 0.5 * noise, seed=seed)),
    "gaussian": (
        "two Gaussians",
        lambda m, noise, seed, k: gaussians(m, noise=0.3 + noise, seed=seed),
    ),
    "spiral": ("spiral", lambda m, noise, seed, k: spirals(m, noise=0.3 * noise, seed=seed)),
    "moons": ("moons", lambda m, noise, seed, k: moons(m, noise=0.3 * noise, seed=seed)),
    "blobs": (
        "blobs (3 to 5 classes)",
        lambda m, noise, seed, k: blobs(m, centers=k, std=0.5 + 3 * noise, seed=seed),
    ),
    "arms": (
        "spiral arms (3 to 5 classes)",
        lambda m, noise, seed, k: spiral_arms(m, classes=k, noise=0.3 * noise, seed=seed),
    ),
}
"""Key -> (label, make(m, noise in [0, 1], seed, classes)); generators from chainrule.data."""
MULTICLASS = ("blobs", "arms")

FEATURES: dict[str, tuple[str, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "x1": ("x₁", lambda a, b: a),
    "x2": ("x₂", lambda a, b: b),
    "x1sq": ("x₁²", lambda a, b: a * a),
    "x2sq": ("x₂²", lambda a, b: b * b),
    "x1x2": ("x₁x₂", lambda a, b: a * b),
    "sinx1": ("sin x₁", lambda a, b: np.sin(a)),
    "sinx2": ("sin x₂", lambda a, b: np.sin(b)),
}
"""Key -> (label, the feature row from the rows x1 (m,), x2 (m,))."""

OPTIMIZERS = ("sgd", "momentum", "rmsprop", "adam", "adamw", "adagrad")
HIDDEN = tuple(ACTIVATIONS)
MAX_LAYERS = 6
MAX_NEURONS = 32
MAX_POINTS = 1000
MAX_SEED = 2**31 - 1
LR_RANGE = (1e-5, 10.0)
MAX_HISTORY = 2000  # loss points kept in the run


@dataclass(frozen=True)
class PlayConfig:
    """Every setting of a playground; ``layers`` holds (neurons, activation) per hidden layer."""

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

    @property
    def multiclass(self) -> bool:
        return self.dataset in MULTICLASS

    @property
    def output(self) -> str:
        """The output layer and loss the task takes, in words."""
        if self.multiclass:
            return f"softmax over {self.classes} classes, cross-entropy loss"
        return "sigmoid output, binary cross-entropy loss"

    def network_key(self) -> str:
        """What fixes the data and the network: a change to any of it starts a new run."""
        parts = (
            self.dataset, self.classes if self.multiclass else 0, self.noise, self.points,
            self.test, self.seed, self.features, self.layers,
        )  # fmt: skip
        return repr(parts)


def check(config: PlayConfig) -> PlayConfig:
    """The config with every value checked; a ValueError names the first bad one."""
    if config.dataset not in DATASETS:
        raise ValueError(f"data set must be one of {', '.join(DATASETS)}, got {config.dataset!r}")
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
    points = check_number("points", config.points, 20, MAX_POINTS, integer=True)
    return replace(
        config,
        classes=check_number("classes", config.classes, 3, 5, integer=True),
        noise=check_number("noise", config.noise, 0.0, 1.0),
        points=points,
        test=check_number("test fraction", config.test, 0.1, 0.9),
        seed=check_number("seed", config.seed, 0, MAX_SEED, integer=True),
        features=tuple(f for f in FEATURES if f in config.features),
        layers=tuple(layers),
        lr=check_number("learning rate", config.lr, *LR_RANGE),
        batch=check_number("batch size", config.batch, 1, MAX_POINTS, integer=True),
    )


# --- the URL ---------------------------------------------------------------------

KEYS = ("data", "classes", "noise", "points", "test", "seed", "features", "layers", "opt", "lr",
        "batch", "unit")  # fmt: skip


def to_query(config: PlayConfig) -> str:
    """``?data=circle&layers=4:tanh,2:tanh&...``: the config as a URL query."""
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
    return "?" + urlencode(query, safe=",:")


def from_query(search: str) -> PlayConfig:
    """The config a URL query describes (missing keys take their defaults), checked."""
    fields = {k: v[-1] for k, v in parse_qs(search.lstrip("?"), keep_blank_values=True).items()}
    extra = sorted(set(fields) - set(KEYS))
    if extra:
        raise ValueError(
            f"unknown URL setting {extra[0]!r}: the playground reads {', '.join(KEYS)}"
        )
    values: dict[str, Any] = {}
    names = {"data": "dataset", "opt": "optimizer"}
    for key in ("data", "classes", "noise", "points", "test", "seed", "opt", "lr", "batch", "unit"):
        if key in fields:
            values[names.get(key, key)] = fields[key]
    if "features" in fields:
        values["features"] = tuple(filter(None, fields["features"].split(",")))
    if "layers" in fields:
        layers = []
        for item in filter(None, fields["layers"].split(",")):
            neurons, _, activation = item.partition(":")
            layers.append((neurons, activation or "tanh"))
        values["layers"] = tuple(layers)
    return check(replace(PlayConfig(), **values))


# --- data and network ------------------------------------------------------------


@dataclass(frozen=True)
class Split:
    """The data of a config: raw points P (2, m) scaled into [−SCALE, SCALE]², features
    X (k, m) of the chosen features, labels (m,); ``train`` and ``test`` index the columns."""

    P: np.ndarray
    X: np.ndarray
    labels: np.ndarray
    train: np.ndarray
    test: np.ndarray


def features(config: PlayConfig, P: np.ndarray) -> np.ndarray:
    """The chosen features of points P (2, m): (len(config.features), m)."""
    return np.vstack([FEATURES[f][1](P[0], P[1]) for f in config.features])


def split(config: PlayConfig) -> Split:
    """The config's data set, made from its seed, scaled, featurised and split."""
    dataset = DATASETS[config.dataset][1](config.points, config.noise, config.seed, config.classes)
    P = dataset.X * (SCALE / np.max(np.abs(dataset.X)))
    order = np.random.default_rng(config.seed).permutation(config.points)
    n_test = max(1, round(config.test * config.points))
    return Split(P, features(config, P), dataset.labels, np.sort(order[n_test:]), order[:n_test])


def network(config: PlayConfig) -> MLP:
    """The MLP the config describes, with its initial weights from the seed."""
    sizes = [len(config.features), *(n for n, _ in config.layers)]
    sizes.append(config.classes if config.multiclass else 1)
    output = "softmax" if config.multiclass else "sigmoid"
    return MLP(sizes, activation=[a for _, a in config.layers], output=output, seed=config.seed)


def transformation(config: PlayConfig) -> optim.GradientTransformation:
    return optim.OPTIMIZERS[config.optimizer](config.lr)


def targets(labels: np.ndarray) -> np.ndarray:
    """Labels (m,) as the MLP's y (1, m)."""
    return labels[None, :].astype(np.float64)


# --- the run: to and from JSON ---------------------------------------------------


def tree_to_json(value: Any) -> Any:
    """An optimizer state (tuples, NamedTuples, dicts of arrays, counts) as JSON data."""
    if isinstance(value, tuple):
        return [tree_to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: np.asarray(v).tolist() for k, v in value.items()}
    if isinstance(value, np.ndarray | np.generic):
        return value.tolist()
    return value


def tree_from_json(template: Any, data: Any, params: dict[str, np.ndarray], where: str) -> Any:
    """JSON data back in the shape of ``template`` (a fresh ``init``); refuses a mismatch."""
    if isinstance(template, tuple):
        if not isinstance(data, list) or len(data) != len(template):
            raise ValueError(f"{where}: expected {len(template)} parts, got {data!r:.80}")
        parts = [tree_from_json(t, d, params, f"{where}[{i}]") for i, (t, d) in
                 enumerate(zip(template, data, strict=True))]  # fmt: skip
        return type(template)(*parts) if hasattr(template, "_fields") else tuple(parts)
    if isinstance(template, dict) or (template is None and isinstance(data, dict)):
        return arrays_from_json(data, params, where)
    if template is None:
        if data is not None:
            raise ValueError(f"{where}: expected nothing, got {data!r:.80}")
        return None
    return type(template)(check_number(where, data, -math.inf, math.inf))


def arrays_from_json(data: Any, like: dict[str, np.ndarray], where: str) -> dict[str, np.ndarray]:
    """Arrays named and shaped as ``like``, all finite, from JSON data."""
    if not isinstance(data, dict) or set(data) != set(like):
        raise ValueError(f"{where}: expected arrays {sorted(like)}")
    out = {}
    for k, v in like.items():
        try:
            a = np.asarray(data[k], dtype=np.float64)
        except (TypeError, ValueError):
            raise ValueError(f"{where}: {k} is not an array of numbers") from None
        if a.shape != v.shape or not np.all(np.isfinite(a)):
            raise ValueError(f"{where}: {k} must be finite numbers of shape {v.shape}")
        out[k] = a
    return out


def fresh_run(config: PlayConfig) -> dict[str, Any]:
    """A run at step 0: the initial weights and the optimizer's initial state."""
    model = network(config)
    data = split(config)
    run: dict[str, Any] = {
        "key": config.network_key(),
        "params": tree_to_json(model.params),
        "optimizer": config.optimizer,
        "state": tree_to_json(transformation(config).init(dict(model.params))),
        "step": 0,
        "epoch": 0,
        "offset": 0,
        "steps": [],
        "train": [],
        "test": [],
        "stopped": "",
    }
    losses(model, data, run)
    return run


def losses(model: MLP, data: Split, run: dict[str, Any]) -> None:
    """Appends the train and test loss at the run's step to its history."""
    y = targets(data.labels)
    run["steps"].append(run["step"])
    run["train"].append(model.loss(data.X[:, data.train], y[:, data.train]))
    run["test"].append(model.loss(data.X[:, data.test], y[:, data.test]))
    for k in ("steps", "train", "test"):
        del run[k][:-MAX_HISTORY]


def restore(config: PlayConfig, run: Any) -> tuple[MLP, optim.GradientTransformation, Any]:
    """The model with the run's weights, the optimizer and its state; refuses a bad run."""
    if not isinstance(run, dict) or run.get("key") != config.network_key():
        raise ValueError("the run belongs to other settings")
    model = network(config)
    model.params = arrays_from_json(run.get("params"), model.params, "the stored weights")
    opt = transformation(config)
    template = opt.init(dict(model.params))
    if run.get("optimizer") != config.optimizer:
        return model, opt, template  # a new optimizer starts from its own initial state
    return model, opt, tree_from_json(template, run.get("state"), model.params, "optimizer state")


# --- training --------------------------------------------------------------------


def blame(model: MLP, X: np.ndarray, y: np.ndarray, grads: dict[str, np.ndarray]) -> str:
    """Which layer's values or gradients are not finite or largest: the first one found."""
    with np.errstate(all="ignore"):
        _, cache = model.forward(X)
    for i in range(1, model.depth + 1):
        Z = cache[f"Z{i}"]
        if not np.all(np.isfinite(Z)):
            return f"layer {i}'s values Z{i} are not finite"
    for i in range(1, model.depth + 1):
        g = grads.get(f"W{i}")
        if g is not None and not np.all(np.isfinite(g)):
            return f"layer {i}'s gradient ∂L/∂W{i} is not finite"
    norms = {i: float(np.max(np.abs(grads[f"W{i}"]))) for i in range(1, model.depth + 1)}
    worst = max(norms, key=lambda i: norms[i])
    return f"the largest gradient is layer {worst}'s ∂L/∂W{worst}, up to {norms[worst]:.3g}"


def advance(config: PlayConfig, run: Any) -> dict[str, Any]:
    """The run after one step of ``config.unit``: one batch, or up to the end of the epoch.

    Batches walk a permutation of the training examples drawn from (seed, epoch).
    A loss that is not finite or grows past DIVERGENCE_FACTOR times the run's
    first loss stops the run, keeps the last good weights and says what blew up.
    """
    model, opt, state = restore(config, run)
    if run.get("stopped"):
        return dict(run)
    data = split(config)
    y = targets(data.labels)
    X_train, y_train = data.X[:, data.train], y[:, data.train]
    m = X_train.shape[1]
    size = min(config.batch, m)
    epoch = check_number("epoch", run.get("epoch"), 0, math.inf, integer=True)
    offset = check_number("offset", run.get("offset"), 0, m - 1, integer=True)
    step = check_number("step", run.get("step"), 0, math.inf, integer=True)
    if not isinstance(run.get("train"), list) or not run["train"]:
        raise ValueError("the run has no loss history")
    first = check_number("first loss", run["train"][0], 0, math.inf)
    limit = DIVERGENCE_FACTOR * first if first > 0 else math.inf
    stopped = ""
    while True:
        order = np.random.default_rng((config.seed, epoch)).permutation(m)
        idx = order[offset : offset + size]
        params = dict(model.params)
        with np.errstate(all="ignore"):
            loss, grads = model.value_and_gradients(X_train[:, idx], y_train[:, idx])
        finite = all(np.all(np.isfinite(g)) for g in grads.values())
        if not (math.isfinite(loss) and loss <= limit and finite):
            if not math.isfinite(loss):
                what = f"became {loss}"
            elif loss > limit:
                what = f"grew to {loss:.3g}"
            else:
                what = f"is {loss:.3g} but its gradients are not finite"
            stopped = (
                f"Diverged at step {step + 1}: the batch loss {what} (it started at "
                f"{first:.3g}); {blame(model, X_train[:, idx], y_train[:, idx], grads)}. "
                f"Lower the learning rate (now {config.lr:g}), for instance to "
                f"{config.lr / 10:g}, and reset. The weights are those of step {step}."
            )
            break
        updates, state = opt.update(grads, state, params)
        model.params = optim.apply_updates(params, updates)
        step += 1
        offset += len(idx)
        if offset >= m:
            epoch, offset = epoch + 1, 0
        if config.unit == "batch" or offset == 0:
            break
    out = dict(run, params=tree_to_json(model.params), state=tree_to_json(state))
    out.update(optimizer=config.optimizer, step=step, epoch=epoch, offset=offset, stopped=stopped)
    for k in ("steps", "train", "test"):
        out[k] = list(run[k])
    if not stopped:
        losses(model, data, out)
    return out


def accuracy(model: MLP, data: Split, columns: np.ndarray) -> float:
    """The fraction of the given columns whose class the model predicts right."""
    predicted = model.predict_class(data.X[:, columns]).reshape(-1)
    return float(np.mean(predicted == data.labels[columns]))
