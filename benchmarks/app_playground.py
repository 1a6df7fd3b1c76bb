"""The playground's time per step: a training step with the maps it redraws.

    PYTHONPATH=src python -m benchmarks.app_playground [--rounds 20]

- step + maps: one training step of a 2-8-8-1 tanh network (a batch of 10 from
  the 500 points of the spiral, 350 of them training points), as the server
  takes it from the browser's stored run and hands it back, then one forward
  pass over an 80 x 80 grid that gives the output heatmap and every neuron's
  map, and the network figure with each map as an image (target: 10 ms);
- the same with everything else the server sends on a tick of play: its frame
  (the output image with the points, the network, the enlarged node, the loss
  curves, the histograms and the statistics), as the page takes it.

``run(rounds)`` returns harness rows, for the suite's runner.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import Impl, Row, markdown, measure

TARGET_MS = 10.0
QUERY = "?data=spiral&points=500&test=0.3&layers=8:tanh,8:tanh&opt=sgd&lr=0.03&batch=10"


def _tick(everything: bool) -> tuple[Callable[[], None], Callable[[], dict[str, np.ndarray]]]:
    from chainrule.app import playground_frames as F  # noqa: N812
    from chainrule.app import playground_state as S  # noqa: N812
    from chainrule.app import playground_views as V  # noqa: N812

    config = S.from_query(QUERY)
    run: dict[str, Any] = json.loads(json.dumps(S.fresh_run(config)))
    out: dict[str, np.ndarray] = {}

    def step() -> None:
        nonlocal run
        before, run = run, S.advance(config, run)
        if everything:  # the frame makes its own grid pass
            F.frame(config, run, None, base=0, force=False, full=False, before=before)
            out["train loss"] = np.array(run["train"][-1:])
            return
        model, _, _ = S.restore(config, run)
        maps = V.grid_maps(config, model)
        V.network_figure(config, model, maps)
        out["y_hat"] = maps.layers[-1][0]

    return step, lambda: dict(out)


def run(rounds: int) -> list[Row]:
    rows = measure(
        "P", "2-8-8-1, 500 points: a step + 80² output map + neuron maps",
        [Impl("advance + grid_maps + network_figure", lambda: _tick(False))], rounds,
    )  # fmt: skip
    rows[
        -1
    ].note = (
        f"target {TARGET_MS:g} ms: {'met' if rows[-1].median_us / 1e3 <= TARGET_MS else 'NOT met'}"
    )
    rows += measure(
        "P", "a step + the frame of play: every figure's update",
        [Impl("advance + frame", lambda: _tick(True))], rounds,
    )  # fmt: skip
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description="The playground's time per step.")
    parser.add_argument("--rounds", type=int, default=20)
    print(markdown(run(parser.parse_args().rounds)))


if __name__ == "__main__":
    main()
