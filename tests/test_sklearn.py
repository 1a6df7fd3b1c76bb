"""chainrule.sklearn's estimators against scikit-learn's own MLPs, step for step."""

from __future__ import annotations

import pickle
import warnings
from typing import Any

import numpy as np
import pytest
from sklearn import neural_network as sk
from sklearn.base import clone
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import chainrule as cr
from chainrule.models import MLP
from chainrule.sklearn import MLPClassifier, MLPRegressor
from chainrule.sklearn.solvers import objective

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    X, y = load_digits(return_X_y=True)
    return X[:300] / 16.0, y[:300]


def same_parameters(ours: Any, theirs: Any, rtol: float = 1e-10) -> None:
    assert len(ours.coefs_) == len(theirs.coefs_)
    for a, b in zip(
        ours.coefs_ + ours.intercepts_, theirs.coefs_ + theirs.intercepts_, strict=True
    ):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=rtol * np.abs(b).max())


BASE = {"hidden_layer_sizes": (20,), "random_state": 0, "max_iter": 10, "alpha": 1e-2}
SAME_AS_SKLEARN = {
    "sgd, nesterov momentum, batches of 32": {"solver": "sgd", "batch_size": 32},
    "sgd, invscaling": {"solver": "sgd", "learning_rate": "invscaling", "momentum": 0.0,
                        "learning_rate_init": 0.5},
    "sgd, adaptive": {"solver": "sgd", "learning_rate": "adaptive", "momentum": 0.0,
                      "max_iter": 60, "tol": 0.05, "n_iter_no_change": 2},
    "sgd, early stopping, tanh": {"solver": "sgd", "early_stopping": True, "max_iter": 30,
                                  "activation": "tanh"},
    "sgd, no shuffling, two layers": {"solver": "sgd", "shuffle": False,
                                      "hidden_layer_sizes": (12, 7), "momentum": 0.5,
                                      "nesterovs_momentum": False},
    "lbfgs": {"solver": "lbfgs", "max_iter": 20},
    "no hidden layer, logistic": {"solver": "sgd", "hidden_layer_sizes": (),
                                  "activation": "logistic"},
    "sgd, n_iter_no_change=inf": {"solver": "sgd", "n_iter_no_change": np.inf, "tol": 1.0},
}  # fmt: skip


@pytest.mark.parametrize("settings", SAME_AS_SKLEARN.values(), ids=SAME_AS_SKLEARN.keys())
def test_classifier_trains_as_sklearn_does(
    digits: tuple[np.ndarray, np.ndarray], settings: dict[str, Any]
) -> None:
    """Same start, same batches, same loss and alpha: the same weights to rounding."""
    X, y = digits
    params = {**BASE, **settings}
    ours, theirs = MLPClassifier(**params).fit(X, y), sk.MLPClassifier(**params).fit(X, y)
    same_parameters(ours, theirs)
    assert ours.n_iter_ == theirs.n_iter_ and ours.t_ == theirs.t_
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)
    if settings["solver"] != "lbfgs":
        np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)
        assert ours.best_loss_ == pytest.approx(theirs.best_loss_, rel=1e-10, nan_ok=True) or (
            ours.best_loss_ is None and theirs.best_loss_ is None
        )
    if settings.get("early_stopping"):
        np.testing.assert_allclose(ours.validation_scores_, theirs.validation_scores_)
        assert ours.best_validation_score_ == theirs.best_validation_score_
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-8)
    assert (ours.predict(X) == theirs.predict(X)).all()


@pytest.mark.parametrize(("target", "activation"), [("binary", "logistic"), ("multilabel", "relu")])
def test_logistic_outputs_train_as_sklearn_does(
    digits: tuple[np.ndarray, np.ndarray], target: str, activation: str
) -> None:
    X, y = digits
    Y = (y > 4) if target == "binary" else np.c_[y > 4, y % 2 == 0, y == 3]
    params = {**BASE, "solver": "sgd", "activation": activation}
    ours, theirs = MLPClassifier(**params).fit(X, Y), sk.MLPClassifier(**params).fit(X, Y)
    same_parameters(ours, theirs)
    assert ours.out_activation_ == theirs.out_activation_ == "logistic"
    np.testing.assert_allclose(ours.predict_proba(X), theirs.predict_proba(X), rtol=1e-8)
    assert (ours.predict(X) == theirs.predict(X)).all()


@pytest.mark.parametrize("solver", ["sgd", "lbfgs"])
@pytest.mark.parametrize("outputs", [1, 3])
def test_regressor_trains_as_sklearn_does(
    digits: tuple[np.ndarray, np.ndarray], solver: str, outputs: int
) -> None:
    """The squared error is scikit-learn's (halved; reported averaged over outputs)."""
    X, y = digits
    Y = np.c_[y, np.sqrt(y), y % 3][:, :outputs] if outputs > 1 else y
    params = {**BASE, "solver": solver, "learning_rate_init": 0.01}
    ours, theirs = MLPRegressor(**params).fit(X, Y), sk.MLPRegressor(**params).fit(X, Y)
    same_parameters(ours, theirs, rtol=1e-9)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)
    np.testing.assert_allclose(ours.predict(X), theirs.predict(X), rtol=1e-8)
    assert ours.predict(X).shape == theirs.predict(X).shape


def test_multi_output_lbfgs_takes_sklearns_path(digits: tuple[np.ndarray, np.ndarray]) -> None:
    """scikit-learn hands L-BFGS the squared error averaged over the outputs with the
    gradient of their sum; the same pair gives the same 50 iterations."""
    X, y = digits
    Y = np.c_[y, np.sqrt(y), y % 3].astype(float)
    params = {"hidden_layer_sizes": (8,), "solver": "lbfgs", "random_state": 0, "max_iter": 50}
    ours, theirs = MLPRegressor(**params).fit(X, Y), sk.MLPRegressor(**params).fit(X, Y)
    assert ours.n_iter_ == theirs.n_iter_ == 50
    same_parameters(ours, theirs, rtol=1e-8)
    assert ours.loss_ == pytest.approx(theirs.loss_, rel=1e-10)


def test_adam_is_pytorchs_and_lands_near_sklearns(digits: tuple[np.ndarray, np.ndarray]) -> None:
    """chainrule's Adam adds ε to √v̂, scikit-learn's to √v: close, not equal."""
    X, y = digits
    params = {**BASE, "solver": "adam", "batch_size": 32}
    ours, theirs = MLPClassifier(**params).fit(X, y), sk.MLPClassifier(**params).fit(X, y)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-3)
    assert ours.score(X, y) == pytest.approx(theirs.score(X, y), abs=0.01)


def test_partial_fit_and_warm_start_as_sklearn(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    params = {**BASE, "solver": "sgd", "batch_size": 50}
    ours, theirs = MLPClassifier(**params), sk.MLPClassifier(**params)
    for part in (slice(0, 150), slice(150, 300), slice(0, 300)):
        ours.partial_fit(X[part], y[part], classes=np.arange(10))
        theirs.partial_fit(X[part], y[part], classes=np.arange(10))
    same_parameters(ours, theirs)
    assert ours.n_iter_ == theirs.n_iter_ == 1 and ours.t_ == theirs.t_ == 600
    warm = {**params, "warm_start": True, "max_iter": 4}
    ours, theirs = MLPClassifier(**warm).fit(X, y), sk.MLPClassifier(**warm).fit(X, y)
    ours.fit(X, y)
    theirs.fit(X, y)
    same_parameters(ours, theirs)
    np.testing.assert_allclose(ours.loss_curve_, theirs.loss_curve_, rtol=1e-10)


@pytest.mark.parametrize("batch", [32, 300, 70])
def test_alpha_means_sklearns_on_one_batch(
    digits: tuple[np.ndarray, np.ndarray], batch: int
) -> None:
    """The loss and gradients of one batch equal scikit-learn's ``_backprop``."""
    X, y = digits
    X, Y = X[:batch], np.eye(10)[y[:batch]]
    alpha = 0.3
    theirs = sk.MLPClassifier((9,), alpha=alpha, random_state=1, max_iter=1).fit(X, y[:batch])
    model = MLP([64, 9, 10], "relu", "softmax")
    model.params = {
        "W1": theirs.coefs_[0].T.copy(), "b1": theirs.intercepts_[0][:, None].copy(),
        "W2": theirs.coefs_[1].T.copy(), "b2": theirs.intercepts_[1][:, None].copy(),
    }  # fmt: skip
    layers = len(theirs.coefs_) + 1
    expected_loss, coef_grads, intercept_grads = theirs._backprop(
        X, Y, None, [X] + [None] * (layers - 1), [None] * (layers - 1), [None] * 2, [None] * 2
    )
    loss, grads = objective(model, 1.0)(*model.params.values(), X.T, Y.T, alpha / batch)
    assert loss == pytest.approx(expected_loss, rel=1e-12)
    for ours, theirs_grad in zip(grads, [coef_grads[0].T, intercept_grads[0][:, None],
                                          coef_grads[1].T, intercept_grads[1][:, None]],
                                 strict=True):  # fmt: skip
        np.testing.assert_allclose(ours, theirs_grad, rtol=1e-10, atol=1e-14)


def test_any_chainrule_optimizer_and_schedule(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    named = MLPClassifier(**BASE, solver="adam").fit(X, y)
    given = MLPClassifier(**BASE, solver=cr.optim.adam(0.001, eps=1e-8)).fit(X, y)
    scheduled = MLPClassifier(**BASE, learning_rate=cr.optim.constant(0.001)).fit(X, y)
    same_parameters(given, named, rtol=0)
    same_parameters(scheduled, named, rtol=0)
    for solver in ("rmsprop", "adagrad", "adamw", "momentum", "gd"):
        est = MLPClassifier(**BASE, solver=solver, learning_rate_init=0.01).fit(X, y)
        assert est.loss_curve_[-1] < est.loss_curve_[0], solver
    cosine = MLPClassifier(**BASE, solver="sgd", learning_rate=cr.optim.cosine(0.1, 20)).fit(X, y)
    assert cosine.loss_curve_[-1] < cosine.loss_curve_[0]


def test_model_is_the_chainrule_mlp(digits: tuple[np.ndarray, np.ndarray]) -> None:
    """``model_`` predicts what the estimator does, on examples as columns."""
    X, y = digits
    est = MLPClassifier((8,), "tanh", alpha=0.0, max_iter=5, random_state=0).fit(X, y)
    model = est.model_
    assert isinstance(model, MLP) and model.layer_sizes == [64, 8, 10]
    np.testing.assert_allclose(model.predict(X.T).T, est.predict_proba(X))
    assert est.coefs_[0].shape == (64, 8) and est.intercepts_[1].shape == (10,)
    # views, as the docstring says: writing into one changes the model
    est.coefs_[0][0, 0] = 123.0
    assert model.params["W1"][0, 0] == 123.0


@pytest.mark.parametrize(
    "kind", ["softmax, tanh", "logistic, two activations", "two outputs", "no hidden layer"]
)
def test_derive_gives_the_gradients_of_model_(
    digits: tuple[np.ndarray, np.ndarray], kind: str
) -> None:
    """derive's equations of ``model_``, evaluated, equal the engine's gradients."""
    X, y = digits
    fitted = {
        "softmax, tanh": (MLPClassifier((8,), "tanh"), y, np.eye(10)[y].T),
        "logistic, two activations": (
            MLPClassifier((5, 4), ["relu", "tanh"]),
            y > 4,
            (y > 4)[None, :] * 1.0,
        ),
        "two outputs": (MLPRegressor(hidden_layer_sizes=(6,)), np.c_[y, y % 3], np.c_[y, y % 3].T),
        "no hidden layer": (MLPClassifier(()), y, np.eye(10)[y].T),
    }
    est, target, Y = fitted[kind]
    model = est.set_params(alpha=0.0, max_iter=3, random_state=0).fit(X, target).model_
    derived = cr.derive(model).evaluate(model.params, X.T, Y)
    for k, g in model.gradients(X.T, Y).items():
        np.testing.assert_allclose(derived[k], g, rtol=1e-9, atol=1e-12)


def test_model_alpha_is_the_full_batch_penalty(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    est = MLPRegressor(
        hidden_layer_sizes=(5,), alpha=0.4, batch_size=60, max_iter=2, random_state=0
    ).fit(X, y)
    assert est.model_.alpha == pytest.approx(2 * 0.4 / 60)
    est = MLPClassifier((5,), alpha=0.4, solver="lbfgs", max_iter=2, random_state=0).fit(X, y)
    assert est.model_.alpha == pytest.approx(0.4 / 300)
    est = MLPClassifier((5,), alpha=0.4, early_stopping=True, max_iter=2).fit(X[:150], y[:150])
    assert est.model_.alpha == pytest.approx(0.4 / 135)  # 'auto': every training example


def test_no_replay_falls_back_to_eager(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    with warnings.catch_warnings():
        warnings.simplefilter("error", cr.ReplayWarning)
        MLPClassifier(**BASE, batch_size=70).fit(X, y)


def test_pipeline_grid_search_and_cross_validation() -> None:
    """The same grid search over scikit-learn's MLP picks the same model, scores equal."""
    X, y = load_digits(return_X_y=True)
    X, y = X[:400], y[:400]
    grid = {"mlp__hidden_layer_sizes": [(16,), (32,)], "mlp__alpha": [1e-4, 1.0]}
    params = {"solver": "sgd", "max_iter": 15, "batch_size": 32, "learning_rate_init": 0.05,
              "random_state": 0}  # fmt: skip
    searches = [
        GridSearchCV(Pipeline([("scale", StandardScaler()), ("mlp", cls(**params))]), grid, cv=2)
        for cls in (MLPClassifier, sk.MLPClassifier)
    ]
    ours, theirs = (search.fit(X, y) for search in searches)
    assert ours.best_score_ > 0.85
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_allclose(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )
    scores = cross_val_score(
        MLPRegressor(hidden_layer_sizes=(8,), solver="lbfgs", random_state=0), X / 16, y, cv=3
    )
    assert scores.shape == (3,) and np.all(scores > 0.3)


def test_pickle_keeps_training(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    est = MLPClassifier(**BASE, solver="sgd").partial_fit(X, y, classes=np.arange(10))
    twin = pickle.loads(pickle.dumps(est))
    est.partial_fit(X, y)
    twin.partial_fit(X, y)
    same_parameters(twin, est, rtol=0)


def test_convergence_warning_as_sklearn(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    with pytest.warns(ConvergenceWarning, match="Maximum iterations"):
        MLPClassifier(**{**BASE, "max_iter": 2}).fit(X, y)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"alpha": -1.0}, r"alpha must be a number in \[0, inf\), got -1.0"),
        ({"hidden_layer_sizes": (4, 0)}, r"hidden_layer_sizes must be positive integers"),
        ({"activation": "swish"}, r"activation must be one of .*got 'swish'"),
        ({"activation": ["relu"], "hidden_layer_sizes": (3, 3)}, r"one per hidden layer"),
        ({"solver": "newton"}, r"solver must be one of .*got 'newton'"),
        ({"learning_rate": "cyclic"}, r"learning_rate must be one of"),
        ({"solver": cr.optim.sgd(0.1), "learning_rate": "adaptive"}, r"carries its own"),
        ({"batch_size": 0}, r"batch_size must be 'auto' or a positive integer, got 0"),
        ({"n_iter_no_change": 0}, r"n_iter_no_change must be a positive integer"),
        ({"beta_2": 1.0}, r"beta_2 must be a number in \[0, 1\), got 1.0"),
        ({"shuffle": "yes"}, r"shuffle must be True or False"),
    ],
)
def test_parameters_are_checked_in_fit(
    digits: tuple[np.ndarray, np.ndarray], params: dict[str, Any], message: str
) -> None:
    X, y = digits
    est = MLPClassifier(**params)  # stored untouched, checked in fit
    with pytest.raises(ValueError, match=message):
        est.fit(X, y)


def test_refusals(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    assert not hasattr(MLPClassifier(solver="lbfgs"), "partial_fit")
    assert hasattr(MLPClassifier(solver="sgd"), "partial_fit")
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        MLPClassifier().partial_fit(X, y)
    with pytest.raises(ValueError, match="early_stopping"):
        MLPRegressor(early_stopping=True).partial_fit(X, y)
    with pytest.raises(ValueError, match="loss must be 'squared_error', got 'poisson'"):
        MLPRegressor(loss="poisson").fit(X, y)
    est = MLPClassifier(**BASE, warm_start=True).fit(X, y)
    est.set_params(hidden_layer_sizes=(7,))
    with pytest.raises(ValueError, match=r"layer sizes \[64, 20, 10\].*warm_start=False"):
        est.fit(X, y)
    diverging = MLPRegressor(
        activation="identity", solver="sgd", learning_rate_init=1.0, max_iter=20
    )
    with np.errstate(all="ignore"), pytest.raises(ValueError, match="non-finite parameter weights"):
        diverging.fit(X, y)


def test_a_transformation_survives_clone_and_search(digits: tuple[np.ndarray, np.ndarray]) -> None:
    X, y = digits
    rmsprop = cr.optim.rmsprop(0.01)
    est = MLPClassifier(**BASE, solver=rmsprop)
    assert clone(est).get_params()["solver"] == rmsprop
    search = GridSearchCV(est, {"solver": ["adam", rmsprop]}, cv=2).fit(X, y)
    assert len(search.cv_results_["mean_test_score"]) == 2


def test_verbose_prints_the_loss_of_every_epoch(
    digits: tuple[np.ndarray, np.ndarray], capsys: pytest.CaptureFixture[str]
) -> None:
    X, y = digits
    est = MLPClassifier(**{**BASE, "max_iter": 3}, verbose=True).fit(X, y)
    lines = capsys.readouterr().out.splitlines()
    assert lines == [f"Iteration {i + 1}, loss = {v:.8f}" for i, v in enumerate(est.loss_curve_)]


def test_shuffled_draws_sklearns_permutation() -> None:
    """The epoch's order is the one ``sklearn.utils.shuffle`` gives, draw for draw."""
    from sklearn.utils import shuffle

    from chainrule.sklearn.solvers import shuffled

    ours, theirs = np.random.RandomState(3), np.random.RandomState(3)
    indices = np.arange(97)
    for _ in range(3):
        a, b = shuffled(indices, ours), shuffle(indices, random_state=theirs)
        np.testing.assert_array_equal(a, b)
        indices = a
    assert ours.randint(1 << 30) == theirs.randint(1 << 30)  # the same draws were used


def test_compiled_objective_is_shared_and_leaves_the_model_alone(
    digits: tuple[np.ndarray, np.ndarray],
) -> None:
    """One compiled objective per configuration: a second estimator (with another
    alpha) replays the first one's recording and trains exactly as with a fresh one."""
    import threading

    X, y = digits
    first, second = MLPClassifier(**BASE), MLPClassifier(**{**BASE, "alpha": 0.3})
    first.fit(X, y)
    second.fit(X, y)
    assert objective(second.model_, 1.0) is objective(first.model_, 1.0)
    assert first.model_.alpha != second.model_.alpha
    fresh: list[Any] = []  # another thread starts with no compiled objective

    def other_thread() -> None:
        estimator = MLPClassifier(**{**BASE, "alpha": 0.3}).fit(X, y)
        fresh.extend([estimator, objective(estimator.model_, 1.0)])

    thread = threading.Thread(target=other_thread)
    thread.start()
    thread.join()
    assert fresh[1] is not objective(second.model_, 1.0)
    same_parameters(second, fresh[0], rtol=0.0)
    model = MLP([64, 5, 10], "relu", "softmax", alpha=0.25)
    objective(model, 1.0)(*model.params.values(), X[:8].T, np.eye(10)[y[:8]].T, 0.5)
    assert model.alpha == 0.25
