"""Case A: one GD step of seed 000's two-layer sigmoid network, every way."""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr
from benchmarks.harness import Impl, Row, measure, skipped
from chainrule.models import TwoLayerSigmoid

SIZES = ((3, 2, 4), (10, 32, 1000), (100, 256, 10000))
LR = 0.1
NAMES = ("W1", "b1", "w2", "b2")
State = Callable[[], dict[str, np.ndarray]]


def problem(
    n: int, k: int, m: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, m)), rng.standard_normal((1, m))
    params = {
        "W1": rng.standard_normal((k, n)) / np.sqrt(n),
        "b1": np.zeros((k, 1)),
        "w2": rng.standard_normal((1, k)) / np.sqrt(k),
        "b2": np.zeros((1, 1)),
    }
    return X, y, params


def numpy_impl(X: np.ndarray, y: np.ndarray, start: dict[str, np.ndarray]) -> Impl:
    def make() -> tuple[Callable[[], Any], State]:
        P = dict(start)

        def step() -> None:
            m = X.shape[1]
            A = 1.0 / (1.0 + np.exp(-(P["W1"] @ X + P["b1"])))
            y_hat = P["w2"] @ A + P["b2"]
            d = (2.0 / m) * (y_hat - y)
            dZ = (P["w2"].T @ d) * A * (1.0 - A)
            grads = {
                "W1": dZ @ X.T,
                "b1": dZ.sum(axis=1, keepdims=True),
                "w2": d @ A.T,
                "b2": d.sum(axis=1, keepdims=True),
            }
            for name in NAMES:
                P[name] = P[name] - LR * grads[name]

        return step, lambda: P

    return Impl("numpy (by hand)", make)


def hand_derived_impl(X: np.ndarray, y: np.ndarray, start: dict[str, np.ndarray]) -> Impl:
    def make() -> tuple[Callable[[], Any], State]:
        model = TwoLayerSigmoid(X.shape[0], start["W1"].shape[0])
        model.params.update(start)

        def step() -> None:
            grads = model.gradients(X, y)
            for name in NAMES:
                model.params[name] = model.params[name] - LR * grads[name]

        return step, lambda: model.params

    return Impl("chainrule hand-derived", make)


def engine_impl(X: np.ndarray, y: np.ndarray, start: dict[str, np.ndarray]) -> Impl:
    def make() -> tuple[Callable[[], Any], State]:
        T = {name: cr.Tensor(start[name], requires_grad=True) for name in NAMES}

        def step() -> None:
            loss = cr.mse(T["w2"] @ (T["W1"] @ X + T["b1"]).sigmoid() + T["b2"], y)
            loss.backward()
            for t in T.values():
                t.data = t.data - LR * t.grad
                t.grad = None

        return step, lambda: {name: T[name].data for name in NAMES}

    return Impl("chainrule engine", make)


def _loss(W1: Any, b1: Any, w2: Any, b2: Any, X: Any, y: Any) -> Any:
    return cr.mse(w2 @ (W1 @ X + b1).sigmoid() + b2, y)


def engine_compiled_impl(X: np.ndarray, y: np.ndarray, start: dict[str, np.ndarray]) -> Impl:
    def make() -> tuple[Callable[[], Any], State]:
        P = [start[name] for name in NAMES]
        gradients = cr.compiled_grad(_loss, argnums=(0, 1, 2, 3))

        def step() -> None:
            for j, g in enumerate(gradients(*P, X, y)):
                P[j] = P[j] - LR * g

        return step, lambda: dict(zip(NAMES, P, strict=True))

    return Impl("chainrule engine, compiled", make)


def torch_impl(X: np.ndarray, y: np.ndarray, start: dict[str, np.ndarray]) -> Impl | None:
    try:
        import torch
    except ImportError:
        return None

    def make() -> tuple[Callable[[], Any], State]:
        T = {name: torch.tensor(start[name], requires_grad=True) for name in NAMES}
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
        m = X.shape[1]

        def step() -> None:
            y_hat = T["w2"] @ torch.sigmoid(T["W1"] @ Xt + T["b1"]) + T["b2"]
            ((y_hat - yt) ** 2).sum().div(m).backward()
            with torch.no_grad():
                for t in T.values():
                    t -= LR * t.grad
                    t.grad = None

        return step, lambda: {name: T[name].detach().numpy() for name in NAMES}

    return Impl("pytorch eager", make)


def jax_impl(X: np.ndarray, y: np.ndarray, start: dict[str, np.ndarray]) -> Impl | None:
    try:
        import jax
        import jax.numpy as jnp
    except ImportError:
        return None
    jax.config.update("jax_enable_x64", True)
    Xj, yj = jnp.asarray(X), jnp.asarray(y)

    def loss(P: dict[str, Any]) -> Any:
        A = jax.nn.sigmoid(P["W1"] @ Xj + P["b1"])
        return jnp.sum((P["w2"] @ A + P["b2"] - yj) ** 2) / X.shape[1]

    @jax.jit
    def update(P: dict[str, Any]) -> dict[str, Any]:
        g = jax.grad(loss)(P)
        return {k: P[k] - LR * g[k] for k in P}

    t0 = time.perf_counter()
    jax.block_until_ready(update({k: jnp.asarray(v) for k, v in start.items()}))
    compile_seconds = time.perf_counter() - t0

    def make() -> tuple[Callable[[], Any], State]:
        box = {"P": {k: jnp.asarray(v) for k, v in start.items()}}

        def step() -> None:
            box["P"] = jax.block_until_ready(update(box["P"]))

        return step, lambda: {k: np.asarray(v) for k, v in box["P"].items()}

    return Impl("jax jit", make, compile_seconds=compile_seconds)


def autograd_impl(X: np.ndarray, y: np.ndarray, start: dict[str, np.ndarray]) -> Impl | None:
    try:
        import autograd
        import autograd.numpy as anp
    except ImportError:
        return None

    def loss(P: dict[str, Any]) -> Any:
        A = 1.0 / (1.0 + anp.exp(-(anp.dot(P["W1"], X) + P["b1"])))
        return anp.sum((anp.dot(P["w2"], A) + P["b2"] - y) ** 2) / X.shape[1]

    gradient = autograd.grad(loss)

    def make() -> tuple[Callable[[], Any], State]:
        P = dict(start)

        def step() -> None:
            g = gradient(P)
            for name in NAMES:
                P[name] = P[name] - LR * g[name]

        return step, lambda: P

    return Impl("hips autograd", make)


def micrograd_impl(X: np.ndarray, y: np.ndarray, start: dict[str, np.ndarray]) -> Impl | None:
    try:
        from micrograd.engine import Value
    except ImportError:
        return None

    def sigmoid(v: Any) -> Any:
        s = 1.0 / (1.0 + math.exp(-v.data))
        out = Value(s, (v,), "sigmoid")

        def backward() -> None:
            v.grad += s * (1.0 - s) * out.grad

        out._backward = backward
        return out

    def make() -> tuple[Callable[[], Any], State]:
        P = {k: [[Value(float(x)) for x in row] for row in v] for k, v in start.items()}
        n, m = X.shape
        k = len(P["W1"])

        def step() -> None:
            total = Value(0.0)
            for j in range(m):
                hidden = [
                    sigmoid(sum((P["W1"][i][f] * X[f, j] for f in range(n)), P["b1"][i][0]))
                    for i in range(k)
                ]
                out = sum((P["w2"][0][i] * hidden[i] for i in range(k)), P["b2"][0][0])
                total = total + (out - y[0, j]) ** 2
            loss = total * (1.0 / m)
            for rows in P.values():
                for row in rows:
                    for v in row:
                        v.grad = 0.0
            loss.backward()
            for rows in P.values():
                for row in rows:
                    for v in row:
                        v.data -= LR * v.grad

        return step, lambda: {
            k: np.array([[v.data for v in row] for row in rows]) for k, rows in P.items()
        }

    return Impl("micrograd", make)


def run(rounds: int) -> list[Row]:
    rows: list[Row] = []
    for n, k, m in SIZES:
        X, y, start = problem(n, k, m)
        size = f"(n, k, m) = {(n, k, m)}"
        impls: list[Impl] = [
            numpy_impl(X, y, start),
            hand_derived_impl(X, y, start),
            engine_impl(X, y, start),
            engine_compiled_impl(X, y, start),
        ]
        for name, maker in (
            ("pytorch eager", torch_impl),
            ("jax jit", jax_impl),
            ("hips autograd", autograd_impl),
        ):
            impl = maker(X, y, start)
            if impl is None:
                rows.append(skipped("A", size, name, "not installed"))
            else:
                impls.append(impl)
        if m <= 10:
            impl = micrograd_impl(X, y, start)
            if impl is None:
                rows.append(skipped("A", size, "micrograd", "not installed"))
            else:
                impls.append(impl)
        rows.extend(measure("A", size, impls, rounds, rtol=1e-9))
    return rows
