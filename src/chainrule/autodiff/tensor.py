"""``Tensor``: a NumPy array that records the operations applied to it.

Every operation runs a primitive of :mod:`chainrule.autodiff.rules` (or is
composed from several) and, when an input requires grad, records the result
as a node of the graph that :meth:`Tensor.backward` walks in reverse.
"""

from __future__ import annotations

import itertools
import math
import sys
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from chainrule.autodiff import rules
from chainrule.autodiff.axes import normalize_axes, normalize_axis
from chainrule.autodiff.backward import _check_finite, backpropagate, backpropagate_recorded
from chainrule.autodiff.conversion import (
    as_float_array,
    combine_error,
    constant_operand,
    is_number,
    user_frame,
)
from chainrule.autodiff.elementwise import ElementwiseMethods
from chainrule.autodiff.errors import ShapeError
from chainrule.autodiff.modes import MODES, value_read
from chainrule.autodiff.primitive import Primitive
from chainrule.autodiff.structure import StructureMethods

_NO_PARAMS: dict[str, Any] = {}
_CPYTHON = sys.implementation.name == "cpython"
_counter = itertools.count(1)  # orders recorded nodes; see backward.topological_order
_as_float_array = as_float_array  # the name other modules of the engine import


class Tensor(ElementwiseMethods, StructureMethods):
    """An array that remembers how it was computed, for reverse-mode autodiff.

    Args:
        data: anything ``numpy.asarray`` accepts. Integer and boolean data
            become float64; float16/32/64 are kept. The array is wrapped
            without a copy when it already is a float array.
        requires_grad: whether gradients with respect to this tensor are
            wanted. Results of operations on such tensors record the graph.

    Attributes:
        data: the values, a NumPy array.
        grad: after :meth:`backward`, d(output)/d(this tensor), an array of
            ``self.shape``; ``None`` before. Filled on leaves (tensors you
            created) and on tensors marked with :meth:`retain_grad`. After
            ``backward(create_graph=True)`` it is a recorded Tensor instead.
        requires_grad: see above.

    Operators ``+ - * /`` broadcast as NumPy does and take a Tensor, an array
    or a number on either side; ``**`` takes a number exponent (or a positive
    number base); ``@`` is the matrix product (of the last two axes, with
    leading axes broadcast, and 1-D operands treated as vectors).

    The NumPy-named functions (``sin``, ``sqrt``, ``maximum``, ``clip``,
    activations, comparisons) come from
    :class:`~chainrule.autodiff.elementwise.ElementwiseMethods`; indexing
    ``t[i]``, ``squeeze``, ``max``, ``logsumexp``, ``var``, ``prod``... from
    :class:`~chainrule.autodiff.structure.StructureMethods`. ``<``, ``>``,
    ``<=``, ``>=`` return NumPy boolean arrays; ``==`` stays identity, so a
    Tensor can key a dict (use ``t.equal(u)`` elementwise).
    """

    __slots__ = (
        "__weakref__",
        "_args",
        "_op",
        "_origin",
        "_params",
        "_parents",
        "_retain",
        "_seq",
        "data",
        "grad",
        "requires_grad",
    )
    # NumPy defers every operator to Tensor, so ``array + tensor`` is recorded.
    __array_ufunc__ = None

    data: np.ndarray
    grad: np.ndarray | Tensor | None  # a Tensor after backward(create_graph=True)
    requires_grad: bool
    _op: Primitive | None
    _args: tuple[Any, ...]
    _params: dict[str, Any]
    _parents: tuple[tuple[int, Tensor], ...]
    _retain: bool
    _origin: str | None
    _seq: int

    def __init__(self, data: Any, requires_grad: bool = False) -> None:
        self.data = as_float_array(data.data if isinstance(data, Tensor) else data)
        self.grad = None
        self.requires_grad = bool(requires_grad)
        self._op = None
        self._args = ()
        self._params = _NO_PARAMS
        self._parents = ()
        self._retain = False
        self._origin = None
        self._seq = 0

    @staticmethod
    def _apply(op: Primitive, *inputs: Any, **params: Any) -> Tensor:
        """The recording door (:func:`apply`), for the methods of the base classes."""
        return apply(op, *inputs, **params)

    def _apply1(self, op: Primitive, **params: Any) -> Tensor:
        """A one-input primitive on this tensor: the short path of :func:`apply`."""
        return _unary(op, self, **params)

    def _own(self) -> Tensor:
        return self

    # --- properties -------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def dtype(self) -> np.dtype[Any]:
        return self.data.dtype

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded operation."""
        return self._op is None

    @property
    def T(self) -> Tensor:
        """All axes reversed, as NumPy's ``.T``: the transpose of a matrix."""
        return self.transpose()

    @property
    def mT(self) -> Tensor:
        """The last two axes swapped (a stack of transposed matrices)."""
        if self.ndim < 2:
            raise ShapeError(f"mT: needs at least 2 axes, got shape {self.shape}")
        axes = list(range(self.ndim))
        axes[-2], axes[-1] = axes[-1], axes[-2]
        return self.transpose(*axes)

    def __len__(self) -> int:
        return len(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ""
        if self.dtype != np.float64:
            extra += f", dtype={self.dtype}"
        if self.requires_grad:
            extra += ", requires_grad=True"
        return f"Tensor({body}{extra})"

    def __float__(self) -> float:
        return self.item()

    def item(self) -> float:
        """The value of a one-element tensor as a Python float."""
        if self.data.size != 1:
            raise ValueError(f"item(): the tensor has shape {self.shape}, not one element")
        value_read(self, "item() or float()")
        return float(self.data.reshape(()))

    def numpy(self) -> np.ndarray:
        """The values as a NumPy array (the same memory, not a copy)."""
        value_read(self, "numpy()")
        return self.data

    def astype(self, dtype: Any) -> Tensor:
        """The values in another float dtype (float16, float32, float64); the
        gradient is cast back to this tensor's dtype."""
        target = np.dtype(dtype)
        if target.kind != "f":
            raise TypeError(f"astype: a Tensor holds floats; got dtype {target}")
        if target == self.dtype:
            return self
        return _unary(rules.ASTYPE, self, dtype=target)

    def detach(self) -> Tensor:
        """A tensor with the same data that is cut from the graph."""
        return Tensor(self.data)

    # --- gradients --------------------------------------------------------

    def backward(self, grad: Any = None, create_graph: bool = False) -> None:
        """Computes d(self)/d(leaf) for every leaf that requires grad.

        The gradients **accumulate**, as in PyTorch: each call *adds* into
        ``leaf.grad`` (``None`` counts as zero), so two calls give twice the
        gradient. Clear them between steps with :meth:`zero_grad` or by
        assigning ``leaf.grad = None``. The graph is kept, so calling twice is
        allowed. A tensor used k times receives the sum of its k contributions.

        Args:
            grad: d(loss)/d(self), an array (or Tensor) of ``self.shape``. May
                be omitted only when ``self`` holds a single value (a scalar
                loss), where it is 1.
            create_graph: if True, the reverse pass runs the rule table's VJPs
                on Tensors, so each ``.grad`` is a Tensor whose computation is
                recorded and can be differentiated again (a gradient of a
                gradient: ``x.grad.sum().backward()`` adds second derivatives
                into ``x.grad``'s leaves). If False (the default), ``.grad``
                holds NumPy arrays and nothing more is recorded.

        Raises:
            ValueError: ``self`` has more than one element and no ``grad`` was
                given, or ``grad`` has the wrong shape.
            RuntimeError: ``self`` does not require grad.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "backward(): this tensor does not require grad. Create the inputs "
                "you want gradients for with Tensor(..., requires_grad=True), "
                "outside no_grad()."
            )
        if grad is None:
            if self.data.size != 1:
                raise ValueError(
                    f"backward(): the tensor has shape {self.shape}, so its gradient "
                    f"cannot be assumed to be 1. Pass grad=, an array of shape "
                    f"{self.shape} holding d(loss)/d(this tensor), or reduce it to a "
                    "scalar first, e.g. t.sum().backward() or t.mean().backward()."
                )
            seed = np.ones(self.data.shape, self.data.dtype)
        else:
            seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad, dtype=self.dtype)
            if seed.shape != self.shape:
                raise ValueError(
                    f"backward(): grad has shape {seed.shape} but the tensor has "
                    f"shape {self.shape}; they must be equal."
                )
        if create_graph:
            recorded_seed = grad if isinstance(grad, Tensor) else Tensor(seed)
            for node, g in backpropagate_recorded(self, recorded_seed).items():
                node.grad = g if node.grad is None else node.grad + g
            return
        found = backpropagate(self, seed)
        del seed, grad
        for node in found:
            g = found[node]
            dtype = node.data.dtype
            if node.grad is not None:
                previous = node.grad.data if isinstance(node.grad, Tensor) else node.grad
                node.grad = np.asarray(previous + g, dtype=dtype)
            elif (
                _CPYTHON
                and type(g) is np.ndarray
                and g.base is None
                and g.dtype == dtype
                and sys.getrefcount(g) <= 3  # held only by `found`, `g` and this call
            ):
                node.grad = g  # a fresh array no one else sees: no copy needed
            else:
                node.grad = np.array(g, dtype=dtype)

    def zero_grad(self) -> None:
        """Forgets the accumulated gradient (sets ``.grad`` to None)."""
        self.grad = None

    def retain_grad(self) -> Tensor:
        """Asks :meth:`backward` to fill ``.grad`` on this non-leaf tensor too."""
        self._retain = True
        return self

    # --- arithmetic -------------------------------------------------------

    def __add__(self, other: Any) -> Tensor:
        return _binary(rules.ADD, self, other)

    def __radd__(self, other: Any) -> Tensor:
        return _binary(rules.ADD, other, self)

    def __sub__(self, other: Any) -> Tensor:
        return _binary(rules.SUB, self, other)

    def __rsub__(self, other: Any) -> Tensor:
        return _binary(rules.SUB, other, self)

    def __mul__(self, other: Any) -> Tensor:
        return _binary(rules.MUL, self, other)

    def __rmul__(self, other: Any) -> Tensor:
        return _binary(rules.MUL, other, self)

    def __truediv__(self, other: Any) -> Tensor:
        return _binary(rules.DIV, self, other)

    def __rtruediv__(self, other: Any) -> Tensor:
        return _binary(rules.DIV, other, self)

    def __neg__(self) -> Tensor:
        return _unary(rules.NEG, self)

    def __pos__(self) -> Tensor:
        return self

    def __pow__(self, exponent: Any) -> Tensor:
        if not is_number(exponent):
            raise TypeError(
                f"x ** y needs a number exponent, got {type(exponent).__name__}; "
                "for a tensor exponent write (y * x.log()).exp()"
            )
        return _unary(rules.POW, self, exponent=exponent)

    def __rpow__(self, base: Any) -> Tensor:
        if not is_number(base):
            return NotImplemented
        if base <= 0:
            raise ValueError(
                f"base ** x needs a positive number base, got {base}; it is "
                "computed as exp(x * log(base))"
            )
        return (self * math.log(base)).exp()

    def __matmul__(self, other: Any) -> Tensor:
        return _matmul(self, other)

    def __rmatmul__(self, other: Any) -> Tensor:
        return _matmul(other, self)

    # --- shape ------------------------------------------------------------

    def transpose(self, *axes: int | Sequence[int]) -> Tensor:
        """Permutes the axes; with no arguments, reverses them (``.T``)."""
        flat: tuple[Any, ...] = (
            tuple(axes[0]) if len(axes) == 1 and isinstance(axes[0], Sequence) else axes
        )
        ndim = self.ndim
        if not flat:
            perm = tuple(range(ndim - 1, -1, -1))
        else:
            perm = tuple(normalize_axis(a, ndim, "transpose") for a in flat)
            if sorted(perm) != list(range(ndim)):
                raise ShapeError(
                    f"transpose: axes {axes} are not a permutation of the {ndim} axes "
                    f"of a tensor of shape {self.shape}"
                )
        return _unary(rules.TRANSPOSE, self, axes=perm)

    def reshape(self, *shape: int | Iterable[int]) -> Tensor:
        """The same elements with a new shape; one dimension may be -1."""
        if len(shape) == 1 and not isinstance(shape[0], int | np.integer):
            target = tuple(int(d) for d in shape[0])
        else:
            target = tuple(int(d) for d in shape)  # type: ignore[arg-type]
        try:
            resolved = self.data.reshape(target).shape
        except ValueError:
            raise ShapeError(
                f"reshape: cannot reshape a tensor of shape {self.shape} "
                f"({self.size} elements) into {target}"
            ) from None
        return _unary(rules.RESHAPE, self, shape=resolved)

    # --- reductions ---------------------------------------------------------

    def sum(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Sum over ``axis`` (all axes when None)."""
        return _unary(
            rules.SUM, self, axis=normalize_axes(axis, self.ndim, "sum"), keepdims=bool(keepdims)
        )

    def mean(self, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Tensor:
        """Mean over ``axis`` (all axes when None): the sum times 1/count."""
        axes = normalize_axes(axis, self.ndim, "mean")
        count = math.prod(self.shape[a] for a in axes)
        if count == 0:
            raise ValueError(f"mean: the axes {axes} of a tensor of shape {self.shape} are empty")
        if self.dtype == np.float16:  # accumulate in float32, as NumPy does
            wide = _unary(rules.SUM, self.astype(np.float32), axis=axes, keepdims=bool(keepdims))
            return (wide * (1.0 / count)).astype(np.float16)
        return _unary(rules.SUM, self, axis=axes, keepdims=bool(keepdims)) * (1.0 / count)

    # --- elementwise functions ----------------------------------------------

    def exp(self) -> Tensor:
        return _unary(rules.EXP, self)

    def log(self) -> Tensor:
        return _unary(rules.LOG, self)

    def tanh(self) -> Tensor:
        return _unary(rules.TANH, self)

    def sigmoid(self) -> Tensor:
        return _unary(rules.SIGMOID, self)

    def relu(self) -> Tensor:
        return _unary(rules.RELU, self)

    def softplus(self) -> Tensor:
        """log(1 + e^x), computed without overflow."""
        return _unary(rules.SOFTPLUS, self)


# --- recording ---------------------------------------------------------------


def apply(op: Primitive, *inputs: Any, **params: Any) -> Tensor:
    """Runs the primitive ``op`` on Tensors or constants and records the result.

    This is the one door into the graph; the Tensor methods are shortcuts to
    it. ``params`` are the primitive's static parameters (``axis``, ``shape``,
    ``exponent``...), already validated.
    """
    if len(inputs) != op.arity:
        raise TypeError(f"{op.name}: takes {op.arity} inputs, got {len(inputs)}")
    args = tuple(x.data if isinstance(x, Tensor) else x for x in inputs)
    try:
        out = op.forward(*args, **params)
    except ValueError:
        raise combine_error(op, args) from None
    parents = tuple(
        (i, x) for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad
    )
    return _record(op, out, args, parents, params or _NO_PARAMS)


def _unary(op: Primitive, x: Tensor, **params: Any) -> Tensor:
    data = x.data
    return _record(
        op, op.forward(data, **params), (data,), ((0, x),) if x.requires_grad else (), params
    )


def _binary(op: Primitive, a: Any, b: Any) -> Tensor:
    # The hot path of every arithmetic operator: kept flat on purpose.
    if isinstance(a, Tensor):
        av = a.data
        a_grad = a.requires_grad
    else:
        av = constant_operand(a)
        a_grad = False
        if av is NotImplemented:
            return NotImplemented
    if isinstance(b, Tensor):
        bv = b.data
        b_grad = b.requires_grad
    else:
        bv = constant_operand(b)
        b_grad = False
        if bv is NotImplemented:
            return NotImplemented
    try:
        out = op.forward(av, bv)
    except ValueError:
        raise combine_error(op, (av, bv)) from None
    return _record(op, out, (av, bv), _parents_of_two(a, a_grad, b, b_grad), _NO_PARAMS)


def _parents_of_two(a: Any, a_grad: bool, b: Any, b_grad: bool) -> tuple[tuple[int, Tensor], ...]:
    if a_grad:
        return ((0, a), (1, b)) if b_grad else ((0, a),)
    return ((1, b),) if b_grad else ()


def _record(
    op: Primitive,
    out: Any,
    args: tuple[Any, ...],
    parents: tuple[tuple[int, Tensor], ...],
    params: dict[str, Any],
) -> Tensor:
    t = _new_tensor(Tensor)
    t.data = out if type(out) is np.ndarray else np.asarray(out)
    t.grad = None
    t._retain = False
    t._origin = None
    if parents and MODES.grad_enabled:
        t._seq = next(_counter)
        t.requires_grad = True
        t._op = op
        t._args = args
        t._params = params
        t._parents = parents
    else:
        t._seq = 0
        t.requires_grad = False
        t._op = None
        t._args = ()
        t._params = _NO_PARAMS
        t._parents = ()
    if MODES.anomaly:
        t._origin = user_frame()
        t._args = args
        _check_finite(t.data, f"the forward of {op.name}", t)
    return t


_new_tensor = Tensor.__new__


def _matmul(a: Any, b: Any) -> Tensor:
    av = a.data if isinstance(a, Tensor) else constant_operand(a)
    bv = b.data if isinstance(b, Tensor) else constant_operand(b)
    if av is NotImplemented or bv is NotImplemented:
        return NotImplemented
    sa: tuple[int, ...] = getattr(av, "shape", ())
    sb: tuple[int, ...] = getattr(bv, "shape", ())
    if len(sa) == 0 or len(sb) == 0:
        raise ShapeError(
            f"matmul: {sa} @ {sb}: @ needs arrays with at least 1 axis; use * to scale"
        )
    if sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        inner_b = sb[-2 if len(sb) > 1 else 0]
        raise ShapeError(f"matmul: {sa} @ {sb}: inner dimensions {sa[-1]} and {inner_b} differ")
    if len(sa) > 1 and len(sb) > 1:
        try:
            out = av @ bv
        except ValueError:
            raise combine_error(rules.MATMUL, (av, bv)) from None
        parents = _parents_of_two(
            a,
            isinstance(a, Tensor) and a.requires_grad,
            b,
            isinstance(b, Tensor) and b.requires_grad,
        )
        return _record(rules.MATMUL, out, (av, bv), parents, _NO_PARAMS)
    a_t = a if isinstance(a, Tensor) else Tensor(av)
    b_t = b if isinstance(b, Tensor) else Tensor(bv)
    if len(sa) == 1 and len(sb) == 1:
        return (a_t.reshape(1, sa[0]) @ b_t.reshape(sb[0], 1)).reshape(())
    if len(sa) == 1:
        out = a_t.reshape(1, sa[0]) @ b_t
        return out.reshape(out.shape[:-2] + out.shape[-1:])
    return (a_t @ b_t.reshape(sb[0], 1)).reshape(sa[:-1])
