"""Losses, each a mean over examples, composed from the engine's primitives.

Examples are columns (seed 000's convention): a prediction of shape ``(k, m)``
holds ``m`` examples, and every loss here is a sum over its terms times
``1/m``, with ``m = prediction.shape[-1]`` (1 for a 0-d prediction). For a
single output row ``(1, m)`` this is the plain mean, as in PyTorch; for ``k``
outputs it is seed 000's (1/m)·||Ŷ − Y||², which PyTorch's ``MSELoss`` would
divide by ``k·m`` instead.

Prediction and target must have the same shape: a ``(1, m)`` prediction
against an ``(m,)`` target would otherwise broadcast to ``(m, m)``, a classic
silent bug, so it is refused with the fix in the message.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autodiff import rules
from chainrule.autodiff.axes import normalize_axes
from chainrule.autodiff.conversion import as_float_array
from chainrule.autodiff.errors import ShapeError
from chainrule.autodiff.modes import derived, derived_from
from chainrule.autodiff.tensor import Tensor, apply


def mse(prediction: Tensor, target: Any, weights: Any = None) -> Tensor:
    """Mean squared error, L = (1/m)·||ŷ − y||² (no ½), as in seed 000.

    Args:
        prediction: ŷ, shape ``(k, m)`` (usually ``(1, m)``).
        target: y, the same shape; a Tensor, an array or a number array.
        weights: None, or a weight per example s, shape ``(m,)`` or ``(1, m)``,
            each ≥ 0 with a positive sum: the weighted mean
            L = Σᵢ sᵢ ||ŷᵢ − yᵢ||² / Σᵢ sᵢ (weights of ones give the plain mean).

    Returns:
        A 0-d Tensor.
    """
    p, y = _pair("mse", prediction, target)
    return _mean_over_examples("mse", (p - y) ** 2, weights=weights)


def binary_cross_entropy(probabilities: Tensor, target: Any) -> Tensor:
    """Mean binary cross-entropy of probabilities p against labels y in [0, 1].

    L = −(1/m) Σ [y log p + (1 − y) log(1 − p)].

    A probability of exactly 0 or 1 makes a log infinite (and 0·log 0 = nan),
    as the formula says. When p comes from a sigmoid, pass the logits to
    :func:`binary_cross_entropy_with_logits` instead, which is finite for any
    logit and has the simpler gradient (σ(z) − y)/m.

    Args:
        probabilities: p, shape ``(1, m)`` (or any shape).
        target: y, the same shape.
    """
    p, y = _pair("binary_cross_entropy", probabilities, target)
    terms = y * p.log() + (1.0 - y) * (1.0 - p).log()
    return _mean_over_examples("binary_cross_entropy", terms, scale=-1.0)


def binary_cross_entropy_with_logits(logits: Tensor, target: Any, weights: Any = None) -> Tensor:
    """Binary cross-entropy of σ(z) against y, computed from the logits z.

    L = (1/m) Σ [softplus(z) − y z], which equals
    −(1/m) Σ [y log σ(z) + (1 − y) log(1 − σ(z))] since log σ(z) = z − softplus(z)
    and log(1 − σ(z)) = −softplus(z). Finite for logits of any magnitude (the
    softplus primitive does not overflow), with gradient (σ(z) − y)/m.

    Args:
        logits: z, shape ``(1, m)`` (or any shape).
        target: y in [0, 1], the same shape.
        weights: None, or a weight per example, shape ``(m,)`` or ``(1, m)``:
            the weighted mean over examples, as in :func:`mse`.
    """
    z, y = _pair("binary_cross_entropy_with_logits", logits, target)
    return _mean_over_examples(
        "binary_cross_entropy_with_logits", z.softplus() - y * z, weights=weights
    )


def softmax_cross_entropy(logits: Tensor, target: Any, weights: Any = None) -> Tensor:
    """Mean cross-entropy of softmax(Z) over classes, from the logits Z.

    L = −(1/m) Σ_examples Σ_classes Y ⊙ log_softmax(Z), with classes along
    axis 0 and examples along axis 1, computed by the fused
    ``softmax_cross_entropy`` primitive: finite for logits of any magnitude,
    with gradient (softmax(Z) − Y)/m when each column of Y sums to 1. With
    weights s per example it is the weighted mean
    −Σᵢ sᵢ Σ_classes Yᵢ ⊙ log_softmax(Zᵢ) / Σᵢ sᵢ: the same primitive on the
    targets scaled column by column (it is linear in them), times 1/Σᵢ sᵢ.

    Args:
        logits: Z, shape ``(C, m)``, or ``(C,)`` for one example.
        target: either class probabilities (one-hot or soft labels) of the
            same shape as ``logits``, or integer class labels of shape
            ``(m,)`` or ``(1, m)`` with values in ``0 .. C-1``.
        weights: None, or a weight per example, shape ``(m,)`` or ``(1, m)``,
            each ≥ 0 with a positive sum.
    """
    z = logits if isinstance(logits, Tensor) else Tensor(logits)
    if z.ndim not in (1, 2):
        raise ShapeError(
            f"softmax_cross_entropy: logits must have shape (classes, m), got {z.shape}"
        )
    y = _class_targets(z.shape, target, z.dtype)
    if not isinstance(y, Tensor) and y is not target:
        derived(y, _replay_targets, target, logits_shape=z.shape, dtype=z.dtype)
    m = z.shape[1] if z.ndim == 2 else 1  # a (C,) vector is one example
    if m == 0:
        raise ValueError(
            f"softmax_cross_entropy: logits of shape {z.shape} hold no examples (m = 0); "
            "a mean over examples needs at least one"
        )
    if weights is not None:
        row, inverse = _example_weights("softmax_cross_entropy", weights, m, z.ndim)
        if isinstance(y, Tensor):
            scaled: Any = y * row
        else:
            scaled = derived_from(np.multiply(row, y), np.multiply, (row, y))
        return apply(rules.SOFTMAX_CROSS_ENTROPY, z, scaled, axis=0) * inverse
    return apply(rules.SOFTMAX_CROSS_ENTROPY, z, y, axis=0) * (1.0 / m)


def huber(prediction: Tensor, target: Any, delta: float = 1.0) -> Tensor:
    """Mean Huber loss: ½d² where |d| ≤ δ, else δ(|d| − ½δ), with d = ŷ − y.

    L = (1/m) Σ huber(d). Composed as ½c² + δ(|d| − |c|) with c = clip(d, −δ, δ),
    so the gradient is d inside [−δ, δ] (bounds included) and δ·sign(d)
    outside, as ``torch.nn.functional.huber_loss`` (which, for a ``(1, m)``
    prediction, gives the same mean).

    Args:
        prediction: ŷ, shape ``(k, m)``.
        target: y, the same shape.
        delta: δ > 0, where the loss turns from quadratic to linear.
    """
    if isinstance(delta, bool) or not isinstance(delta, int | float) or not delta > 0:
        raise ValueError(f"huber: delta must be a positive number, got {delta!r}")
    p, y = _pair("huber", prediction, target)
    d = p - y
    c = d.clip(-delta, delta)
    return _mean_over_examples("huber", 0.5 * (c * c) + delta * (d.abs() - c.abs()))


def hinge(scores: Tensor, target: Any) -> Tensor:
    """Mean hinge loss of scores s against labels y ∈ {−1, +1}: (1/m) Σ max(0, 1 − y·s).

    At a margin of exactly 1 the subgradient is 0 (``torch.relu``'s rule).

    Args:
        scores: s, shape ``(1, m)`` (or any shape).
        target: y, the same shape, every entry −1 or +1.
    """
    s, y = _pair("hinge", scores, target)
    labels = y.data if isinstance(y, Tensor) else y
    bad = (labels != 1.0) & (labels != -1.0)
    if np.any(bad):
        found = np.unique(labels[bad])[:5]
        raise ValueError(
            f"hinge: labels must be -1 or +1, found {found.tolist()}; map {{0, 1}} "
            "labels with y = 2 * y - 1"
        )
    return _mean_over_examples("hinge", (1.0 - y * s).relu())


def nll(log_probabilities: Tensor, target: Any) -> Tensor:
    """Mean negative log-likelihood of class labels: −(1/m) Σᵢ log p[yᵢ, i].

    As ``torch.nn.functional.nll_loss`` (classes along axis 0 here): only the
    entry of each example's label is read (through ``where`` with the labels'
    one-hot mask), so -inf elsewhere is harmless and gets a zero gradient.

    Args:
        log_probabilities: log p, shape ``(C, m)``, or ``(C,)`` for one example.
        target: integer labels in ``0 .. C-1``, shape ``(m,)`` or ``(1, m)``
            (a single int for ``(C,)``).
    """
    z = log_probabilities if isinstance(log_probabilities, Tensor) else Tensor(log_probabilities)
    if z.ndim not in (1, 2):
        raise ShapeError(f"nll: log-probabilities must have shape (classes, m), got {z.shape}")
    m = z.shape[1] if z.ndim == 2 else 1
    if m == 0:
        raise ValueError(f"nll: log-probabilities of shape {z.shape} hold no examples (m = 0)")
    labels = target.data if isinstance(target, Tensor) else target
    if np.shape(labels) == z.shape:
        raise ShapeError(
            f"nll: the target has the logits' shape {z.shape}; nll takes integer labels of "
            f"shape ({m},); for class probabilities use softmax_cross_entropy"
        )
    mask = _label_mask(labels, z.shape)
    derived(mask, _label_mask, labels, logits_shape=z.shape)
    return z.where(mask, z, 0.0).sum() * (-1.0 / m)


def _label_mask(labels: Any, logits_shape: tuple[int, ...]) -> np.ndarray:
    """True at each example's label: the one-hot mask of integer labels, (C, m) or (C,)."""
    one_hot = _class_targets(logits_shape, labels, np.dtype(np.float64), name="nll")
    return np.asarray(one_hot, dtype=bool)


def l1_penalty(weights: Tensor | Sequence[Tensor], strength: float) -> Tensor:
    """λ Σ |w| over every entry of the given weights; its gradient is λ·sign(w) (0 at 0).

    Args:
        weights: a Tensor or a sequence of Tensors (e.g. the weight matrices,
            not the biases).
        strength: λ ≥ 0.
    """
    return _penalty("l1_penalty", weights, strength, lambda w: w.abs().sum())


def l2_penalty(weights: Tensor | Sequence[Tensor], strength: float) -> Tensor:
    """(λ/2) Σ w² over every entry of the given weights, so its gradient is λ·W.

    Added to a mean loss, it gives ∂L/∂W = (data term) + λW, the form of
    weight decay in the derived equations (scikit-learn's ``alpha`` is λ
    divided by the number of examples).

    Args:
        weights: a Tensor or a sequence of Tensors.
        strength: λ ≥ 0.
    """
    return _penalty("l2_penalty", weights, strength, sum_of_squares) * 0.5


def sum_of_squares(x: Tensor, axis: int | tuple[int, ...] | None = None) -> Tensor:
    """Σ x² over ``axis`` (every axis when None), the sum in an L2 penalty.

    One fused operation (see :func:`chainrule.autodiff.rules.sum_of_squares`)
    with the numbers of ``(x ** 2).sum(axis)``; its gradient is 2x times the
    incoming gradient.

    Args:
        x: a Tensor (or an array) of any shape.
        axis: the axes summed away, e.g. ``(-2, -1)`` for the weight matrices
            of a stack ``(..., out, in)``.

    Returns:
        A Tensor of ``x``'s shape without ``axis`` (0-d for every axis).
    """
    t = x if isinstance(x, Tensor) else Tensor(x)
    return apply(rules.SUM_OF_SQUARES, t, axis=normalize_axes(axis, t.ndim, "sum_of_squares"))


def _penalty(
    name: str,
    weights: Tensor | Sequence[Tensor],
    strength: float,
    term: Callable[[Tensor], Tensor],
) -> Tensor:
    if isinstance(strength, bool) or not isinstance(strength, int | float) or not strength >= 0:
        raise ValueError(f"{name}: strength must be a number ≥ 0, got {strength!r}")
    items = [weights] if isinstance(weights, Tensor) else list(weights)
    if not items:
        raise ValueError(f"{name}: give at least one weight tensor")
    total = term(items[0] if isinstance(items[0], Tensor) else Tensor(items[0]))
    for w in items[1:]:
        total = total + term(w if isinstance(w, Tensor) else Tensor(w))
    return total * float(strength)


def _pair(name: str, prediction: Any, target: Any) -> tuple[Tensor, Tensor | np.ndarray]:
    p = prediction if isinstance(prediction, Tensor) else Tensor(prediction)
    if isinstance(target, Tensor) or (isinstance(target, np.ndarray) and target.dtype.kind == "f"):
        t = target
    else:
        t = derived(as_float_array(target), as_float_array, target)
    if p.shape != t.shape:
        hint = ""
        if t.size == p.size:
            hint = f"; reshape the target to {p.shape} (examples are columns)"
        raise ShapeError(
            f"{name}: prediction shape {p.shape} and target shape {t.shape} differ{hint}"
        )
    return p, t


def _mean_over_examples(
    name: str, terms: Tensor, scale: float = 1.0, weights: Any = None
) -> Tensor:
    """scale · Σ terms / m, m = terms.shape[-1] (1 for 0-d); with weights s (one
    per example, along the last axis) scale · Σ (terms ⊙ s) / Σ s.

    float16 terms are summed in float32, as NumPy's mean does, and the result
    cast back: a float16 sum of 10⁵ terms would overflow to inf.
    """
    m = terms.shape[-1] if terms.ndim else 1
    if m == 0:
        raise ValueError(
            f"{name}: the prediction of shape {terms.shape} holds no examples (m = 0); "
            "a mean over examples needs at least one"
        )
    half = terms.dtype == np.float16
    if half:
        terms = terms.astype(np.float32)
    if weights is None:
        total = terms.sum() * (scale / m)
    else:
        row, inverse = _example_weights(name, weights, m, terms.ndim)
        total = (terms * row).sum() * inverse
        total = total * scale if scale != 1.0 else total
    return total.astype(np.float16) if half else total


def _example_weights(name: str, weights: Any, m: int, ndim: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights s of m examples as an array that broadcasts along the examples'
    axis (the last of ``ndim``), and 1/Σ s (0-d); both recorded as functions of
    ``weights``, so that a replay computes them from each call's weights."""
    values = weights.data if isinstance(weights, Tensor) else weights
    if not (isinstance(values, np.ndarray) and values.dtype == np.float64):
        values = derived(as_float_array(values), as_float_array, values)
    if values.shape not in ((m,), (1, m)):
        raise ShapeError(
            f"{name}: weights of shape {values.shape} for {m} examples; pass one weight "
            f"per example, shape ({m},)"
        )
    # checked as a derived value, so that a replay checks each call's weights too
    values = derived(_checked_weights(values, name=name), _checked_weights, values, name=name)
    shape = (1,) * max(ndim - 1, 0) + (m,) if ndim else ()
    row = derived(_weights_shaped(values, shape), _weights_shaped, values, shape=shape)
    inverse = derived(_inverse_total(values), _inverse_total, values)
    return row, inverse


def _checked_weights(values: np.ndarray, name: str) -> np.ndarray:
    """``values`` (a new view, so that a recording tells it from the argument),
    refused when a weight is not finite and ≥ 0 or they sum to 0."""
    bad = ~np.isfinite(values) | (values < 0)
    if np.any(bad):
        first = int(np.flatnonzero(bad.ravel())[0])
        raise ValueError(
            f"{name}: weight {values.ravel()[first]} of example {first}; weights must be "
            "finite and ≥ 0"
        )
    if not values.sum() > 0:
        raise ValueError(
            f"{name}: the weights sum to {values.sum()}; at least one example needs a "
            "positive weight"
        )
    return values.view()


def _weights_shaped(values: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    return values.reshape(shape)


def _inverse_total(values: np.ndarray) -> np.ndarray:
    return np.asarray(1.0 / values.sum())


def _replay_targets(target: Any, logits_shape: tuple[int, ...], dtype: np.dtype[Any]) -> Any:
    return _class_targets(logits_shape, target, dtype)


def _class_targets(
    logits_shape: tuple[int, ...],
    target: Any,
    dtype: np.dtype[Any],
    name: str = "softmax_cross_entropy",
) -> Tensor | np.ndarray:
    if isinstance(target, Tensor):
        if target.shape != logits_shape:
            raise ShapeError(
                f"{name}: target shape {target.shape} differs from logits shape {logits_shape}"
            )
        return target
    t = np.asarray(target)
    if t.shape == logits_shape:
        return Tensor(t).data
    classes = logits_shape[0]
    m = logits_shape[1] if len(logits_shape) == 2 else None
    label_shapes = [(m,), (1, m)] if m is not None else [()]
    if t.shape not in label_shapes:
        raise ShapeError(
            f"{name}: target shape {t.shape} fits neither the logits "
            f"shape {logits_shape} (class probabilities) nor labels of shape "
            f"{label_shapes[0]}"
        )
    if t.dtype.kind not in "iu" and (t.dtype.kind != "f" or not np.all(t == np.round(t))):
        raise TypeError(f"{name}: class labels must be integers, got dtype {t.dtype}")
    labels = t.astype(np.int64).reshape(-1)
    bad = (labels < 0) | (labels >= classes)
    if np.any(bad):
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{name}: label {labels[first]} at example {first} is "
            f"outside 0..{classes - 1} for {classes} classes"
        )
    one_hot = np.zeros((classes, labels.size), dtype=dtype)
    one_hot[labels, np.arange(labels.size)] = 1.0
    return one_hot.reshape(logits_shape)
