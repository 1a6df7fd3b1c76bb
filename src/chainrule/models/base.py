"""What every model shares: parameters, data checks, the engine's gradients, files.

Examples are columns: ``X`` is ``(n, m)`` for ``n`` features and ``m``
examples, ``y`` is ``(1, m)``. A model's ``params`` is a plain dict of NumPy
arrays that the model reads on every call, so assigning a new array to a key
changes the model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from chainrule.autodiff import Tensor, value_and_grad

_F64 = np.dtype(np.float64)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """σ(z) = 1 / (1 + e^−z), written as in the hand-derived equations.

    It costs what the same line costs in hand-written NumPy. For z < −709,
    e^−z overflows and NumPy warns about it; the value is still the right
    limit, 0. (The engine's sigmoid primitive silences that warning.)
    """
    return 1.0 / (1.0 + np.exp(-z))


class Model:
    """Base class of the worked networks and the MLP.

    Subclasses set ``name`` (as the command line spells it), ``task``
    (``"regression"``, ``"binary"`` or ``"multiclass"``), build ``params`` in
    ``__init__`` and define :meth:`forward`, :meth:`loss_graph` and, for the
    worked networks, a hand-derived :meth:`gradients`.
    """

    name: ClassVar[str] = "model"
    task: ClassVar[str] = "regression"
    params: dict[str, np.ndarray]
    n_inputs: int  # rows of X: features
    n_outputs: int = 1  # rows of y
    weights_in_out: ClassVar[bool] = False  # True where W is (in, out), as in seed 001
    training: bool = False  # set by fit while it trains: dropout acts only then

    # --- what subclasses define ---------------------------------------------

    def forward(self, X: np.ndarray) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The prediction for ``X`` and the cache of named intermediate values."""
        raise NotImplementedError

    def loss_graph(self, params: dict[str, Tensor], X: np.ndarray, y: np.ndarray) -> Tensor:
        """The loss written with the engine's operations, for autodiff."""
        raise NotImplementedError

    def loss_from_cache(self, cache: dict[str, np.ndarray], y: np.ndarray) -> Any:
        """The loss given the forward cache (so a forward pass is not repeated).

        Reduces over the last two axes only, so parameters with leading batch
        axes (many parameter settings at once, as the landscape evaluates
        them) give one loss per setting.
        """
        raise NotImplementedError

    def gradients(self, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """d(loss)/d(parameter) for every parameter; the MLP uses the engine."""
        return self.autodiff_gradients(X, y)

    # --- shared --------------------------------------------------------------

    def hyperparameters(self) -> dict[str, Any]:
        """The constructor arguments that fix the parameter shapes."""
        return {}

    def predict(self, X: np.ndarray) -> np.ndarray:
        """The model's output for ``X`` (n, m): ŷ, shape (outputs, m)."""
        return self.forward(self.check_X(X))[0]

    def loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """The loss at the current parameters, a float."""
        X, y = self.check_data(X, y)
        return float(self.loss_from_cache(self.forward(X)[1], y))

    def value_and_gradients(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        """The loss and :meth:`gradients` together (one forward pass where possible)."""
        return self.loss(X, y), self.gradients(X, y)

    def autodiff_gradients(self, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        """The gradients computed by the autodiff engine from :meth:`loss_graph`."""
        return self.autodiff_value_and_gradients(X, y)[1]

    def autodiff_value_and_gradients(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        """The loss and the engine's gradients."""
        X, y = self.check_data(X, y)
        names = list(self.params)

        def f(*tensors: Tensor) -> Tensor:
            return self.loss_graph(dict(zip(names, tensors, strict=True)), X, y)

        value, grads = value_and_grad(f, argnums=tuple(range(len(names))))(
            *(self.params[k] for k in names)
        )
        return value, dict(zip(names, grads, strict=True))

    @property
    def n_parameters(self) -> int:
        return sum(p.size for p in self.params.values())

    def check_X(self, X: Any) -> np.ndarray:
        """``X`` as a float array of shape (n_features, m), or a clear error."""
        X = np.asarray(X, dtype=np.float64) if not _is_float_array(X) else X
        expected = self.n_inputs
        if X.ndim != 2 or X.shape[0] != expected:
            hint = ""
            if X.ndim == 2 and X.shape[1] == expected:
                hint = " It looks transposed: pass X.T."
            elif X.ndim == 1 and expected == 1:
                hint = " Pass x.reshape(1, -1)."
            raise ValueError(
                f"{type(self).__name__}: X has shape {X.shape}, expected ({expected}, m): "
                f"examples are columns, one row per feature.{hint}"
            )
        return X

    def check_data(self, X: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
        """``X`` and ``y`` checked against each other and against the model."""
        if (
            type(X) is np.ndarray
            and type(y) is np.ndarray
            and X.dtype is _F64
            and y.dtype is _F64
            and X.ndim == 2
            and X.shape[0] == self.n_inputs
            and y.shape == (self.n_outputs, X.shape[1])
        ):
            return X, y
        X = self.check_X(X)
        y = np.asarray(y, dtype=np.float64) if not _is_float_array(y) else y
        m = X.shape[1]
        if y.shape != (self.n_outputs, m):
            hint = " Pass y.reshape(1, -1)." if y.size == self.n_outputs * m else ""
            raise ValueError(
                f"{type(self).__name__}: y has shape {y.shape}, expected "
                f"({self.n_outputs}, {m}) for X of shape {X.shape}.{hint}"
            )
        return X, y

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.hyperparameters().items())
        return f"{type(self).__name__}({args})"

    # --- files ---------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Writes the parameters and what fixes their shapes to an ``.npz`` file."""
        path = Path(path)
        arrays: dict[str, Any] = {"__model__": np.asarray(self.name)}
        arrays.update(
            {f"__hyper__{k}": np.asarray(_encode(v)) for k, v in self.hyperparameters().items()}
        )
        arrays.update(self.params)
        np.savez(path, **arrays)
        return path if path.suffix == ".npz" else path.with_name(path.name + ".npz")

    def load_params(self, path: str | Path) -> None:
        """Reads parameters saved by :meth:`save` into this model.

        Raises ValueError naming what does not match: another model's file, a
        missing or extra parameter, or a shape that differs.
        """
        with np.load(path, allow_pickle=False) as data:
            saved_name = str(data["__model__"]) if "__model__" in data.files else "unknown"
            if saved_name != self.name:
                raise ValueError(f"{path}: holds a {saved_name!r} model, not {self.name!r}")
            saved = {k: data[k] for k in data.files if not k.startswith("__")}
        missing = set(self.params) - set(saved)
        extra = set(saved) - set(self.params)
        if missing or extra:
            raise ValueError(
                f"{path}: parameters differ: missing {sorted(missing)}, unexpected {sorted(extra)}"
            )
        for k, v in saved.items():
            if v.shape != self.params[k].shape:
                raise ValueError(
                    f"{path}: parameter {k} has shape {v.shape}, the model has "
                    f"{self.params[k].shape}"
                )
        self.params.update({k: v.astype(np.float64) for k, v in saved.items()})


class HandDerived(Model):
    """A worked network: its ``gradients`` are its own backward pass, ``_backward``.

    ``_backward(X, y, cache)`` is the hand-derived equations as straight code,
    reading the forward cache; the loss and the gradients share one forward.
    """

    def value_and_gradients(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        X, y = self.check_data(X, y)
        cache = self.forward(X)[1]
        return float(self.loss_from_cache(cache, y)), self._backward(X, y, cache)

    def gradients(self, X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
        X, y = self.check_data(X, y)
        return self._backward(X, y, self.forward(X)[1])

    def _backward(
        self, X: np.ndarray, y: np.ndarray, cache: dict[str, np.ndarray]
    ) -> dict[str, np.ndarray]:
        raise NotImplementedError


def _is_float_array(x: Any) -> bool:
    return isinstance(x, np.ndarray) and x.dtype == np.float64


def _encode(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


def read_saved(path: str | Path) -> tuple[str, dict[str, Any]]:
    """The model name and hyperparameters stored in a file written by ``save``."""
    with np.load(path, allow_pickle=False) as data:
        if "__model__" not in data.files:
            raise ValueError(f"{path}: not a chainrule model file (no __model__ entry)")
        hyper = {
            k.removeprefix("__hyper__"): data[k].tolist()
            for k in data.files
            if k.startswith("__hyper__")
        }
        return str(data["__model__"]), hyper
