"""What the two estimators share: their parameters, fitted attributes and training loop.

scikit-learn estimators keep examples as rows: ``X`` is ``(n_samples,
n_features)``. The chainrule MLP inside (``model_``) keeps them as columns,
so the estimators transpose at this boundary and nowhere else.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from typing import Any, Self

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state, gen_batches
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    column_or_1d,
    validate_data,
)

from chainrule.models import MLP
from chainrule.optim import GradientTransformation, Schedule
from chainrule.sklearn import solvers
from chainrule.sklearn.parameters import Settings, check_parameters, is_int
from chainrule.sklearn.solvers import Progress, Rate

OUT_ACTIVATIONS = {"identity": "identity", "sigmoid": "logistic", "softmax": "softmax"}
"""chainrule's output -> scikit-learn's ``out_activation_``."""


class BaseMLP(BaseEstimator):  # type: ignore[misc]
    """Base class of :class:`MLPClassifier` and :class:`MLPRegressor`; not used directly.

    Subclasses define ``_targets`` (y to an (m, out) float array, checked),
    ``_output`` (the MLP's output), ``_scale`` (chainrule's loss over
    scikit-learn's), ``_predict_rows`` and ``_stratify``.
    """

    def __init__(
        self,
        hidden_layer_sizes: int | Sequence[int] = (100,),
        activation: str | Sequence[str] = "relu",
        *,
        solver: str | GradientTransformation = "adam",
        alpha: float = 0.0001,
        batch_size: int | str = "auto",
        learning_rate: str | Schedule | Callable[[int], float] = "constant",
        learning_rate_init: float = 0.001,
        power_t: float = 0.5,
        max_iter: int = 200,
        shuffle: bool = True,
        random_state: int | np.random.RandomState | None = None,
        tol: float = 1e-4,
        verbose: bool | int = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        n_iter_no_change: int = 10,
        max_fun: int = 15000,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate = learning_rate
        self.learning_rate_init = learning_rate_init
        self.power_t = power_t
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.n_iter_no_change = n_iter_no_change
        self.max_fun = max_fun

    # --- what subclasses define ---------------------------------------------

    @property
    def _output(self) -> str:
        """The MLP's output: "identity", "sigmoid" or "softmax"."""
        raise NotImplementedError

    @property
    def _scale(self) -> float:
        """chainrule's loss divided by scikit-learn's."""
        raise NotImplementedError

    _y_numeric: bool  # validate_data turns y into numbers
    _score_function: Callable[..., float]  # the validation score of early stopping

    def _targets(self, y: np.ndarray, incremental: bool, first_pass: bool) -> np.ndarray:
        """The checked targets y (m,) or (m, k) as an (m, out) float array."""
        raise NotImplementedError

    def _predict_rows(self, out: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _stratify(self, Y: np.ndarray) -> np.ndarray | None:
        return None

    # --- the fitted MLP, as scikit-learn names its parts ---------------------

    @property
    def coefs_(self) -> list[np.ndarray]:
        """The weight matrices as scikit-learn lays them out: (fan_in, fan_out) each,
        views of ``model_``'s W_l (fan_out, fan_in)."""
        model = self._fitted_model()
        return [model.params[f"W{i}"].T for i in range(1, model.depth + 1)]

    @property
    def intercepts_(self) -> list[np.ndarray]:
        """The biases as scikit-learn lays them out: (fan_out,) each, views of ``model_``'s."""
        model = self._fitted_model()
        return [model.params[f"b{i}"][:, 0] for i in range(1, model.depth + 1)]

    def _fitted_model(self) -> MLP:
        model = self.__dict__.get("model_")
        if model is None:
            raise AttributeError(f"{type(self).__name__} is not fitted yet: call fit first")
        return model

    def fit(self, X: Any, y: Any, sample_weight: Any = None) -> Self:
        """Trains a new MLP (or goes on with ``warm_start``) on rows X (m, n).

        Args:
            X: (n_samples, n_features).
            y: (n_samples,) labels or targets, or (n_samples, n_outputs).
            sample_weight: None, or (n_samples,) weights ≥ 0: each batch's loss
                is then the weighted mean over its examples and the L2 penalty
                is divided by the batch's total weight, as scikit-learn's.

        Returns:
            The estimator.
        """
        self._fit(X, y, incremental=False, sample_weight=sample_weight)
        return self

    def _fit(self, X: Any, y: Any, incremental: bool, sample_weight: Any = None) -> None:
        settings = check_parameters(self)
        if incremental and settings.solver == "lbfgs":
            raise ValueError("partial_fit needs a stochastic solver, not 'lbfgs'")
        if incremental and self.early_stopping:
            raise ValueError("partial_fit does not support early_stopping=True")
        first_pass = "model_" not in self.__dict__ or not (self.warm_start or incremental)
        X, y = validate_data(
            self,
            X,
            y,
            multi_output=True,
            y_numeric=self._y_numeric,
            dtype=np.float64,
            reset=first_pass,
        )
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        weights = None
        if sample_weight is not None:
            weights = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        Y = self._targets(y, incremental, first_pass)
        random_state = check_random_state(self.random_state)
        sizes = [X.shape[1], *settings.hidden, Y.shape[1]]
        if first_pass:
            self._initialize(sizes, settings, random_state)
        elif (self.model_.layer_sizes, self.model_.activations) != (sizes, settings.activations):
            raise ValueError(
                f"{type(self).__name__}: the fitted MLP has layer sizes "
                f"{self.model_.layer_sizes} and activations {self.model_.activations}; these "
                f"data and parameters ask for {sizes} and {settings.activations}: fit with "
                "warm_start=False to start a new one"
            )
        model = self.model_
        if settings.solver == "lbfgs":
            step = solvers.objective(model, self._scale, weights is not None)
            self.loss_, self.n_iter_, failed = solvers.run_lbfgs(
                model, step, X, Y, self.alpha, self._scale, self.max_iter, self.max_fun, self.tol,
                outputs_averaged=self._outputs_averaged, weights=weights,
            )  # fmt: skip
            if failed:
                warnings.warn(
                    f"lbfgs stopped after {self.n_iter_} iterations without converging "
                    f"({failed}); increase max_iter or scale the data",
                    ConvergenceWarning,
                    stacklevel=3,
                )
            batch = X.shape[0] if weights is None else float(weights.sum())
        else:
            batch = self._fit_stochastic(X, Y, settings, incremental, random_state, weights)
        model.alpha = self._scale * self.alpha / batch  # the penalty of one full batch
        if not all(np.isfinite(p).all() for p in model.params.values()):
            raise ValueError(
                "Solver produced non-finite parameter weights: the loss diverged. Scale the "
                "data (e.g. StandardScaler) or lower learning_rate_init."
            )

    def _initialize(self, sizes: list[int], settings: Settings, random_state: Any) -> None:
        """A new MLP with scikit-learn's initial weights drawn from ``random_state``.

        For each layer, weights U(−a, a) with a = sqrt(6 / (fan_in + fan_out))
        (sqrt(2 / ...) for the logistic activation), then the biases from the
        same distribution, in scikit-learn's order, so the same ``random_state``
        gives the same start as scikit-learn's estimators.
        """
        seed: Any = self.random_state if is_int(self.random_state) else 0
        model = MLP(sizes, list(settings.activations) or "relu", self._output, "glorot", seed)
        named = [self.activation] if isinstance(self.activation, str) else list(self.activation)
        factor = 2.0 if named[:1] in (["logistic"], ["sigmoid"]) else 6.0
        for i in range(1, len(sizes)):
            fan_in, fan_out = sizes[i - 1], sizes[i]
            bound = math.sqrt(factor / (fan_in + fan_out))
            W = random_state.uniform(-bound, bound, (fan_in, fan_out))
            b = random_state.uniform(-bound, bound, fan_out)
            model.params[f"W{i}"] = np.ascontiguousarray(W.T)
            model.params[f"b{i}"] = b.reshape(-1, 1)
        self.model_ = model
        self.n_layers_ = len(sizes)
        self.n_outputs_ = sizes[-1]
        self.out_activation_ = OUT_ACTIVATIONS[self._output]
        self.n_iter_ = 0
        self.t_ = 0
        self._progress: Progress | None = None
        self._optimizer_state: Any = None
        self._solver_of_state: Any = None

    @property
    def _outputs_averaged(self) -> int:
        """How many outputs scikit-learn averages its reported loss over."""
        return self.n_outputs_ if self._output == "identity" else 1

    def _batch_size(self, n_samples: int) -> int:
        if self.batch_size == "auto":
            return min(200, n_samples)
        return int(min(self.batch_size, n_samples))

    def _fit_stochastic(
        self,
        X: np.ndarray,
        Y: np.ndarray,
        settings: Settings,
        incremental: bool,
        random_state: np.random.RandomState,
        weights: np.ndarray | None = None,
    ) -> float:
        """scikit-learn's stochastic loop: epochs of shuffled batches, stopping on a plateau.

        ``weights`` (m,) are the sample weights, split and shuffled with the rows.
        Returns the size of a full batch (times the mean weight with weights),
        by which the fitted model's penalty strength is divided.
        """
        model = self.model_
        fresh = (
            not incremental
            or self._optimizer_state is None
            or self._solver_of_state != settings.solver
        )
        if fresh:
            constant = isinstance(settings.learning_rate, str)
            self._rate = Rate(self.learning_rate_init) if constant else None
        optimizer = solvers.make_optimizer(
            settings.solver,
            settings.learning_rate,
            self._rate,
            momentum=self.momentum,
            nesterovs_momentum=self.nesterovs_momentum,
            beta_1=self.beta_1,
            beta_2=self.beta_2,
            epsilon=self.epsilon,
        )
        if fresh:
            self._optimizer_state = solvers.init_state(optimizer, model.params)
            self._solver_of_state = settings.solver
        if self._progress is None:
            self._progress = Progress(self.early_stopping)
        progress = self._progress
        X_val: Any = None
        y_val: Any = None
        w_val: Any = None
        if self.early_stopping:
            arrays = (X, Y) if weights is None else (X, Y, weights)
            split = train_test_split(
                *arrays,
                random_state=random_state,
                test_size=self.validation_fraction,
                stratify=self._stratify(Y),
            )
            X, X_val, Y, Y_val = split[:4]
            if weights is not None:
                weights, w_val = split[4:]
            if X_val.shape[0] < 2:
                raise ValueError(
                    "The validation set is too small. Increase 'validation_fraction' or "
                    "the size of your dataset."
                )
            y_val = self._predict_rows(Y_val)
        n_samples = X.shape[0]
        if is_int(self.batch_size) and self.batch_size > n_samples:
            warnings.warn(
                f"batch_size {self.batch_size} is larger than the {n_samples} training "
                "samples; it is clipped to them",
                stacklevel=4,
            )
        size = self._batch_size(n_samples)
        sample_idx = np.arange(n_samples)
        state = self._optimizer_state
        self.n_iter_ = 0
        batches = list(gen_batches(n_samples, size))
        objective = solvers.objective(model, self._scale, weights is not None)
        for _ in range(self.max_iter):
            X_epoch, Y_epoch, w_epoch = X, Y, weights
            if self.shuffle:
                # One contiguous shuffled copy per epoch: the batches are then
                # slices of it (views), the same examples in the same order as
                # indexing each batch of the shuffled indices.
                sample_idx = solvers.shuffled(sample_idx, random_state)
                X_epoch, Y_epoch = X[sample_idx], Y[sample_idx]
                w_epoch = None if weights is None else weights[sample_idx]
            self.loss_, state = solvers.run_epoch(
                model, step=objective, optimizer=optimizer, state=state, X=X_epoch, Y=Y_epoch,
                batches=batches, alpha=self.alpha, scale=self._scale,
                outputs_averaged=self._outputs_averaged, weights=w_epoch,
            )  # fmt: skip
            self._optimizer_state = state
            self.n_iter_ += 1
            self.t_ += n_samples
            if self.verbose:
                print(f"Iteration {self.n_iter_}, loss = {self.loss_:.8f}")
            score = None if X_val is None else self._validation_score(X_val, y_val, w_val)
            progress.record(self.loss_, self.tol, score, model.params)
            if self.learning_rate == "invscaling" and self._rate is not None:
                self._rate.value = self.learning_rate_init / (self.t_ + 1) ** self.power_t
            if progress.no_improvement > settings.n_iter_no_change:
                if not self._lower_rate():
                    break
                progress.no_improvement = 0
            if incremental:
                break
            if self.n_iter_ == self.max_iter:
                warnings.warn(
                    f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) reached and "
                    "the optimization hasn't converged yet.",
                    ConvergenceWarning,
                    stacklevel=4,
                )
        if self.early_stopping and progress.best_params is not None:
            model.params.update(progress.best_params)
        self.loss_curve_ = progress.loss_curve
        self.best_loss_ = progress.best_loss
        self.validation_scores_ = progress.validation_scores
        self.best_validation_score_ = progress.best_validation_score
        return size if weights is None else size * float(weights.mean())

    def _lower_rate(self) -> bool:
        """'adaptive': divides the rate by 5 and goes on (True), or says stop (False)."""
        rate = self.__dict__.get("_rate")
        if self.learning_rate != "adaptive" or rate is None:
            return False
        if rate.value <= solvers.SMALLEST_ADAPTIVE_RATE:
            return False
        rate.value /= 5.0
        if self.verbose:
            print(f"Setting learning rate to {rate.value:f}")
        return True

    def _validation_score(
        self, X: np.ndarray, y: np.ndarray, weights: np.ndarray | None = None
    ) -> float:
        predicted = self._predict_rows(self._forward(X))
        if predicted.dtype.kind == "f" and not np.isfinite(predicted).all():
            return math.nan
        return float(self._score_function(y, predicted, sample_weight=weights))

    # --- predict ------------------------------------------------------------

    def _forward(self, X: np.ndarray) -> np.ndarray:
        """The MLP's output for rows X (m, n): (m, out), examples as rows."""
        return self.model_.predict(X.T).T

    def _checked_forward(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self._forward(validate_data(self, X, dtype=np.float64, reset=False))
