"""``Dataset``: examples as columns, with names, and standardisation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

TASKS = ("regression", "binary", "multiclass")


@dataclass(frozen=True)
class Dataset:
    """A data set in the column convention.

    Attributes:
        X: features, shape (n, m): one row per feature, one column per example.
        y: targets, shape (1, m): values for regression, class labels 0..C−1
            (as floats) for classification.
        feature_names: n names.
        target_name: the name of y.
        task: "regression", "binary" or "multiclass".
        name: where it came from.
        class_names: the C class names, for classification.
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    task: str
    name: str
    class_names: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        if self.X.ndim != 2 or self.y.shape != (1, self.X.shape[1]):
            raise ValueError(
                f"Dataset {self.name!r}: X must be (n, m) and y (1, m); got {self.X.shape} "
                f"and {self.y.shape}"
            )
        if len(self.feature_names) != self.X.shape[0]:
            raise ValueError(
                f"Dataset {self.name!r}: {len(self.feature_names)} feature names for "
                f"{self.X.shape[0]} features"
            )
        if self.task not in TASKS:
            raise ValueError(f"Dataset {self.name!r}: task must be one of {TASKS}")

    @property
    def n_features(self) -> int:
        return int(self.X.shape[0])

    @property
    def n_examples(self) -> int:
        return int(self.X.shape[1])

    @property
    def n_classes(self) -> int:
        return len(self.class_names)

    @property
    def labels(self) -> np.ndarray:
        """The class labels as integers, shape (m,)."""
        return self.y.reshape(-1).astype(np.int64)

    def standardized(self) -> Dataset:
        """The same data with every feature at mean 0 and standard deviation 1."""
        X, _, _ = standardize(self.X)
        return replace(self, X=X)

    def split(self, test_fraction: float = 0.25, seed: int = 0) -> tuple[Dataset, Dataset]:
        """A seeded random split into (train, test) by examples."""
        if not 0 < test_fraction < 1:
            raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction!r}")
        order = np.random.default_rng(seed).permutation(self.n_examples)
        n_test = max(1, round(test_fraction * self.n_examples))
        test, train = order[:n_test], order[n_test:]
        return (
            replace(self, X=self.X[:, train], y=self.y[:, train]),
            replace(self, X=self.X[:, test], y=self.y[:, test]),
        )

    def __repr__(self) -> str:
        extra = f", {self.n_classes} classes" if self.class_names else ""
        return (
            f"Dataset({self.name!r}: {self.task}, {self.n_features} features × "
            f"{self.n_examples} examples{extra})"
        )


def standardize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(X − mean) / std per feature (row) over the examples (columns).

    Returns the standardised X (n, m), the means (n, 1) and the standard
    deviations (n, 1); a constant feature keeps std 1 so it becomes zeros.
    """
    mean = X.mean(axis=1, keepdims=True)
    std = X.std(axis=1, keepdims=True)
    std = np.where(std > 0, std, 1.0)
    return (X - mean) / std, mean, std
