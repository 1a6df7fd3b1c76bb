"""Case F: deriving each worked network's backprop equations."""

from __future__ import annotations

import time

import numpy as np

from chainrule.models import (
    MLP,
    DeltaRuleNetwork,
    LogisticRegression,
    MultivariateRegression,
    TwoLayerClassifier,
    TwoLayerLinear,
    TwoLayerSigmoid,
    UnivariateRegression,
)
from chainrule.symbolic import derive


def run() -> None:
    networks = [
        UnivariateRegression(),
        MultivariateRegression(3),
        TwoLayerLinear(3, 4),
        TwoLayerSigmoid(3, 4),
        LogisticRegression(3),
        TwoLayerClassifier(3, 4),
        DeltaRuleNetwork(),
        MLP([4, 16, 16, 3], activation="relu", output="softmax"),
    ]
    print()
    print("# deriving the backprop equations (chainrule.derive), median of 20")
    print()
    print("| network | ms |")
    print("|---|---:|")
    for net in networks:
        derive(net)
        times = []
        for _ in range(20):
            start = time.perf_counter()
            derive(net)
            times.append(time.perf_counter() - start)
        print(f"| {net!r} | {np.median(times) * 1e3:.2f} |")
