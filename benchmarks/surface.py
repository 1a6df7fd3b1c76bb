"""Case D: the 200×200 loss surface of univariate regression over 1,000,000 examples."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import Impl, Row, measure
from chainrule import landscape
from chainrule.models import UnivariateRegression

M = 1_000_000
GRID = 200


def run(rounds: int) -> list[Row]:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1, M))
    y = 2.0 * X + 1.0 + 0.1 * rng.standard_normal((1, M))
    model = UnivariateRegression()

    def read_once() -> tuple[Callable[[], Any], None]:
        return (lambda: (X.sum(), y.sum())), None

    def closed_form() -> tuple[Callable[[], Any], None]:
        return (lambda: landscape.surface(model, X, y, resolution=GRID)), None

    reference = landscape.surface(model, X, y, resolution=9, method="batched")
    assert np.allclose(
        landscape.surface(model, X, y, resolution=9).loss, reference.loss, rtol=1e-10
    )
    size = f"{GRID}×{GRID} grid, m = {M:,}"
    rows = measure(
        "D",
        size,
        [Impl("reading X and y once", read_once), Impl("chainrule closed form", closed_form)],
        rounds,
    )
    # a per-point loop, timed on 200 points and scaled to the 40,000 of the grid
    ws = np.linspace(-1, 3, GRID)
    start = time.perf_counter()
    for w in ws:
        model.params["w"] = np.array([[w]])
        model.loss(X, y)
    per_point_us = (time.perf_counter() - start) * GRID * 1e6
    rows.append(
        Row(
            "D",
            size,
            "per-point loop",
            per_point_us,
            float("nan"),
            per_point_us / rows[0].median_us,
            "extrapolated from 200 points",
        )
    )
    return rows
