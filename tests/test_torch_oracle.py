"""PyTorch as an independent oracle: random expression graphs, float64, 1e-9 relative.

Each seed builds a random program over every operation of the engine (shapes
up to 3-D, broadcasting included), runs it on chainrule Tensors and on torch
tensors, and compares the gradients of all leaves.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
F = torch.nn.functional


@dataclass
class Program:
    leaves: list[np.ndarray] = field(default_factory=list)
    # each step: (op name, operand indices into the value list, params)
    steps: list[tuple[str, tuple[int, ...], dict[str, Any]]] = field(default_factory=list)
    shapes: list[tuple[int, ...]] = field(default_factory=list)


UNARY = ["neg", "exp", "log", "sigmoid", "tanh", "relu", "softplus", "pow", "rpow"]
SHAPE = ["transpose", "T", "reshape", "sum", "mean", "softmax", "log_softmax"]
BINARY = ["add", "sub", "mul", "div", "matmul", "const_left", "const_right"]
ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "add": lambda a, b: a + b,
    "sub": lambda a, b: a - b,
    "mul": lambda a, b: a * b,
}


def _broadcastable_to(shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
    """A shape that broadcasts against ``shape`` without growing it."""
    drop = int(rng.integers(0, len(shape) + 1))
    kept = list(shape[drop:])
    return tuple(1 if rng.random() < 0.4 else d for d in kept)


def _growing(shape: tuple[int, ...], rng: np.random.Generator) -> tuple[int, ...]:
    """A shape that broadcasts with ``shape`` to a bigger result (at most 3-D)."""
    if len(shape) < 3 and rng.random() < 0.5:
        return (int(rng.integers(2, 4)), *([1] * len(shape)))
    return tuple(int(rng.integers(2, 4)) if d == 1 else d for d in shape)


def random_program(seed: int, n_steps: int = 10) -> Program:
    rng = np.random.default_rng(seed)
    prog = Program()

    def new_leaf(shape: tuple[int, ...]) -> int:
        prog.leaves.append(rng.standard_normal(shape))
        prog.shapes.append(shape)
        prog.steps.append(("leaf", (len(prog.leaves) - 1,), {}))
        return len(prog.shapes) - 1

    def push(op: str, operands: tuple[int, ...], params: dict[str, Any], shape: tuple[int, ...]):
        prog.steps.append((op, operands, params))
        prog.shapes.append(shape)
        return len(prog.shapes) - 1

    ndim = int(rng.integers(1, 4))
    new_leaf(tuple(int(d) for d in rng.integers(2, 5, size=ndim)))
    for _ in range(n_steps):
        i = int(rng.integers(0, len(prog.shapes)))
        shape = prog.shapes[i]
        kind = rng.choice(["unary", "shape", "binary"], p=[0.4, 0.25, 0.35])
        if kind == "unary":
            op = str(rng.choice(UNARY))
            params = {"exponent": float(rng.choice([2.0, 3.0, 1.5, -1.0]))} if op == "pow" else {}
            if op == "rpow":
                params = {"base": float(rng.choice([0.5, 2.0, 3.0]))}
            push(op, (i,), params, shape)
        elif kind == "shape":
            op = str(rng.choice(SHAPE))
            n = len(shape)
            if op == "transpose":
                perm = tuple(int(a) for a in rng.permutation(n))
                push(op, (i,), {"axes": perm}, tuple(shape[a] for a in perm))
            elif op == "T":
                push(op, (i,), {}, shape[::-1])
            elif op == "reshape":
                size = int(np.prod(shape))
                divisors = [d for d in range(1, size + 1) if size % d == 0]
                first = int(rng.choice(divisors))
                new = (first, size // first) if rng.random() < 0.7 else (size,)
                push(op, (i,), {"shape": new}, new)
            elif op in ("sum", "mean"):
                if n == 0 or rng.random() < 0.2:
                    axis = None
                else:
                    k = int(rng.integers(1, n + 1))
                    axis = tuple(int(a) for a in rng.choice(n, size=k, replace=False))
                keep = bool(rng.random() < 0.5)
                axes = tuple(range(n)) if axis is None else axis
                out = (
                    tuple(1 if a in axes else d for a, d in enumerate(shape))
                    if keep
                    else tuple(d for a, d in enumerate(shape) if a not in axes)
                )
                push(op, (i,), {"axis": axis, "keepdims": keep}, out)
            elif n > 0:
                push(op, (i,), {"axis": int(rng.integers(-n, n))}, shape)
        else:
            op = str(rng.choice(BINARY))
            if op == "matmul":
                if len(shape) == 0:
                    continue
                inner = shape[-1]
                right_shape = (inner,) if rng.random() < 0.2 else (inner, int(rng.integers(2, 4)))
                if len(shape) >= 2 and len(right_shape) == 2 and rng.random() < 0.3:
                    right_shape = (2, *right_shape) if len(shape) == 2 else right_shape
                j = new_leaf(right_shape)
                out = tuple(np.matmul(np.zeros(shape), np.zeros(right_shape)).shape)
                push(op, (i, j), {}, out)
            elif op in ("const_left", "const_right"):
                const = rng.standard_normal(_broadcastable_to(shape, rng))
                push(
                    op, (i,), {"const": const, "op": str(rng.choice(["add", "sub", "mul"]))}, shape
                )
            else:
                other = (
                    _broadcastable_to(shape, rng) if rng.random() < 0.7 else _growing(shape, rng)
                )
                candidates = [j for j, s in enumerate(prog.shapes) if s == other and j != i]
                j = (
                    int(rng.choice(candidates))
                    if candidates and rng.random() < 0.5
                    else new_leaf(other)
                )
                out = tuple(np.broadcast_shapes(shape, other))
                if rng.random() < 0.5:
                    i, j = j, i
                push(op, (i, j), {}, out)
    return prog


def _safe(lib: str) -> dict[str, Callable[..., Any]]:
    """Each op on one library, with inputs kept in a domain where it is smooth."""
    if lib == "cr":

        def softplus(x: Any) -> Any:
            return x.softplus()

        def pos(x: Any) -> Any:
            return x * x + 0.5
    else:

        def softplus(x: Any) -> Any:
            return torch.logaddexp(torch.zeros_like(x), x)

        def pos(x: Any) -> Any:
            return x * x + 0.5

    def relu(x: Any) -> Any:
        return (x + 0.05).relu() if lib == "cr" else torch.relu(x + 0.05)

    return {
        "neg": lambda x: -x,
        "exp": lambda x: x.tanh().exp(),
        "log": lambda x: pos(x).log(),
        "sigmoid": lambda x: x.sigmoid(),
        "tanh": lambda x: x.tanh(),
        "relu": relu,
        "softplus": softplus,
        "pow_pos": lambda x, e: pos(x) ** e,
        "pow_int": lambda x, e: x**e,
        "div_safe": lambda a, b: a / pos(b),
        "pos": pos,
    }


def run(prog: Program, lib: str, given: Any = None) -> tuple[Any, list[Any]]:
    safe = _safe(lib)
    if given is not None:
        leaves = list(given)
    elif lib == "cr":
        leaves = [cr.Tensor(x, requires_grad=True) for x in prog.leaves]
    else:
        leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in prog.leaves]
    values: list[Any] = []
    for op, operands, params in prog.steps:
        args = [values[k] for k in operands] if op != "leaf" else []
        if op == "leaf":
            v = leaves[operands[0]]
        elif op in ("neg", "exp", "log", "sigmoid", "tanh", "relu", "softplus"):
            v = safe[op](args[0])
        elif op == "pow":
            e = params["exponent"]
            v = safe["pow_int"](args[0], e) if e in (2.0, 3.0) else safe["pow_pos"](args[0], e)
        elif op == "rpow":
            v = params["base"] ** args[0].tanh()
        elif op == "transpose":
            v = (
                args[0].transpose(*params["axes"])
                if lib == "cr"
                else args[0].permute(params["axes"])
            )
        elif op == "T":
            x = args[0]
            v = x.T if lib == "cr" else x.permute(tuple(range(x.ndim - 1, -1, -1)))
        elif op == "reshape":
            v = args[0].reshape(params["shape"])
        elif op in ("sum", "mean"):
            x, axis, keep = args[0], params["axis"], params["keepdims"]
            if lib == "cr":
                v = getattr(x, op)(axis=axis, keepdims=keep)
            else:
                dims = tuple(range(x.ndim)) if axis is None else axis
                v = getattr(x, op)(dim=dims, keepdim=keep) if dims else x
        elif op in ("softmax", "log_softmax"):
            x = args[0]
            v = (
                getattr(x, op)(axis=params["axis"])
                if lib == "cr"
                else getattr(x, op)(dim=params["axis"])
            )
        elif op == "matmul":
            v = args[0] @ args[1]
        elif op in ("const_left", "const_right"):
            c = params["const"] if lib == "cr" else torch.tensor(params["const"])
            a, b = (c, args[0]) if op == "const_left" else (args[0], c)
            v = ARITHMETIC[params["op"]](a, b)
        elif op == "div":
            v = safe["div_safe"](args[0], args[1])
        else:
            a, b = args
            v = ARITHMETIC[op](a, b)
        values.append(v)
    return values[-1], leaves


def finish(out: Any, lib: str, how: str, target: np.ndarray) -> Any:
    """Reduces the program's output to a scalar loss."""
    m = out.shape[-1] if out.ndim else 1
    t = target if lib == "cr" else torch.tensor(target)
    if how == "sum":
        return out.sum()
    if how == "mse":
        return cr.mse(out, t) if lib == "cr" else F.mse_loss(out, t, reduction="sum") / m
    if how == "bce_logits":
        return (
            cr.binary_cross_entropy_with_logits(out, t)
            if lib == "cr"
            else F.binary_cross_entropy_with_logits(out, t, reduction="sum") / m
        )
    if how == "bce":
        # torch clamps BCE's logs at -100 and p(1 - p) at 1e-12 in its backward,
        # so probabilities are kept within [σ(-3), σ(3)], where neither clamp acts.
        p = (out.tanh() * 3.0).sigmoid()
        return (
            cr.binary_cross_entropy(p, t)
            if lib == "cr"
            else F.binary_cross_entropy(p, t, reduction="sum") / m
        )
    # softmax cross-entropy on a 2-D output, classes along axis 0
    labels = target.astype(np.int64)
    if lib == "cr":
        return cr.softmax_cross_entropy(out, labels)
    return F.cross_entropy(out.T, torch.tensor(labels), reduction="sum") / m


@pytest.mark.parametrize("seed", range(60))
def test_random_expression_gradients_match_torch(seed: int) -> None:
    prog = random_program(seed)
    out_cr, leaves_cr = run(prog, "cr")
    out_pt, leaves_pt = run(prog, "torch")
    np.testing.assert_allclose(out_cr.data, out_pt.detach().numpy(), rtol=1e-12, atol=1e-14)

    rng = np.random.default_rng(10_000 + seed)
    choices = ["sum", "mse", "bce_logits", "bce"] + (["softmax_ce"] if out_cr.ndim == 2 else [])
    how = str(rng.choice(choices))
    if how == "softmax_ce":
        target = rng.integers(0, out_cr.shape[0], size=out_cr.shape[1]).astype(np.float64)
    elif how in ("bce_logits", "bce"):
        target = rng.uniform(0, 1, size=out_cr.shape)
    else:
        target = rng.standard_normal(out_cr.shape)
    loss_cr = finish(out_cr, "cr", how, target)
    loss_pt = finish(out_pt, "torch", how, target)
    loss_cr.backward()
    loss_pt.backward()
    assert loss_cr.item() == pytest.approx(loss_pt.item(), rel=1e-12)
    expected_grads = [
        np.zeros(a.shape) if b.grad is None else b.grad.numpy()
        for a, b in zip(leaves_cr, leaves_pt, strict=True)
    ]
    # An entry whose true value is 0 (terms that cancel) can only be compared
    # absolutely: allow rounding noise of 1e-12 of the largest gradient entry.
    scale = max([1.0] + [float(np.max(np.abs(g))) for g in expected_grads if g.size])
    for k, (a, expected) in enumerate(zip(leaves_cr, expected_grads, strict=True)):
        got = np.zeros(a.shape) if a.grad is None else a.grad
        np.testing.assert_allclose(
            got, expected, rtol=1e-9, atol=1e-12 * scale, err_msg=f"leaf {k}, loss {how}"
        )


@pytest.mark.parametrize("seed", range(0, 60, 3))
def test_compiled_gradients_of_random_programs_match_torch_on_new_values(seed: int) -> None:
    """The replayed graph runs every operation right, on values it was not recorded with."""
    prog = random_program(seed)
    rng = np.random.default_rng(20_000 + seed)
    out_shape = run(prog, "cr")[0].shape
    choices = ["sum", "mse", "bce_logits", "bce"] + (["softmax_ce"] if len(out_shape) == 2 else [])
    how = str(rng.choice(choices))
    if how == "softmax_ce":
        target = rng.integers(0, out_shape[0], size=out_shape[1]).astype(np.float64)
    else:
        target = rng.uniform(0, 1, size=out_shape)

    recorded = []

    def loss(*leaves: Any) -> Any:
        recorded.append(1)
        return finish(run(prog, "cr", leaves)[0], "cr", how, target)

    compiled = cr.compiled_value_and_grad(loss, argnums=tuple(range(len(prog.leaves))))
    with warnings.catch_warnings():
        warnings.simplefilter("error", cr.ReplayWarning)
        for _ in range(4):  # record, record again, then replay twice
            arrays = [rng.standard_normal(x.shape) for x in prog.leaves]
            value, grads = compiled(*arrays)
            leaves_pt = [torch.tensor(x, requires_grad=True) for x in arrays]
            loss_pt = finish(run(prog, "torch", leaves_pt)[0], "torch", how, target)
            loss_pt.backward()
            assert value == pytest.approx(loss_pt.item(), rel=1e-12)
            expected = [
                np.zeros(x.shape) if t.grad is None else t.grad.numpy()
                for x, t in zip(arrays, leaves_pt, strict=True)
            ]
            scale = max([1.0] + [float(np.max(np.abs(g))) for g in expected if g.size])
            for k, (got, want) in enumerate(zip(grads, expected, strict=True)):
                np.testing.assert_allclose(
                    got, want, rtol=1e-9, atol=1e-12 * scale, err_msg=f"leaf {k}, loss {how}"
                )
    assert len(recorded) == 2  # the last two calls replayed the graph


def test_programs_cover_every_operation() -> None:
    seen = set()
    for seed in range(60):
        seen.update(op for op, _, _ in random_program(seed).steps)
    assert seen >= set(UNARY + SHAPE + BINARY)


@pytest.mark.parametrize("scale", [1.0, 1e2, 1e4])
def test_stable_losses_match_torch_at_large_logits(scale: float) -> None:
    rng = np.random.default_rng(7)
    z = scale * rng.standard_normal((3, 6))
    y01 = rng.uniform(0, 1, size=(3, 6))
    labels = rng.integers(0, 3, size=6)

    a = cr.Tensor(z, requires_grad=True)
    cr.binary_cross_entropy_with_logits(a, y01).backward()
    b = torch.tensor(z, requires_grad=True)
    (F.binary_cross_entropy_with_logits(b, torch.tensor(y01), reduction="sum") / 6).backward()
    np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-15)

    a = cr.Tensor(z, requires_grad=True)
    loss = cr.softmax_cross_entropy(a, labels)
    loss.backward()
    b = torch.tensor(z, requires_grad=True)
    ref = F.cross_entropy(b.T, torch.tensor(labels), reduction="sum") / 6
    ref.backward()
    assert np.isfinite(loss.item())
    assert loss.item() == pytest.approx(ref.item(), rel=1e-12)
    np.testing.assert_allclose(a.grad, b.grad.numpy(), rtol=1e-9, atol=1e-15)
