"""``Dataset``: examples as columns, with names, and standardisation."""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from chainrule.data.labels import TASKS, label_names
from chainrule.data.validate import check_finite


@dataclass(frozen=True)
class Dataset:
    """A data set in the column convention.

    Attributes:
        X: features, shape (n, m): one row per feature, one column per example.
        y: targets, shape (1, m): values for regression, class indices 0..C−1
            (as floats) for classification.
        feature_names: n names.
        target_name: the name of y.
        task: "regression", "binary" or "multiclass".
        name: where it came from.
        class_names: the C class names, for classification; when not given,
            the labels in ``classes`` written as text.
        classes: shape (C,), the original label of each class index (a CSV
            target of 3 and 5 has ``classes == [3., 5.]`` and y in {0, 1}), so
            ``classes[labels]`` gives back the targets as read; when not given,
            0..C−1. Empty for regression.

    Raises:
        ValueError: the shapes or names do not fit together, the task is
            unknown, a classification has no classes or a y outside 0..C−1.
        DataError: X or y holds NaN or ±inf (naming feature and example).
    """

    X: np.ndarray
    y: np.ndarray
    feature_names: tuple[str, ...]
    target_name: str
    task: str
    name: str
    class_names: tuple[str, ...] = field(default=())
    classes: np.ndarray = field(default_factory=lambda: np.empty(0))

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
        check_finite(self.X, self.y, feature_names=self.feature_names)
        if self.task != "regression":
            self._check_classes()

    def _check_classes(self) -> None:
        classes = np.asarray(self.classes, dtype=np.float64).reshape(-1)
        if classes.size == 0:
            classes = np.arange(len(self.class_names), dtype=np.float64)
        names = self.class_names or label_names(classes)
        object.__setattr__(self, "classes", classes)
        object.__setattr__(self, "class_names", names)
        count = len(names)
        wanted = "2" if self.task == "binary" else "at least 2"
        if len(classes) != count or count < 2 or (self.task == "binary" and count != 2):
            raise ValueError(
                f"Dataset {self.name!r}: a {self.task} task needs {wanted} classes, as many "
                f"class_names as classes; got {count} names and {len(classes)} classes"
            )
        y = self.y
        bad = (y < 0) | (y >= count) | (y != np.floor(y))
        if bad.any():
            j = int(np.argmax(bad.reshape(-1)))
            value = float(y.reshape(-1)[j])
            raise ValueError(
                f"Dataset {self.name!r}: y must hold class indices 0..{count - 1}; example "
                f"{j} has {value!r} (map labels with chainrule.data.encode_target)"
            )

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

    @property
    def targets(self) -> np.ndarray:
        """The targets as read, shape (1, m): ``classes[labels]`` for a classification."""
        if self.task == "regression":
            return self.y
        return self.classes[self.labels][None, :]

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
