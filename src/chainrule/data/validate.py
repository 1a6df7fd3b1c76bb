"""Checks on data given as arrays: ``DataError`` and ``check_finite``.

Data with NaN or ±inf would train to NaN parameters and the learning rate
would take the blame, so it is refused before training with a message that
names the offending cell in the column convention (row = feature,
column = example).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike


class DataError(ValueError):
    """Data that cannot be used: the message names where (file, line, column) and what."""


def check_finite(
    X: ArrayLike, y: ArrayLike | None = None, *, feature_names: Sequence[str] | None = None
) -> None:
    """Refuses NaN and ±inf in X and y, naming the feature and the example.

    Args:
        X: features, shape (n, m): row i is feature i, column j is example j.
            Any other number of dimensions is checked too and named by index.
        y: targets, shape (1, m) or (m,), or None.
        feature_names: n names, used in the message when given.

    Raises:
        DataError: a value is not finite, e.g. "X[2, 17] is nan: feature 2
            ('b') of example 17 ...", with the count of such values; or an
            array does not hold numbers.
    """
    check_values("X", X, feature_names)
    if y is not None:
        check_values("y", y)


def check_values(what: str, values: ArrayLike, feature_names: Sequence[str] | None = None) -> None:
    """``check_finite`` for one array called ``what`` in the message (shapes as there)."""
    a = np.asarray(values)
    if a.dtype.kind in "biu":
        return
    if a.dtype.kind not in "fc":
        raise DataError(f"{what} must hold numbers; got an array of dtype {a.dtype}")
    # A finite sum proves every value finite without a mask the size of the array.
    with np.errstate(over="ignore", invalid="ignore"):
        if np.isfinite(np.sum(a)):
            return
    bad = ~np.isfinite(a)
    count = int(np.count_nonzero(bad))
    if count == 0:  # the sum overflowed, the values are finite
        return
    if a.ndim == 2:
        example, feature = (int(i) for i in np.argwhere(bad.T)[0])
        index: tuple[int, ...] = (feature, example)
        if what == "y":
            where = f"the target of example {example}"
        else:
            name = ""
            if feature_names is not None and feature < len(feature_names):
                name = f" ({feature_names[feature]!r})"
            where = f"feature {feature}{name} of example {example}"
    else:
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        where = f"example {index[0]}" if a.ndim == 1 else "the value"
    value = a[index]
    at = f"{what}[{', '.join(map(str, index))}]" if index else what
    more = f"; {count} values of {what} are not finite" if count > 1 else ""
    raise DataError(
        f"{at} is {value}: {where} (examples are columns){more}. "
        "Remove or fill in the missing or infinite values before training."
    )
