"""Real data sets that scikit-learn ships inside its package (no download).

scikit-learn is imported when a data set is asked for, not with the package,
so that ``import chainrule`` and the command line stay fast.
"""

from __future__ import annotations

from typing import Any

from chainrule.data.dataset import Dataset


def _load(which: str) -> Any:
    from sklearn import datasets

    return getattr(datasets, f"load_{which}")()


def _from_bunch(bunch: Any, name: str, task: str, target_name: str) -> Dataset:
    X = bunch.data.T.astype(float)
    y = bunch.target.astype(float)[None, :]
    classes = (
        tuple(str(c) for c in getattr(bunch, "target_names", ())) if task != "regression" else ()
    )
    names = tuple(
        str(f) for f in getattr(bunch, "feature_names", [f"x{i + 1}" for i in range(X.shape[0])])
    )
    return Dataset(X, y, names, target_name, task, name, classes)


def diabetes() -> Dataset:
    """442 patients, 10 (already scaled) features, disease progression after a year."""
    return _from_bunch(_load("diabetes"), "diabetes", "regression", "progression")


def breast_cancer() -> Dataset:
    """569 tumours, 30 features, malignant (0) or benign (1)."""
    return _from_bunch(_load("breast_cancer"), "breast_cancer", "binary", "diagnosis")


def iris() -> Dataset:
    """150 flowers, 4 features, 3 species."""
    return _from_bunch(_load("iris"), "iris", "multiclass", "species")


def digits() -> Dataset:
    """1797 8×8 images of handwritten digits, 64 pixel features, 10 classes."""
    return _from_bunch(_load("digits"), "digits", "multiclass", "digit")
