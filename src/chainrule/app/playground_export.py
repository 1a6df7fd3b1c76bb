"""The playground's exports: the weights as ``.npz`` and JSON, and a reproducing script.

The ``.npz`` file is :meth:`chainrule.models.Model.save`'s, so
``chainrule.models.load`` reads it back as the same MLP. The script rebuilds the
data with :mod:`chainrule.data`, the network with :class:`chainrule.models.MLP`
and the optimizer with :mod:`chainrule.optim`, and trains the same batches for
the run's number of steps, so that it ends at the run's loss when the settings
were not changed during the run.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

from chainrule.app import playground_state as S  # noqa: N812
from chainrule.app.playground_data import CSV, GENERATORS, SCALE

FEATURE_CODE = {
    "x1": "P[0]",
    "x2": "P[1]",
    "x1sq": "P[0] * P[0]",
    "x2sq": "P[1] * P[1]",
    "x1x2": "P[0] * P[1]",
    "sinx1": "np.sin(P[0])",
    "sinx2": "np.sin(P[1])",
}
"""Each feature of :data:`chainrule.app.playground_data.FEATURES` as Python source."""


def weights_npz(config: S.PlayConfig, run: Any) -> bytes:
    """The run's network as the bytes of a ``Model.save`` file; refuses a bad run."""
    model, _, _ = S.restore(config, run)
    with tempfile.TemporaryDirectory() as folder:
        path = model.save(Path(folder) / "playground.npz")
        return path.read_bytes()


def weights_json(config: S.PlayConfig, run: Any) -> str:
    """The run's network as JSON: the model's hyperparameters, its parameters (lists of
    rows), the inputs it takes (the features of points scaled to ±SCALE) and the step."""
    model, _, _ = S.restore(config, run)
    document = {
        "model": model.name,
        "hyperparameters": model.hyperparameters(),
        "params": {k: v.tolist() for k, v in model.params.items()},
        "features": list(config.features),
        "scale": SCALE,
        "step": run["step"],
        "settings": S.to_query(config),
    }
    return json.dumps(document, indent=1)


def script(config: S.PlayConfig, run: Any) -> str:
    """Python source that reproduces the run with chainrule's library and prints the
    final train and test loss (``train loss 0.123456789012, test loss ...``)."""
    model, _, _ = S.restore(config, run)
    steps = int(run["step"])
    if config.dataset == CSV:
        rows = [list(r) for r in config.table]
        make = [
            f"table = np.array({rows!r})  # {config.table_name}, as uploaded",
            "X0, values = table[:, :2].T.copy(), table[:, 2].copy()",
        ]
        imports = ""
    else:
        _, generate, arguments = GENERATORS[config.dataset]
        kwargs = arguments(config.noise, config.seed, config.classes)
        args = ", ".join(f"{k}={v!r}" for k, v in kwargs.items())
        value = "data.y.reshape(-1)" if config.task == "regression" else "data.labels"
        make = [
            f"data = {generate.__name__}({config.points}, {args})",
            f"X0, values = data.X, {value}",
        ]
        imports = f"from chainrule.data.synthetic import {generate.__name__}\n"
    drawn = [list(p) for p in config.drawn]
    hyper = model.hyperparameters()
    sizes = hyper.pop("layer_sizes")
    hyper.pop("dropout")
    feature_rows = ", ".join(FEATURE_CODE[f] for f in config.features)
    lines = [
        f'"""Reproduces a chainrule playground run of {steps} steps.',
        "",
        f"Settings: /playground{S.to_query(config)}",
        "Trained from the start with these settings (a run whose settings changed on the",
        'way ends elsewhere). Run with: python this_file.py"""',
        "",
        "import numpy as np",
        "",
        "from chainrule import optim",
        f"{imports}from chainrule.models import MLP",
        "",
        f"SCALE = {SCALE!r}  # every data set is scaled so its largest coordinate is ±SCALE",
        *make,
        "P = X0 * (SCALE / np.max(np.abs(X0)))",
        "m = P.shape[1]",
        f"order = np.random.default_rng({config.seed}).permutation(m)",
        f"n_test = max(1, round({config.test!r} * m))",
        "train, test = np.sort(order[n_test:]), order[:n_test]",
        "labels = np.asarray(values)",
        f"drawn = np.array({drawn!r}).reshape(-1, 3).T  # points drawn on the page: train",
        "P = np.hstack([P, drawn[:2]])",
        "labels = np.r_[labels, drawn[2].astype(labels.dtype)]",
        "train = np.r_[train, np.arange(m, m + drawn.shape[1])]",
        f"X = np.vstack([{feature_rows}])  # the input features, (n, m)",
        "y = labels[None, :].astype(np.float64)",
        "",
        f"model = MLP({sizes!r}, seed={config.seed}, **{hyper!r})",
        f"opt = optim.OPTIMIZERS[{config.optimizer!r}]({config.lr!r})",
        "state = opt.init(dict(model.params))",
        "X_train, y_train = X[:, train], y[:, train]",
        "m_train = X_train.shape[1]",
        "epoch = offset = 0",
        f"for step in range({steps}):",
        f"    batch = np.random.default_rng(({config.seed}, epoch)).permutation(m_train)",
        f"    idx = batch[offset : offset + {config.batch}]",
        "    params = dict(model.params)",
        "    _, grads = model.value_and_gradients(X_train[:, idx], y_train[:, idx])",
        "    updates, state = opt.update(grads, state, params)",
        "    model.params = optim.apply_updates(params, updates)",
        "    offset += len(idx)",
        "    if offset >= m_train:",
        "        epoch, offset = epoch + 1, 0",
        "",
        "train_loss = model.loss(X_train, y_train)",
        "test_loss = model.loss(X[:, test], y[:, test])",
        'print(f"train loss {train_loss!r}, test loss {test_loss!r}")',
    ]
    return "\n".join(lines) + "\n"
