"""Second derivatives through every family of operations, against torch.autograd.

Each operation's VJP runs on Tensors when the gradient is recorded, so the
Hessian of a program that uses it equals PyTorch's. Inputs stay away from
kinks (|x| at 0, max ties) where a second derivative is not defined.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
import torch
from torch.nn import functional as F  # noqa: N812 - the usual name

import chainrule as cr

Op = Callable[[Any, Any], Any]

# name -> (chainrule form, torch form); each maps x (2, 3) to a (2, 3) or smaller value.
OPS: dict[str, tuple[Op, Op]] = {
    "abs": (lambda x, w: (x * w).abs(), lambda x, w: (x * w).abs()),
    "sqrt": (lambda x, w: (x * x + 1.0).sqrt(), lambda x, w: (x * x + 1.0).sqrt()),
    "sin cos tan": (
        lambda x, w: x.sin() * w.cos() + (x * 0.3).tan(),
        lambda x, w: x.sin() * w.cos() + (x * 0.3).tan(),
    ),
    "log1p expm1": (
        lambda x, w: (x * x).log1p() + (x * 0.5).expm1(),
        lambda x, w: (x * x).log1p() + (x * 0.5).expm1(),
    ),
    "maximum minimum": (
        lambda x, w: cr.maximum(x, w) * cr.minimum(x * x, w),
        lambda x, w: torch.maximum(x, w) * torch.minimum(x * x, w),
    ),
    "where": (
        lambda x, w: cr.where(w.data > 0, x * x * x, x.exp()),
        lambda x, w: torch.where(w > 0, x * x * x, x.exp()),
    ),
    "clip": (
        lambda x, w: (x * x).clip(0.1, 1.5) * x,
        lambda x, w: (x * x).clamp(0.1, 1.5) * x,
    ),
    "max min reductions": (
        lambda x, w: (x * w).max(axis=0, keepdims=True) * x + (x * x).min(axis=1, keepdims=True),
        lambda x, w: (x * w).amax(0, keepdim=True) * x + (x * x).amin(1, keepdim=True),
    ),
    "indexing": (
        lambda x, w: x[:, [2, 0, 1]] * x[1] * x[:, 1:2],
        lambda x, w: x[:, [2, 0, 1]] * x[1] * x[:, 1:2],
    ),
    "concatenate split stack": (
        lambda x, w: (
            cr.concatenate([x[:, 1:] * x[:, 1:], x[:, :1].exp()], axis=1)
            + cr.stack(cr.split(x * w, 2, axis=0), axis=0).reshape(2, 3)
        ),
        lambda x, w: (
            torch.cat([x[:, 1:] * x[:, 1:], x[:, :1].exp()], dim=1)
            + torch.stack(torch.split(x * w, 1, dim=0), dim=0).reshape(2, 3)
        ),
    ),
    "squeeze expand_dims": (
        lambda x, w: (x.expand_dims(0) * x).squeeze(0) * w,
        lambda x, w: (x.unsqueeze(0) * x).squeeze(0) * w,
    ),
    "logsumexp": (
        lambda x, w: (x * w).logsumexp(axis=0, keepdims=True) * x,
        lambda x, w: (x * w).logsumexp(0, keepdim=True) * x,
    ),
    "var std prod": (
        lambda x, w: (
            x.var(axis=1, keepdims=True, ddof=1) * x
            + (x * x + 1.0).std(axis=0, keepdims=True)
            + (x * 0.5 + 1.0).prod(axis=1, keepdims=True)
        ),
        lambda x, w: (
            x.var(1, keepdim=True, correction=1) * x
            + (x * x + 1.0).std(0, keepdim=True, correction=0)
            + (x * 0.5 + 1.0).prod(1, keepdim=True)
        ),
    ),
    "activations": (
        lambda x, w: (
            (x * x).leaky_relu(0.1) * x
            + x.elu() * w
            + x.gelu()
            + x.gelu("tanh") * x
            + x.silu()
            + x.log_sigmoid()
        ),
        lambda x, w: (
            F.leaky_relu(x * x, 0.1) * x
            + F.elu(x) * w
            + F.gelu(x)
            + F.gelu(x, approximate="tanh") * x
            + F.silu(x)
            + F.logsigmoid(x)
        ),
    ),
}


def inputs() -> tuple[np.ndarray, np.ndarray]:
    # values away from 0 and without ties, so every operation is twice differentiable there
    x = np.array([[0.7, -1.3, 0.4], [-0.5, 1.1, 1.9]])
    w = np.array([[1.2, 0.3, -0.8], [0.9, -1.6, 0.6]])
    return x, w


@pytest.mark.parametrize("name", list(OPS))
def test_hessian_and_hvp_through_each_operation(name: str) -> None:
    ours_f, torch_f = OPS[name]
    x, w = inputs()
    weights = np.linspace(-1.0, 1.0, 6).reshape(2, 3)

    def f(a: Any, b: Any) -> Any:
        out = ours_f(a, b)
        return (out * weights[: out.shape[0], : out.shape[1]]).sum()

    def g(a: Any, b: Any) -> Any:
        out = torch_f(a, b)
        return (out * torch.tensor(weights)[: out.shape[0], : out.shape[1]]).sum()

    ours = cr.hessian(f, argnums=(0, 1))(x, w)
    theirs = torch.autograd.functional.hessian(g, (torch.tensor(x), torch.tensor(w)))
    for i in range(2):
        for j in range(2):
            np.testing.assert_allclose(ours[i][j], theirs[i][j].numpy(), rtol=1e-9, atol=1e-11)
    v = np.cos(np.arange(6.0)).reshape(2, 3)
    hv = cr.hvp(lambda a, b: f(a, cr.Tensor(b)))(x, w, v)
    np.testing.assert_allclose(
        hv,
        torch.autograd.functional.hvp(
            lambda a: g(a, torch.tensor(w)), torch.tensor(x), torch.tensor(v)
        )[1].numpy(),
        rtol=1e-9,
        atol=1e-11,
    )
