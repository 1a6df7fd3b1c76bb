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


PLANE_RADIUS = 6.0
"""The half-width of the square the regression sets draw their points from."""
BUMPS = ((-4.0, 2.5, 1.0), (0.0, 2.5, -1.0), (4.0, 2.5, 1.0),
         (-4.0, -2.5, -1.0), (0.0, -2.5, 1.0), (4.0, -2.5, -1.0))  # fmt: skip
"""(centre x1, centre x2, sign) of the six bumps of ``multi_gaussian``."""


def _regression_points(m: int, noise: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Points X (2, m) uniform in [−6, 6]², and where their targets are read: X
    shifted by uniform noise of half-width 6·noise (the target is noisy, X is not)."""
    if not noise >= 0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    rng = np.random.default_rng(seed)
    X = rng.uniform(-PLANE_RADIUS, PLANE_RADIUS, size=(2, m))
    shift = rng.uniform(-PLANE_RADIUS, PLANE_RADIUS, size=(2, m)) * noise
    return X, X + shift


def plane(m: int = 200, noise: float = 0.0, seed: int = 0) -> Dataset:
    """TensorFlow Playground's "plane" regression: y = (x1 + x2) / 10 at noisy points.

    X (2, m) uniform in [−6, 6]²; y (1, m) = (x1 + x2 + noise) / 10, in [−1.2, 1.2]
    before noise. ``noise`` in [0, 1] moves the point the target is read at by up
    to 6·noise in each coordinate (TensorFlow Playground's noise, 0 to 0.5).
    """
    X, at = _regression_points(m, noise, seed)
    y = (at[0] + at[1])[None, :] / 10.0
    return Dataset(X, y, ("x1", "x2"), "y", "regression", "plane")


def multi_gaussian(m: int = 200, noise: float = 0.0, seed: int = 0) -> Dataset:
    """TensorFlow Playground's "multi gaussian" regression: six signed bumps.

    Each bump of :data:`BUMPS` gives sign·max(0, 1 − d/2) at distance d from its
    centre; y is the bump value largest in size (0 far from every centre), in
    [−1, 1]. X (2, m) uniform in [−6, 6]², y (1, m); ``noise`` as in :func:`plane`.
    """
    X, at = _regression_points(m, noise, seed)
    values = np.stack(
        [s * np.clip(1.0 - np.hypot(at[0] - cx, at[1] - cy) / 2.0, 0.0, 1.0) for cx, cy, s in BUMPS]
    )
    pick = np.argmax(np.abs(values), axis=0)
    y = values[pick, np.arange(m)][None, :]
    return Dataset(X, y, ("x1", "x2"), "y", "regression", "multi gaussian")
