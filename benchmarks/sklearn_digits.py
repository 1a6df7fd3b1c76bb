"""Case G: chainrule.sklearn.MLPClassifier against scikit-learn's MLPClassifier on digits.

scikit-learn's digits, split 75/25 (stratified, seed 0) and standardised on
the training part; both estimators with the same architecture (64-128-10,
ReLU), solver, batch size (64), epochs (30, with ``n_iter_no_change`` at 30
so both run every epoch), alpha and ``random_state``, so both start from the
same weights and see the same batches. One timed call is a whole ``fit``.

With ``solver="sgd"`` the two train the same weights to rounding (checked
before timing); with ``"adam"`` chainrule's Adam adds ε to √v̂ where
scikit-learn's adds it to √v, so the weights differ slightly and the test
accuracies are compared instead (the note of each row).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np

from benchmarks.harness import Impl, Row, measure, skipped

EPOCHS = 30
SETTINGS = {
    "hidden_layer_sizes": (128,),
    "activation": "relu",
    "batch_size": 64,
    "max_iter": EPOCHS,
    "n_iter_no_change": EPOCHS,
    "alpha": 1e-4,
    "random_state": 0,
}
SOLVERS = {"adam": {"solver": "adam"}, "sgd": {"solver": "sgd", "learning_rate_init": 0.01}}


def digits() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """X_train (1347, 64), X_test (450, 64), y_train, y_test: rows, standardised."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0, stratify=y)
    scaler = StandardScaler().fit(X_train)
    return scaler.transform(X_train), scaler.transform(X_test), y_train, y_test


def estimator_impl(
    name: str,
    cls: Any,
    params: dict[str, Any],
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    compare: bool,
) -> Impl:
    X_train, X_test, y_train, y_test = data

    def make() -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]] | None]:
        est = cls(**params)

        def step() -> None:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # ConvergenceWarning at max_iter
                est.fit(X_train, y_train)

        def state() -> dict[str, np.ndarray]:
            layers = est.coefs_ + est.intercepts_
            return {f"p{i}": p for i, p in enumerate(layers)}

        return step, state if compare else None

    scored = cls(**params)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scored.fit(X_train, y_train)
    accuracy = scored.score(X_test, y_test)
    return Impl(name, make, note=f"test accuracy {accuracy:.4f}, {scored.n_iter_} epochs")


def run(rounds: int) -> list[Row]:
    size = f"digits 64-128-10, batches of 64, {EPOCHS} epochs"
    try:
        from sklearn.neural_network import MLPClassifier as Reference
    except ImportError:
        return [skipped("S", size, "scikit-learn MLPClassifier", "scikit-learn not installed")]
    from chainrule.sklearn import MLPClassifier

    data = digits()
    rows = []
    for solver, extra in SOLVERS.items():
        params = {**SETTINGS, **extra}
        compare = solver == "sgd"
        impls = [
            estimator_impl("scikit-learn MLPClassifier", Reference, params, data, compare),
            estimator_impl("chainrule.sklearn MLPClassifier", MLPClassifier, params, data, compare),
        ]
        rows += measure("S", f"{size}, {solver}", impls, max(3, rounds // 4), rtol=1e-8)
    return rows
