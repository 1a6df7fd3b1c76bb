"""``grad`` and ``value_and_grad``: gradients of functions of arrays.

The functions take NumPy arrays, call ``f`` on fresh Tensors and return NumPy
gradients. They never accumulate: each call starts from new leaves and writes
to no ``.grad``, not even on tensors that ``f`` closes over.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autodiff.backward import backpropagate
from chainrule.autodiff.tensor import Tensor


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[float, Any]]:
    """Returns a function computing ``(f(*args), d f / d args[argnums])``.

    Args:
        f: a function of Tensors returning a one-element Tensor (a loss).
        argnums: the position of the argument to differentiate, or a sequence
            of positions.

    Returns:
        A function of the same arguments as ``f`` (arrays, lists or numbers)
        returning ``(value, gradient)``: the value as a float, the gradient as
        an array of the argument's shape, or a tuple of arrays when
        ``argnums`` is a sequence. An argument ``f`` does not use gets zeros.

    Example:
        >>> import numpy as np
        >>> from chainrule import value_and_grad
        >>> value_and_grad(lambda w: (w * w).sum())(np.array([1.0, 2.0]))
        (5.0, array([2., 4.]))
    """
    positions, single = _positions(argnums)

    def wrapped(*args: Any) -> tuple[float, Any]:
        for p in positions:
            if p >= len(args):
                raise TypeError(
                    f"argnums={argnums!r} refers to argument {p}, but the function "
                    f"was called with {len(args)} arguments"
                )
        inputs = list(args)
        leaves = [Tensor(args[p], requires_grad=True) for p in positions]
        for p, leaf in zip(positions, leaves, strict=True):
            inputs[p] = leaf
        out = f(*inputs)
        value, grads = _gradients(out, leaves)
        return value, grads[0] if single else tuple(grads)

    wrapped.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    wrapped.__doc__ = f.__doc__
    return wrapped


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Returns a function computing the gradient of ``f`` (see :func:`value_and_grad`)."""
    vg = value_and_grad(f, argnums)

    def wrapped(*args: Any) -> Any:
        return vg(*args)[1]

    wrapped.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    wrapped.__doc__ = f.__doc__
    return wrapped


def _positions(argnums: int | Sequence[int]) -> tuple[tuple[int, ...], bool]:
    if isinstance(argnums, bool) or not isinstance(argnums, int | Sequence):
        raise TypeError(f"argnums must be an int or a sequence of ints, got {argnums!r}")
    if isinstance(argnums, int):
        positions: tuple[int, ...] = (argnums,)
        single = True
    else:
        positions = tuple(argnums)
        single = False
        if not positions:
            raise ValueError("argnums is empty: name at least one argument to differentiate")
    for p in positions:
        if not isinstance(p, int) or isinstance(p, bool) or p < 0:
            raise TypeError(f"argnums must hold non-negative ints, got {argnums!r}")
    return positions, single


def _gradients(out: Any, leaves: list[Tensor]) -> tuple[float, list[np.ndarray]]:
    if not isinstance(out, Tensor):
        if np.size(out) != 1:
            raise ValueError(f"f must return a scalar loss, got shape {np.shape(out)}")
        return float(np.asarray(out).reshape(())), [np.zeros_like(leaf.data) for leaf in leaves]
    if out.size != 1:
        raise ValueError(
            f"f must return a scalar loss, got a tensor of shape {out.shape}; "
            "reduce it with .sum() or .mean(), or use Tensor.backward(grad=...) "
            "for a vector-Jacobian product"
        )
    value = out.item()
    if not out.requires_grad:
        return value, [np.zeros_like(leaf.data) for leaf in leaves]
    found = backpropagate(out, np.ones_like(out.data))
    grads = []
    for leaf in leaves:
        g = found.get(leaf)
        grads.append(np.zeros_like(leaf.data) if g is None else np.array(g, dtype=leaf.dtype))
    return value, grads
