"""Weight initialisations by name, seeded, for weights of shape (fan_out, fan_in).

The choices a learner compares (CS230's initialisation lesson): all zeros (every
unit of a layer stays the same: symmetry is never broken), too small, Glorot
(Xavier), He, and too large. Every function takes the Generator ``rng`` and
returns a float64 array of shape (fan_out, fan_in); biases always start at zero.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SMALL_STD = 0.01
"""The standard deviation of ``small``: N(0, 0.01²), small enough that signals fade."""
LARGE_STD = 10.0
"""The standard deviation of ``large``: N(0, 10²), as in CS230's "too large" example;
tanh and sigmoid units saturate at once."""


def zeros(rng: np.random.Generator, fan_out: int, fan_in: int) -> np.ndarray:
    """All zeros (``rng`` is not used). Returns shape (fan_out, fan_in)."""
    return np.zeros((fan_out, fan_in))


def small_normal(rng: np.random.Generator, fan_out: int, fan_in: int) -> np.ndarray:
    """N(0, SMALL_STD²) for every weight. Returns shape (fan_out, fan_in)."""
    return rng.standard_normal((fan_out, fan_in)) * SMALL_STD


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


def large_normal(rng: np.random.Generator, fan_out: int, fan_in: int) -> np.ndarray:
    """N(0, LARGE_STD²) for every weight. Returns shape (fan_out, fan_in)."""
    return rng.standard_normal((fan_out, fan_in)) * LARGE_STD


INITIALISERS: dict[str, Callable[[np.random.Generator, int, int], np.ndarray]] = {
    "zero": zeros,
    "small": small_normal,
    "glorot": glorot_uniform,
    "he": he_normal,
    "large": large_normal,
}
"""Initialisations by name; ``ALIASES`` maps other spellings to these names."""
ALIASES = {"xavier": "glorot", "zeros": "zero"}
