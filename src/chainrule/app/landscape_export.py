"""The optimizer race exported: a Python script that reproduces it with chainrule, a GIF.

The script calls the same library functions the page calls
(:func:`chainrule.landscape.race` or ``race_function``, then
:func:`chainrule.plot.interactive.contour`) with the page's settings, and
writes the figure as a standalone HTML file.
"""

from __future__ import annotations

import tempfile
from collections.abc import Mapping
from pathlib import Path

from chainrule import models
from chainrule.app.landscape_models import MLP_SLICE, SLICE_SPAN
from chainrule.app.landscape_state import (
    RACERS,
    REGRESSION,
    RaceState,
    coordinates_of,
    start_of,
    surface,
    window,
)
from chainrule.landscape import Trajectory
from chainrule.plot.landscape_figures import animate


def script(state: RaceState) -> str:
    """Python source that reproduces the race of ``state`` and writes ``race.html``."""
    x, y = start_of(state)
    full = [k for k in state.on if not RACERS[k].mini_batch]
    opts = "".join(
        f"    {k!r}: {RACERS[k].code.format(lr=repr(state.lrs[k]), beta=repr(state.beta))},\n"
        for k in full
    )
    lines = [
        '"""An optimizer race from chainrule\'s /landscape page, reproduced."""',
        "",
        "import numpy as np",
        "",
        "from chainrule import data, landscape, models, optim",
        "from chainrule.autodiff import Tensor",
        "from chainrule.landscape.functions import FUNCTIONS",
        "from chainrule.plot.interactive import contour, write_html",
        "",
        f"optimizers = {{\n{opts}}}",
    ]
    if state.surface == REGRESSION:
        (xl, xh), (yl, yh) = window(state)
        lines += [
            'ds = data.load("linear")  # seed 000\'s univariate regression',
            'model = models.build("univariate", n_features=1)',
            f'start = {{"w": np.array([[{x!r}]]), "b": np.array([[{y!r}]])}}',
            "paths = landscape.race(",
            f'    model, ds.X, ds.y, optimizers, ("w", "b"), start, steps={state.steps}',
            ")",
        ]
        if "sgd" in state.on:
            lr = repr(state.lrs["sgd"])
            lines += [
                "# mini-batch SGD: enough epochs for the same number of updates, then cut",
                f"batch = min({state.batch}, ds.X.shape[1])",
                f"epochs = -(-{state.steps} * batch // ds.X.shape[1])",
                "noisy = landscape.race(",
                f'    model, ds.X, ds.y, {{"sgd": optim.sgd({lr})}}, ("w", "b"), start, epochs,',
                f"    batch, {state.seed}",
                ')["sgd"]',
                "paths['sgd'] = landscape.Trajectory(",
                f'    "sgd", noisy.points[:{state.steps + 1}], noisy.loss[:{state.steps + 1}],',
                "    noisy.diverged",
                ")",
            ]
        lines += [
            "surface = landscape.surface(",
            f'    model, ds.X, ds.y, ("w", "b"), span=(({xl!r}, {xh!r}), ({yl!r}, {yh!r})),',
            "    resolution=100,",
            ")",
        ]
    elif state.surface == MLP_SLICE:
        lines += [
            "# the MLP's loss on the plane θ0 + α d1 + β d2 through its initial weights",
            'model = models.build("mlp", n_features=2, hidden_layers=[8], activation="tanh", '
            "seed=0)",
            'X, y = models.get("mlp").sample(0)',
            "theta = {k: v.copy() for k, v in model.params.items()}",
            "d1 = landscape.random_direction(theta, seed=1)",
            "d2 = landscape.random_direction(theta, seed=2)",
            "",
            "",
            "def on_the_plane(a, b):",
            "    params = {k: theta[k] + a * d1[k] + b * d2[k] for k in theta}",
            "    return model.loss_graph(params, X, y)",
            "",
            "",
            f"span = ((-{SLICE_SPAN!r}, {SLICE_SPAN!r}), (-{SLICE_SPAN!r}, {SLICE_SPAN!r}))",
            'fn = landscape.TestFunction("MLP slice", "", on_the_plane, (0.0, 0.0), span, None)',
            f"paths = landscape.race_function(fn, optimizers, ({x!r}, {y!r}), steps={state.steps})",
            f"grid = np.linspace(-{SLICE_SPAN!r}, {SLICE_SPAN!r}, 100)",
            "surface = landscape.slice_2d(model, X, y, d1, d2, grid, grid, center=theta)",
        ]
    elif (c := coordinates_of(state)) is not None:
        (xl, xh), (yl, yh) = window(state)
        task = models.get(c.model).tasks[0]
        hyper = "".join(f", {k}={v!r}" for k, v in c.hyper.items())
        lines += [
            f"# two entries of {c.model}; every other entry frozen where it starts",
            f"X, y = models.get({c.model!r}).sample(0)",
            f"model = models.build({c.model!r}, X.shape[0], task={task!r}, seed=0{hyper})",
            "theta = {k: v.copy() for k, v in model.params.items()}",
            f"axes = {c.axes!r}",
            "",
            "",
            "def on_the_plane(u, v):",
            "    params = {k: Tensor(v) for k, v in theta.items()}  # the graph takes Tensors",
            "    for (name, index), t in zip(axes, (u, v)):",
            "        one = np.zeros_like(theta[name])",
            "        one[index] = 1.0",
            "        params[name] = params[name] + (t - theta[name][index]) * one",
            "    return model.loss_graph(params, X, y)",
            "",
            "",
            f"span = (({xl!r}, {xh!r}), ({yl!r}, {yh!r}))",
            f'fn = landscape.TestFunction("{c.model}", "", on_the_plane, ({x!r}, {y!r}), span,',
            "                             None)",
            f"paths = landscape.race_function(fn, optimizers, ({x!r}, {y!r}), steps={state.steps})",
            "surface = landscape.surface(model, X, y, axes, span=span, resolution=100)",
        ]
    else:
        args = f"{state.condition!r}" if state.surface == "bowl" else ""
        lines += [
            f"fn = FUNCTIONS[{state.surface!r}]({args})",
            f"paths = landscape.race_function(fn, optimizers, ({x!r}, {y!r}), steps={state.steps})",
            "surface = fn.surface(100)",
        ]
    lines += [
        "for name, path in paths.items():",
        '    print(f"{name}: {path.points[-1]} after {len(path.points) - 1} steps, '
        'loss {path.loss[-1]:.6g}")',
        'write_html(contour(surface, paths), "race.html")',
        "",
    ]
    return "\n".join(lines)


MAX_FRAMES = 30  # about a second of matplotlib per 6 frames


def gif(state: RaceState, paths: Mapping[str, Trajectory]) -> bytes:
    """An animated GIF of the race (at most 30 frames), by :func:`chainrule.plot.animate`."""
    stride = max(1, -(-max(len(t.points) for t in paths.values()) // MAX_FRAMES))
    shown = {
        RACERS[k].label: Trajectory(k, t.points[::stride], t.loss[::stride], t.diverged)
        for k, t in paths.items()
    }
    with tempfile.TemporaryDirectory() as folder:
        target = Path(folder) / "race.gif"
        animate(surface(state), shown, target, fps=12, log_levels=state.surface != REGRESSION)
        return target.read_bytes()
