"""The web app's recompute times: the optimizer race and a backprop step.

    PYTHONPATH=src python -m benchmarks.app_race [--rounds 10]

- race: 4 optimizers (GD, momentum, RMSprop, Adam) x 500 steps on seed 000's
  univariate regression over 1,000 examples, with its 200 x 200 loss surface:
  what ``/landscape`` does when a slider moves (target: 50 ms).
- the same race on Rosenbrock (a test function) with its 200 x 200 surface;
- backprop step: every step of the 2-2-2 stepper recomputed, as ``/backprop``
  does on each click (target: 20 ms).

``run(rounds)`` returns harness rows, for the suite's runner.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from benchmarks.harness import Impl, Row, markdown, measure
from chainrule import data, landscape, models, optim
from chainrule.landscape.functions import FUNCTIONS

RACE_TARGET_MS = 50.0
STEP_TARGET_MS = 20.0


def _race() -> tuple[Callable[[], None], Callable[[], dict[str, np.ndarray]]]:
    ds = data.linear(m=1000, seed=0)
    model = models.build("univariate", n_features=1)
    opts = {
        "gd": optim.sgd(0.1),
        "momentum": optim.momentum(0.1, 0.9),
        "rmsprop": optim.rmsprop(0.01),
        "adam": optim.adam(0.05),
    }
    start = {"w": np.array([[-2.0]]), "b": np.array([[2.5]])}
    out: dict[str, np.ndarray] = {}

    def step() -> None:
        paths = landscape.race(model, ds.X, ds.y, opts, ("w", "b"), start, steps=500)
        s = landscape.surface(model, ds.X, ds.y, ("w", "b"), span=landscape.window(paths),
                              resolution=200)  # fmt: skip
        out.update({k: t.points[-1] for k, t in paths.items()}, loss=s.loss)

    return step, lambda: dict(out)


def _function_race() -> tuple[Callable[[], None], Callable[[], dict[str, np.ndarray]]]:
    fn = FUNCTIONS["rosenbrock"]()
    opts = {
        "gd": optim.sgd(0.001),
        "momentum": optim.momentum(0.003, 0.9),
        "rmsprop": optim.rmsprop(0.01),
        "adam": optim.adam(0.05),
    }
    out: dict[str, np.ndarray] = {}

    def step() -> None:
        paths = landscape.race_function(fn, opts, fn.start, steps=500)
        out.update({k: t.points[-1] for k, t in paths.items()}, loss=fn.surface(200).loss)

    return step, lambda: dict(out)


def _backprop_step() -> tuple[Callable[[], None], Callable[[], dict[str, np.ndarray]]]:
    from chainrule.app import backprop_state as B  # noqa: N812

    state = B.from_query("")
    out: dict[str, np.ndarray] = {}

    def step() -> None:
        steps = B.steps(state.network, state.numbers, state.lr)
        out.update({f"{s.phase} {s.name}": s.value for s in steps})

    return step, lambda: dict(out)


def run(rounds: int) -> list[Row]:
    rows = measure(
        "W", "race 4 x 500 steps, m = 1000, surface 200²",
        [Impl("landscape.race + surface", _race)], rounds, min_seconds=0.0,
    )  # fmt: skip
    rows += measure(
        "W", "race 4 x 500 steps on Rosenbrock, surface 200²",
        [Impl("landscape.race_function + surface", _function_race)], rounds, min_seconds=0.0,
    )  # fmt: skip
    rows += measure(
        "W", "backprop stepper, 2-2-2, all 15 steps",
        [Impl("backprop_state.steps", _backprop_step)], rounds,
    )  # fmt: skip
    for row, target in zip(rows, (RACE_TARGET_MS, RACE_TARGET_MS, STEP_TARGET_MS), strict=True):
        ms = row.median_us / 1e3
        row.note = f"target {target:g} ms: {'met' if ms <= target else 'NOT met'}"
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="The web app's recompute times.")
    parser.add_argument("--rounds", type=int, default=10)
    print(markdown(run(parser.parse_args().rounds)))


if __name__ == "__main__":
    main()
