"""A multi-layer perceptron of any depth, trained through the autodiff engine."""

from __future__ import annotations

import functools
import itertools
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from chainrule.autodiff import (
    Compiled,
    Tensor,
    binary_cross_entropy_with_logits,
    compiled_value_and_grad,
    mse,
    softmax_cross_entropy,
    sum_of_squares,
    vocabulary,
)
from chainrule.models.base import JoinedResult, Model
from chainrule.models.init import ALIASES, INITIALISERS, LARGE_STD, SMALL_STD
from chainrule.models.labels import check_labels
from chainrule.optim.joined import Joined


def identity(z: Tensor) -> Tensor:
    """The identity: a linear layer's Z itself."""
    return z


def gelu_tanh(z: Tensor) -> Tensor:
    """GELU with its tanh approximation."""
    return z.gelu(approximate="tanh")


ACTIVATIONS: dict[str, Callable[[Tensor], Tensor]] = {
    "identity": identity,
    "sigmoid": Tensor.sigmoid,
    "tanh": Tensor.tanh,
    "relu": Tensor.relu,
    "leaky_relu": Tensor.leaky_relu,
    "elu": Tensor.elu,
    "gelu": Tensor.gelu,
    "gelu_tanh": gelu_tanh,
    "silu": Tensor.silu,
    "softplus": Tensor.softplus,
}
"""Hidden activations by name: each a function of the engine's Tensors, used by the
forward pass on numbers and on the graph alike."""
RELU_LIKE = ("relu", "leaky_relu", "elu")
"""Activations whose weights start He-normal: half their inputs are cut off."""
OUTPUTS: dict[str, tuple[str, ...]] = {
    "identity": ("mse",),
    "tanh": ("mse",),
    "sigmoid": ("binary_cross_entropy", "mse"),
    "softmax": ("cross_entropy",),
}
"""Output -> the losses it may take, its default first."""
LOSS_NAMES = {"mse": "MSE", "binary_cross_entropy": "binary cross-entropy",
              "cross_entropy": "cross-entropy"}  # fmt: skip
TASKS = {"identity": "regression", "tanh": "regression", "sigmoid": "binary",
         "softmax": "multiclass"}  # fmt: skip
"""The task each output serves: targets in R, in (−1, 1), in {0, 1}, or class labels."""


class MLP(Model):
    """Layers l = 1..L of sizes ``layer_sizes = [n, h1, ..., out]``.

    Forward:   A0 = X                          (n, m)
               Z_l = W_l A_{l−1} + b_l          W_l (h_l, h_{l−1}), b_l (h_l, 1)
               A_l = g_l(Z_l) for hidden layers, g_l the layer's activation
               ŷ = output(Z_L)                  (out, m)
    Output and loss pairs (``output``, ``loss``; the first loss is the default):
        "identity"  ŷ = Z_L (linear),   "mse": L = (1/m)·||ŷ − y||², y (out, m) real
        "tanh"      ŷ = tanh(Z_L),      "mse", y (out, m) in [−1, 1]
        "sigmoid"   ŷ = σ(Z_L),         "binary_cross_entropy" (from the logits Z_L) or
                                        "mse", y (out, m) in {0, 1}
        "softmax"   ŷ = softmax(Z_L),   "cross_entropy": mean cross-entropy over classes,
                                        y as labels (m,) or (1, m), or one-hot (out, m)
    With ``alpha`` > 0 the loss gains the L2 penalty (α/2)·Σ_l ||W_l||² (weights
    only, not biases), so ∂L/∂W_l gains α W_l; with ``l1`` = λ > 0 it gains the L1
    penalty λ·Σ_l Σ|W_l| (weights only), so ∂L/∂W_l gains λ·sign(W_l) (0 where a
    weight is exactly 0, as in PyTorch). With ``dropout`` p > 0, while the
    model is training (inside :func:`chainrule.train.fit`), each hidden unit's
    output is zeroed with probability p and the rest scaled by 1/(1 − p)
    (inverted dropout); predictions and reported losses use every unit.

    Its ``gradients`` are the engine's, and the forward pass is written once,
    on the engine's Tensors, for both the numbers and the graph. Weights start
    Glorot-uniform (He-normal when the first hidden activation is ReLU-like,
    unless ``init`` says otherwise), biases at zero. ``init`` names one of
    :data:`chainrule.models.init.INITIALISERS`: "zero", "small" (N(0, 0.01²)),
    "glorot" (or "xavier"), "he", "large" (N(0, 10²)).

    Args:
        layer_sizes: [n, h1, ..., out].
        activation: the hidden activation, one name for every hidden layer or a
            list with one per hidden layer (see :data:`ACTIVATIONS`).
        output: "identity", "tanh", "sigmoid" or "softmax".
        init: "zero", "small", "glorot", "xavier", "he" or "large"; chosen from the
            activation when None.
        seed: seeds the weights and the dropout masks.
        alpha: the L2 penalty's strength, ≥ 0.
        dropout: the probability p in [0, 1) of dropping a hidden unit.
        loss: one of the losses ``OUTPUTS[output]`` allows; its default when None.
        l1: the L1 penalty's strength λ, ≥ 0.
    """

    name = "mlp"

    def __init__(
        self,
        layer_sizes: Sequence[int],
        activation: str | Sequence[str] = "tanh",
        output: str = "identity",
        init: str | None = None,
        seed: int = 0,
        alpha: float = 0.0,
        dropout: float = 0.0,
        loss: str | None = None,
        l1: float = 0.0,
    ) -> None:
        sizes = list(layer_sizes)
        if len(sizes) < 2 or any(
            isinstance(s, bool) or not isinstance(s, int | np.integer) or s < 1 for s in sizes
        ):
            raise ValueError(
                f"layer_sizes must be at least two positive integers [inputs, ..., outputs], "
                f"got {list(layer_sizes)!r}"
            )
        hidden = len(sizes) - 2
        names = [activation] * hidden if isinstance(activation, str) else list(activation)
        if len(names) != hidden:
            raise ValueError(
                f"activation lists one name per hidden layer: {hidden} for layer_sizes "
                f"{sizes}, got {len(names)} ({names!r})"
            )
        for a in names:
            if a not in ACTIVATIONS:
                raise ValueError(f"activation must be one of {tuple(ACTIVATIONS)}, got {a!r}")
        if output not in OUTPUTS:
            raise ValueError(f"output must be one of {tuple(OUTPUTS)}, got {output!r}")
        loss = OUTPUTS[output][0] if loss is None else loss
        if loss not in OUTPUTS[output]:
            raise ValueError(
                f"a {output} output takes the loss {' or '.join(map(repr, OUTPUTS[output]))}, "
                f"got {loss!r}"
            )
        if output == "softmax" and sizes[-1] < 2:
            raise ValueError("a softmax output needs at least 2 units (classes)")
        if not (isinstance(alpha, int | float) and 0 <= alpha < np.inf) or isinstance(alpha, bool):
            raise ValueError(f"alpha must be a finite number ≥ 0, got {alpha!r}")
        if not (isinstance(l1, int | float) and 0 <= l1 < np.inf) or isinstance(l1, bool):
            raise ValueError(f"l1 must be a finite number ≥ 0, got {l1!r}")
        if not (isinstance(dropout, int | float) and 0 <= dropout < 1) or isinstance(dropout, bool):
            raise ValueError(f"dropout must be a probability in [0, 1), got {dropout!r}")
        init = init or ("he" if names[:1] and names[0] in RELU_LIKE else "glorot")
        init = ALIASES.get(init, init) if isinstance(init, str) else init
        if init not in INITIALISERS:
            raise ValueError(
                f"init must be one of {', '.join((*INITIALISERS, *ALIASES))} (small is "
                f"N(0, {SMALL_STD:g}²), large N(0, {LARGE_STD:g}²)), got {init!r}"
            )
        self.layer_sizes = [int(s) for s in sizes]
        self.n_inputs, self.n_outputs = self.layer_sizes[0], self.layer_sizes[-1]
        self.activations = names
        self.output = output
        self.loss_kind = loss
        self.init = init
        self.alpha = float(alpha)
        self.l1 = float(l1)
        self.dropout = float(dropout)
        self.seed = seed
        rng = np.random.default_rng(seed)
        self.params = {}
        for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes), 1):
            self.params[f"W{i}"] = INITIALISERS[init](rng, fan_out, fan_in)
            self.params[f"b{i}"] = np.zeros((fan_out, 1))
        self._dropout_rng = rng  # continues the seeded stream: masks differ every step

    @property
    def activation(self) -> str | list[str]:
        """The hidden activation: one name when every hidden layer shares it."""
        if len(set(self.activations)) == 1:
            return self.activations[0]
        return list(self.activations)

    @property
    def loss_name(self) -> str:  # type: ignore[override]
        l2 = " + L2 penalty" if self.alpha else ""
        return LOSS_NAMES[self.loss_kind] + l2 + (" + L1 penalty" if self.l1 else "")

    @property
    def task(self) -> str:  # type: ignore[override]
        return TASKS[self.output]

    @property
    def depth(self) -> int:
        return len(self.layer_sizes) - 1

    def value_and_gradients(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        """The loss and the engine's gradients in one pass, as training asks for them.

        The graph of :meth:`loss_graph` is recorded once per batch shape and
        configuration and then replayed as straight-line code
        (:func:`chainrule.autodiff.compiled_value_and_grad`); the numbers are
        those of :meth:`autodiff_value_and_gradients`, which runs eagerly.
        """
        X, y = self.check_data(X, y)
        return self.checked_value_and_gradients(X, y)

    def checked_value_and_gradients(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        names = tuple(self.params)
        value, grads = self._compiled_step(names)(*(self.params[k] for k in names), X, y)
        return value, dict(zip(names, grads, strict=True))

    def gradients(self, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        return self.value_and_gradients(X, y)[1]

    takes_weights = True

    def checked_weighted_value_and_gradients(
        self, X: np.ndarray, y: np.ndarray, weights: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        """The weighted loss (``loss_graph`` with ``weights`` (m,)) and its gradients,
        replayed as :meth:`value_and_gradients` is."""
        names = tuple(self.params)
        step = self._compiled_step(names, weighted=True)
        value, grads = step(*(self.params[k] for k in names), X, y, weights)
        return value, dict(zip(names, grads, strict=True))

    def checked_weighted_loss(self, X: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
        """The weighted loss with every unit (no dropout), from ``loss_graph``."""
        was_training, self.training = self.training, False
        try:
            params = {k: Tensor(v) for k, v in self.params.items()}
            return float(self.loss_graph(params, X, y, weights).data)
        finally:
            self.training = was_training

    def joined_value_and_gradients(self, weighted: bool = False) -> Callable[..., JoinedResult]:
        """The compiled step of :meth:`checked_value_and_gradients` with the
        gradients laid end to end by the replay itself (its ``flat`` form); a
        subclass that computes its gradients its own way gets the general form,
        which calls its method."""
        mine = "checked_weighted_value_and_gradients" if weighted else "checked_value_and_gradients"
        if getattr(type(self), mine) is not getattr(MLP, mine):
            return super().joined_value_and_gradients(weighted)
        Joined(self.params)  # one float dtype for all, as the general form asks
        names = tuple(self.params)
        flat = self._compiled_step(names, weighted).flat

        def joined(*data: np.ndarray) -> JoinedResult:
            params = self.params
            return flat(*[params[k] for k in names], *data)

        return joined

    def _compiled_step(self, names: tuple[str, ...], weighted: bool = False) -> Compiled:
        """The replayed loss and gradients for the model as it is configured now.

        Without dropout at work the loss depends on the hyperparameters alone, so
        every MLP configured alike shares one compiled step (:func:`_shared_step`):
        a network rebuilt for each request replays from its first call.
        """
        if type(self) is MLP and not (self.training and self.dropout):
            shared = tuple(
                (k, tuple(v) if type(v) is list else v) for k, v in self.hyperparameters().items()
            )
            try:
                return _shared_step(shared, names, weighted)
            except TypeError:  # an unhashable hyperparameter: this model's own cache
                pass
        key = (
            names,
            self.training,
            self.alpha,
            self.l1,
            self.dropout,
            tuple(self.activations),
            weighted,
        )
        cache: dict[Any, Compiled] = self.__dict__.setdefault("_compiled", {})
        if key not in cache:

            def loss(*args: Any) -> Tensor:
                *arrays, X, y, weights = args if weighted else (*args, None)
                return self.loss_graph(dict(zip(names, arrays, strict=True)), X, y, weights)

            cache[key] = compiled_value_and_grad(loss, argnums=tuple(range(len(names))))
        return cache[key]

    def __getstate__(self) -> dict[str, Any]:
        state = dict(self.__dict__)
        state.pop("_compiled", None)  # generated code: made again on first use
        return state

    def linear_readout(self) -> tuple[str, str, str] | None:
        if self.output != "identity" or self.n_outputs != 1 or self.alpha or self.l1:
            return None
        last = self.depth
        return (f"W{last}", f"b{last}", f"A{last - 1}" if last > 1 else "X")

    def hyperparameters(self) -> dict[str, Any]:
        return {
            "layer_sizes": list(self.layer_sizes),
            "activation": self.activation,
            "output": self.output,
            "init": self.init,
            "alpha": self.alpha,
            "dropout": self.dropout,
            "loss": self.loss_kind,
            "l1": self.l1,
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
        """ŷ (out, m). Cache: ``Z1``, ``A1``, ..., ``ZL``, ``y_hat`` and, with alpha or
        l1 > 0, ``penalty``; parameters with leading batch axes give a cache with them too."""
        params = {k: Tensor(v) for k, v in self.params.items()}
        Z, cache = self._layers(params, X, training=False)
        if self.output == "sigmoid":
            y_hat = vocabulary.sigmoid(Z.data)
        elif self.output == "softmax":
            y_hat = vocabulary.softmax(Z.data, -2)
        elif self.output == "tanh":
            y_hat = np.tanh(Z.data)
        else:
            y_hat = Z.data
        found = {k: t.data for k, t in cache.items()}
        found["y_hat"] = y_hat
        terms = self._penalties(params)
        if terms:
            found["penalty"] = terms[0].data if len(terms) == 1 else terms[0].data + terms[1].data
        return y_hat, found

    def _layers(
        self, params: dict[str, Tensor], X: np.ndarray, training: bool
    ) -> tuple[Tensor, dict[str, Tensor]]:
        """Z_L and the named intermediate values, for numbers and graph alike."""
        cache: dict[str, Tensor] = {}
        A: Tensor | np.ndarray = X
        for i in range(1, self.depth + 1):
            Z = params[f"W{i}"] @ A + params[f"b{i}"]
            cache[f"Z{i}"] = Z
            if i < self.depth:
                H = ACTIVATIONS[self.activations[i - 1]](Z)
                if training and self.dropout:
                    H = H.dropout(self.dropout, self._dropout_rng, training=True)
                cache[f"A{i}"] = A = H
        return Z, cache

    def _penalties(self, params: dict[str, Tensor]) -> list[Tensor]:
        """[(α/2)·Σ_l ||W_l||², λ·Σ_l Σ|W_l|], each reduced over a matrix's last two axes;
        a term whose strength is 0 is left out."""
        layers = range(1, self.depth + 1)
        terms = []
        if self.alpha:
            squares = [sum_of_squares(params[f"W{i}"], axis=(-2, -1)) for i in layers]
            terms.append(functools.reduce(operator.add, squares) * (self.alpha / 2))
        if self.l1:
            total = sum(
                (params[f"W{i}"].abs().sum(axis=(-2, -1)) for i in layers), start=Tensor(0.0)
            )
            terms.append(total * self.l1)
        return terms

    def loss_from_cache(self, cache: dict[str, np.ndarray], y: np.ndarray) -> Any:
        Z, m = cache[f"Z{self.depth}"], y.shape[-1]
        if self.loss_kind == "mse":
            r = cache["y_hat"] - y
            data_loss = np.sum(r * r, axis=(-2, -1)) / m
        elif self.loss_kind == "binary_cross_entropy":
            data_loss = np.sum(np.logaddexp(0.0, Z) - y * Z, axis=(-2, -1)) / m
        else:
            data_loss = -np.sum(y * vocabulary.log_softmax(Z, -2), axis=(-2, -1)) / m
        return data_loss + cache["penalty"] if self.alpha or self.l1 else data_loss

    def loss_graph(
        self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray, weights: Any = None
    ) -> Tensor:
        """The loss on the engine's Tensors; ``weights`` (m,), one per example (≥ 0, a
        positive sum), make the data term the weighted mean Σᵢ sᵢ ℓᵢ / Σᵢ sᵢ."""
        Z, _ = self._layers(params, X, training=self.training)
        if self.loss_kind == "mse":
            out = {"identity": identity, "tanh": Tensor.tanh, "sigmoid": Tensor.sigmoid}
            loss = mse(out[self.output](Z), y, weights)
        elif self.loss_kind == "binary_cross_entropy":
            loss = binary_cross_entropy_with_logits(Z, y, weights)
        else:
            loss = softmax_cross_entropy(Z, y, weights)
        for term in self._penalties(params):
            loss = loss + term
        return loss

    def predict_class(self, X: np.ndarray) -> np.ndarray:
        """Class labels: (m,) for softmax (argmax), (out, m) 0/1 for sigmoid."""
        y_hat = self.predict(X)
        if self.output == "softmax":
            return np.argmax(y_hat, axis=0)
        return (y_hat >= 0.5).astype(np.int64)


@functools.lru_cache(maxsize=64)
def _shared_step(
    hyperparameters: tuple[tuple[str, Any], ...], names: tuple[str, ...], weighted: bool = False
) -> Compiled:
    """The compiled loss and gradients of every MLP built with these hyperparameters
    ((name, value) pairs, lists as tuples), not training with dropout: a template
    model's graph, replayed for any parameters (and, ``weighted``, sample weights)."""
    settings: dict[str, Any] = {
        k: list(v) if isinstance(v, tuple) else v for k, v in hyperparameters
    }
    template = MLP(**settings)

    def loss(*args: Any) -> Tensor:
        *arrays, X, y, weights = args if weighted else (*args, None)
        return template.loss_graph(dict(zip(names, arrays, strict=True)), X, y, weights)

    return compiled_value_and_grad(loss, argnums=tuple(range(len(names))))
