"""Case A: one GD step of the two-layer sigmoid network, three ways."""

from __future__ import annotations

import platform
import random
import time
from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr
from chainrule.models import TwoLayerSigmoid

SIZES = ((3, 2, 4), (10, 32, 1000), (100, 256, 10000))
LR = 0.1
NAMES = ("W1", "b1", "w2", "b2")


def make_problem(n: int, k: int, m: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray, dict]:
    rng = np.random.default_rng(seed)
    X, y = rng.standard_normal((n, m)), rng.standard_normal((1, m))
    params = {
        "W1": rng.standard_normal((k, n)) / np.sqrt(n),
        "b1": np.zeros((k, 1)),
        "w2": rng.standard_normal((1, k)) / np.sqrt(k),
        "b2": np.zeros((1, 1)),
    }
    return X, y, params


def numpy_step(X: np.ndarray, y: np.ndarray, P: dict) -> Callable[[], dict]:
    """Seed 000's equations written by hand."""

    def step() -> dict:
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
        return P

    return step


def engine_step(X: np.ndarray, y: np.ndarray, P: dict) -> Callable[[], dict]:
    """chainrule's engine: persistent leaves, backward, plain update."""
    T = {name: cr.Tensor(P[name], requires_grad=True) for name in NAMES}

    def step() -> dict:
        loss = cr.mse(T["w2"] @ (T["W1"] @ X + T["b1"]).sigmoid() + T["b2"], y)
        loss.backward()
        for t in T.values():
            t.data = t.data - LR * t.grad
            t.grad = None
        return {name: T[name].data for name in NAMES}

    return step


def hand_derived_step(X: np.ndarray, y: np.ndarray, P: dict) -> Callable[[], dict]:
    """chainrule's TwoLayerSigmoid.gradients (the hand-derived equations) and the update."""
    model = TwoLayerSigmoid(X.shape[0], P["W1"].shape[0])
    model.params.update(P)

    def step() -> dict:
        grads = model.gradients(X, y)
        for name in NAMES:
            model.params[name] = model.params[name] - LR * grads[name]
        return model.params

    return step


def torch_step(X: np.ndarray, y: np.ndarray, P: dict) -> Callable[[], dict] | None:
    """PyTorch eager: persistent leaves, backward, update under no_grad."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    T = {name: torch.tensor(P[name], requires_grad=True) for name in NAMES}
    Xt, yt = torch.from_numpy(X), torch.from_numpy(y)
    m = X.shape[1]

    def step() -> dict:
        y_hat = T["w2"] @ torch.sigmoid(T["W1"] @ Xt + T["b1"]) + T["b2"]
        loss = ((y_hat - yt) ** 2).sum() / m
        loss.backward()
        with torch.no_grad():
            for t in T.values():
                t -= LR * t.grad
                t.grad = None
        return {name: T[name].detach().numpy() for name in NAMES}

    return step


def _check(name: str, got: dict, want: dict) -> None:
    for key in NAMES:
        if not np.allclose(got[key], want[key], rtol=1e-10, atol=1e-12):
            raise AssertionError(f"{name}: parameter {key} differs from the NumPy step")


def _time(fn: Callable[[], Any], inner: int) -> float:
    start = time.perf_counter()
    for _ in range(inner):
        fn()
    return (time.perf_counter() - start) / inner


def run(rounds: int, threads: int) -> None:
    print(
        f"# two-layer sigmoid GD step; {platform.processor() or platform.machine()}, "
        f"NumPy {np.__version__}, threads={threads}, "
        f"OPENBLAS_CORETYPE={__import__('os').environ.get('OPENBLAS_CORETYPE', '-')}"
    )
    print()
    print("| (n, k, m) | implementation | median µs | IQR µs | × NumPy |")
    print("|---|---|---:|---:|---:|")
    for n, k, m in SIZES:
        makers = {
            "numpy": numpy_step,
            "chainrule hand-derived": hand_derived_step,
            "chainrule engine": engine_step,
            "pytorch eager": torch_step,
        }
        steps = {}
        for label, make in makers.items():
            X, y, P = make_problem(n, k, m)
            fn = make(X, y, P)
            if fn is None:
                print(f"| {(n, k, m)} | {label} | skipped: not installed | | |")
                continue
            steps[label] = fn
        # correctness first: one step from the same start
        X, y, P = make_problem(n, k, m)
        want = numpy_step(X, y, dict(P))()
        for label, make in makers.items():
            if label in steps and label != "numpy":
                X2, y2, P2 = make_problem(n, k, m)
                _check(label, make(X2, y2, P2)(), want)  # type: ignore[misc]
        one = min(_time(steps["numpy"], 3) for _ in range(3))
        inner = max(1, int(0.02 / one))
        for fn in steps.values():
            _time(fn, inner)
        samples: dict[str, list[float]] = {label: [] for label in steps}
        for _ in range(rounds):
            order = list(steps)
            random.shuffle(order)
            for label in order:
                samples[label].append(_time(steps[label], inner) * 1e6)
        base = float(np.median(samples["numpy"]))
        for label, values in samples.items():
            q1, med, q3 = np.percentile(values, [25, 50, 75])
            print(f"| {(n, k, m)} | {label} | {med:.1f} | {q3 - q1:.1f} | {med / base:.2f} |")
