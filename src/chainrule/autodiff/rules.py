"""The rule table: every primitive operation, its forward beside its derivative.

Each primitive is a :class:`Primitive` holding a NumPy forward and one
vector-Jacobian product (VJP) per array input. A VJP has the signature
``vjp(g, ans, *inputs, **params)``: ``g`` is the gradient of the loss with
respect to the output ``ans``, and the VJP returns the gradient with respect
to one input. Broadcasting is *not* undone here: a VJP may return a gradient of
the broadcast shape and the engine sums it back to the input's shape, once,
for every primitive (see :func:`chainrule.autodiff.backward.sum_to`).

The forwards and VJPs use only ``+ - * / ** @``, ``.mT``, ``.sum``,
``.reshape``, ``.transpose`` and the functions of
:mod:`chainrule.autodiff.vocabulary`, so the same rules run on NumPy arrays,
on Tensors (the backward pass of a backward pass) and on symbolic matrices.

Everything else (mean, softmax, log_softmax, MSE and the binary
cross-entropies, subtraction of a constant shift, ``number ** x``) is
composed from these primitives in :mod:`chainrule.autodiff.tensor` and
:mod:`chainrule.autodiff.losses`.
Elementwise functions whose composed form would overflow (sigmoid, tanh,
softplus) are primitives for numerical stability; their docstrings say why.
The softmax cross-entropy is an explicit fused pair (loss with its output
activation), so its rule reads softmax(Z) − Y.

More primitives live in :mod:`chainrule.autodiff.rules_elementwise` (|x|,
√x, trigonometry, maximum, where, clip...) and
:mod:`chainrule.autodiff.rules_structure` (max/min reductions, indexing,
concatenation). ``RULES`` at the bottom is the table itself, built explicitly
from the definitions in this file and the ``PRIMITIVES`` of those two.
"""

from __future__ import annotations

from typing import Any

from chainrule.autodiff import rules_elementwise, rules_structure, vocabulary
from chainrule.autodiff.primitive import Array, Primitive
from chainrule.autodiff.vocabulary import (
    broadcast_to,
    log_softmax,
    sigmoid,
    softmax,
    softmax_cross_entropy_and_softmax,
    step,
)

# --- arithmetic -------------------------------------------------------------


def neg(x: Array) -> Array:
    """-x, elementwise."""
    return -x


def neg_vjp(g: Array, ans: Array, x: Array) -> Array:
    return -g


def add(a: Array, b: Array) -> Array:
    """a + b, elementwise with broadcasting."""
    return a + b


def add_vjp_a(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g


def add_vjp_b(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g


def sub(a: Array, b: Array) -> Array:
    """a - b, elementwise with broadcasting."""
    return a - b


def sub_vjp_a(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g


def sub_vjp_b(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return -g


def mul(a: Array, b: Array) -> Array:
    """a * b, elementwise (Hadamard) with broadcasting."""
    return a * b


def mul_vjp_a(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g * b


def mul_vjp_b(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g * a


def div(a: Array, b: Array) -> Array:
    """a / b, elementwise with broadcasting."""
    return a / b


def div_vjp_a(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g / b


def div_vjp_b(g: Array, ans: Array, a: Array, b: Array) -> Array:
    # d(a/b)/db = -a/b² = -ans/b
    return -g * ans / b


def power(x: Array, exponent: float) -> Array:
    """x ** exponent for a fixed number ``exponent``, elementwise."""
    return x**exponent


def power_vjp(g: Array, ans: Array, x: Array, exponent: float) -> Array:
    if exponent == 0:
        return g * 0.0
    if exponent == 1:
        return g
    if exponent == 2:
        return g * (2.0 * x)
    return g * (exponent * x ** (exponent - 1))


# --- elementwise functions --------------------------------------------------


def exp(x: Array) -> Array:
    """e ** x, elementwise."""
    return vocabulary.exp(x)


def exp_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g * ans


def log(x: Array) -> Array:
    """Natural logarithm, elementwise (-inf at 0, nan below)."""
    return vocabulary.log(x)


def log_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g / x


def tanh(x: Array) -> Array:
    """Hyperbolic tangent, elementwise.

    A primitive for stability: composed as (e^x - e^-x) / (e^x + e^-x) it is
    inf / inf = nan once |x| > 710.
    """
    return vocabulary.tanh(x)


def tanh_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g * (1.0 - ans * ans)


def sigmoid_forward(x: Array) -> Array:
    """Logistic function σ(x) = 1 / (1 + e^-x), elementwise.

    A primitive for stability: composed from exp, add and div its backward
    multiplies 0 by e^-x = inf for x < -709 and gives nan; written through its
    output, σ' = σ (1 - σ) is finite everywhere.
    """
    return sigmoid(x)


def sigmoid_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g * ans * (1.0 - ans)


def relu(x: Array) -> Array:
    """max(x, 0), elementwise; its derivative at 0 is taken as 0, as ``torch.relu``.

    At nan the derivative here is 0 (step(nan) = 0), where PyTorch passes the
    gradient through; the output is nan either way.
    """
    return vocabulary.relu(x)


def relu_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g * step(x)


def softplus(x: Array) -> Array:
    """log(1 + e^x), elementwise.

    A primitive for stability: composed, e^x overflows for x > 709 and the
    loss becomes inf. Its vocabulary form (``np.logaddexp(0, x)``) is exact
    for every x, and the
    derivative is σ(x). The binary cross-entropy with logits is built on it.
    """
    return vocabulary.softplus(x)


def softplus_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g * sigmoid(x)


def softmax_cross_entropy(z: Array, y: Array, axis: int) -> Array:
    """−Σ y ⊙ log_softmax(z), summed over every entry; classes along ``axis``.

    A fused pair, made an explicit operation: composed from log_softmax it
    takes a dozen operations each way, and its rule says plainly what the
    composition computes, dL/dz = softmax(z)·Σ_classes y − y (softmax(z) − y
    when each column of y sums to 1). The forward subtracts the maximum, so it
    is finite for logits of any size. The replay's saving forward computes the
    same numbers with the softmax its VJP reads.
    """
    return softmax_cross_entropy_and_softmax(z, y, axis)[0]


def softmax_cross_entropy_vjp_z(g: Array, ans: Array, z: Array, y: Array, axis: int) -> Array:
    return softmax_cross_entropy_vjp_z_given(g, ans, softmax(z, axis), z, y, axis)


def softmax_cross_entropy_saving(z: Array, y: Array, axis: int) -> tuple[Array, Array]:
    """The forward's value and softmax(z), which its VJP reads, from one pass."""
    return softmax_cross_entropy_and_softmax(z, y, axis)


def softmax_cross_entropy_vjp_z_given(
    g: Array, ans: Array, probabilities: Array, z: Array, y: Array, axis: int
) -> Array:
    return g * (probabilities * y.sum(axis=(axis,), keepdims=True) - y)


def softmax_cross_entropy_vjp_y(g: Array, ans: Array, z: Array, y: Array, axis: int) -> Array:
    return -g * log_softmax(z, axis)


# --- linear algebra and shape -----------------------------------------------


def matmul(a: Array, b: Array) -> Array:
    """Matrix product of the last two axes, broadcasting leading axes.

    Both inputs have at least two axes; vector products are composed with
    reshape in :meth:`Tensor.__matmul__`.
    """
    return a @ b


def matmul_vjp_a(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g @ b.mT


def matmul_vjp_b(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return a.mT @ g


def transpose(x: Array, axes: tuple[int, ...]) -> Array:
    """Permutes the axes: output axis i is input axis ``axes[i]``."""
    return x.transpose(axes)


def transpose_vjp(g: Array, ans: Array, x: Array, axes: tuple[int, ...]) -> Array:
    inverse = tuple(sorted(range(len(axes)), key=axes.__getitem__))
    return g.transpose(inverse)


def reshape(x: Array, shape: tuple[int, ...]) -> Array:
    """The same elements, in row-major order, with a new shape."""
    return x.reshape(shape)


def reshape_vjp(g: Array, ans: Array, x: Array, shape: tuple[int, ...]) -> Array:
    return g.reshape(x.shape)


def sum_forward(x: Array, axis: tuple[int, ...], keepdims: bool) -> Array:
    """Sum over ``axis``, a tuple of distinct non-negative axes."""
    return x.sum(axis=axis, keepdims=keepdims)


def sum_vjp(g: Array, ans: Array, x: Array, axis: tuple[int, ...], keepdims: bool) -> Array:
    if not keepdims and g.ndim:  # a 0-d g broadcasts as it is
        kept = tuple(1 if i in axis else d for i, d in enumerate(x.shape))
        g = g.reshape(kept)
    return broadcast_to(g, x.shape)


def sum_of_squares(x: Array, axis: tuple[int, ...]) -> Array:
    """Σ x² over ``axis`` (a tuple of distinct non-negative axes), not kept.

    A fused pair (the sum of a square), made an explicit operation for the L2
    penalty Σ‖W‖²: composed, its backward writes the gradient out to the shape
    of x (the sum's broadcast) and then multiplies it by 2x; fused it is the
    one product 2g·x. The numbers are those of ``(x ** 2).sum(axis)`` up to the
    order of summation (a dot product where every axis is summed).
    """
    return vocabulary.sum_of_squares(x, axis)


def sum_of_squares_vjp(g: Array, ans: Array, x: Array, axis: tuple[int, ...]) -> Array:
    if g.ndim:  # the summed axes come back as size-1 axes, which broadcast
        g = g.reshape(tuple(1 if i in axis else d for i, d in enumerate(x.shape)))
    return (2.0 * g) * x  # g·2x exactly (doubling is exact), one pass over x fewer


def broadcast_to_forward(x: Array, shape: tuple[int, ...]) -> Array:
    """``x`` repeated along its size-1 axes and new leading axes to ``shape``."""
    return broadcast_to(x, shape)


def broadcast_to_vjp(g: Array, ans: Array, x: Array, shape: tuple[int, ...]) -> Array:
    # Each input element fed every position it was repeated into: sum them.
    lead = len(shape) - x.ndim
    repeated = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(x.shape) if d == 1 and shape[lead + i] != 1
    )
    if repeated:
        g = g.sum(axis=repeated, keepdims=True)
    return g.reshape(x.shape)


def astype(x: Array, dtype: Any) -> Array:
    """The same values in another float dtype (``dtype`` a NumPy dtype)."""
    return x.astype(dtype)


def astype_vjp(g: Array, ans: Array, x: Array, dtype: Any) -> Array:
    return g.astype(x.dtype)


# --- the table ----------------------------------------------------------------

NEG = Primitive("neg", neg, (neg_vjp,))
ADD = Primitive("add", add, (add_vjp_a, add_vjp_b))
SUB = Primitive("sub", sub, (sub_vjp_a, sub_vjp_b))
MUL = Primitive("mul", mul, (mul_vjp_a, mul_vjp_b))
DIV = Primitive("div", div, (div_vjp_a, div_vjp_b))
POW = Primitive("pow", power, (power_vjp,))
EXP = Primitive("exp", exp, (exp_vjp,))
LOG = Primitive("log", log, (log_vjp,))
TANH = Primitive("tanh", tanh, (tanh_vjp,))
SIGMOID = Primitive("sigmoid", sigmoid_forward, (sigmoid_vjp,))
RELU = Primitive("relu", relu, (relu_vjp,))
SOFTPLUS = Primitive("softplus", softplus, (softplus_vjp,))
MATMUL = Primitive("matmul", matmul, (matmul_vjp_a, matmul_vjp_b))
TRANSPOSE = Primitive("transpose", transpose, (transpose_vjp,))
RESHAPE = Primitive("reshape", reshape, (reshape_vjp,))
SUM = Primitive("sum", sum_forward, (sum_vjp,))
SUM_OF_SQUARES = Primitive("sum_of_squares", sum_of_squares, (sum_of_squares_vjp,))
ASTYPE = Primitive("astype", astype, (astype_vjp,))
BROADCAST_TO = Primitive("broadcast_to", broadcast_to_forward, (broadcast_to_vjp,))
SOFTMAX_CROSS_ENTROPY = Primitive(
    "softmax_cross_entropy",
    softmax_cross_entropy,
    (softmax_cross_entropy_vjp_z, softmax_cross_entropy_vjp_y),
    saving=(softmax_cross_entropy_saving, (softmax_cross_entropy_vjp_z_given, None)),
)

IDENTITY_VJPS = frozenset({add_vjp_a, add_vjp_b, sub_vjp_a})
"""The VJPs that return g itself: the replay writes them as the assignment they are."""

RULES: dict[str, Primitive] = {
    p.name: p
    for p in (
        NEG,
        ADD,
        SUB,
        MUL,
        DIV,
        POW,
        EXP,
        LOG,
        TANH,
        SIGMOID,
        RELU,
        SOFTPLUS,
        MATMUL,
        TRANSPOSE,
        RESHAPE,
        SUM,
        SUM_OF_SQUARES,
        BROADCAST_TO,
        ASTYPE,
        SOFTMAX_CROSS_ENTROPY,
        *rules_elementwise.PRIMITIVES,
        *rules_structure.PRIMITIVES,
    )
}
