"""Weight initialisations, seeded, for weights of shape (fan_out, fan_in)."""

from __future__ import annotations

import numpy as np


def glorot_uniform(rng: np.random.Generator, fan_out: int, fan_in: int) -> np.ndarray:
    """Glorot & Bengio (2010): U(−a, a) with a = sqrt(6 / (fan_in + fan_out)).

    Keeps the variance of activations and gradients about equal across layers
    for sigmoid, tanh and identity units. Returns shape (fan_out, fan_in).
    """
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=(fan_out, fan_in))


def he_normal(rng: np.random.Generator, fan_out: int, fan_in: int) -> np.ndarray:
    """He et al. (2015): N(0, 2 / fan_in), for ReLU units. Returns (fan_out, fan_in)."""
    return rng.standard_normal((fan_out, fan_in)) * np.sqrt(2.0 / fan_in)


INITIALISERS = {"glorot": glorot_uniform, "he": he_normal}
