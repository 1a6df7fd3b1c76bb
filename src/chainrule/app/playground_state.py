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
import time
from typing import Any

import numpy as np

from chainrule import optim
from chainrule.app.landscape_state import check_number
from chainrule.app.playground_config import (
    HIDDEN,
    HIDEABLE,
    INITS,
    KEYS,
    LOSS_CHOICES,
    LR_RANGE,
    MAX_HISTORY,
    MAX_LAYERS,
    MAX_NEURONS,
    MAX_POINTS,
    MAX_SEED,
    MAX_URL,
    OPTIMIZERS,
    OUTPUT_CHOICES,
    PENALTY_RANGE,
    PlayConfig,
    check,
    from_query,
    slow_warning,
    to_query,
)
from chainrule.app.playground_data import (
    CSV,
    DATASETS,
    EDGE,
    FEATURES,
    MAX_DRAWN,
    MULTICLASS,
    REGRESSION,
    SCALE,
    Split,
    make_split,
    table_arrays,
)
from chainrule.app.playground_data import features as feature_rows
from chainrule.models import MLP
from chainrule.train.fit import DIVERGENCE_FACTOR

__all__ = [
    "CSV", "DATASETS", "EDGE", "FEATURES", "HIDDEN", "HIDEABLE", "INITS", "KEYS", "LOSS_CHOICES",
    "LR_RANGE", "MAX_DRAWN", "MAX_HISTORY", "MAX_LAYERS", "MAX_NEURONS", "MAX_POINTS", "MAX_SEED",
    "MAX_URL", "MULTICLASS", "OPTIMIZERS", "OUTPUT_CHOICES", "PENALTY_RANGE", "REGRESSION",
    "SCALE", "PlayConfig", "Split", "check", "from_query", "slow_warning", "to_query",
]  # fmt: skip


# --- data and network ------------------------------------------------------------


def features(config: PlayConfig, P: np.ndarray) -> np.ndarray:
    """The chosen features of points P (2, m): (len(config.features), m)."""
    return feature_rows(config.features, P)


def split(config: PlayConfig) -> Split:
    """The config's data set, made from its seed (or its table), scaled, with the drawn
    points added to the training set, featurised and split."""
    if config.dataset == CSV:
        base: Any = table_arrays(config.table)
    else:
        make = DATASETS[config.dataset][1]
        base = make(config.points, config.noise, config.seed, config.classes)
    return make_split(base, config.features, config.test, config.seed, config.drawn)


def network(config: PlayConfig) -> MLP:
    """The MLP the config describes, with its initial weights from the seed."""
    sizes = [len(config.features), *(n for n, _ in config.layers)]
    sizes.append(config.classes if config.multiclass else 1)
    return MLP(
        sizes,
        activation=[a for _, a in config.layers],
        output=config.output_unit,
        loss=config.loss_kind,
        init=None if config.init == "auto" else config.init,
        seed=config.seed,
        alpha=config.l2,
        l1=config.l1,
    )


def transformation(config: PlayConfig) -> optim.GradientTransformation:
    return optim.OPTIMIZERS[config.optimizer](config.lr)


def targets(labels: np.ndarray) -> np.ndarray:
    """Labels or regression targets (m,) as the MLP's y (1, m)."""
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


def advance(
    config: PlayConfig, run: Any, budget_s: float | None = None, *, play: bool = False
) -> dict[str, Any]:
    """The run after one step of ``config.unit``: one batch, or up to the end of the epoch.

    With ``budget_s``, an epoch step that has spent that many seconds stops after
    the batch in hand (at least one batch is taken); the next step goes on from
    there, so a large network's epoch never holds one request for long. With
    ``play``, batches go on, across epochs, until ``budget_s`` is spent (at least
    one batch): a tick of play, with one loss point at its end.
    Batches walk a permutation of the training examples drawn from (seed, epoch).
    A loss that is not finite or grows past DIVERGENCE_FACTOR times the run's
    first loss stops the run, keeps the last good weights and says what blew up.
    """
    if play and budget_s is None:
        raise ValueError("advance: play needs a time budget, budget_s in seconds")
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
    began = time.perf_counter()
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
        spent = budget_s is not None and time.perf_counter() - began > budget_s
        if spent or (not play and (config.unit == "batch" or offset == 0)):
            break
    out = dict(run, params=tree_to_json(model.params), state=tree_to_json(state))
    out.update(optimizer=config.optimizer, step=step, epoch=epoch, offset=offset, stopped=stopped)
    for k in ("steps", "train", "test"):
        out[k] = list(run[k])
    if not stopped:
        losses(model, data, out)
    return out


def accuracy(model: MLP, data: Split, columns: np.ndarray) -> float:
    """The fraction of the given columns whose class the model predicts right
    (a classification's; a regression has no accuracy: a ValueError says so)."""
    if model.task == "regression":
        raise ValueError("a regression has no accuracy: read its loss")
    predicted = model.predict_class(data.X[:, columns]).reshape(-1)
    return float(np.mean(predicted == data.labels[columns]))
