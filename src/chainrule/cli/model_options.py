"""The options that choose a model's hyperparameters, mapped through the registry.

Every command that builds a model takes the same options; an option the chosen
model has no use for is refused rather than silently ignored, and a value out
of the registry's range is refused naming the option, not the constructor
argument. NumPy and the library are imported inside the functions.
"""

from __future__ import annotations

from typing import Any

OPTION_OF = {
    "n_hidden": "--hidden",
    "hidden_layers": "--layers",
    "activation": "--activation",
    "output": "--out-unit",
}


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

    Args:
        name: a registry name.
        n_features: rows of the data's X.
        task: "regression", "binary" or "multiclass".
        n_classes: classes of a multiclass task.
        seed: seeds the initial weights.
        **given: hyperparameters by constructor name (keys of OPTION_OF).

    Raises:
        ValueError: an unknown model, data it cannot take, an option that does
            not apply to it (naming the options it takes) or a value out of range
            (naming the option and the range).
    """
    from chainrule import models

    spec = models.get(name)
    chosen = {k: v for k, v in given.items() if v is not None}
    for key in chosen:
        if key not in spec.hyperparameter_names:
            raise ValueError(f"{option_of(key)} does not apply to {name}{_takes(spec)}")
    for h in spec.hyperparameters:
        if h.name in chosen:
            try:
                chosen[h.name] = h.check(chosen[h.name], name)
            except ValueError as e:
                raise ValueError(
                    _named(str(e), f"{name}: {h.name}", option_of(h.name), name)
                ) from None
    return models.build(name, n_features, task=task, n_classes=n_classes, seed=seed, **chosen)


def refuse_unless(applies: bool, option: str, model: str, why: str) -> None:
    """Refuses an option given with a model it does not apply to.

    Raises:
        ValueError: ``option`` was given and ``applies`` is False; ``why`` says
            what it applies to.
    """
    if not applies:
        raise ValueError(f"{option} does not apply to {model}: {why}")


def parse_layers(text: str | None) -> list[int] | None:
    """``--layers 16,16`` as [16, 16] (hidden layer sizes), or None when not given."""
    if text is None:
        return None
    try:
        sizes = [int(part) for part in text.split(",")]
    except ValueError:
        shown = text if len(text) <= 40 else f"{text[:30]}... ({len(text)} characters)"
        raise ValueError(
            f"--layers takes comma-separated hidden layer sizes such as 16,16, got {shown!r}"
        ) from None
    return sizes


def _takes(spec: Any) -> str:
    takes = [option_of(h) for h in spec.hyperparameter_names]
    return f"; it takes {', '.join(takes)}" if takes else "; it has no options"


def _named(message: str, where: str, option: str, model: str) -> str:
    """The registry's message with the constructor argument replaced by the option."""
    if message.startswith(where):
        return f"{option} (for {model}){message[len(where) :]}"
    return f"{option}: {message}"
