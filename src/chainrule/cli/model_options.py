"""The options that choose a model's hyperparameters, mapped through the registry.

Every command that builds a model takes the same options; an option the chosen
model has no use for is refused rather than silently ignored.
"""

from __future__ import annotations

from typing import Any

OPTION_OF = {"n_hidden": "--hidden", "hidden_layers": "--layers", "activation": "--activation"}


def option_of(hyperparameter: str) -> str:
    """The command-line option that sets a hyperparameter."""
    return OPTION_OF.get(hyperparameter, "--" + hyperparameter.replace("_", "-"))


def model_for(
    name: str,
    n_features: int,
    task: str,
    n_classes: int = 2,
    seed: int = 0,
    **given: Any,
) -> Any:
    """``models.build`` with the options the user gave (None: not given).

    Raises:
        ValueError: an option that does not apply to the model, naming the
            options it takes.
    """
    from chainrule import models

    spec = models.get(name)
    chosen = {k: v for k, v in given.items() if v is not None}
    for key in chosen:
        if key not in spec.hyperparameter_names:
            takes = [option_of(h) for h in spec.hyperparameter_names]
            raise ValueError(
                f"{option_of(key)} does not apply to {name}"
                + (f"; it takes {', '.join(takes)}" if takes else "; it has no options")
            )
    return models.build(name, n_features, task=task, n_classes=n_classes, seed=seed, **chosen)


def parse_layers(text: str | None) -> list[int] | None:
    """``--layers 16,16`` as [16, 16] (hidden layer sizes), or None when not given."""
    if text is None:
        return None
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        raise ValueError(
            f"--layers takes comma-separated hidden layer sizes such as 16,16, got {text!r}"
        ) from None
    return sizes
