"""A trained model together with the feature standardisation it was trained on.

Training on standardised features (every feature at mean 0 and standard
deviation 1 over the training examples) is the usual first step; a model saved
after it is only usable with the same mean and scale. :class:`Standardized`
keeps the three together, is saved as one file and comes back whole from
:func:`chainrule.models.load`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from chainrule.models.base import Model

MEAN, SCALE = "feature_mean", "feature_scale"


class Standardized:
    """``model`` applied to ``(X − mean) / scale``.

    Args:
        model: the trained model.
        mean: the training features' means, shape (n, 1).
        scale: their standard deviations, shape (n, 1), all positive.

    ``predict``, ``predict_class`` and ``loss`` take raw features X (n, m), as
    the model's own methods take standardised ones.
    """

    def __init__(self, model: Model, mean: Any, scale: Any) -> None:
        n = model.n_inputs
        self.model = model
        self.mean = np.asarray(mean, dtype=np.float64)
        self.scale = np.asarray(scale, dtype=np.float64)
        for name, a in (("mean", self.mean), ("scale", self.scale)):
            if a.shape != (n, 1) or not np.all(np.isfinite(a)):
                raise ValueError(
                    f"Standardized: {name} must hold {n} finite numbers of shape ({n}, 1), "
                    f"got shape {a.shape}"
                )
        if np.any(self.scale <= 0):
            raise ValueError("Standardized: every scale must be positive")

    def transform(self, X: Any) -> np.ndarray:
        """The standardised features, (n, m)."""
        return (self.model.check_X(X) - self.mean) / self.scale

    def predict(self, X: Any) -> np.ndarray:
        """ŷ for raw features X (n, m)."""
        return self.model.predict(self.transform(X))

    def predict_class(self, X: Any) -> np.ndarray:
        """Class labels for raw features X (n, m), for the classifiers."""
        predict_class = getattr(self.model, "predict_class", None)
        if predict_class is None:
            raise TypeError(f"{self.model.name} is not a classifier: it has no predict_class")
        return np.asarray(predict_class(self.transform(X)))

    def loss(self, X: Any, y: Any) -> float:
        """The model's loss on raw features X (n, m) and targets y."""
        return self.model.loss(self.transform(X), y)

    def save(self, path: str | Path) -> Path:
        """Writes the model with its mean and scale to one file; returns its path."""
        return self.model.save(path, extra={MEAN: self.mean, SCALE: self.scale})

    def __repr__(self) -> str:
        return f"Standardized({self.model!r})"
