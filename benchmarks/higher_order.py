"""Case G: a Hessian-vector product of an MLP loss, against PyTorch's double backward.

Both compute H v for all four parameters of a tanh MLP under the softmax
cross-entropy: the gradient recorded as a graph, then one reverse pass of
g · v. The products are checked equal before timing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

import chainrule as cr
from benchmarks.harness import Impl, Row, measure, skipped

SIZES = [(4, 8, 3, 32), (64, 128, 10, 256)]  # features, hidden, classes, examples


def run(rounds: int) -> list[Row]:
    rows: list[Row] = []
    for size in SIZES:
        rows += _case(*size, rounds)
    return rows


def _case(n: int, h: int, c: int, m: int, rounds: int) -> list[Row]:
    rng = np.random.default_rng(0)
    P = [
        rng.standard_normal((h, n)) * 0.3,
        rng.standard_normal((h, 1)) * 0.1,
        rng.standard_normal((c, h)) * 0.3,
        rng.standard_normal((c, 1)) * 0.1,
    ]
    V = [rng.standard_normal(p.shape) for p in P]
    X = rng.standard_normal((n, m))
    labels = rng.integers(0, c, m)
    size = f"H v of a {n}-{h}-{c} tanh MLP, m={m}"
    rows: list[Row] = []
    impls = []
    try:
        import torch

        impls.append(Impl("pytorch double backward", lambda: _torch(torch, P, V, X, labels)))
    except ImportError:
        rows.append(skipped("H", size, "pytorch double backward", "not installed"))
    impls.append(Impl("chainrule hvp", lambda: _ours(P, V, X, labels)))
    return rows + measure("H", size, impls, rounds)


def _loss(W1: Any, b1: Any, W2: Any, b2: Any, X: Any, labels: Any) -> Any:
    return cr.softmax_cross_entropy(W2 @ (W1 @ X + b1).tanh() + b2, labels)


def _ours(
    P: list[np.ndarray], V: list[np.ndarray], X: np.ndarray, labels: np.ndarray
) -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]]]:
    product = cr.hvp(_loss, argnums=(0, 1, 2, 3))
    box: dict[str, Any] = {}

    def step() -> None:
        box["hv"] = product(*P, X, labels, tuple(V))

    return step, lambda: {f"hv{i}": v for i, v in enumerate(box["hv"])}


def _torch(
    torch: Any, P: list[np.ndarray], V: list[np.ndarray], X: np.ndarray, labels: np.ndarray
) -> tuple[Callable[[], Any], Callable[[], dict[str, np.ndarray]]]:
    params = [torch.tensor(p, requires_grad=True) for p in P]
    vs = [torch.tensor(v) for v in V]
    x, y = torch.tensor(X), torch.tensor(labels)
    box: dict[str, Any] = {}

    def step() -> None:
        W1, b1, W2, b2 = params
        logits = W2 @ torch.tanh(W1 @ x + b1) + b2
        loss = torch.nn.functional.cross_entropy(logits.T, y)
        grads = torch.autograd.grad(loss, params, create_graph=True)
        dot = sum((g * v).sum() for g, v in zip(grads, vs, strict=True))
        box["hv"] = torch.autograd.grad(dot, params)

    return step, lambda: {f"hv{i}": v.numpy() for i, v in enumerate(box["hv"])}
