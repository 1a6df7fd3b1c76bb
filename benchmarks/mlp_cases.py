"""Cases B and C: ReLU MLPs with a softmax cross-entropy, one GD step or one epoch.

B: scikit-learn's digits, 64-128-10, a full-batch step and an epoch of
batches of 64 (in order, no shuffling, so every implementation takes the
same steps); the epoch also runs through ``chainrule.train.fit``, whose
ratio to the hand-written NumPy epoch is the cost of the training loop. C:
784-256-256-10 on random data at batches of 128 and 4096, in float64 and
float32, with the FLOP count and the fraction of this machine's measured
matrix-multiply rate.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr
from benchmarks.harness import Impl, Row, measure, skipped

LR = 0.1
State = Callable[[], dict[str, np.ndarray]]


def init(sizes: list[int], dtype: Any, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    params = {}
    for i, (a, b) in enumerate(itertools.pairwise(sizes), 1):
        params[f"W{i}"] = (rng.standard_normal((b, a)) * np.sqrt(2.0 / a)).astype(dtype)
        params[f"b{i}"] = np.zeros((b, 1), dtype=dtype)
    return params


def batches(m: int, batch: int | None) -> list[slice]:
    size = m if batch is None else batch
    return [slice(s, min(s + size, m)) for s in range(0, m, size)]


def numpy_impl(
    X: np.ndarray,
    Y: np.ndarray,
    start: dict[str, np.ndarray],
    batch: int | None,
    epochs: int = 1,
    losses: bool = False,
) -> Impl:
    """The hand-written loop; with ``losses``, it also computes each batch's mean
    cross-entropy before its step, as ``fit`` records it."""
    L = len(start) // 2

    def make() -> tuple[Callable[[], Any], State]:
        P = dict(start)
        parts = batches(X.shape[1], batch)
        found: list[float] = []

        def one(Xb: np.ndarray, Yb: np.ndarray) -> None:
            m = Xb.shape[1]
            As, Zs = [Xb], []
            for i in range(1, L + 1):
                Z = P[f"W{i}"] @ As[-1] + P[f"b{i}"]
                Zs.append(Z)
                if i < L:
                    As.append(np.maximum(Z, 0))
            shifted = Z - Z.max(axis=0, keepdims=True)
            E = np.exp(shifted)
            total = E.sum(axis=0, keepdims=True)
            if losses:
                found.append(float(np.log(total).sum() - np.vdot(Yb, shifted)) / m)
            dZ = (E / total - Yb) / m
            for i in range(L, 0, -1):
                dW, db = dZ @ As[i - 1].T, dZ.sum(axis=1, keepdims=True)
                if i > 1:
                    dZ = (P[f"W{i}"].T @ dZ) * (Zs[i - 2] > 0)
                P[f"W{i}"] = P[f"W{i}"] - LR * dW
                P[f"b{i}"] = P[f"b{i}"] - LR * db

        def step() -> None:
            found.clear()
            for _ in range(epochs):
                for s in parts:
                    one(X[:, s], Y[:, s])

        return step, lambda: P

    return Impl("numpy (by hand, with batch losses)" if losses else "numpy (by hand)", make)


def engine_impl(
    X: np.ndarray, Y: np.ndarray, start: dict[str, np.ndarray], batch: int | None
) -> Impl:
    L = len(start) // 2

    def make() -> tuple[Callable[[], Any], State]:
        T = {k: cr.Tensor(v, requires_grad=True) for k, v in start.items()}
        parts = [(X[:, s], Y[:, s]) for s in batches(X.shape[1], batch)]

        def step() -> None:
            for Xb, Yb in parts:
                A: Any = Xb
                for i in range(1, L + 1):
                    Z = T[f"W{i}"] @ A + T[f"b{i}"]
                    A = Z.relu() if i < L else Z
                cr.softmax_cross_entropy(A, Yb).backward()
                for t in T.values():
                    t.data = t.data - LR * t.grad
                    t.grad = None

        return step, lambda: {k: t.data for k, t in T.items()}

    return Impl("chainrule engine", make)


def engine_compiled_impl(
    X: np.ndarray, Y: np.ndarray, start: dict[str, np.ndarray], batch: int | None
) -> Impl:
    L = len(start) // 2
    names = [f"{kind}{i}" for i in range(1, L + 1) for kind in ("W", "b")]

    def loss(*args: Any) -> Any:
        P, (Xb, Yb) = dict(zip(names, args[:-2], strict=True)), args[-2:]
        A: Any = Xb
        for i in range(1, L + 1):
            Z = P[f"W{i}"] @ A + P[f"b{i}"]
            A = Z.relu() if i < L else Z
        return cr.softmax_cross_entropy(A, Yb)

    def make() -> tuple[Callable[[], Any], State]:
        P = [start[k] for k in names]
        gradients = cr.compiled_grad(loss, argnums=tuple(range(len(names))))
        parts = [(X[:, s], Y[:, s]) for s in batches(X.shape[1], batch)]

        def step() -> None:
            for Xb, Yb in parts:
                grads = gradients(*P, Xb, Yb)
                for j, g in enumerate(grads):
                    P[j] = P[j] - LR * g

        return step, lambda: dict(zip(names, P, strict=True))

    return Impl("chainrule engine, compiled", make)


def fit_impl(
    X: np.ndarray, Y: np.ndarray, start: dict[str, np.ndarray], batch: int | None, epochs: int = 1
) -> Impl:
    """``epochs`` epochs through ``chainrule.train.fit``: the MLP model, ``optim.sgd``,
    in order.

    What ``fit`` does besides the steps is timed too: the data checked once,
    the loss of all the data before training and after it (one forward pass
    over every example each, about 0.3 of an epoch's work together), the
    History of every step with each epoch's mean batch loss.
    """
    sizes = [
        start["W1"].shape[1],
        *(start[f"W{i}"].shape[0] for i in range(1, len(start) // 2 + 1)),
    ]

    def make() -> tuple[Callable[[], Any], State]:
        model = cr.models.MLP(sizes, "relu", "softmax")
        model.params = dict(start)
        optimizer = cr.optim.sgd(LR)

        def step() -> None:
            cr.fit(model, X, Y, optimizer, epochs=epochs, batch_size=batch, shuffle=False)

        return step, lambda: model.params

    return Impl("chainrule.train.fit", make)


def torch_impl(
    X: np.ndarray, Y: np.ndarray, start: dict[str, np.ndarray], batch: int | None
) -> Impl | None:
    try:
        import torch
    except ImportError:
        return None
    L = len(start) // 2

    def make() -> tuple[Callable[[], Any], State]:
        T = {k: torch.tensor(v, requires_grad=True) for k, v in start.items()}
        parts = [
            (
                torch.from_numpy(np.ascontiguousarray(X[:, s])),
                torch.from_numpy(np.ascontiguousarray(Y[:, s])),
            )
            for s in batches(X.shape[1], batch)
        ]

        def step() -> None:
            for Xb, Yb in parts:
                A = Xb
                for i in range(1, L + 1):
                    Z = T[f"W{i}"] @ A + T[f"b{i}"]
                    A = torch.relu(Z) if i < L else Z
                loss = -(Yb * torch.log_softmax(A, dim=0)).sum() / Xb.shape[1]
                loss.backward()
                with torch.no_grad():
                    for t in T.values():
                        t -= LR * t.grad
                        t.grad = None

        return step, lambda: {k: t.detach().numpy() for k, t in T.items()}

    return Impl("pytorch eager", make)


def jax_impl(
    X: np.ndarray, Y: np.ndarray, start: dict[str, np.ndarray], batch: int | None
) -> Impl | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    L = len(start) // 2

    def loss(P: dict[str, Any], Xb: Any, Yb: Any) -> Any:
        A = Xb
        for i in range(1, L + 1):
            Z = P[f"W{i}"] @ A + P[f"b{i}"]
            A = jax.nn.relu(Z) if i < L else Z
        return -jnp.sum(Yb * jax.nn.log_softmax(A, axis=0)) / Xb.shape[1]

    @jax.jit
    def update(P: dict[str, Any], Xb: Any, Yb: Any) -> dict[str, Any]:
        g = jax.grad(loss)(P, Xb, Yb)
        return {k: P[k] - LR * g[k] for k in P}

    parts = [(jnp.asarray(X[:, s]), jnp.asarray(Y[:, s])) for s in batches(X.shape[1], batch)]
    t0 = time.perf_counter()
    P0 = {k: jnp.asarray(v) for k, v in start.items()}
    for Xb, Yb in {p[0].shape: p for p in parts}.values():  # compile every batch shape
        jax.block_until_ready(update(P0, Xb, Yb))
    compile_seconds = time.perf_counter() - t0

    def make() -> tuple[Callable[[], Any], State]:
        box = {"P": {k: jnp.asarray(v) for k, v in start.items()}}

        def step() -> None:
            P = box["P"]
            for Xb, Yb in parts:
                P = update(P, Xb, Yb)
            box["P"] = jax.block_until_ready(P)

        return step, lambda: {k: np.asarray(v) for k, v in box["P"].items()}

    return Impl("jax jit", make, compile_seconds=compile_seconds)


def sklearn_impl(
    X: np.ndarray, Y: np.ndarray, start: dict[str, np.ndarray], batch: int | None
) -> Impl | None:
    try:
        from sklearn.neural_network import MLPClassifier
    except ImportError:
        return None
    import warnings

    labels = np.argmax(Y, axis=0)
    m = X.shape[1]
    L = len(start) // 2
    hidden = tuple(start[f"W{i}"].shape[0] for i in range(1, L))
    Xr = np.ascontiguousarray(X.T)

    def make() -> tuple[Callable[[], Any], State]:
        clf = MLPClassifier(
            hidden_layer_sizes=hidden, activation="relu", solver="sgd", alpha=0.0,
            batch_size=min(batch or m, m), learning_rate_init=LR, momentum=0.0,
            nesterovs_momentum=False, shuffle=False, random_state=0,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            clf.partial_fit(Xr[:2], labels[:2], classes=np.arange(Y.shape[0]))
        clf.coefs_ = [start[f"W{i}"].T.copy() for i in range(1, L + 1)]
        clf.intercepts_ = [start[f"b{i}"][:, 0].copy() for i in range(1, L + 1)]

        def step() -> None:
            clf.partial_fit(Xr, labels)

        def state() -> dict[str, np.ndarray]:
            out = {f"W{i}": clf.coefs_[i - 1].T for i in range(1, L + 1)}
            out.update({f"b{i}": clf.intercepts_[i - 1][:, None] for i in range(1, L + 1)})
            return out

        return step, state

    return Impl("scikit-learn MLPClassifier", make, note="partial_fit")


def _rows(
    case: str,
    size: str,
    X: np.ndarray,
    Y: np.ndarray,
    start: dict[str, np.ndarray],
    batch: int | None,
    rounds: int,
    rtol: float,
    with_sklearn: bool,
    with_fit: bool = False,
) -> list[Row]:
    rows: list[Row] = []
    impls = [
        numpy_impl(X, Y, start, batch),
        engine_impl(X, Y, start, batch),
        engine_compiled_impl(X, Y, start, batch),
    ]
    if with_fit:
        impls.append(fit_impl(X, Y, start, batch))
    peers = [("pytorch eager", torch_impl), ("jax jit", jax_impl)]
    if with_sklearn:
        peers.append(("scikit-learn MLPClassifier", sklearn_impl))
    for name, maker in peers:
        impl = maker(X, Y, start, batch)
        if impl is None:
            rows.append(skipped(case, size, name, "not installed"))
        else:
            impls.append(impl)
    rows.extend(measure(case, size, impls, rounds, rtol=rtol))
    return rows


def run_b(rounds: int) -> list[Row]:
    from sklearn.datasets import load_digits

    digits = load_digits()
    X = (digits.data.T / 16.0).astype(np.float64)
    Y = np.eye(10)[digits.target].T
    start = init([64, 128, 10], np.float64)
    rows = _rows("B", "digits 64-128-10, full batch", X, Y, start, None, rounds, 1e-9, True)
    rows += _rows(
        "B", "digits 64-128-10, epoch of batches of 64", X, Y, start, 64, rounds, 1e-9, True, True
    )
    # A training run is many epochs: fit's costs per call (the data checked, the
    # loss of all the data before and after) are shared by them.
    impls = [
        numpy_impl(X, Y, start, 64, FIT_EPOCHS),
        numpy_impl(X, Y, start, 64, FIT_EPOCHS, losses=True),
        fit_impl(X, Y, start, 64, FIT_EPOCHS),
    ]
    size = f"digits 64-128-10, {FIT_EPOCHS} epochs of batches of 64"
    rows += measure("B", size, impls, max(3, rounds // 2), rtol=1e-9)
    return rows


FIT_EPOCHS = 10


def run_c(rounds: int) -> list[Row]:
    rows: list[Row] = []
    sizes = [784, 256, 256, 10]
    rng = np.random.default_rng(1)
    for dtype, rtol in ((np.float64, 1e-9), (np.float32, 2e-3)):
        for batch in (128, 4096):
            X = rng.standard_normal((784, batch)).astype(dtype)
            Y = np.eye(10, dtype=dtype)[rng.integers(0, 10, batch)].T
            start = init(sizes, dtype)
            size = f"784-256-256-10, batch {batch}, {np.dtype(dtype).name}"
            block = _rows("C", size, X, Y, start, None, rounds, rtol, False)
            flops = 2.0 * batch * (2 * (784 * 256 + 256 * 256 + 256 * 10) + 256 * 256 + 256 * 10)
            rate = _matmul_rate(dtype, batch)
            for r in block:
                if r.median_us == r.median_us:  # not skipped
                    achieved = flops / (r.median_us * 1e-6)
                    r.extra = {"gflops": achieved / 1e9, "fraction_of_matmul_rate": achieved / rate}
                    r.note = (r.note + "; " if r.note else "") + (
                        f"{achieved / 1e9:.1f} GFLOP/s, {achieved / rate:.0%} of matmul"
                    )
            rows += block
    return rows


def _matmul_rate(dtype: Any, batch: int) -> float:
    a = np.random.default_rng(2).standard_normal((256, 784)).astype(dtype)
    b = np.random.default_rng(3).standard_normal((784, batch)).astype(dtype)
    a @ b
    times = []
    for _ in range(15):
        t0 = time.perf_counter()
        a @ b
        times.append(time.perf_counter() - t0)
    return 2.0 * 256 * 784 * batch / float(np.median(times))
