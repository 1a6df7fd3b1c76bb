"""A multi-layer perceptron of any depth, trained through the autodiff engine."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from chainrule.autodiff import Tensor, binary_cross_entropy_with_logits, mse, softmax_cross_entropy
from chainrule.models.base import Model, sigmoid
from chainrule.models.init import INITIALISERS
from chainrule.models.labels import check_labels

ACTIVATIONS = ("identity", "sigmoid", "tanh", "relu")
OUTPUTS = {"identity": "mse", "sigmoid": "binary cross-entropy", "softmax": "cross-entropy"}


class MLP(Model):
    """Layers l = 1..L of sizes ``layer_sizes = [n, h1, ..., out]``.

    Forward:   A0 = X                          (n, m)
               Z_l = W_l A_{l−1} + b_l          W_l (h_l, h_{l−1}), b_l (h_l, 1)
               A_l = g(Z_l) for hidden layers, g the ``activation``
               ŷ = output(Z_L)                  (out, m)
    Output and loss pairs (``output``):
        "identity"  ŷ = Z_L,            L = (1/m)·||ŷ − y||², y (out, m)
        "sigmoid"   ŷ = σ(Z_L),         mean binary cross-entropy, y (out, m) in {0, 1}
        "softmax"   ŷ = softmax(Z_L),   mean cross-entropy over classes, y as labels
                                        (m,) or (1, m), or one-hot (out, m)

    Its ``gradients`` are the engine's. Weights start Glorot-uniform (He-normal
    for ReLU unless ``init`` says otherwise), biases at zero.
    """

    name = "mlp"

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str = "tanh",
        output: str = "identity",
        init: str | None = None,
        seed: int = 0,
    ) -> None:
        sizes = list(layer_sizes)
        if len(sizes) < 2 or any(
            isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 1 for s in sizes
        ):
            raise ValueError(
                f"layer_sizes must be at least two positive integers [inputs, ..., outputs], "
                f"got {list(layer_sizes)!r}"
            )
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {tuple(OUTPUTS)}, got {output!r}")
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 units (classes)")
        init = init or ("he" if activation == "relu" else "glorot")
        if init not in INITIALISERS:
            raise ValueError(f"init must be one of {tuple(INITIALISERS)}, got {init!r}")
        self.layer_sizes = [int(s) for s in sizes]
        self.n_inputs, self.n_outputs = self.layer_sizes[0], self.layer_sizes[-1]
        self.activation = activation
        self.output = output
        self.init = init
        rng = np.random.default_rng(seed)
        self.params = {}
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), 1):
            self.params[f"W{i}"] = INITIALISERS[init](rng, fan_out, fan_in)
            self.params[f"b{i}"] = np.zeros((fan_out, 1))

    @property
    def task(self) -> str:  # type: ignore[override]
        return {"identity": "regression", "sigmoid": "binary", "softmax": "multiclass"}[self.output]

    @property
    def depth(self) -> int:
        return len(self.layer_sizes) - 1

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "layer_sizes": list(self.layer_sizes),
            "activation": self.activation,
            "output": self.output,
            "init": self.init,
        }

    def check_data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """As :meth:`Model.check_data`; a softmax output also takes integer labels."""
        if self.output != "softmax":
            X, y = super().check_data(X, y)
            if self.output == "sigmoid":
                check_labels(y, 2, self.name, self.n_inputs)
            return X, y
        X = self.check_X(X)
        y = np.asarray(y)
        m, classes = X.shape[1], self.n_outputs
        if y.shape == (classes, m):
            y = y.astype(np.float64)
            check_labels(y, 2, self.name, self.n_inputs)
            if not np.all(y.sum(axis=0) == 1):
                raise ValueError(f"{self.name}: one-hot targets must have one 1 in every column")
            return X, y
        if y.shape in ((m,), (1, m)):
            labels = y.reshape(-1)
            check_labels(labels, classes, self.name, self.n_inputs)
            one_hot = np.zeros((classes, m))
            one_hot[labels.astype(np.int64), np.arange(m)] = 1.0
            return X, one_hot
        raise ValueError(
            f"MLP: y has shape {y.shape}; a softmax output over {classes} classes takes "
            f"labels of shape ({m},) or one-hot targets of shape ({classes}, {m})"
        )

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """ŷ (out, m). Cache: ``Z1``, ``A1``, ..., ``ZL``, and ``y_hat``."""
        cache: dict[str, np.ndarray] = {}
        A = X
        for i in range(1, self.depth + 1):
            Z = self.params[f"W{i}"] @ A + self.params[f"b{i}"]
            cache[f"Z{i}"] = Z
            if i < self.depth:
                A = _activate(self.activation, Z)
                cache[f"A{i}"] = A
        y_hat = _output(self.output, Z)
        cache["y_hat"] = y_hat
        return y_hat, cache

    def loss_from_cache(self, cache: dict[str, np.ndarray], y: np.ndarray) -> Any:
        Z, m = cache[f"Z{self.depth}"], y.shape[-1]
        if self.output == "identity":
            r = cache["y_hat"] - y
            return np.sum(r * r, axis=(-2, -1)) / m
        if self.output == "sigmoid":
            return np.sum(np.logaddexp(0.0, Z) - y * Z, axis=(-2, -1)) / m
        shift = Z.max(axis=-2, keepdims=True)
        log_p = Z - shift - np.log(np.exp(Z - shift).sum(axis=-2, keepdims=True))
        return -np.sum(y * log_p, axis=(-2, -1)) / m

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        A: Tensor | np.ndarray = X
        for i in range(1, self.depth + 1):
            Z = params[f"W{i}"] @ A + params[f"b{i}"]
            if i < self.depth:
                A = _activate_tensor(self.activation, Z)
        if self.output == "identity":
            return mse(Z, y)
        if self.output == "sigmoid":
            return binary_cross_entropy_with_logits(Z, y)
        return softmax_cross_entropy(Z, y)

    def predict_class(self, X: np.ndarray) -> np.ndarray:
        """Class labels: (m,) for softmax (argmax), (out, m) 0/1 for sigmoid."""
        y_hat = self.predict(X)
        if self.output == "softmax":
            return np.argmax(y_hat, axis=0)
        return (y_hat >= 0.5).astype(np.int64)


def _activate(name: str, Z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return sigmoid(Z)
    if name == "tanh":
        return np.tanh(Z)
    if name == "relu":
        return np.maximum(Z, 0.0)
    return Z


def _activate_tensor(name: str, Z: Tensor) -> Tensor:
    if name == "sigmoid":
        return Z.sigmoid()
    if name == "tanh":
        return Z.tanh()
    if name == "relu":
        return Z.relu()
    return Z


def _output(name: str, Z: np.ndarray) -> np.ndarray:
    if name == "sigmoid":
        return sigmoid(Z)
    if name == "softmax":
        e = np.exp(Z - Z.max(axis=-2, keepdims=True))
        return e / e.sum(axis=-2, keepdims=True)
    return Z
