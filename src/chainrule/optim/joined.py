"""Parameters joined into one flat vector, so an elementwise optimizer takes one pass.

An optimizer whose ``elementwise`` flag is set computes each entry of its
update from the same entry of the gradient, parameter and state, so running
it on the parameters laid end to end in one vector gives the same numbers as
running it on each array (the same operations on the same entries), in a
handful of NumPy calls instead of a handful per array. :class:`Joined` holds
the layout; :func:`joined_layout` says whether an optimizer and parameters
step that way. An update on the vector is ``optimizer.update({KEY: gradient},
state, {KEY: vector})``, from the state ``optimizer.init({KEY: vector})`` made.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from chainrule.optim.base import GradientTransformation, Params

KEY = "joined"
"""The one name an optimizer sees for the joined vector."""


class Joined:
    """The layout of a dict of arrays laid end to end in one 1-d vector.

    Args:
        params: name -> array; their order, shapes and dtype (one float dtype
            for all) fix the layout.
    """

    def __init__(self, params: Params) -> None:
        self.names = tuple(params)
        self.shapes = tuple(np.shape(params[k]) for k in self.names)
        dtypes = {np.asarray(params[k]).dtype for k in self.names}
        if len(dtypes) != 1:
            raise ValueError(
                f"Joined: the parameters have dtypes {sorted(map(str, dtypes))}; joining "
                "needs one float dtype for all"
            )
        self.dtype = dtypes.pop()
        sizes = [math.prod(s) for s in self.shapes]
        ends = np.cumsum(sizes).tolist()
        self.bounds = tuple(zip([0, *ends[:-1]], ends, strict=True))
        self.size = int(ends[-1]) if ends else 0
        self._pieces = tuple(
            (k, slice(a, b), s)
            for k, (a, b), s in zip(self.names, self.bounds, self.shapes, strict=True)
        )

    def join(self, arrays: Sequence[np.ndarray]) -> np.ndarray:
        """One new vector (size,) of the arrays, given in the layout's order and shapes."""
        if len(arrays) != len(self.names):
            raise ValueError(
                f"Joined.join: {len(arrays)} arrays for the {len(self.names)} of the layout "
                f"{self.names}"
            )
        if not all(type(x) is np.ndarray for x in arrays):
            arrays = [np.asarray(x) for x in arrays]
        shapes = tuple(x.shape for x in arrays)
        if shapes != self.shapes:
            raise ValueError(
                f"Joined.join: arrays of shapes {shapes} for the layout's {self.shapes}"
            )
        return np.concatenate([x.ravel() for x in arrays]).astype(self.dtype, copy=False)

    def split(self, vector: np.ndarray) -> Params:
        """name -> a view of ``vector`` (size,) with the array's shape (no copy)."""
        if vector.shape != (self.size,):
            raise ValueError(
                f"Joined.split: a vector of shape {vector.shape} for a layout of "
                f"{self.size} entries"
            )
        return {k: vector[part].reshape(s) for k, part, s in self._pieces}


def joined_layout(optimizer: GradientTransformation, params: Params) -> Joined | None:
    """The layout to step ``params`` joined into one vector with ``optimizer``, or
    None where that does not apply: the optimizer is not elementwise, or the
    parameters are not float arrays of one dtype (they are then stepped array
    by array)."""
    if not optimizer.elementwise:
        return None
    arrays = list(params.values())
    if not arrays or not all(isinstance(a, np.ndarray) and a.dtype.kind == "f" for a in arrays):
        return None
    try:
        return Joined(params)
    except ValueError:
        return None
