"""The classic 2-2-2 network: sigmoid hidden and sigmoid output units, squared error.

The network of the step-by-step backpropagation examples that every course
retells (two inputs, two hidden units, two outputs, all logistic, trained on
E = Σ ½ (target − out)² for one example), written in seed 000's matrix
notation with examples as columns, so a learner can check each number of a
hand computation against it.

The loss is the mean over the m examples of the per-example error
E = ½ Σ_i (y_i − ŷ_i)² summed over the outputs:

    L = (1/m) Σ_j ½ Σ_i (Y_ij − A2_ij)² = (1/(2m))·||A2 − Y||²

For one example it is the classic E_total exactly, so the classic numbers
come out; the ½ (as in seed 001's delta rule) cancels the 2 of the square,
so the output error is dZ2 = (A2 − Y) ⊙ σ'(Z2) with no factor 2; the mean over
examples is the project's convention for every loss, so the learning rate
means the same for any number of examples.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autodiff import Tensor
from chainrule.models.base import HandDerived
from chainrule.models.classifiers import sigmoid_two_layer_backward, sigmoid_two_layer_forward
from chainrule.models.init import glorot_uniform
from chainrule.models.seed000 import _check_size


class SigmoidSquaredError(HandDerived):
    """Sigmoid hidden and output units under squared error (the classic 2-2-2 network).

    W1 (k, n), b1 (k, 1), W2 (o, k), b2 (o, 1); X is (n, m), the targets Y
    are (o, m), usually in (0, 1) where a sigmoid can reach them.

    Forward:   Z1 = W1 X + b1                    (k, m)
               A1 = σ(Z1)                        (k, m)
               Z2 = W2 A1 + b2                   (o, m)
               A2 = σ(Z2) = ŷ                    (o, m)
               L = (1/(2m))·||A2 − Y||²          (a number)
    Backward:  dZ2 = (A2 − Y) ⊙ A2 ⊙ (1 − A2)    (o, m)
               ∂L/∂W2 = (1/m) dZ2 A1ᵀ            (o, k)
               ∂L/∂b2 = (1/m) dZ2 1⃗             (o, 1)
               dZ1 = (W2ᵀ dZ2) ⊙ A1 ⊙ (1 − A1)   (k, m)
               ∂L/∂W1 = (1/m) dZ1 Xᵀ             (k, n)
               ∂L/∂b1 = (1/m) dZ1 1⃗             (k, 1)

    σ'(Z) = σ(Z)(1 − σ(Z)) = A ⊙ (1 − A). Each layer has a bias per unit;
    the classic example shares one bias per layer and leaves it fixed, which
    changes none of the weights' numbers.
    """

    name = "sigmoid-squared-error"
    task = "regression"
    loss_name = "½ MSE"

    def __init__(
        self, n_features: int = 2, n_hidden: int = 2, n_outputs: int = 2, seed: int = 0
    ) -> None:
        _check_size("n_features", n_features)
        _check_size("n_hidden", n_hidden)
        _check_size("n_outputs", n_outputs)
        rng = np.random.default_rng(seed)
        self.n_features = self.n_inputs = n_features
        self.n_hidden = n_hidden
        self.n_outputs = n_outputs
        self.params = {
            "W1": glorot_uniform(rng, n_hidden, n_features),
            "b1": np.zeros((n_hidden, 1)),
            "W2": glorot_uniform(rng, n_outputs, n_hidden),
            "b2": np.zeros((n_outputs, 1)),
        }

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "n_features": self.n_features,
            "n_hidden": self.n_hidden,
            "n_outputs": self.n_outputs,
        }

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """ŷ = A2 (o, m). Cache: ``Z1``, ``A1`` (k, m); ``Z2``, ``A2`` (also ``y_hat``) (o, m)."""
        cache = sigmoid_two_layer_forward(self.params, X)
        return cache["A2"], cache

    def loss_from_cache(self, cache: dict[str, np.ndarray], y: np.ndarray) -> Any:
        r = cache["A2"] - y
        return 0.5 * np.sum(r * r, axis=(-2, -1)) / y.shape[-1]

    def _backward(
        self, X: np.ndarray, y: np.ndarray, cache: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        A2 = cache["A2"]
        return sigmoid_two_layer_backward(self.params, X, cache, (A2 - y) * A2 * (1.0 - A2))

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        A1 = (params["W1"] @ X + params["b1"]).sigmoid()
        A2 = (params["W2"] @ A1 + params["b2"]).sigmoid()
        r = A2 - y
        return (r * r).sum() * (0.5 / X.shape[1])
