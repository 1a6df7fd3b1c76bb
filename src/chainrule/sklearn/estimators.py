"""``MLPClassifier`` and ``MLPRegressor``: scikit-learn estimators around the chainrule MLP.

They take scikit-learn's parameters under scikit-learn's names and meanings
and train as scikit-learn's estimators of the same names do (see
:mod:`chainrule.sklearn.solvers`), on the engine's compiled gradients.
``model_`` is the trained :class:`chainrule.models.MLP`, so
``chainrule.derive(est.model_)`` gives the equations of what was trained.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin, RegressorMixin
from sklearn.metrics import accuracy_score, r2_score
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.metaestimators import available_if
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels

from chainrule.optim import GradientTransformation, Schedule
from chainrule.sklearn.base import BaseMLP

_PARAMETERS = """
    Parameters mean what scikit-learn's do (``hidden_layer_sizes``,
    ``activation``, ``solver``, ``alpha``, ``batch_size``, ``learning_rate``,
    ``learning_rate_init``, ``power_t``, ``max_iter``, ``shuffle``,
    ``random_state``, ``tol``, ``verbose``, ``warm_start``, ``momentum``,
    ``nesterovs_momentum``, ``early_stopping``, ``validation_fraction``,
    ``beta_1``, ``beta_2``, ``epsilon``, ``n_iter_no_change``, ``max_fun``),
    with more values:

    - ``activation``: any chainrule activation ("relu", "tanh", "logistic" or
      "sigmoid", "identity", "leaky_relu", "elu", "gelu", "gelu_tanh", "silu",
      "softplus"), one name or a list with one per hidden layer.
    - ``solver``: "lbfgs", "sgd", "adam" as in scikit-learn, any chainrule
      optimizer by name ("rmsprop", "adagrad", "adamw", "momentum" with
      β = ``momentum``, "gd"), or a GradientTransformation such as
      ``chainrule.optim.adam(0.01)``, used as given.
    - ``learning_rate``: "constant", "invscaling", "adaptive" (applied to any
      solver given by name, not only "sgd"), or a chainrule schedule such as
      ``chainrule.optim.cosine(0.01, 1000)`` (a function of the step that
      replaces ``learning_rate_init``).

    ``alpha`` is scikit-learn's: a batch of b examples adds
    (alpha / (2·b))·Σ‖W‖² to its loss. Adam is PyTorch's (ε added to √v̂,
    where scikit-learn adds it to √v): the steps differ only where √v is
    near ε.
"""

_ATTRIBUTES = """
    Fitted attributes as scikit-learn's: ``coefs_`` (fan_in, fan_out) and
    ``intercepts_`` (fan_out,) (views of ``model_``'s parameters), ``loss_``,
    ``loss_curve_``, ``best_loss_``, ``validation_scores_``,
    ``best_validation_score_``, ``n_iter_``, ``t_``, ``n_features_in_``,
    ``feature_names_in_``, ``n_layers_``, ``n_outputs_``, ``out_activation_``;
    and ``model_``, the chainrule MLP (examples as columns), whose ``alpha``
    is the penalty of a full batch in its own units.
"""


def _stochastic(estimator: BaseMLP) -> bool:
    if estimator.solver == "lbfgs":
        raise AttributeError(
            "partial_fit needs a stochastic solver; 'lbfgs' is not one. Use 'adam' or 'sgd'."
        )
    return True


class MLPClassifier(ClassifierMixin, BaseMLP):  # type: ignore[misc]
    __doc__ = (
        """A multi-layer perceptron classifier: a chainrule MLP behind scikit-learn's API.

    Two classes train one logistic output on the mean binary cross-entropy,
    more classes a softmax output on the mean cross-entropy, a label indicator
    matrix one logistic output per label. X is (n_samples, n_features), y
    (n_samples,) labels of any kind, or (n_samples, n_labels) of 0 and 1.
"""
        + _PARAMETERS
        + _ATTRIBUTES
        + """    and ``classes_``.

    Example:
        >>> from sklearn.datasets import load_iris
        >>> from chainrule.sklearn import MLPClassifier
        >>> X, y = load_iris(return_X_y=True)
        >>> clf = MLPClassifier((16,), solver="lbfgs", random_state=0).fit(X, y)
        >>> clf.predict_proba(X[:2]).shape
        (2, 3)
"""
    )

    _y_numeric = False
    _score_function = staticmethod(accuracy_score)

    @property
    def _output(self) -> str:
        return "softmax" if self._label_binarizer.y_type_ == "multiclass" else "sigmoid"

    @property
    def _scale(self) -> float:
        return 1.0

    def _targets(self, y: np.ndarray, incremental: bool, first_pass: bool) -> np.ndarray:
        check_classification_targets(y)
        if "classes_" not in self.__dict__ or not (self.warm_start or incremental):
            self._label_binarizer = LabelBinarizer().fit(y)
            self.classes_ = self._label_binarizer.classes_
        else:
            classes = unique_labels(y)
            if self.warm_start and not incremental and set(classes) != set(self.classes_):
                raise ValueError(
                    "warm_start can only be used where `y` has the same classes as in the "
                    f"previous call to fit. Previously got {self.classes_}, `y` has {classes}"
                )
            unknown = np.setdiff1d(classes, self.classes_, assume_unique=True)
            if len(unknown):
                raise ValueError(
                    f"`y` has classes {unknown} not in `self.classes_` {self.classes_}"
                )
        return self._label_binarizer.transform(y).astype(np.float64)

    def _predict_rows(self, out: np.ndarray) -> np.ndarray:
        if self.n_outputs_ == 1:
            out = out.ravel()
        return self._label_binarizer.inverse_transform(out)

    def _stratify(self, Y: np.ndarray) -> np.ndarray | None:
        return Y if self.n_outputs_ == 1 else None

    @available_if(_stochastic)  # type: ignore[untyped-decorator]
    def partial_fit(
        self, X: Any, y: Any, sample_weight: Any = None, classes: Any = None
    ) -> MLPClassifier:
        """One epoch over X (m, n), y, keeping the optimizer's state between calls.

        Args:
            X: (n_samples, n_features).
            y: (n_samples,) labels, or a label indicator matrix.
            sample_weight: None, or (n_samples,) weights ≥ 0 (see ``fit``).
            classes: every class of every call, needed on the first call.
        """
        first = "classes_" not in self.__dict__
        if first and classes is None:
            raise ValueError("classes must be passed on the first call to partial_fit.")
        if classes is not None:
            wanted = unique_labels(classes)
            if not first and not np.array_equal(wanted, self.classes_):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the last call to partial_fit, "
                    f"was {self.classes_!r}"
                )
        if first:
            binarizer = LabelBinarizer()
            multilabel = type_of_target(y).startswith("multilabel")
            self._label_binarizer = binarizer.fit(y if multilabel else classes)
            self.classes_ = binarizer.classes_
        self._fit(X, y, incremental=True, sample_weight=sample_weight)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The predicted classes of rows X (m, n): (m,), or (m, n_labels) for multilabel."""
        return self._predict_rows(self._checked_forward(X))

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (m, n_classes), in the order of ``classes_``."""
        out = self._checked_forward(X)
        if self.n_outputs_ == 1:
            p = out.ravel()
            return np.vstack([1 - p, p]).T
        return out

    def predict_log_proba(self, X: Any) -> np.ndarray:
        """log of :meth:`predict_proba`, (m, n_classes)."""
        return np.log(self.predict_proba(X))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class MLPRegressor(RegressorMixin, BaseMLP):  # type: ignore[misc]
    __doc__ = (
        """A multi-layer perceptron regressor: a chainrule MLP behind scikit-learn's API.

    An identity output trained on scikit-learn's squared error,
    (1/(2·m))·‖ŷ − y‖² over m examples: the chainrule MLP's mean squared
    error (1/m)·‖ŷ − y‖² halved. (scikit-learn reports it averaged over the k
    outputs, (1/(2·m·k))·‖ŷ − y‖², and so does ``loss_``.) X is (n_samples,
    n_features), y (n_samples,) or (n_samples, n_outputs).

    ``loss`` is "squared_error", the only loss the chainrule MLP has for
    regression (scikit-learn's "poisson" needs an exponential output).
"""
        + _PARAMETERS
        + _ATTRIBUTES
        + """
    Example:
        >>> import numpy as np
        >>> from chainrule.sklearn import MLPRegressor
        >>> X = np.linspace(-1, 1, 50).reshape(-1, 1)
        >>> reg = MLPRegressor((8,), "tanh", solver="lbfgs", random_state=0).fit(X, X[:, 0] ** 2)
        >>> reg.predict(X[:3]).shape
        (3,)
"""
    )

    _y_numeric = True
    _score_function = staticmethod(r2_score)

    def __init__(
        self,
        loss: str = "squared_error",
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
        self.loss = loss
        super().__init__(
            hidden_layer_sizes,
            activation,
            solver=solver,
            alpha=alpha,
            batch_size=batch_size,
            learning_rate=learning_rate,
            learning_rate_init=learning_rate_init,
            power_t=power_t,
            max_iter=max_iter,
            shuffle=shuffle,
            random_state=random_state,
            tol=tol,
            verbose=verbose,
            warm_start=warm_start,
            momentum=momentum,
            nesterovs_momentum=nesterovs_momentum,
            early_stopping=early_stopping,
            validation_fraction=validation_fraction,
            beta_1=beta_1,
            beta_2=beta_2,
            epsilon=epsilon,
            n_iter_no_change=n_iter_no_change,
            max_fun=max_fun,
        )

    @property
    def _output(self) -> str:
        return "identity"

    @property
    def _scale(self) -> float:
        return 2.0

    def _targets(self, y: np.ndarray, incremental: bool, first_pass: bool) -> np.ndarray:
        if self.loss != "squared_error":
            raise ValueError(
                f"MLPRegressor: loss must be 'squared_error', got {self.loss!r}; the chainrule "
                "MLP has no exponential output for scikit-learn's 'poisson'"
            )
        Y = np.asarray(y, dtype=np.float64)
        return Y.reshape(-1, 1) if Y.ndim == 1 else Y

    def _predict_rows(self, out: np.ndarray) -> np.ndarray:
        return out.ravel() if out.shape[1] == 1 else out

    @available_if(_stochastic)  # type: ignore[untyped-decorator]
    def partial_fit(self, X: Any, y: Any, sample_weight: Any = None) -> MLPRegressor:
        """One epoch over X (m, n), y (m,) or (m, k), keeping the optimizer's state;
        ``sample_weight`` None or (m,) weights ≥ 0 (see ``fit``)."""
        self._fit(X, y, incremental=True, sample_weight=sample_weight)
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The predictions for rows X (m, n): (m,), or (m, n_outputs)."""
        return self._predict_rows(self._checked_forward(X))

    def __sklearn_tags__(self) -> Any:
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
