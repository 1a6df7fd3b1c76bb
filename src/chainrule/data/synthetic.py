"""Seeded synthetic data sets, returned with examples as columns.

moons, circles and blobs come from scikit-learn, imported when called so that
``import chainrule`` stays fast.
"""

from __future__ import annotations

import numpy as np

from chainrule.data.dataset import Dataset


def _xy_names(n: int) -> tuple[str, ...]:
    return tuple(f"x{i + 1}" for i in range(n))


def linear(m: int = 200, n_features: int = 1, noise: float = 0.1, seed: int = 0) -> Dataset:
    """y = w·x + b + noise with w, b drawn once from the seed; x ~ U(−2, 2)."""
    rng = np.random.default_rng(seed)
    w = rng.uniform(-2, 2, size=(1, n_features))
    b = rng.uniform(-1, 1)
    X = rng.uniform(-2, 2, size=(n_features, m))
    y = w @ X + b + noise * rng.standard_normal((1, m))
    return Dataset(X, y, _xy_names(n_features), "y", "regression", "linear")


def moons(m: int = 200, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles (scikit-learn's make_moons), binary."""
    from sklearn.datasets import make_moons

    X, y = make_moons(m, noise=noise, random_state=seed)
    return Dataset(
        X.T, y[None, :].astype(float), ("x1", "x2"), "class", "binary", "moons", ("0", "1")
    )


def circles(m: int = 200, noise: float = 0.05, factor: float = 0.5, seed: int = 0) -> Dataset:
    """A circle inside another (scikit-learn's make_circles), binary."""
    from sklearn.datasets import make_circles

    X, y = make_circles(m, noise=noise, factor=factor, random_state=seed)
    return Dataset(
        X.T, y[None, :].astype(float), ("x1", "x2"), "class", "binary", "circles", ("0", "1")
    )


def blobs(m: int = 200, centers: int = 3, std: float = 1.0, seed: int = 0) -> Dataset:
    """Gaussian clusters (scikit-learn's make_blobs), multiclass."""
    from sklearn.datasets import make_blobs

    X, y = make_blobs(m, centers=centers, cluster_std=std, random_state=seed)
    names = tuple(str(c) for c in range(centers))
    return Dataset(
        X.T, y[None, :].astype(float), ("x1", "x2"), "class", "multiclass", "blobs", names
    )


def xor(m: int = 200, noise: float = 0.2, seed: int = 0) -> Dataset:
    """Four clusters at (±1, ±1); class 1 where the signs differ."""
    rng = np.random.default_rng(seed)
    corners = rng.choice([-1.0, 1.0], size=(2, m))
    X = corners + noise * rng.standard_normal((2, m))
    y = (corners[0] != corners[1]).astype(float)[None, :]
    return Dataset(X, y, ("x1", "x2"), "class", "binary", "xor", ("0", "1"))


def spirals(m: int = 200, noise: float = 0.1, turns: float = 1.5, seed: int = 0) -> Dataset:
    """Two interleaved spirals, binary."""
    rng = np.random.default_rng(seed)
    half = m // 2
    labels = np.r_[np.zeros(half), np.ones(m - half)]
    t = np.sqrt(rng.uniform(0, 1, m)) * turns * 2 * np.pi
    angle = t + np.pi * labels
    X = np.vstack([t * np.cos(angle), t * np.sin(angle)]) / (turns * 2 * np.pi)
    X = X + noise * rng.standard_normal((2, m)) / 2
    return Dataset(X, labels[None, :], ("x1", "x2"), "class", "binary", "spirals", ("0", "1"))


def wave(m: int = 200, noise: float = 0.05, seed: int = 0) -> Dataset:
    """A smooth nonlinear regression of 3 features: y = sin(x1) + ½ x2 x3 + noise."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2.0, 2.0, size=(3, m))
    y = np.sin(X[0:1]) + 0.5 * X[1:2] * X[2:3] + noise * rng.standard_normal((1, m))
    return Dataset(X, y, ("x1", "x2", "x3"), "y", "regression", "wave")


def gaussians(m: int = 200, noise: float = 0.5, seed: int = 0) -> Dataset:
    """Two round Gaussian clouds centred at (1, 1) and (−1, −1), binary.

    ``noise`` is each cloud's standard deviation; X (2, m), y (1, m) in {0, 1}.
    """
    if not noise >= 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    labels = (np.arange(m) >= m // 2).astype(float)
    centres = np.where(labels == 1.0, -1.0, 1.0)
    X = centres + noise * rng.standard_normal((2, m))
    return Dataset(X, labels[None, :], ("x1", "x2"), "class", "binary", "gaussians", ("0", "1"))


def spiral_arms(
    m: int = 300, classes: int = 3, noise: float = 0.1, turns: float = 1.0, seed: int = 0
) -> Dataset:
    """``classes`` interleaved spiral arms (2 to 10), one class each, multiclass.

    Arm k turns through ``turns`` revolutions from the origin, rotated by
    2πk/classes; X (2, m) within about the unit disc, y (1, m) in {0, ..., classes − 1}.
    """
    if isinstance(classes, bool) or not isinstance(classes, int) or not 2 <= classes <= 10:
        raise ValueError(f"classes must be a whole number in 2..10, got {classes!r}")
    if not noise >= 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    labels = np.arange(m) % classes
    r = np.sqrt(rng.uniform(0.0, 1.0, m))
    angle = r * turns * 2 * np.pi + 2 * np.pi * labels / classes
    X = np.vstack([r * np.cos(angle), r * np.sin(angle)])
    X = X + noise * rng.standard_normal((2, m)) / 2
    names = tuple(str(c) for c in range(classes))
    return Dataset(
        X, labels[None, :].astype(float), ("x1", "x2"), "class", "multiclass", "spiral arms", names
    )
