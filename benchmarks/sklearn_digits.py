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

A third row, "numpy (by hand)", is the floor: scikit-learn's algorithm (its
initial weights, shuffles, loss with the L2 penalty, SGD with Nesterov momentum
or its Adam) written as a plain NumPy loop over the same batches, computing
the same batch losses, with no estimator around it (no input validation, no
stopping rule); with ``sgd`` its weights are checked against scikit-learn's.
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


def numpy_impl(
    params: dict[str, Any],
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    compare: bool,
) -> Impl:
    """scikit-learn's MLPClassifier training loop for one hidden ReLU layer, by hand."""
    X_train, y_train = data[0], data[2]
    Y = np.eye(10)[y_train]
    m, n = X_train.shape
    hidden = params["hidden_layer_sizes"][0]
    size, alpha, epochs = params["batch_size"], params["alpha"], params["max_iter"]
    adam = params["solver"] == "adam"
    lr = params.get("learning_rate_init", 0.001)

    def train() -> list[np.ndarray]:
        rs = np.random.RandomState(params["random_state"])
        P: list[np.ndarray] = []
        for fan_in, fan_out in ((n, hidden), (hidden, 10)):
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            P.append(rs.uniform(-bound, bound, (fan_in, fan_out)))
            P.append(rs.uniform(-bound, bound, fan_out))
        P = [P[0], P[2], P[1], P[3]]  # W1, W2, b1, b2 as scikit-learn's coefs_ + intercepts_
        first = [np.zeros_like(p) for p in P]
        second = [np.zeros_like(p) for p in P]
        idx = np.arange(m)
        t = 0
        for _ in range(epochs):
            order = np.arange(m)
            rs.shuffle(order)
            idx = idx[order]
            Xe, Ye = X_train[idx], Y[idx]
            total = 0.0
            for s in range(0, m, size):
                Xb, Yb = Xe[s : s + size], Ye[s : s + size]
                b = Xb.shape[0]
                W1, W2, b1, b2 = P
                Z1 = Xb @ W1 + b1
                A1 = np.maximum(Z1, 0)
                Z2 = A1 @ W2 + b2
                E = np.exp(Z2 - Z2.max(axis=1, keepdims=True))
                prob = E / E.sum(axis=1, keepdims=True)
                penalty = np.dot(W1.ravel(), W1.ravel()) + np.dot(W2.ravel(), W2.ravel())
                loss = -np.sum(Yb * np.log(np.clip(prob, 1e-300, 1))) / b
                total += (loss + 0.5 * alpha * penalty / b) * b
                D2 = prob - Yb
                D1 = (D2 @ W2.T) * (Z1 > 0)
                G = [
                    (Xb.T @ D1 + alpha * W1) / b,
                    (A1.T @ D2 + alpha * W2) / b,
                    D1.sum(axis=0) / b,
                    D2.sum(axis=0) / b,
                ]
                t += 1
                for i, g in enumerate(G):
                    if adam:
                        first[i] = 0.9 * first[i] + 0.1 * g
                        second[i] = 0.999 * second[i] + 0.001 * g * g
                        rate = lr * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
                        P[i] = P[i] - rate * first[i] / (np.sqrt(second[i]) + 1e-8)
                    else:
                        first[i] = 0.9 * first[i] - lr * g
                        P[i] = P[i] + (0.9 * first[i] - lr * g)
        return P

    return _loop_impl("numpy (by hand)", train, data, compare, f", {epochs} epochs")


def floor_impl(
    params: dict[str, Any],
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    compare: bool,
) -> Impl:
    """The same algorithm as :func:`numpy_impl`, written for speed: examples as
    columns, the parameters, gradients and optimizer state each one vector with
    the arrays as views of it, and every operation that can write in place
    (``out=``, ``+=``) doing so. No general library can be faster with NumPy:
    the row says how near the ceiling the others are."""
    X_train, y_train = data[0], data[2]
    Y = np.eye(10)[y_train]
    m, n = X_train.shape
    H = params["hidden_layer_sizes"][0]
    size = params["batch_size"] if isinstance(params["batch_size"], int) else min(200, m)
    alpha, epochs = params["alpha"], params["max_iter"]
    adam = params["solver"] == "adam"
    lr = params.get("learning_rate_init", 0.001)
    shapes = [(H, n), (H, 1), (10, H), (10, 1)]
    ends = np.cumsum([0] + [a * b for a, b in shapes]).tolist()

    def views(vector: np.ndarray) -> list[np.ndarray]:
        return [vector[a:b].reshape(s) for a, b, s in zip(ends[:-1], ends[1:], shapes, strict=True)]

    def train() -> list[np.ndarray]:
        rs = np.random.RandomState(params["random_state"])
        parts = []
        for fan_in, fan_out in ((n, H), (H, 10)):
            bound = np.sqrt(6.0 / (fan_in + fan_out))
            parts.append(rs.uniform(-bound, bound, (fan_in, fan_out)).T.ravel())
            parts.append(rs.uniform(-bound, bound, fan_out))
        vector = np.concatenate(parts)
        W1, b1, W2, b2 = views(vector)
        grad = np.empty_like(vector)
        gW1, gb1, gW2, gb2 = views(grad)
        first, second = np.zeros_like(vector), np.zeros_like(vector)
        tmp, tmp2 = np.empty_like(vector), np.empty_like(vector)
        idx = np.arange(m)
        t = 0
        for _ in range(epochs):
            order = np.arange(m)
            rs.shuffle(order)
            idx = idx[order]
            Xe, Ye = X_train[idx].T, Y[idx].T  # columns (views of the shuffled rows)
            total = 0.0
            for s in range(0, m, size):
                Xb, Yb = Xe[:, s : s + size], Ye[:, s : s + size]
                b = Xb.shape[1]
                Z1 = W1 @ Xb
                Z1 += b1
                A1 = np.maximum(Z1, 0)
                Z2 = W2 @ A1
                Z2 += b2
                Z2 -= Z2.max(axis=0)
                E = np.exp(Z2)
                S = E.sum(axis=0)
                E /= S
                data_term = (np.log(S).sum() - np.vdot(Yb, Z2)) / b
                penalty = 0.5 * alpha * (np.vdot(W1, W1) + np.vdot(W2, W2)) / b
                total += (data_term + penalty) * b
                E -= Yb
                E *= 1.0 / b
                np.matmul(E, A1.T, out=gW2)
                gW2 += (alpha / b) * W2
                np.sum(E, axis=1, keepdims=True, out=gb2)
                D1 = W2.T @ E
                D1 *= Z1 > 0
                np.matmul(D1, Xb.T, out=gW1)
                gW1 += (alpha / b) * W1
                np.sum(D1, axis=1, keepdims=True, out=gb1)
                if adam:
                    t += 1
                    first *= 0.9
                    np.multiply(grad, 0.1, out=tmp)
                    first += tmp
                    second *= 0.999
                    np.multiply(grad, grad, out=tmp)
                    tmp *= 0.001
                    second += tmp
                    np.sqrt(second, out=tmp)
                    tmp += 1e-8
                    np.divide(first, tmp, out=tmp2)
                    tmp2 *= lr * np.sqrt(1 - 0.999**t) / (1 - 0.9**t)
                    vector -= tmp2
                else:  # Nesterov: v = μv − ηg, p += μv − ηg
                    first *= 0.9
                    np.multiply(grad, lr, out=tmp)
                    first -= tmp
                    np.multiply(first, 0.9, out=tmp2)
                    tmp2 -= tmp
                    vector += tmp2
        W1, b1, W2, b2 = views(vector)
        return [W1.T, W2.T, b1.ravel(), b2.ravel()]

    return _loop_impl("numpy, in place (floor)", train, data, compare)


def _loop_impl(
    name: str,
    train: Callable[[], list[np.ndarray]],
    data: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    compare: bool,
    note: str = "",
) -> Impl:
    """A hand-written training loop as a row: ``train`` returns W1, W2, b1, b2 in
    scikit-learn's orientation (rows in), which the row scores on the test part."""
    X_test, y_test = data[1], data[3]

    def make() -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]] | None]:
        found: list[list[np.ndarray]] = [train()]

        def step() -> None:
            found[0] = train()

        def state() -> dict[str, np.ndarray]:
            return {f"p{i}": p for i, p in enumerate(found[0])}

        return step, state if compare else None

    W1, W2, b1, b2 = train()
    predicted = np.argmax(np.maximum(X_test @ W1 + b1, 0) @ W2 + b2, axis=1)
    accuracy = float(np.mean(predicted == y_test))
    return Impl(name, make, note=f"test accuracy {accuracy:.4f}{note}")


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
            numpy_impl(params, data, compare),
            floor_impl(params, data, compare),
        ]
        rows += measure("S", f"{size}, {solver}", impls, max(3, rounds // 4), rtol=1e-8)
    # scikit-learn's defaults (100 hidden units, batches of 200, adam at 0.001)
    # for a fixed 100 epochs: larger batches, so less of the time is overhead.
    params = {"random_state": 0, "max_iter": DEFAULT_EPOCHS, "n_iter_no_change": DEFAULT_EPOCHS}
    impls = [
        estimator_impl("scikit-learn MLPClassifier", Reference, params, data, False),
        estimator_impl("chainrule.sklearn MLPClassifier", MLPClassifier, params, data, False),
        floor_impl(_spelled_out(params), data, False),
    ]
    size = f"digits 64-100-10, scikit-learn's defaults, {DEFAULT_EPOCHS} epochs, adam"
    rows += measure("S", size, impls, max(3, rounds // 4), rtol=1e-8)
    return rows


DEFAULT_EPOCHS = 100


def _spelled_out(params: dict[str, Any]) -> dict[str, Any]:
    """scikit-learn's defaults written out, for the hand-written rows."""
    defaults = {"hidden_layer_sizes": (100,), "batch_size": "auto", "alpha": 1e-4, "solver": "adam"}
    return {**defaults, **params}
