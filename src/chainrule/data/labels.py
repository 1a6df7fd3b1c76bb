"""The task of a target column and its class labels: inferred, or checked when given.

The rule, used by ``load_csv`` and usable on any target array:

- a target holding a value that is not a whole number is a **regression**;
- a target of whole numbers lying within ``MAX_CLASSES`` consecutive integers
  (max − min < 256) is a **classification**: its distinct values, sorted, are
  the classes, mapped to 0..C−1 (``{3, 5}`` and ``{-1, 1}`` are binary,
  ``{0, 2, 7}`` has three classes, never an empty one); binary when C = 2,
  multiclass when C ≥ 3;
- whole numbers spread wider (``0`` and ``1000000000``, prices, counts) are
  refused: they may be a regression target or labels, and the message says to
  pass ``task=``; so is a target of a single value.

``task="regression" | "binary" | "multiclass"`` overrides the inference, with
checks: class labels must be whole numbers, binary needs exactly two distinct
values and multiclass at least two.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from numpy.typing import ArrayLike

from chainrule.data.validate import DataError, check_values

TASKS = ("regression", "binary", "multiclass")
MAX_CLASSES = 256


class Target(NamedTuple):
    """A target column read for a task.

    Attributes:
        task: "regression", "binary" or "multiclass".
        y: shape (m,), float64: the values for a regression, the class
            indices 0..C−1 for a classification.
        classes: shape (C,), float64: the original label of each class index,
            sorted; empty for a regression.
    """

    task: str
    y: np.ndarray
    classes: np.ndarray


def encode_target(y: ArrayLike, task: str | None = None, name: str = "y") -> Target:
    """Decides (or checks) the task of targets y, shape (m,) or (1, m), and maps labels.

    Args:
        y: the targets, finite numbers, at least one.
        task: None to infer it by the rule of this module, or the task to use.
        name: the target's name, for messages.

    Raises:
        DataError: task is not one of ``TASKS``; y is empty or not finite; the
            inference is ambiguous (whole numbers spread over ``MAX_CLASSES``
            or more, a single value); or the values do not fit the given task.
    """
    check_task(task)
    values = np.asarray(y, dtype=np.float64).reshape(-1)
    if values.size == 0:
        raise DataError(f"the target {name!r} holds no values: there are no examples")
    check_values("y", values)
    if task == "regression":
        return Target(task, values, np.empty(0))
    fractional = values != np.floor(values)
    if task is None:
        if fractional.any():
            return Target("regression", values, np.empty(0))
        low, high = float(values.min()), float(values.max())
        if high - low >= MAX_CLASSES:
            count = len(np.unique(values))
            raise DataError(
                f"the target {name!r} holds whole numbers from {_label(low)} to "
                f"{_label(high)} ({count} distinct): too far apart to be taken for class "
                f"labels (they must lie within {MAX_CLASSES} consecutive integers), and "
                "perhaps a quantity. Pass task='regression' to predict the numbers, or "
                "task='binary' / task='multiclass' to use its distinct values as classes."
            )
    elif fractional.any():
        j = int(np.argmax(fractional))
        raise DataError(
            f"task={task!r} needs class labels, whole numbers, but the target {name!r} "
            f"holds {float(values[j])!r} (example {j}); pass task='regression' for a numeric target"
        )
    classes, index = np.unique(values, return_inverse=True)
    count = len(classes)
    if count == 1:
        raise DataError(
            f"the target {name!r} holds one value only ({_label(classes[0])}): there is "
            "nothing to tell apart; pass task='regression' to fit it anyway"
        )
    if task == "binary" and count != 2:
        raise DataError(
            f"task='binary' needs exactly 2 distinct values in the target {name!r}; it holds "
            f"{count}: {_listing(classes)}; pass task='multiclass'"
        )
    if task is None:
        task = "binary" if count == 2 else "multiclass"
    return Target(task, index.astype(np.float64).reshape(-1), classes)


def check_task(task: str | None) -> None:
    """Refuses a task that is not one of ``TASKS`` or None (to infer it)."""
    if task is not None and task not in TASKS:
        raise DataError(
            f"task must be 'regression', 'binary' or 'multiclass', or None to infer it; "
            f"got {task!r}"
        )


def label_names(classes: np.ndarray) -> tuple[str, ...]:
    """The display names of class labels, shape (C,): ``3.0`` is ``"3"``."""
    return tuple(_label(float(c)) for c in classes)


def _label(value: float) -> str:
    return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)


def _listing(classes: np.ndarray, shown: int = 10) -> str:
    more = f", ... ({len(classes) - shown} more)" if len(classes) > shown else ""
    return ", ".join(label_names(classes[:shown])) + more
