"""How values enter the engine: float arrays, constant operands, and the
messages for operands that do not fit.

Kept apart from :mod:`chainrule.autodiff.tensor` so that the Tensor module
holds the class and its recording only.
"""

from __future__ import annotations

import os
import sys
from types import FrameType
from typing import Any

import numpy as np

from chainrule.autodiff import rules
from chainrule.autodiff.errors import ShapeError
from chainrule.autodiff.primitive import Primitive

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def as_float_array(data: Any) -> np.ndarray:
    arr = np.asarray(data)
    kind = arr.dtype.kind
    if kind == "f":
        return arr
    if kind in "biu":
        return arr.astype(np.float64)
    raise TypeError(
        f"Tensor: cannot hold data of dtype {arr.dtype}; give numbers "
        "(a float, int or bool array, a list of numbers, or a number)"
    )


def is_number(x: Any) -> bool:
    return isinstance(x, int | float | np.integer | np.floating) and not isinstance(x, bool)


def constant_operand(x: Any) -> Any:
    """A non-Tensor operand as the forward will see it, or NotImplemented."""
    kind = type(x)
    if kind is float or (kind is np.ndarray and x.dtype.kind == "f"):
        return x
    if isinstance(x, float | int | np.ndarray | np.generic) and not isinstance(x, bool):
        if isinstance(x, np.ndarray | np.generic) and x.dtype.kind not in "biuf":
            return NotImplemented
        return x
    if isinstance(x, list | tuple):
        try:
            return as_float_array(x)
        except (TypeError, ValueError):
            return NotImplemented
    return NotImplemented


def combine_error(op: Primitive, args: tuple[Any, ...]) -> ShapeError:
    shapes = [np.shape(a) for a in args]
    if op is rules.MATMUL:
        return ShapeError(
            f"matmul: {shapes[0]} @ {shapes[1]}: the leading (batch) dimensions "
            f"{shapes[0][:-2]} and {shapes[1][:-2]} cannot be broadcast together"
        )
    listed = " and ".join(str(s) for s in shapes)
    return ShapeError(
        f"{op.name}: shapes {listed} cannot be broadcast together: aligned from "
        "the right, each pair of dimensions must be equal or one of them 1"
    )


def user_frame() -> str:
    frame: FrameType | None = sys._getframe(1)
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame = frame.f_back
    if frame is None:
        return "an unknown place"
    return f"{frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}"
