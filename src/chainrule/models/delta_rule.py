"""Seed 001's 3-2-1 network in its own notation: weights are in × out, error terms δ.

``W01`` (3, 2) holds w_ij from input i to hidden unit j, ``W12`` (2, 1) from
hidden unit i to the output; there are no biases and every unit is a sigmoid
f. For one example x (3, 1) with target y:

    forward:   v_in1 = W01ᵀ x           (2, 1)     v_out1 = f(v_in1)
               v_in2 = W12ᵀ v_out1      (1, 1)     ŷ = f(v_in2)
               E = ½ (y − ŷ)²
    errors:    δ2 = (y − ŷ) f'(v_in2)               (1, 1)
               δ1 = (W12 δ2) ⊙ f'(v_in1)            (2, 1)
    update:    Δw_ij = η δ_j x_i,  i.e. ΔW12 = η v_out1 δ2ᵀ,  ΔW01 = η x δ1ᵀ

with f' = f (1 − f). The update is −η ∂E/∂W. For m examples in the columns of
X (3, m), E is the mean of ½ (y − ŷ)² over the examples and the updates are
averaged, so one example reproduces the seed exactly.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from chainrule.autodiff import Tensor
from chainrule.models.base import Model, sigmoid


class DeltaRuleNetwork(Model):
    """The 3-2-1 sigmoid network of seed 001 (see the module docstring)."""

    name = "delta-rule"
    task = "regression"
    loss_name = "½ MSE"
    weights_in_out = True

    def __init__(self, seed: int = 0) -> None:
        rng = np.random.default_rng(seed)
        self.n_inputs = 3
        self.params = {
            "W01": rng.uniform(-1.0, 1.0, size=(3, 2)),
            "W12": rng.uniform(-1.0, 1.0, size=(2, 1)),
        }

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """ŷ (1, m). Cache: ``v_in1``, ``v_out1`` (2, m); ``v_in2``, ``y_hat`` (1, m)."""
        v_in1 = self.params["W01"].mT @ X
        v_out1 = sigmoid(v_in1)
        v_in2 = self.params["W12"].mT @ v_out1
        y_hat = sigmoid(v_in2)
        return y_hat, {"v_in1": v_in1, "v_out1": v_out1, "v_in2": v_in2, "y_hat": y_hat}

    def loss_from_cache(self, cache: dict[str, np.ndarray], y: np.ndarray) -> Any:
        r = y - cache["y_hat"]
        return 0.5 * np.sum(r * r, axis=(-2, -1)) / y.shape[-1]

    def error_terms(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """The cache and the error terms ``delta2`` (1, m) and ``delta1`` (2, m)."""
        X, y = self.check_data(X, y)
        cache = self.forward(X)[1]
        y_hat, v_out1 = cache["y_hat"], cache["v_out1"]
        delta2 = (y - y_hat) * y_hat * (1.0 - y_hat)
        delta1 = (self.params["W12"] @ delta2) * v_out1 * (1.0 - v_out1)
        return cache, {"delta2": delta2, "delta1": delta1}

    def updates(self, X: np.ndarray, y: np.ndarray, lr: float) -> dict[str, np.ndarray]:
        """The delta-rule updates ΔW = η δ_j x_i, averaged over the m examples."""
        X, y = self.check_data(X, y)
        cache, deltas = self.error_terms(X, y)
        m = X.shape[1]
        return {
            "W01": lr * (X @ deltas["delta1"].T) / m,
            "W12": lr * (cache["v_out1"] @ deltas["delta2"].T) / m,
        }

    def gradients(self, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """∂E/∂W = −ΔW / η:  ∂E/∂W01 = −(1/m) X δ1ᵀ (3, 2), ∂E/∂W12 = −(1/m) v_out1 δ2ᵀ (2, 1)."""
        return {k: -u for k, u in self.updates(X, y, 1.0).items()}

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        v_out1 = (params["W01"].T @ X).sigmoid()
        y_hat = (params["W12"].T @ v_out1).sigmoid()
        r = y - y_hat
        return (r * r).sum() * (0.5 / X.shape[1])

    def worked_example(self, x: np.ndarray | None = None, y: float = 1.0, lr: float = 0.5) -> str:
        """Seed 001's example with numbers: one forward pass and one update, step by step.

        Args:
            x: the input, 3 numbers (default (1.0, 0.5, −1.0)).
            y: the target output.
            lr: the learning rate η.
        """
        x = np.array([1.0, 0.5, -1.0] if x is None else x, dtype=np.float64).reshape(3, 1)
        target = np.array([[float(y)]])
        W01, W12 = self.params["W01"], self.params["W12"]
        cache, d = self.error_terms(x, target)
        upd = self.updates(x, target, lr)
        y_hat = cache["y_hat"][0, 0]
        lines = [
            "Seed 001's 3-2-1 network, weights w_ij from unit i to unit j, sigmoid units f",
            f"x = {_vec(x)},  y = {y:g},  η = {lr:g}",
            f"W01 (3×2) = {_mat(W01)}",
            f"W12 (2×1) = {_mat(W12)}",
            "",
            "Forward pass",
            f"  v_in1  = W01ᵀ x      = {_vec(cache['v_in1'])}",
            f"  v_out1 = f(v_in1)    = {_vec(cache['v_out1'])}",
            f"  v_in2  = W12ᵀ v_out1 = {_vec(cache['v_in2'])}",
            f"  ŷ      = f(v_in2)    = {y_hat:.6f}",
            f"  E      = ½(y − ŷ)²   = {0.5 * (y - y_hat) ** 2:.6f}",
            "",
            "Error terms, with f'(h) = f(h)(1 − f(h))",
            f"  δ2 = (y − ŷ) f'(v_in2)     = ({y:g} − {y_hat:.6f})·{y_hat * (1 - y_hat):.6f}"
            f" = {d['delta2'][0, 0]:.6f}",
            f"  δ1 = (W12 δ2) ⊙ f'(v_in1)  = {_vec(d['delta1'])}",
            "",
            "Weight updates Δw_ij = η δ_j x_i",
            f"  ΔW12 = η v_out1 δ2ᵀ = {_mat(upd['W12'])}",
            f"  ΔW01 = η x δ1ᵀ      = {_mat(upd['W01'])}",
            "",
            "New weights W ← W + ΔW",
            f"  W01 = {_mat(W01 + upd['W01'])}",
            f"  W12 = {_mat(W12 + upd['W12'])}",
        ]
        new_y_hat = sigmoid((W12 + upd["W12"]).T @ sigmoid((W01 + upd["W01"]).T @ x))[0, 0]
        lines.append(
            f"  ŷ after the update = {new_y_hat:.6f}, "
            f"E = {0.5 * (y - new_y_hat) ** 2:.6f} (was {0.5 * (y - y_hat) ** 2:.6f})"
        )
        return "\n".join(lines)


def _vec(v: np.ndarray) -> str:
    return "(" + ", ".join(f"{a:.6f}" for a in np.ravel(v)) + ")ᵀ"


def _mat(M: np.ndarray) -> str:
    return "[" + "; ".join(" ".join(f"{a:+.6f}" for a in row) for row in M) + "]"
