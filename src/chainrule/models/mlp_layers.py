"""What each layer of an MLP does: every layer's output on a set of points, and
per-layer histograms of activations and of weight gradients.

These are the numbers behind a playground's neuron maps and behind CS230's
initialisation lesson (zero, too small, Xavier, too large initial weights show
as activations that collapse or saturate and gradients that vanish or
explode). They read :meth:`MLP.forward` (the one forward pass, which keeps
every layer's values) and :meth:`MLP.gradients` (the engine's); nothing here
computes a layer a second way.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from chainrule.models.mlp import MLP

MAX_BINS = 1000


def layer_outputs(model: MLP, X: np.ndarray) -> list[np.ndarray]:
    """Every layer's output for X (n, m), from one forward pass.

    Returns:
        [A1, ..., A_{L−1}, ŷ]: hidden layer l's activations A_l (h_l, m), then
        the network's output ŷ (out, m). A network without hidden layers gives [ŷ].
    """
    y_hat, cache = model.forward(model.check_X(X))
    return [cache[f"A{i}"] for i in range(1, model.depth)] + [y_hat]


class Histogram(NamedTuple):
    """``counts`` (bins,) of the values falling in each bin of ``edges`` (bins + 1,),
    with the values' ``mean`` and standard deviation ``std`` and their ``size``."""

    counts: np.ndarray
    edges: np.ndarray
    mean: float
    std: float
    size: int


def histogram(values: np.ndarray, bins: int = 30) -> Histogram:
    """The histogram of every entry of ``values`` (any shape) over their own range.

    Values that are all equal (a layer of zero weights, a dead ReLU layer) get
    one unit-wide range centred on them, so the spike shows. Raises ValueError
    for a bin count outside 1..MAX_BINS, no values, or values that are not finite.
    """
    whole = isinstance(bins, int | np.integer) and not isinstance(bins, bool)
    if not whole or not 1 <= bins <= MAX_BINS:
        raise ValueError(f"bins must be a whole number in 1..{MAX_BINS}, got {bins!r}")
    v = np.asarray(values, dtype=np.float64).ravel()
    if v.size == 0:
        raise ValueError("histogram: no values to count")
    if not np.all(np.isfinite(v)):
        bad = int(np.sum(~np.isfinite(v)))
        raise ValueError(f"histogram: {bad} of {v.size} values are not finite")
    low, high = float(v.min()), float(v.max())
    if high - low <= 1e-12 * max(1.0, abs(low)):
        low, high = low - 0.5, high + 0.5
    counts, edges = np.histogram(v, bins=int(bins), range=(low, high))
    return Histogram(counts, edges, float(v.mean()), float(v.std()), int(v.size))


def layer_histograms(
    model: MLP, X: np.ndarray, y: np.ndarray, bins: int = 30
) -> tuple[list[Histogram], list[Histogram]]:
    """Per-layer histograms of the activations and of the weight gradients on (X, y).

    Args:
        model: the network, at its current weights.
        X: inputs (n, m); y: targets as :meth:`MLP.check_data` takes them.
        bins: bins per histogram.

    Returns:
        (activations, gradients): activations[l − 1] counts the entries of hidden
        layer l's A_l (h_l, m), l = 1..L−1; gradients[l − 1] counts the entries
        of ∂L/∂W_l (h_l, h_{l−1}), l = 1..L, the engine's gradients of the mean
        loss over the m examples.
    """
    X, y = model.check_data(X, y)
    outputs = layer_outputs(model, X)
    grads = model.gradients(X, y)
    activations = [histogram(A, bins) for A in outputs[:-1]]
    gradients = [histogram(grads[f"W{i}"], bins) for i in range(1, model.depth + 1)]
    return activations, gradients
