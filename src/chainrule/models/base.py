"""What every model shares: parameters, data checks, the engine's gradients, files.

Examples are columns: ``X`` is ``(n, m)`` for ``n`` features and ``m``
examples, ``y`` is ``(1, m)``. A model's ``params`` is a plain dict of NumPy
arrays that the model reads on every call, so assigning a new array to a key
changes the model.
"""

from __future__ import annotations

import math
import zipfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar, NamedTuple

import numpy as np

from chainrule.autodiff import Tensor, value_and_grad
from chainrule.display import heading, table, text
from chainrule.files import atomic_path, output_path
from chainrule.optim.joined import Joined

_F64 = np.dtype(np.float64)

JoinedResult = tuple[float, np.ndarray]
"""A loss and the gradients of every parameter laid end to end in one vector."""


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
    takes_weights: ClassVar[bool] = False  # its loss can weight the examples (fit's sample_weight)
    loss_name: ClassVar[str] = "MSE"  # what the loss is, for axes and legends

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

    def linear_readout(self) -> tuple[str, str, str] | None:
        """Where the loss is a quadratic: (weight, bias, cache key of their input).

        For a model whose output is ŷ = W H + b with H computed before W and b
        (``H`` is ``X`` or a forward-cache entry) and whose loss is the mean
        squared error, the loss is a quadratic in any two entries of W and b;
        the landscape code then computes it in closed form. None otherwise.
        """
        return None

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
        return self.checked_loss(X, y)

    def checked_loss(self, X: np.ndarray, y: np.ndarray) -> float:
        """:meth:`loss` of data that :meth:`check_data` returned, not checked again
        (what :func:`chainrule.train.fit` calls before and after each epoch)."""
        return float(self.loss_from_cache(self.forward(X)[1], y))

    def value_and_gradients(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        """The loss and :meth:`gradients` together (one forward pass where possible)."""
        return self.loss(X, y), self.gradients(X, y)

    def checked_value_and_gradients(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        """:meth:`value_and_gradients` of data that :meth:`check_data` returned
        (or a batch of its columns), which is not checked again.

        What :func:`chainrule.train.fit` calls for every batch of the data it
        checked once. This default checks anyway; a model whose checks cost a
        pass or a copy per batch skips them.
        """
        return self.value_and_gradients(X, y)

    def checked_weighted_loss(self, X: np.ndarray, y: np.ndarray, weights: np.ndarray) -> float:
        """:meth:`checked_loss` with the data term a weighted mean over the examples,
        Σᵢ sᵢ ℓᵢ / Σᵢ sᵢ for ``weights`` s (m,), where ``takes_weights`` is True."""
        raise ValueError(self.weights_refusal())

    def checked_weighted_value_and_gradients(
        self, X: np.ndarray, y: np.ndarray, weights: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        """:meth:`checked_value_and_gradients` of the weighted loss (see
        :meth:`checked_weighted_loss`), where ``takes_weights`` is True."""
        raise ValueError(self.weights_refusal())

    def joined_value_and_gradients(self, weighted: bool = False) -> Callable[..., JoinedResult]:
        """The function a training loop calls each step with one vector of gradients.

        ``f(X, y)`` (with ``weighted``, ``f(X, y, weights)``) takes checked data
        as :meth:`checked_value_and_gradients` does (or its weighted form) and
        returns the loss and the gradients of every parameter laid end to end
        in one new vector, in ``params`` order and dtype: the layout of
        :class:`chainrule.optim.joined.Joined` over ``params``, which needs
        one float dtype for all (a ValueError says so otherwise). It reads
        ``params`` at every call and holds for the configuration the model has
        when it is made (:func:`chainrule.train.fit` takes one per epoch).
        """
        layout = Joined(self.params)
        pairs = (
            self.checked_weighted_value_and_gradients
            if weighted
            else self.checked_value_and_gradients
        )

        def joined(*data: np.ndarray) -> JoinedResult:
            loss, grads = pairs(*data)
            return loss, layout.join([grads[k] for k in layout.names])

        return joined

    def weights_refusal(self) -> str:
        """Why this model cannot weight its examples (the message of the error)."""
        return (
            f"{self.name}: its loss does not weight examples (its equations are for the plain "
            "mean); train an MLP (models.MLP) to use sample weights"
        )

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

    def _repr_html_(self) -> str:
        """A notebook's view: the model, its task and loss, its layers, its parameters."""
        parts = [
            heading(repr(self)),
            f"<div>task: {text(self.task)}, loss: {text(self.loss_name)}, "
            f"{self.n_inputs} input(s), {self.n_outputs} output(s), "
            f"{self.n_parameters} parameters</div>",
        ]
        sizes = getattr(self, "layer_sizes", None)
        activations = getattr(self, "activations", None)
        if sizes is not None and activations is not None:
            output = getattr(self, "output", "identity")
            names = [*activations, output]
            rows = [(i, sizes[i - 1], sizes[i], names[i - 1]) for i in range(1, len(sizes))]
            parts.append(table(("layer", "in", "out", "activation"), rows, "layers"))
        rows_p = [(k, str(tuple(v.shape)), v.size) for k, v in self.params.items()]
        parts.append(table(("parameter", "shape", "size"), rows_p, "parameters"))
        return "".join(parts)

    # --- files ---------------------------------------------------------------

    def save(self, path: str | Path, extra: Mapping[str, Any] | None = None) -> Path:
        """Writes the parameters, and what fixes their shapes, to an ``.npz`` file.

        The path is used as given; ``.npz`` is added only when the name has no
        suffix (``"model"`` -> ``model.npz``, ``"m.txt"`` stays ``m.txt``). The
        file is written to a temporary beside it and renamed over the target
        when complete, so a failed save leaves a previous file intact.

        Args:
            path: the file to write (not a directory; its folder must exist).
            extra: named arrays stored with the model, e.g. the mean and
                scale the training data was standardised with; read them
                back with :func:`read_extra`.

        Returns:
            The path written; :meth:`load_params`, :func:`read_saved` and
            :func:`read_extra` given the same string read it.
        """
        target = output_path(path, MODEL_SUFFIX)
        arrays: dict[str, Any] = {_MODEL_KEY: np.asarray(self.name)}
        for k, v in self.hyperparameters().items():
            value = np.asarray(list(v) if isinstance(v, tuple) else v)
            if value.dtype.hasobject:
                raise ValueError(f"hyperparameter {k}={v!r} cannot be stored: not numbers or text")
            arrays[_HYPER + k] = value
        arrays.update({_EXTRA + k: v for k, v in _check_extra(extra).items()})
        arrays.update(self.params)
        with atomic_path(target) as tmp, open(tmp, "wb") as f:
            np.savez(f, **arrays)
        return target

    def load_params(self, path: str | Path) -> None:
        """Reads parameters saved by :meth:`save` into this model.

        ``path`` is read as given, or with ``.npz`` appended when it has no
        suffix and the name as given does not exist. The model name, the
        parameter names and every shape are checked against the archive's
        directory (the zip entries and each array's header) before any array
        is read, so a wrong file costs no more memory than the model.

        Raises:
            ValueError: another model's file, a missing or extra parameter, a
                shape that differs, or a file that is truncated or corrupt;
                each names the path.
            FileNotFoundError: no file at ``path`` (nor at ``path.npz``).
        """
        with _Archive(path) as archive:
            saved_name = archive.model_name()
            if saved_name != self.name:
                raise ValueError(f"{archive.path}: holds a {saved_name!r} model, not {self.name!r}")
            saved = {k: e for k, e in archive.entries.items() if not k.startswith("__")}
            missing = set(self.params) - set(saved)
            extra = set(saved) - set(self.params)
            if missing or extra:
                raise ValueError(
                    f"{archive.path}: parameters differ: missing {sorted(missing)}, "
                    f"unexpected {sorted(extra)}"
                )
            for k, (shape, dtype) in saved.items():
                if shape != self.params[k].shape:
                    raise ValueError(
                        f"{archive.path}: parameter {k} has shape {shape}, the model has "
                        f"{self.params[k].shape}"
                    )
                if dtype.kind not in "fiu":
                    raise ValueError(f"{archive.path}: parameter {k} holds {dtype}, not numbers")
            values = {k: archive.read(k).astype(np.float64) for k in saved}
        self.params.update(values)


class HandDerived(Model):
    """A worked network: its ``gradients`` are its own backward pass, ``_backward``.

    ``_backward(X, y, cache)`` is the hand-derived equations as straight code,
    reading the forward cache; the loss and the gradients share one forward.
    """

    def value_and_gradients(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
        X, y = self.check_data(X, y)
        return self.checked_value_and_gradients(X, y)

    def checked_value_and_gradients(
        self, X: np.ndarray, y: np.ndarray
    ) -> tuple[float, dict[str, np.ndarray]]:
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


# --- files -------------------------------------------------------------------
#
# A model file is an uncompressed .npz (a zip of .npy arrays): "__model__" (the
# name), "__hyper__<name>" (hyperparameters), "__extra__<name>" (arrays saved
# with the model) and one entry per parameter.

MODEL_SUFFIX = ".npz"
_MODEL_KEY = "__model__"
_HYPER = "__hyper__"
_EXTRA = "__extra__"
_SMALL_ENTRY = 1 << 16  # bytes: the bound on a name or hyperparameter entry


class _Entry(NamedTuple):
    shape: tuple[int, ...]
    dtype: np.dtype[Any]


class _Archive:
    """An open model file whose directory is read, its arrays not yet.

    ``entries`` maps each array's name to its shape and dtype, taken from the
    zip directory and each ``.npy`` header; :meth:`read` reads one array.
    Every failure to read becomes a ValueError that names the path.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = _existing_model_file(path)
        self._zip: zipfile.ZipFile | None = None
        self.entries: dict[str, _Entry] = {}

    def __enter__(self) -> _Archive:
        try:
            self._zip = zipfile.ZipFile(self.path)
            for info in self._zip.infolist():
                self._add(info)
        except BaseException as e:
            self.close()
            raise self._unreadable(e) from e
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._zip is not None:
            self._zip.close()
            self._zip = None

    def _add(self, info: zipfile.ZipInfo) -> None:
        if not info.filename.endswith(".npy"):
            raise ValueError(f"entry {info.filename!r} is not a NumPy array")
        assert self._zip is not None
        with self._zip.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, _, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"entry {info.filename!r} has .npy format {version}")
            header = f.tell()
        if dtype.hasobject:
            raise ValueError(f"entry {info.filename!r} holds Python objects")
        size = header + math.prod(shape) * dtype.itemsize
        if info.file_size != size:
            raise ValueError(
                f"entry {info.filename!r} holds {info.file_size} bytes, its header says {size}"
            )
        self.entries[info.filename.removesuffix(".npy")] = _Entry(tuple(shape), dtype)

    def read(self, name: str) -> np.ndarray:
        """The array ``name`` (a key of ``entries``)."""
        assert self._zip is not None
        try:
            with self._zip.open(name + ".npy") as f:
                return np.asarray(np.lib.format.read_array(f, allow_pickle=False))
        except Exception as e:
            raise self._unreadable(e) from e

    def read_small(self, name: str) -> Any:
        """A name or hyperparameter entry as a Python value (bounded in size)."""
        shape, dtype = self.entries[name]
        if dtype.kind not in "biufU" or math.prod(shape) * dtype.itemsize > _SMALL_ENTRY:
            raise ValueError(
                f"{self.path}: entry {name!r} ({dtype}, shape {shape}) is not a "
                "name or a hyperparameter; not a chainrule model file"
            )
        return self.read(name).tolist()

    def model_name(self) -> str:
        """The saved model's name, ``"unknown"`` when the file has none."""
        if _MODEL_KEY not in self.entries:
            return "unknown"
        return str(self.read_small(_MODEL_KEY))

    def _unreadable(self, e: BaseException) -> BaseException:
        if not isinstance(e, Exception) or isinstance(e, OSError):  # kept: they name the path
            return e
        return ValueError(
            f"{self.path}: not a readable chainrule model file ({e}); "
            "it may be truncated or corrupt: save it again"
        )


def _existing_model_file(path: str | Path) -> Path:
    """The file ``save(path)`` wrote: ``path`` itself, or ``path`` + ``.npz``."""
    given = Path(path)
    if given.is_file():
        return given
    if given.is_dir():
        raise ValueError(f"{str(given)!r} is a directory, not a model file")
    if given.suffix == "":
        with_suffix = given.with_name(given.name + MODEL_SUFFIX)
        if with_suffix.is_file():
            return with_suffix
        raise FileNotFoundError(f"no model file {str(given)!r} (nor {str(with_suffix)!r})")
    raise FileNotFoundError(f"no model file {str(given)!r}")


def _check_extra(extra: Mapping[str, Any] | None) -> dict[str, np.ndarray]:
    checked = {}
    for k, v in (extra or {}).items():
        if not isinstance(k, str) or not k or any(c in k for c in "/\\\0"):
            raise ValueError(f"extra array names are non-empty strings without '/', got {k!r}")
        a = np.asarray(v)
        if a.dtype.hasobject:
            raise ValueError(f"extra array {k!r} holds Python objects; store numbers or strings")
        checked[k] = a
    return checked


def read_saved(path: str | Path) -> tuple[str, dict[str, Any]]:
    """The model name and hyperparameters stored in a file written by ``save``.

    ``path`` is resolved as :meth:`Model.load_params` does; no parameter
    array is read.
    """
    with _Archive(path) as archive:
        if _MODEL_KEY not in archive.entries:
            raise ValueError(f"{archive.path}: not a chainrule model file (no __model__ entry)")
        hyper = {
            k.removeprefix(_HYPER): archive.read_small(k)
            for k in archive.entries
            if k.startswith(_HYPER)
        }
        return archive.model_name(), hyper


def read_extra(path: str | Path) -> dict[str, np.ndarray]:
    """The arrays stored with ``save(path, extra=...)``: name -> array (empty if none).

    ``path`` is resolved as :meth:`Model.load_params` does; no parameter
    array is read.
    """
    with _Archive(path) as archive:
        if _MODEL_KEY not in archive.entries:
            raise ValueError(f"{archive.path}: not a chainrule model file (no __model__ entry)")
        return {
            k.removeprefix(_EXTRA): archive.read(k) for k in archive.entries if k.startswith(_EXTRA)
        }
