"""Binary classifiers under the mean binary cross-entropy (seed 003).

L = −(1/m) Σ [y log ŷ + (1 − y) log(1 − ŷ)], with ŷ = σ(z). Its derivative
through the sigmoid collapses: dL/dz = (1/m)(ŷ − y). The loss value is
computed from the logits z as (1/m) Σ [softplus(z) − y z], the same number,
finite even when σ saturates.

Seed 003 derives the two-layer classifier with mistakes, corrected here:

- its loss, "L = y ln(a2) + (1 − y) ln(1 − a2)", lacks the minus sign, so its
  dL/da2 = y/a2 + (1 − y)/(1 − a2) has the wrong sign (and the second term's
  sign is wrong too: the correct derivative is −y/a2 + (1 − y)/(1 − a2));
  with both corrected, dZ2 = A2 − Y as the text concludes;
- it writes dZ1 = dW2 * dZ2 * σ'(Z1), using the gradient dW2 where the
  weights W2ᵀ belong: dZ1 = (W2ᵀ dZ2) ⊙ A1 ⊙ (1 − A1);
- dW2 = dZ2 * A1 and dW1 = dZ1 * X miss the transposes and the mean over
  examples: dW2 = (1/m) dZ2 A1ᵀ, dW1 = (1/m) dZ1 Xᵀ, and db = (1/m) dZ 1⃗
  rather than dZ itself.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autodiff import Tensor, binary_cross_entropy_with_logits
from chainrule.models.base import HandDerived, sigmoid
from chainrule.models.init import glorot_uniform
from chainrule.models.labels import check_labels
from chainrule.models.seed000 import _check_size


def _bce_from_logits(z: np.ndarray, y: np.ndarray) -> Any:
    return np.sum(np.logaddexp(0.0, z) - y * z, axis=(-2, -1)) / y.shape[-1]


def sigmoid_two_layer_forward(
    params: dict[str, np.ndarray], X: np.ndarray
) -> dict[str, np.ndarray]:
    """Z1 = W1 X + b1, A1 = σ(Z1) (k, m); Z2 = W2 A1 + b2, A2 = σ(Z2) = ``y_hat`` (o, m)."""
    Z1 = params["W1"] @ X + params["b1"]
    A1 = sigmoid(Z1)
    Z2 = params["W2"] @ A1 + params["b2"]
    A2 = sigmoid(Z2)
    return {"Z1": Z1, "A1": A1, "Z2": Z2, "A2": A2, "y_hat": A2}


def sigmoid_two_layer_backward(
    params: dict[str, np.ndarray], X: np.ndarray, cache: dict[str, np.ndarray], dZ2: np.ndarray
) -> dict[str, np.ndarray]:
    """The gradients of a sigmoid hidden layer's network given the output error dZ2 (o, m).

    dZ1 = (W2ᵀ dZ2) ⊙ A1 ⊙ (1 − A1) (k, m); ∂L/∂W2 = (1/m) dZ2 A1ᵀ, ∂L/∂b2 = (1/m) dZ2 1⃗,
    ∂L/∂W1 = (1/m) dZ1 Xᵀ, ∂L/∂b1 = (1/m) dZ1 1⃗. Only dZ2 depends on the output's loss.
    """
    m = X.shape[1]
    A1 = cache["A1"]
    dZ1 = (params["W2"].T @ dZ2) * A1 * (1.0 - A1)
    return {
        "W1": (dZ1 @ X.T) / m,
        "b1": dZ1.sum(axis=1, keepdims=True) / m,
        "W2": (dZ2 @ A1.T) / m,
        "b2": dZ2.sum(axis=1, keepdims=True) / m,
    }


class _Classifier(HandDerived):
    task = "binary"
    loss_name = "binary cross-entropy"

    def __init__(self, n_features: int) -> None:
        _check_size("n_features", n_features)
        self.n_features = self.n_inputs = n_features

    def hyperparameters(self) -> dict[str, Any]:
        return {"n_features": self.n_features}

    def loss_from_cache(self, cache: dict[str, np.ndarray], y: np.ndarray) -> Any:
        return _bce_from_logits(cache["z_out"], y)

    def check_data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`Model.check_data`, and y must hold labels 0 and 1."""
        X, y = super().check_data(X, y)
        check_labels(y, 2, self.name, self.n_inputs)
        return X, y

    def predict_class(self, X: np.ndarray) -> np.ndarray:
        """0/1 labels, (1, m): ŷ ≥ 0.5."""
        return (self.predict(X) >= 0.5).astype(np.int64)


class LogisticRegression(_Classifier):
    """ŷ = σ(w X + b) with w (1, n), b (1, 1); labels y in {0, 1}, (1, m).

    Forward:   z = w X + b                      (1, m)
               ŷ = σ(z)                          (1, m)
               L = −(1/m) Σ [y log ŷ + (1 − y) log(1 − ŷ)]
    Backward:  dz = ŷ − y                        (1, m)
               ∂L/∂w = (1/m) dz Xᵀ               (1, n)
               ∂L/∂b = (1/m) dz 1⃗                (1, 1)
    """

    name = "logistic"

    def __init__(self, n_features: int, seed: int = 0) -> None:
        super().__init__(n_features)
        rng = np.random.default_rng(seed)
        self.params = {"w": glorot_uniform(rng, 1, n_features), "b": np.zeros((1, 1))}

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Cache: ``z_out`` (the logits) and ``y_hat``, both (1, m)."""
        z = self.params["w"] @ X + self.params["b"]
        y_hat = sigmoid(z)
        return y_hat, {"z_out": z, "y_hat": y_hat}

    def _backward(
        self, X: np.ndarray, y: np.ndarray, cache: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        dz = cache["y_hat"] - y
        m = X.shape[1]
        return {"w": (dz @ X.T) / m, "b": dz.sum(axis=1, keepdims=True) / m}

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        return binary_cross_entropy_with_logits(params["w"] @ X + params["b"], y)


class TwoLayerClassifier(_Classifier):
    """Seed 003's network: W1 (k, n), b1 (k, 1), W2 (1, k), b2 (1, 1).

    Forward:   Z1 = W1 X + b1                   (k, m)
               A1 = σ(Z1)                       (k, m)
               Z2 = W2 A1 + b2                  (1, m)
               A2 = σ(Z2) = ŷ                   (1, m)
               L = −(1/m) Σ [y log A2 + (1 − y) log(1 − A2)]
    Backward:  dZ2 = A2 − Y                      (1, m)
               ∂L/∂W2 = (1/m) dZ2 A1ᵀ            (1, k)
               ∂L/∂b2 = (1/m) dZ2 1⃗             (1, 1)
               dZ1 = (W2ᵀ dZ2) ⊙ A1 ⊙ (1 − A1)   (k, m)
               ∂L/∂W1 = (1/m) dZ1 Xᵀ             (k, n)
               ∂L/∂b1 = (1/m) dZ1 1⃗             (k, 1)

    Where seed 003's text differs (sign of the loss, dW2 for W2ᵀ, the missing
    transposes and 1/m), see this module's docstring.
    """

    name = "two-layer-classifier"

    def __init__(self, n_features: int, n_hidden: int, seed: int = 0) -> None:
        super().__init__(n_features)
        _check_size("n_hidden", n_hidden)
        self.n_hidden = n_hidden
        rng = np.random.default_rng(seed)
        self.params = {
            "W1": glorot_uniform(rng, n_hidden, n_features),
            "b1": np.zeros((n_hidden, 1)),
            "W2": glorot_uniform(rng, 1, n_hidden),
            "b2": np.zeros((1, 1)),
        }

    def hyperparameters(self) -> dict[str, Any]:
        return {"n_features": self.n_features, "n_hidden": self.n_hidden}

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Cache: ``Z1``, ``A1`` (k, m); ``Z2`` (also as ``z_out``), ``A2`` (1, m)."""
        cache = sigmoid_two_layer_forward(self.params, X)
        cache["z_out"] = cache["Z2"]
        return cache["A2"], cache

    def _backward(
        self, X: np.ndarray, y: np.ndarray, cache: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        return sigmoid_two_layer_backward(self.params, X, cache, cache["A2"] - y)

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        A1 = (params["W1"] @ X + params["b1"]).sigmoid()
        return binary_cross_entropy_with_logits(params["W2"] @ A1 + params["b2"], y)
