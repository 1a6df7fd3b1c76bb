"""The worked networks with hand-derived backward passes, and the MLP.

Layer ``models`` of chainrule (see DESIGN.md): imports autodiff.
"""

from chainrule.models.base import Model, read_saved
from chainrule.models.classifiers import LogisticRegression, TwoLayerClassifier
from chainrule.models.delta_rule import DeltaRuleNetwork
from chainrule.models.mlp import MLP
from chainrule.models.seed000 import (
    MultivariateRegression,
    TwoLayerLinear,
    TwoLayerSigmoid,
    UnivariateRegression,
)

MODELS: dict[str, type[Model]] = {
    cls.name: cls
    for cls in (
        UnivariateRegression,
        MultivariateRegression,
        TwoLayerLinear,
        TwoLayerSigmoid,
        LogisticRegression,
        TwoLayerClassifier,
        DeltaRuleNetwork,
        MLP,
    )
}

__all__ = [
    "MLP",
    "MODELS",
    "DeltaRuleNetwork",
    "LogisticRegression",
    "Model",
    "MultivariateRegression",
    "TwoLayerClassifier",
    "TwoLayerLinear",
    "TwoLayerSigmoid",
    "UnivariateRegression",
    "read_saved",
]
