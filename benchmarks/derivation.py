"""Case F: deriving each worked network's backprop equations."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from benchmarks.harness import Impl, Row, measure
from chainrule.models import (
    MLP,
    DeltaRuleNetwork,
    LogisticRegression,
    Model,
    MultivariateRegression,
    TwoLayerClassifier,
    TwoLayerLinear,
    TwoLayerSigmoid,
    UnivariateRegression,
)
from chainrule.symbolic import derive


def run(rounds: int) -> list[Row]:
    networks: list[Model] = [
        UnivariateRegression(),
        MultivariateRegression(3),
        TwoLayerLinear(3, 4),
        TwoLayerSigmoid(3, 4),
        LogisticRegression(3),
        TwoLayerClassifier(3, 4),
        DeltaRuleNetwork(),
        MLP([4, 16, 16, 3], activation="relu", output="softmax"),
    ]
    rows: list[Row] = []
    for net in networks:

        def make(net: Model = net) -> tuple[Callable[[], Any], None]:
            return (lambda: derive(net)), None

        rows.extend(measure("F", repr(net), [Impl("chainrule.derive", make)], max(3, rounds // 3)))
    for r in rows:
        r.ratio = None
    return rows
