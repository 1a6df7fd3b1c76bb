"""Label checks for the classifiers: a message that names what was found and who can take it."""

from __future__ import annotations

import numpy as np


def check_labels(y: np.ndarray, n_classes: int, model: str, n_features: int | None = None) -> None:
    """Refuses targets that are not class labels 0..n_classes-1.

    ``y`` holds the labels in any shape (binary targets are (1, m) of 0 and 1).
    The error names up to five of the values found and the models that can
    learn targets like them from ``n_features`` features.
    """
    valid = (y == 0) | (y == 1) if n_classes == 2 else (y >= 0) & (y < n_classes) & (y % 1 == 0)
    if valid.all():
        return
    found = np.unique(y[np.isfinite(y)]) + 0.0  # + 0.0 turns -0 into 0
    shown = ", ".join(f"{v:g}" for v in found[:5]) + (", ..." if len(found) > 5 else "")
    if not np.isfinite(y).all():
        shown += " and non-finite values"
    from chainrule.models.registry import models_for  # the registry imports this module's users

    integral = bool(found.size) and bool(np.all(found % 1 == 0)) and found.min() >= 0
    task = "multiclass" if integral else "regression"
    fix = f"for such targets use {' or '.join(models_for(task, n_features))}"
    if integral and found.size <= 2:
        fix = "map the two classes to 0 and 1"
    raise ValueError(
        f"{model}: class labels must be integers 0..{n_classes - 1}, found {shown}; {fix}"
    )
