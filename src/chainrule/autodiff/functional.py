"""``grad`` and ``value_and_grad``: gradients of functions of arrays.

The functions take NumPy arrays, call ``f`` on fresh Tensors and return NumPy
gradients. They never accumulate: each call starts from new leaves and writes
to no ``.grad``, not even on tensors that ``f`` closes over.

They nest. A transform (``grad``, ``value_and_grad``, and ``jacobian``,
``hessian``, ``hvp`` of :mod:`chainrule.autodiff.higher_order`) returns
**Tensors** instead of arrays when its result belongs to an outer
differentiation, so that the outer one sees how it depends on its inputs:

* an argument is a Tensor that requires grad (``grad(grad(f))``, or your own
  ``Tensor(..., requires_grad=True)`` passed in), or
* ``f`` uses a Tensor that an enclosing transform handed to its own function
  (``grad(lambda x: x * grad(lambda y: x * y)(2.0))(1.0)`` is 2.0).

The gradient is then computed by the reverse pass run on Tensors
(:func:`~chainrule.autodiff.backward.backpropagate_recorded`). Otherwise the
arrays are computed as before, at the same cost. Tensors you created yourself
and that ``f`` only closes over are read as constants: their ``.grad`` is
never written, and the result is an array (pass them as arguments, or use
``backward(create_graph=True)``, to differentiate through them).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

import numpy as np

from chainrule.autodiff import rules
from chainrule.autodiff.backward import backpropagate, backpropagate_recorded, topological_order
from chainrule.autodiff.modes import MODES
from chainrule.autodiff.tensor import Tensor, apply


def value_and_grad(
    f: Callable[..., Any], argnums: int | Sequence[int] = 0
) -> Callable[..., tuple[Any, Any]]:
    """Returns a function computing ``(f(*args), d f / d args[argnums])``.

    Args:
        f: a function of Tensors returning a one-element Tensor (a loss).
        argnums: the position of the argument to differentiate, or a sequence
            of positions (a position named twice gets its gradient twice).

    Returns:
        A function of the same arguments as ``f`` (arrays, lists, numbers or
        Tensors) returning ``(value, gradient)``: the value as a float, the
        gradient as an array of the argument's shape, or a tuple of arrays
        when ``argnums`` is a sequence. An argument ``f`` does not use gets
        zeros. Inside an outer differentiation (see the module docstring) the
        value is a 0-d Tensor and the gradients are Tensors, recorded.

    Example:
        >>> import numpy as np
        >>> from chainrule import value_and_grad
        >>> value_and_grad(lambda w: (w * w).sum())(np.array([1.0, 2.0]))
        (5.0, array([2., 4.]))
    """
    positions, single = _positions(argnums)

    def wrapped(*args: Any) -> tuple[Any, Any]:
        call = Application(args, positions, argnums)
        with call:
            out = f(*call.inputs)
        record = call.records(out)
        value = _scalar_value(out, record)
        seed = np.ones_like(out.data) if isinstance(out, Tensor) else None
        grads = call.per_position(call.pullback(out, seed, record))
        return value, grads[0] if single else tuple(grads)

    wrapped.__name__ = f"value_and_grad({getattr(f, '__name__', 'f')})"
    wrapped.__doc__ = f.__doc__
    return wrapped


def grad(f: Callable[..., Any], argnums: int | Sequence[int] = 0) -> Callable[..., Any]:
    """Returns a function computing the gradient of ``f`` (see :func:`value_and_grad`).

    ``grad(grad(f))`` is the second derivative of a function of one number.
    """
    vg = value_and_grad(f, argnums)

    def wrapped(*args: Any) -> Any:
        return vg(*args)[1]

    wrapped.__name__ = f"grad({getattr(f, '__name__', 'f')})"
    wrapped.__doc__ = f.__doc__
    return wrapped


class Application:
    """One call of a transform: the inputs handed to ``f`` and how to pull back.

    A differentiated argument becomes a fresh leaf, or, when it is a Tensor
    that requires grad, a recorded view of it (a reshape to its own shape):
    the gradient stops at the view and stays connected to the argument's
    graph. Used as a context manager around the call of ``f``: recording is
    on (even inside ``no_grad``, whose result is then not recorded) and the
    inputs are registered as traced, so transforms nested in ``f`` know that
    a value depending on them belongs to this one.
    """

    def __init__(
        self, args: Sequence[Any], positions: tuple[int, ...], argnums: int | Sequence[int]
    ) -> None:
        for p in positions:
            if p >= len(args):
                raise TypeError(
                    f"argnums={argnums!r} refers to argument {p}, but the function "
                    f"was called with {len(args)} arguments"
                )
        outer = MODES.grad_enabled
        self.connected = outer and any(_is_traced(a) for a in args)
        self.unique = tuple(dict.fromkeys(positions))
        self.index = [self.unique.index(p) for p in positions]
        self.inputs = list(args)
        self.targets: list[Tensor] = []
        self._previous = outer
        for p in self.unique:
            a = args[p]
            if outer and _is_traced(a):
                t = apply(rules.RESHAPE, a, shape=a.shape)
            else:
                t = Tensor(a.data if isinstance(a, Tensor) else a, requires_grad=True)
            self.inputs[p] = t
            self.targets.append(t)

    def __enter__(self) -> Application:
        MODES.grad_enabled = True
        for t in self.targets:
            MODES.traced[id(t)] = t
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        for t in self.targets:
            MODES.traced.pop(id(t), None)
        MODES.grad_enabled = self._previous

    def records(self, *outputs: Any) -> bool:
        """Whether results computed from ``outputs`` belong to an outer
        differentiation and must be recorded Tensors (see the module docstring)."""
        if self.connected:
            return True
        traced = MODES.traced
        if not traced or not self._previous:
            return False
        roots = [o for o in outputs if isinstance(o, Tensor) and o.requires_grad]
        return any(id(n) in traced for root in roots for n in topological_order(root))

    def pullback(self, root: Any, seed: Any, record: bool) -> list[Any]:
        """d(root)/d(input) · seed for each distinct differentiated argument.

        Args:
            root: what ``f`` returned (a Tensor, or a constant).
            seed: d(loss)/d(root), an array (or Tensor) of ``root``'s shape.
            record: return recorded Tensors (else fresh NumPy arrays).
        """
        if not isinstance(root, Tensor) or not root.requires_grad:
            return [self._zeros(t, record) for t in self.targets]
        if record:
            previous = MODES.grad_enabled
            MODES.grad_enabled = True
            try:
                seed_t = seed if isinstance(seed, Tensor) else Tensor(seed)
                found = backpropagate_recorded(root, seed_t, self.targets)
            finally:
                MODES.grad_enabled = previous
            return [found[t] if t in found else self._zeros(t, record=True) for t in self.targets]
        values = backpropagate(root, seed)
        return [
            np.array(values[t], dtype=t.dtype) if t in values else self._zeros(t, record=False)
            for t in self.targets
        ]

    def per_position(self, results: list[Any]) -> list[Any]:
        """``results`` (one per distinct argument) in ``argnums`` order; a
        position named twice gets a second, independent array."""
        out = []
        used: set[int] = set()
        for i in self.index:
            r = results[i]
            if i in used and isinstance(r, np.ndarray):
                r = r.copy()
            used.add(i)
            out.append(r)
        return out

    @staticmethod
    def _zeros(t: Tensor, record: bool) -> Any:
        zeros = np.zeros(t.shape, t.dtype)
        return Tensor(zeros) if record else zeros


def _is_traced(a: Any) -> bool:
    return isinstance(a, Tensor) and a.requires_grad


def _scalar_value(out: Any, record: bool) -> Any:
    """The loss as a float (a 0-d Tensor when recorded), or the error for a non-scalar."""
    if np.size(out.data if isinstance(out, Tensor) else out) != 1:
        if isinstance(out, Tensor):
            raise ValueError(
                f"f must return a scalar loss, got a tensor of shape {out.shape}; "
                "reduce it with .sum() or .mean(), or use Tensor.backward(grad=...) "
                "for a vector-Jacobian product, or jacobian(f)"
            )
        raise ValueError(f"f must return a scalar loss, got shape {np.shape(out)}")
    if isinstance(out, Tensor):
        return out.reshape(()) if record else float(out.data.reshape(()))
    value = float(np.asarray(out).reshape(()))
    return Tensor(value) if record else value


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
