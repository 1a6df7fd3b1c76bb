"""Elementwise primitives beyond the core: |x|, √x, trigonometry, log1p, expm1,
erf, maximum/minimum, where and clip, each forward beside its VJPs.

Written, like :mod:`chainrule.autodiff.rules`, only with operators and the
functions of :mod:`chainrule.autodiff.vocabulary`, so the same rules run on
NumPy arrays, on Tensors and on symbolic matrices. Where PyTorch fixes a
subgradient or a tie rule, the VJP follows it and its docstring says so.
Activations (leaky ReLU, ELU, GELU, SiLU, log-sigmoid) are composed from these
in :mod:`chainrule.autodiff.elementwise`.
"""

from __future__ import annotations

import math

from chainrule.autodiff.primitive import Array, Primitive
from chainrule.autodiff.vocabulary import (
    abs,
    clip,
    cos,
    equal,
    erf,
    exp,
    expm1,
    greater,
    greater_equal,
    log1p,
    maximum,
    minimum,
    sign,
    sin,
    sqrt,
    tan,
    where,
)

_TWO_OVER_SQRT_PI = 2.0 / math.sqrt(math.pi)


def abs_forward(x: Array) -> Array:
    """|x|, elementwise. Its derivative is sign(x): 0 at x = 0 (and at nan), as in PyTorch."""
    return abs(x)


def abs_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g * sign(x)


def sqrt_forward(x: Array) -> Array:
    """√x, elementwise (nan below 0); its derivative 1/(2√x) is inf at 0, as in PyTorch."""
    return sqrt(x)


def sqrt_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g / (2.0 * ans)


def sin_forward(x: Array) -> Array:
    """sin x, elementwise."""
    return sin(x)


def sin_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g * cos(x)


def cos_forward(x: Array) -> Array:
    """cos x, elementwise."""
    return cos(x)


def cos_vjp(g: Array, ans: Array, x: Array) -> Array:
    return -(g * sin(x))


def tan_forward(x: Array) -> Array:
    """tan x, elementwise; its derivative is written 1 + tan² x, as PyTorch computes it."""
    return tan(x)


def tan_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g * (1.0 + ans * ans)


def log1p_forward(x: Array) -> Array:
    """log(1 + x), elementwise, accurate near 0."""
    return log1p(x)


def log1p_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g / (1.0 + x)


def expm1_forward(x: Array) -> Array:
    """e^x − 1, elementwise, accurate near 0."""
    return expm1(x)


def expm1_vjp(g: Array, ans: Array, x: Array) -> Array:
    # e^x, not ans + 1: for x ≪ 0 that sum keeps only a few correct digits
    return g * exp(x)


def erf_forward(x: Array) -> Array:
    """The error function, elementwise: the Gaussian integral behind exact GELU."""
    return erf(x)


def erf_vjp(g: Array, ans: Array, x: Array) -> Array:
    return g * (_TWO_OVER_SQRT_PI * exp(-(x * x)))


def maximum_forward(a: Array, b: Array) -> Array:
    """The larger of a and b, elementwise with broadcasting; nan if either is nan.

    Ties split the gradient in half between a and b, and where either is nan
    both receive it whole: PyTorch's ``torch.maximum`` rule.
    """
    return maximum(a, b)


def maximum_vjp_a(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g * (1.0 - greater(b, a) - 0.5 * equal(a, b))


def maximum_vjp_b(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g * (1.0 - greater(a, b) - 0.5 * equal(a, b))


def minimum_forward(a: Array, b: Array) -> Array:
    """The smaller of a and b, elementwise; ties and nan as for :func:`maximum_forward`."""
    return minimum(a, b)


def minimum_vjp_a(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g * (1.0 - greater(a, b) - 0.5 * equal(a, b))


def minimum_vjp_b(g: Array, ans: Array, a: Array, b: Array) -> Array:
    return g * (1.0 - greater(b, a) - 0.5 * equal(a, b))


def where_forward(condition: Array, a: Array, b: Array) -> Array:
    """a where ``condition`` is true (nonzero), else b, with broadcasting.

    The condition is a constant mask: its gradient is zero. Each branch
    receives the gradient only where it was chosen.
    """
    return where(condition, a, b)


def where_vjp_condition(g: Array, ans: Array, condition: Array, a: Array, b: Array) -> Array:
    return g * 0.0


def where_vjp_a(g: Array, ans: Array, condition: Array, a: Array, b: Array) -> Array:
    return where(condition, g, 0.0)


def where_vjp_b(g: Array, ans: Array, condition: Array, a: Array, b: Array) -> Array:
    return where(condition, 0.0, g)


def clip_forward(x: Array, lo: float | None, hi: float | None) -> Array:
    """x limited to [lo, hi] (a bound of None is absent).

    The gradient passes where lo ≤ x ≤ hi, the bounds included, and is 0
    outside and at nan: PyTorch's ``torch.clamp`` rule.
    """
    return clip(x, lo, hi)


def clip_vjp(g: Array, ans: Array, x: Array, lo: float | None, hi: float | None) -> Array:
    if lo is not None:
        g = g * greater_equal(x, lo)
    if hi is not None:
        g = g * greater_equal(hi, x)
    return g


ABS = Primitive("abs", abs_forward, (abs_vjp,), "|·|")
SQRT = Primitive("sqrt", sqrt_forward, (sqrt_vjp,), "√")
SIN = Primitive("sin", sin_forward, (sin_vjp,), "sin")
COS = Primitive("cos", cos_forward, (cos_vjp,), "cos")
TAN = Primitive("tan", tan_forward, (tan_vjp,), "tan")
LOG1P = Primitive("log1p", log1p_forward, (log1p_vjp,), "log1p")
EXPM1 = Primitive("expm1", expm1_forward, (expm1_vjp,), "expm1")
ERF = Primitive("erf", erf_forward, (erf_vjp,), "erf")
MAXIMUM = Primitive("maximum", maximum_forward, (maximum_vjp_a, maximum_vjp_b), "max")
MINIMUM = Primitive("minimum", minimum_forward, (minimum_vjp_a, minimum_vjp_b), "min")
WHERE = Primitive("where", where_forward, (where_vjp_condition, where_vjp_a, where_vjp_b), "where")
CLIP = Primitive("clip", clip_forward, (clip_vjp,), "clip")

PRIMITIVES = (ABS, SQRT, SIN, COS, TAN, LOG1P, EXPM1, ERF, MAXIMUM, MINIMUM, WHERE, CLIP)
