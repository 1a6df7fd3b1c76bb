"""Seed 000's four networks, each with its backward pass derived by hand.

All four use the mean squared error L = (1/m)·||ŷ − y||² (no ½) and share the
output error δ = dL/dŷ = (2/m)(ŷ − y), shape (1, m). ``1⃗`` is a column of m
ones, so ``δ 1⃗`` is the sum of δ over the examples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autodiff import Tensor, mse
from chainrule.models.base import HandDerived, sigmoid
from chainrule.models.init import glorot_uniform


class _Regression(HandDerived):
    task = "regression"

    def loss_from_cache(self, cache: dict[str, np.ndarray], y: np.ndarray) -> Any:
        r = cache["y_hat"] - y
        return np.sum(r * r, axis=(-2, -1)) / y.shape[-1]


class _Linear(_Regression):
    def linear_readout(self) -> tuple[str, str, str] | None:
        return ("w", "b", "X")

    def _backward(
        self, X: np.ndarray, y: np.ndarray, cache: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        delta = (2.0 / X.shape[1]) * (cache["y_hat"] - y)  # (1, m)
        return {"w": delta @ X.T, "b": delta.sum(axis=1, keepdims=True)}


class UnivariateRegression(_Linear):
    """ŷ = w x + b for scalar w and b (stored as (1, 1) arrays); x and y are (1, m).

    Forward:   ŷ = w x + b                      (1, m)
               L = (1/m)·||ŷ − y||²
    Backward:  ∂L/∂w = (2/m)(ŷ − y) xᵀ           (1, 1)
               ∂L/∂b = (2/m)(ŷ − y) 1⃗            (1, 1)
    """

    name = "univariate"

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.n_inputs = 1
        self.params = {"w": rng.standard_normal((1, 1)), "b": np.zeros((1, 1))}

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """ŷ = w x + b. Cache: ``y_hat`` (1, m)."""
        y_hat = self.params["w"] * X + self.params["b"]
        return y_hat, {"y_hat": y_hat}

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        return mse(params["w"] * X + params["b"], y)


class MultivariateRegression(_Linear):
    """ŷ = w X + b with w (1, n), b (1, 1); X is (n, m), y is (1, m).

    Forward:   ŷ = w X + b                      (1, m)
               L = (1/m)·||ŷ − y||²
    Backward:  ∂L/∂w = (2/m)(ŷ − y) Xᵀ           (1, n)
               ∂L/∂b = (2/m)(ŷ − y) 1⃗            (1, 1)
    """

    name = "multivariate"

    def __init__(self, n_features: int, seed: int = 0) -> None:
        _check_size("n_features", n_features)
        rng = np.random.default_rng(seed)
        self.n_features = self.n_inputs = n_features
        self.params = {"w": glorot_uniform(rng, 1, n_features), "b": np.zeros((1, 1))}

    def hyperparameters(self) -> dict[str, Any]:
        return {"n_features": self.n_features}

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """ŷ = w X + b. Cache: ``y_hat`` (1, m)."""
        y_hat = self.params["w"] @ X + self.params["b"]
        return y_hat, {"y_hat": y_hat}

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        return mse(params["w"] @ X + params["b"], y)


class _TwoLayer(_Regression):
    def __init__(self, n_features: int, n_hidden: int, seed: int = 0) -> None:
        _check_size("n_features", n_features)
        _check_size("n_hidden", n_hidden)
        rng = np.random.default_rng(seed)
        self.n_features = self.n_inputs = n_features
        self.n_hidden = n_hidden
        self.params = {
            "W1": glorot_uniform(rng, n_hidden, n_features),
            "b1": np.zeros((n_hidden, 1)),
            "w2": glorot_uniform(rng, 1, n_hidden),
            "b2": np.zeros((1, 1)),
        }

    def hyperparameters(self) -> dict[str, Any]:
        return {"n_features": self.n_features, "n_hidden": self.n_hidden}


class TwoLayerLinear(_TwoLayer):
    """Two stacked linear layers: W1 (k, n), b1 (k, 1), w2 (1, k), b2 (1, 1).

    Forward:   Z = W1 X + b1                    (k, m)
               ŷ = w2 Z + b2                    (1, m)
               L = (1/m)·||ŷ − y||²
    Backward:  δ = (2/m)(ŷ − y)                  (1, m)
               ∂L/∂w2 = δ Zᵀ                     (1, k)
               ∂L/∂b2 = δ 1⃗                      (1, 1)
               dZ = w2ᵀ δ                        (k, m)
               ∂L/∂W1 = dZ Xᵀ = w2ᵀ (2/m)(ŷ − y) Xᵀ   (k, n)
               ∂L/∂b1 = dZ 1⃗                     (k, 1)
    """

    name = "two-layer-linear"

    def linear_readout(self) -> tuple[str, str, str] | None:
        return ("w2", "b2", "Z")

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Cache: ``Z`` (k, m), ``y_hat`` (1, m)."""
        p = self.params
        Z = p["W1"] @ X + p["b1"]
        y_hat = p["w2"] @ Z + p["b2"]
        return y_hat, {"Z": Z, "y_hat": y_hat}

    def _backward(
        self, X: np.ndarray, y: np.ndarray, cache: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        delta = (2.0 / X.shape[1]) * (cache["y_hat"] - y)
        dZ = self.params["w2"].T @ delta
        return {
            "W1": dZ @ X.T,
            "b1": dZ.sum(axis=1, keepdims=True),
            "w2": delta @ cache["Z"].T,
            "b2": delta.sum(axis=1, keepdims=True),
        }

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        Z = params["W1"] @ X + params["b1"]
        return mse(params["w2"] @ Z + params["b2"], y)


class TwoLayerSigmoid(_TwoLayer):
    """A sigmoid hidden layer: W1 (k, n), b1 (k, 1), w2 (1, k), b2 (1, 1).

    Forward:   Z = W1 X + b1                    (k, m)
               A = σ(Z)                         (k, m)
               ŷ = w2 A + b2                    (1, m)
               L = (1/m)·||ŷ − y||²
    Backward:  δ = (2/m)(ŷ − y)                  (1, m)
               ∂L/∂w2 = δ Aᵀ                     (1, k)
               ∂L/∂b2 = δ 1⃗                      (1, 1)
               dZ = (w2ᵀ δ) ⊙ A ⊙ (1 − A)        (k, m)   σ'(Z) = A ⊙ (1 − A)
               ∂L/∂W1 = dZ Xᵀ                    (k, n)
               ∂L/∂b1 = dZ 1⃗                     (k, 1)
    """

    name = "two-layer-sigmoid"

    def linear_readout(self) -> tuple[str, str, str] | None:
        return ("w2", "b2", "A")

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Cache: ``Z`` and ``A`` (k, m), ``y_hat`` (1, m)."""
        p = self.params
        Z = p["W1"] @ X + p["b1"]
        A = sigmoid(Z)
        y_hat = p["w2"] @ A + p["b2"]
        return y_hat, {"Z": Z, "A": A, "y_hat": y_hat}

    def _backward(
        self, X: np.ndarray, y: np.ndarray, cache: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        A = cache["A"]
        delta = (2.0 / X.shape[1]) * (cache["y_hat"] - y)
        dZ = (self.params["w2"].T @ delta) * A * (1.0 - A)
        return {
            "W1": dZ @ X.T,
            "b1": dZ.sum(axis=1, keepdims=True),
            "w2": delta @ A.T,
            "b2": delta.sum(axis=1, keepdims=True),
        }

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        A = (params["W1"] @ X + params["b1"]).sigmoid()
        return mse(params["w2"] @ A + params["b2"], y)


def _check_size(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
