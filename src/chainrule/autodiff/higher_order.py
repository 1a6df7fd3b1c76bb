"""Jacobians, Hessians and Hessian-vector products, by reverse passes.

Each is a transform like :func:`~chainrule.autodiff.functional.grad`: it
takes a function of Tensors and returns a function of arrays, with
``argnums`` naming the arguments to differentiate, and it nests the same
way (inside an outer differentiation its results are recorded Tensors).

* ``jacobian(f)``: one reverse pass per output element.
* ``hessian(f)`` is ``jacobian(grad(f))``: the gradient is computed as a
  recorded graph, then differentiated once per parameter.
* ``hvp(f)(x, v)`` = H(x) v without forming H: the gradient g(x) is
  recorded, and one reverse pass of the scalar g(x)·v gives H v (the Hessian
  is symmetric). It costs about three gradients, whatever the size of x.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autodiff.errors import ShapeError
from chainrule.autodiff.functional import Application, _positions, _scalar_value, grad
from chainrule.autodiff.functions import stack
from chainrule.autodiff.tensor import Tensor, _as_float_array


def jacobian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Returns a function computing the Jacobian of ``f`` (reverse mode).

    Args:
        f: a function of Tensors returning a Tensor of any shape, or a tuple
            of Tensors.
        argnums: the position of the argument to differentiate, or a sequence
            of positions.

    Returns:
        A function of the same arguments as ``f``. For an output of shape
        ``out`` and an argument of shape ``in`` the Jacobian is an array of
        shape ``out + in``: ``J[i..., j...] = d out[i...] / d x[j...]``. With
        a sequence ``argnums`` the result is a tuple (one Jacobian per
        argument); when ``f`` returns a tuple, a tuple over its outputs of
        those. It costs one reverse pass per output element.

    Example:
        >>> import numpy as np
        >>> from chainrule import jacobian
        >>> jacobian(lambda x: x * x)(np.array([1.0, 2.0]))
        array([[2., 0.],
               [0., 4.]])
    """
    positions, single = _positions(argnums)

    def wrapped(*args: Any) -> Any:
        call = Application(args, positions, argnums)
        with call:
            out = f(*call.inputs)
        outputs = out if isinstance(out, tuple) else (out,)
        record = call.records(*outputs)
        results = []
        for o in outputs:
            per_input = call.per_position(_jacobian_of(call, o, record))
            results.append(per_input[0] if single else tuple(per_input))
        return tuple(results) if isinstance(out, tuple) else results[0]

    wrapped.__name__ = f"jacobian({getattr(f, '__name__', 'f')})"
    wrapped.__doc__ = f.__doc__
    return wrapped


def hessian(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Returns a function computing the Hessian of a scalar ``f``.

    Args:
        f: a function of Tensors returning a one-element Tensor (a loss).
        argnums: as in :func:`jacobian`.

    Returns:
        A function of the same arguments as ``f``. For an argument of shape
        ``s`` the Hessian has shape ``s + s``: ``H[i..., j...] = d²f / dx[i...]
        dx[j...]`` (for a vector of n parameters, an (n, n) symmetric matrix).
        With a sequence ``argnums`` it is a tuple of tuples, ``H[a][b]`` of
        shape ``shape_a + shape_b``, as ``torch.autograd.functional.hessian``.
        It costs one gradient and one reverse pass per parameter.
    """
    h = jacobian(grad(f, argnums), argnums)
    h.__name__ = f"hessian({getattr(f, '__name__', 'f')})"
    return h


def hvp(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Returns a function computing a Hessian-vector product H v, never forming H.

    Args:
        f: a function of Tensors returning a one-element Tensor (a loss).
        argnums: as in :func:`jacobian`.

    Returns:
        A function called as ``hvp(f)(*args, v)``: the arguments of ``f``,
        then ``v``, an array of the differentiated argument's shape (a tuple
        of such arrays, one per position, for a sequence ``argnums``). It
        returns H v in the shape of ``v``: for one argument x, the array
        ``Σ_j d²f / dx[i] dx[j] · v[j]``; for several, the tuple whose entry a
        is ``Σ_b H[a][b] v[b]``.

    Example:
        >>> import numpy as np
        >>> from chainrule import hvp
        >>> f = lambda x: (x * x * x).sum()            # H = diag(6 x)
        >>> hvp(f)(np.array([1.0, 2.0]), np.array([1.0, 1.0]))
        array([ 6., 12.])
    """
    positions, single = _positions(argnums)

    def wrapped(*args: Any) -> Any:
        if len(args) < 2:
            raise TypeError(
                "hvp(f) is called as hvp(f)(*args, v): the arguments of f, then the "
                f"vector v; got {len(args)} argument(s)"
            )
        *fargs, v = args
        call = Application(fargs, positions, argnums)
        vectors = _vectors(v, call, positions, single)
        with call:
            out = f(*call.inputs)
        _scalar_value(out, record=False)  # refuses a non-scalar f
        record = call.records(out) or any(
            isinstance(u, Tensor) and u.requires_grad for u in vectors
        )
        seed = np.ones_like(out.data) if isinstance(out, Tensor) else None
        gradients = call.per_position(call.pullback(out, seed, record=True))
        dot: Any = Tensor(0.0)
        for g, u in zip(gradients, vectors, strict=True):
            dot = dot + (g * u).sum()
        products = call.per_position(call.pullback(dot, np.ones((), dot.dtype), record))
        return products[0] if single else tuple(products)

    wrapped.__name__ = f"hvp({getattr(f, '__name__', 'f')})"
    wrapped.__doc__ = f.__doc__
    return wrapped


def _jacobian_of(call: Application, out: Any, record: bool) -> list[Any]:
    """The Jacobian of one output with respect to each distinct argument."""
    data = out.data if isinstance(out, Tensor) else np.asarray(out)
    shape = data.shape
    rows: list[list[Any]] = [[] for _ in call.targets]
    for i in range(data.size):
        seed = np.zeros(data.size, dtype=data.dtype if data.dtype.kind == "f" else np.float64)
        seed[i] = 1.0
        for k, g in enumerate(call.pullback(out, seed.reshape(shape), record)):
            rows[k].append(g)
    return [
        _stack(r, shape, t.shape, t.dtype, record) for r, t in zip(rows, call.targets, strict=True)
    ]


def _stack(
    rows: list[Any], out_shape: tuple[int, ...], in_shape: tuple[int, ...], dtype: Any, record: bool
) -> Any:
    """Rows d out[i] / d x, each of ``in_shape``, as one array of ``out_shape + in_shape``."""
    if not rows:
        zeros = np.zeros(out_shape + in_shape, dtype)
        return Tensor(zeros) if record else zeros
    if not record:
        return np.stack(rows).reshape(out_shape + in_shape)
    return stack(rows).reshape(out_shape + in_shape)


def _vectors(v: Any, call: Application, positions: tuple[int, ...], single: bool) -> list[Any]:
    """``v`` as one array (or Tensor) per position, each checked against its argument."""
    if single:
        given = [v]
    elif not isinstance(v, tuple | list) or len(v) != len(positions):
        raise TypeError(
            f"hvp with argnums={positions!r} needs v as a tuple of {len(positions)} arrays, "
            f"one per argument; got {type(v).__name__}"
        )
    else:
        given = list(v)
    vectors = []
    for u, p in zip(given, positions, strict=True):
        u = u if isinstance(u, Tensor) else _as_float_array(u)
        shape = call.inputs[p].shape
        if u.shape != shape:
            raise ShapeError(
                f"hvp: v has shape {u.shape} but argument {p} has shape {shape}; "
                "v must have the shape of the argument it multiplies"
            )
        vectors.append(u)
    return vectors
