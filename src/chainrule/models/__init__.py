"""The worked networks with hand-derived backward passes, the MLP, and the registry.

Layer ``models`` of chainrule (see DESIGN.md): imports autodiff and optim.
:data:`REGISTRY` says, for every model, what data it takes and what a user may
choose; :func:`build` makes one for a data set and :func:`load` reads one back
from a file written by ``Model.save``.
"""

from pathlib import Path

from chainrule.models.base import Model, read_extra, read_saved
from chainrule.models.classifiers import LogisticRegression, TwoLayerClassifier
from chainrule.models.delta_rule import DeltaRuleNetwork
from chainrule.models.mlp import MLP
from chainrule.models.registry import (
    REGISTRY,
    TASKS,
    Hyperparameter,
    ModelSpec,
    build,
    get,
    models_for,
)
from chainrule.models.seed000 import (
    MultivariateRegression,
    TwoLayerLinear,
    TwoLayerSigmoid,
    UnivariateRegression,
)
from chainrule.models.squared_error import SigmoidSquaredError
from chainrule.models.standardized import MEAN, SCALE, Standardized


def load(path: str | Path) -> Model | Standardized:
    """The model saved at ``path`` by ``save``, with its trained parameters.

    A model saved with the standardisation it was trained on (as ``chainrule
    train --save`` and :meth:`Standardized.save` write it) comes back as a
    :class:`Standardized` that takes raw features.

    Raises:
        ValueError: the file is not a chainrule model, or names a model this
            version does not have, or its parameters do not fit that model.
    """
    name, hyperparameters = read_saved(path)
    try:
        cls = get(name).cls
    except ValueError:
        raise ValueError(f"{path}: holds an unknown model {name!r}") from None
    try:
        model = cls(**hyperparameters)
    except (TypeError, ValueError) as e:
        raise ValueError(f"{path}: its {name} hyperparameters are not valid: {e}") from None
    model.load_params(path)
    extra = read_extra(path)
    if MEAN in extra and SCALE in extra:
        return Standardized(model, extra[MEAN], extra[SCALE])
    return model


__all__ = [
    "MLP",
    "REGISTRY",
    "TASKS",
    "DeltaRuleNetwork",
    "Hyperparameter",
    "LogisticRegression",
    "Model",
    "ModelSpec",
    "MultivariateRegression",
    "SigmoidSquaredError",
    "Standardized",
    "TwoLayerClassifier",
    "TwoLayerLinear",
    "TwoLayerSigmoid",
    "UnivariateRegression",
    "build",
    "get",
    "load",
    "models_for",
    "read_saved",
]
