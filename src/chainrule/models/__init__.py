"""The worked networks with hand-derived backward passes, and the MLP.

Layer ``models`` of chainrule (see DESIGN.md): imports autodiff.
"""

from collections.abc import Sequence

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


def create(
    name: str,
    n_features: int,
    task: str = "regression",
    n_classes: int = 2,
    n_hidden: int = 8,
    hidden_layers: Sequence[int] | None = None,
    activation: str = "tanh",
    seed: int = 0,
) -> Model:
    """A model by its command-line name, sized for data of ``n_features`` features.

    Worked networks check that they fit the data (the univariate regression
    takes one feature, the delta-rule network three, the classifiers a
    binary task); an MLP picks its output layer from the ``task``.

    Raises:
        ValueError: an unknown name, or a model that cannot fit the data.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}: use one of {', '.join(MODELS)}")
    cls = MODELS[name]
    if name == "mlp":
        output = {"regression": "identity", "binary": "sigmoid", "multiclass": "softmax"}[task]
        outputs = n_classes if task == "multiclass" else 1
        sizes = [n_features, *(hidden_layers or [n_hidden]), outputs]
        return MLP(sizes, activation=activation, output=output, seed=seed)
    if cls.task != task and not (cls.task == "regression" and task == "binary"):
        raise ValueError(
            f"{name} is a {cls.task} model and the data is a {task} task; "
            + ("use logistic, two-layer-classifier or mlp" if task != "regression" else "use mlp")
        )
    if name in ("univariate", "delta-rule"):
        expected = 1 if name == "univariate" else 3
        if n_features != expected:
            raise ValueError(
                f"{name} takes {expected} feature(s), the data has {n_features}; "
                "use multivariate or mlp"
            )
        return cls(seed=seed)  # type: ignore[call-arg]
    if name in ("multivariate", "logistic"):
        return cls(n_features, seed=seed)  # type: ignore[call-arg]
    return cls(n_features, n_hidden, seed=seed)  # type: ignore[call-arg]


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
    "create",
    "read_saved",
]
