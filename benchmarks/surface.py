"""Case D: the 200×200 loss surface of univariate regression over 1,000,000 examples."""

from __future__ import annotations

import time

import numpy as np

from chainrule import landscape
from chainrule.models import UnivariateRegression

M = 1_000_000
GRID = 200


def _median_ms(fn, repeats: int = 15) -> float:  # type: ignore[no-untyped-def]
    fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times) * 1e3)


def run() -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1, M))
    y = 2.0 * X + 1.0 + 0.1 * rng.standard_normal((1, M))
    model = UnivariateRegression()
    closed = _median_ms(lambda: landscape.surface(model, X, y, resolution=GRID))
    read_once = _median_ms(lambda: (X.sum(), y.sum()))
    # the per-point loop is timed on 200 points and scaled to the 40,000 of the grid
    ws = np.linspace(-1, 3, GRID)

    def loop() -> None:
        for w in ws:
            model.params["w"] = np.array([[w]])
            model.loss(X, y)

    per_point_total = _median_ms(loop, repeats=3) * GRID
    reference = landscape.surface(model, X, y, resolution=9, method="batched")
    check = landscape.surface(model, X, y, resolution=9)
    assert np.allclose(check.loss, reference.loss, rtol=1e-10), "closed form differs from batched"
    print()
    print(f"# 200x200 loss surface, univariate regression, m = {M:,}")
    print()
    print("| implementation | ms | × reading the data once |")
    print("|---|---:|---:|")
    print(f"| reading X and y once (X.sum(), y.sum()) | {read_once:.2f} | 1.00 |")
    print(f"| chainrule closed form | {closed:.2f} | {closed / read_once:.2f} |")
    ratio = per_point_total / read_once
    print(f"| per-point loop (extrapolated) | {per_point_total:,.0f} | {ratio:,.0f} |")
