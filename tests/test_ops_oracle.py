"""PyTorch as the oracle for every operation beyond the core: forward and gradient,
float64, 1e-9 relative, on random inputs and on edge values (0, −0, negatives,
±inf, nan, ties), with PyTorch's subgradients and tie rules."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import chainrule as cr

torch = pytest.importorskip("torch")
F = torch.nn.functional

RNG = np.random.default_rng(2026)
INF, NAN = np.inf, np.nan


def check(
    ours: Callable[..., Any], theirs: Callable[..., Any], *inputs: Any, rtol: float = 1e-9
) -> None:
    """Forward and the gradient of Σ w ⊙ f(inputs) (w random) agree with PyTorch."""
    arrays = [np.array(x, dtype=np.float64) for x in inputs]
    ts = [torch.tensor(x, requires_grad=True) for x in arrays]
    expected = theirs(*ts)
    w = RNG.standard_normal(tuple(expected.shape))
    (expected * torch.tensor(w)).sum().backward()
    xs = [cr.Tensor(x, requires_grad=True) for x in arrays]
    out = ours(*xs)
    np.testing.assert_allclose(
        out.data, expected.detach().numpy(), rtol=rtol, atol=1e-300, equal_nan=True
    )
    assert out.shape == tuple(expected.shape)
    (out * w).sum().backward()
    for i, (x, t) in enumerate(zip(xs, ts, strict=True)):
        want = np.zeros_like(arrays[i]) if t.grad is None else t.grad.numpy()
        got = np.zeros_like(arrays[i]) if x.grad is None else x.grad
        np.testing.assert_allclose(
            got, want, rtol=rtol, atol=1e-300, equal_nan=True, err_msg=f"gradient {i}"
        )


class _Expm1(torch.autograd.Function):  # type: ignore[misc]
    """torch.expm1 with the gradient e^x computed as torch.exp.

    PyTorch's own backward computes e^x as expm1(x) + 1, which keeps only a
    few digits for x ≪ 0 (1.7e-4 relative at x = −30).
    """

    @staticmethod
    def forward(ctx: Any, t: Any) -> Any:
        ctx.save_for_backward(t)
        return torch.expm1(t)

    @staticmethod
    def backward(ctx: Any, g: Any) -> Any:
        (t,) = ctx.saved_tensors
        return g * torch.exp(t)


EDGES = np.array([0.0, -0.0, 1.0, -1.0, 2.5, -3.0, 1e-8, -1e-8, 30.0, -30.0, INF, -INF, NAN])

UNARY: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any], np.ndarray]] = {
    "abs": (lambda x: x.abs(), torch.abs, EDGES),
    "sqrt": (lambda x: x.sqrt(), torch.sqrt, np.array([0.0, 4.0, 1e-8, -1.0, INF, NAN])),
    "sin": (lambda x: x.sin(), torch.sin, EDGES),
    "cos": (lambda x: x.cos(), torch.cos, EDGES),
    "tan": (lambda x: x.tan(), torch.tan, np.array([0.0, 1.0, -1.4, 1.5707963, INF, NAN])),
    "log1p": (lambda x: x.log1p(), torch.log1p, np.array([-1.0, -0.5, 0.0, 1e-10, -2, INF, NAN])),
    "expm1": (lambda x: x.expm1(), _Expm1.apply, EDGES),
    "erf": (lambda x: x.erf(), torch.erf, EDGES),
    "leaky_relu": (lambda x: x.leaky_relu(0.1), lambda t: F.leaky_relu(t, 0.1), EDGES),
    "elu": (lambda x: x.elu(0.7), lambda t: F.elu(t, 0.7), np.append(EDGES, 800.0)),
    "gelu": (lambda x: x.gelu(), F.gelu, EDGES),
    "gelu_tanh": (
        lambda x: x.gelu("tanh"),
        lambda t: F.gelu(t, approximate="tanh"),
        EDGES,
    ),
    "silu": (lambda x: x.silu(), F.silu, EDGES),
    "log_sigmoid": (lambda x: x.log_sigmoid(), F.logsigmoid, np.append(EDGES, [800.0, -800.0])),
    "relu": (lambda x: x.relu(), torch.relu, EDGES[:-1]),  # nan: see the test below
    "clip": (
        lambda x: x.clip(-1.0, 2.5),
        lambda t: torch.clamp(t, -1.0, 2.5),
        EDGES,
    ),
    "clip_lo": (lambda x: x.clip(lo=0.0), lambda t: torch.clamp(t, min=0.0), EDGES),
    "clip_hi": (lambda x: x.clip(hi=1.0), lambda t: torch.clamp(t, max=1.0), EDGES),
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_on_random_inputs(name: str) -> None:
    ours, theirs, _ = UNARY[name]
    x = RNG.standard_normal((3, 4)) * 2
    if name == "sqrt":
        x = np.abs(x) + 0.1
    if name == "log1p":
        x = np.abs(x) - 0.5
    check(ours, theirs, x)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_on_edge_values(name: str) -> None:
    ours, theirs, edges = UNARY[name]
    with np.errstate(all="ignore"):
        check(ours, theirs, edges)


def test_relu_gradient_at_nan_is_zero() -> None:
    """The one documented difference from PyTorch, which passes the gradient at nan."""
    x = cr.Tensor([NAN, 1.0], requires_grad=True)
    x.relu().sum().backward()
    assert x.grad is not None and x.grad.tolist() == [0.0, 1.0]


def test_sign_is_a_constant_equal_to_torch() -> None:
    x = cr.Tensor(EDGES, requires_grad=True)
    s = x.sign()
    assert not s.requires_grad
    np.testing.assert_array_equal(s.data, torch.sign(torch.tensor(EDGES)).numpy())


def test_maximum_and_minimum_with_ties_nan_and_broadcasting() -> None:
    a = np.array([[1.0, 2.0, NAN, 3.0], [0.0, -1.0, 5.0, INF]])
    b = np.array([1.0, 3.0, 1.0, NAN])
    check(lambda x, y: cr.maximum(x, y), torch.maximum, a, b)
    check(lambda x, y: cr.minimum(x, y), torch.minimum, a, b)
    r, s = RNG.standard_normal((3, 1)), RNG.standard_normal((1, 4))
    check(lambda x, y: x.maximum(y), torch.maximum, r, s)
    check(lambda x, y: y.minimum(x), lambda x, y: torch.minimum(y, x), r, s)


def test_maximum_with_a_constant_on_either_side() -> None:
    x = RNG.standard_normal((2, 3))
    check(lambda t: cr.maximum(0.5, t), lambda t: torch.clamp(t, min=0.5), x)


def test_where_routes_the_gradient_to_the_chosen_branch() -> None:
    a, b = RNG.standard_normal((3, 4)), RNG.standard_normal((4,))
    mask = a > 0
    check(
        lambda x, y: cr.where(mask, x, y),
        lambda x, y: torch.where(torch.tensor(mask), x, y),
        a,
        b,
    )
    check(lambda x: cr.where(x > 0, x, 0.0), lambda t: torch.where(t > 0, t, 0.0), a)


REDUCTIONS: list[tuple[Any, bool]] = [(None, False), (0, False), (1, True), ((0, 2), False)]


@pytest.mark.parametrize(("axis", "keepdims"), REDUCTIONS)
def test_max_and_min_reductions_share_ties(axis: Any, keepdims: bool) -> None:
    x = RNG.integers(0, 3, (3, 4, 2)).astype(float)  # many ties
    dim = tuple(range(3)) if axis is None else axis
    check(lambda t: t.max(axis, keepdims), lambda t: torch.amax(t, dim=dim, keepdim=keepdims), x)
    check(lambda t: t.min(axis, keepdims), lambda t: torch.amin(t, dim=dim, keepdim=keepdims), x)
    check(lambda t: t.max(), lambda t: torch.max(t), x)


def test_max_with_nan_and_inf() -> None:
    x = np.array([[1.0, NAN, 3.0], [INF, 2.0, INF], [-INF, -INF, -INF]])
    with np.errstate(all="ignore"):  # nan gradients, as PyTorch's
        check(lambda t: t.max(axis=1), lambda t: torch.amax(t, dim=1), x)
        check(lambda t: t.min(axis=0), lambda t: torch.amin(t, dim=0), x)


@pytest.mark.parametrize(("axis", "keepdims"), REDUCTIONS)
def test_logsumexp(axis: Any, keepdims: bool) -> None:
    x = RNG.standard_normal((3, 4, 2)) * 50
    dim = tuple(range(3)) if axis is None else axis
    check(
        lambda t: t.logsumexp(axis, keepdims),
        lambda t: torch.logsumexp(t, dim=dim, keepdim=keepdims),
        x,
    )


def test_logsumexp_edges() -> None:
    x = np.array([[-INF, -INF], [INF, 1.0], [1000.0, 1000.0], [NAN, 1.0], [-INF, 2.0]])
    with np.errstate(all="ignore"):  # log 0 and nan gradients, as PyTorch's
        check(lambda t: t.logsumexp(axis=1), lambda t: torch.logsumexp(t, dim=1), x)


@pytest.mark.parametrize("ddof", [0, 1, 2])
@pytest.mark.parametrize(("axis", "keepdims"), REDUCTIONS)
def test_var_and_std(ddof: int, axis: Any, keepdims: bool) -> None:
    x = RNG.standard_normal((3, 4, 2))
    dim = tuple(range(3)) if axis is None else axis
    check(
        lambda t: t.var(axis, ddof, keepdims),
        lambda t: torch.var(t, dim=dim, correction=ddof, keepdim=keepdims),
        x,
    )
    check(
        lambda t: t.std(axis, ddof, keepdims),
        lambda t: torch.std(t, dim=dim, correction=ddof, keepdim=keepdims),
        x,
    )


def test_std_of_a_constant_has_zero_gradient_as_torch() -> None:
    x = np.array([[2.0, 2.0, 2.0], [1.0, 2.0, 4.0]])
    check(lambda t: t.std(axis=1, ddof=1), lambda t: torch.std(t, dim=1), x)


def test_var_without_degrees_of_freedom_is_nan_with_a_warning() -> None:
    with pytest.warns(RuntimeWarning, match="degrees of freedom"):
        v = cr.Tensor([3.0]).var(ddof=1)
    assert np.isnan(v.item())


@pytest.mark.parametrize(("axis", "keepdims"), [*REDUCTIONS, ((1, 2), True)])
def test_prod(axis: Any, keepdims: bool) -> None:
    x = RNG.uniform(0.5, 1.5, (3, 5, 3)) * RNG.choice([-1.0, 1.0], (3, 5, 3))
    if axis is None:
        check(lambda t: t.prod(), lambda t: torch.prod(t), x)
    elif isinstance(axis, int):
        check(
            lambda t: t.prod(axis, keepdims),
            lambda t: torch.prod(t, dim=axis, keepdim=keepdims),
            x,
        )
    else:
        want = np.prod(x, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(cr.Tensor(x).prod(axis, keepdims).data, want, rtol=1e-12)


def test_prod_with_zeros_matches_torch() -> None:
    x = np.array([[0.0, 2.0, 3.0, 4.0, 5.0], [0.0, 0.0, 3.0, 1.0, 2.0], [1.0, 2.0, 3.0, 4.0, 0.5]])
    check(lambda t: t.prod(axis=1), lambda t: torch.prod(t, dim=1), x)
    check(lambda t: t[0].prod(), lambda t: torch.prod(t[0]), x)


def test_prod_of_nothing_is_one() -> None:
    assert cr.Tensor(np.zeros((2, 0))).prod(axis=1).data.tolist() == [1.0, 1.0]


INDICES: list[Any] = [
    1,
    -1,
    (slice(None), slice(1, 3)),
    (1, slice(None, None, -2)),
    np.array([0, 2, 2, 1]),
    (np.array([0, 2, 2]), np.array([3, 3, 0])),
    (slice(None), np.array([1, 1, 0])),
    (Ellipsis, None, 2),
]


@pytest.mark.parametrize("index", INDICES, ids=[repr(i)[:30] for i in INDICES])
def test_indexing(index: Any) -> None:
    x = RNG.standard_normal((3, 4))
    torch_index = tuple(
        torch.tensor(i) if isinstance(i, np.ndarray) else i
        for i in (index if isinstance(index, tuple) else (index,))
    )
    if any(isinstance(i, slice) and i.step is not None and i.step < 0 for i in torch_index):
        # torch has no negative steps: flip, then take the same elements
        check(lambda t: t[index], lambda t: t[1].flip(0)[::2], x)
        return
    check(lambda t: t[index], lambda t: t[torch_index], x)


def test_boolean_indexing() -> None:
    x = RNG.standard_normal((3, 4))
    mask = x > 0.2
    check(lambda t: t[mask], lambda t: t[torch.tensor(mask)], x)
    row_mask = np.array([True, False, True])
    check(lambda t: t[row_mask], lambda t: t[torch.tensor(row_mask)], x)
    check(lambda t: t[t > 0], lambda t: t[t > 0], x)


def test_bad_index_names_the_shape() -> None:
    with pytest.raises(IndexError, match=r"shape \(3, 4\)"):
        cr.Tensor(np.zeros((3, 4)))[5]
    mask_as_floats = cr.Tensor(np.array([True, False, True]))
    with pytest.raises(IndexError, match="integers or booleans, got dtype float64"):
        cr.Tensor(np.zeros((3, 4)))[mask_as_floats]


def test_concatenate_stack_split() -> None:
    a, b, c = RNG.standard_normal((2, 3)), RNG.standard_normal((4, 3)), RNG.standard_normal((1, 3))
    check(lambda x, y, z: cr.concatenate([x, y, z]), lambda x, y, z: torch.cat([x, y, z]), a, b, c)
    check(
        lambda x, y: cr.concatenate([x, y, x], axis=-1),
        lambda x, y: torch.cat([x, y, x], dim=-1),
        a,
        a,
    )
    check(
        lambda x, y: cr.stack([x, y, x], axis=1),
        lambda x, y: torch.stack([x, y, x], dim=1),
        a,
        a,
    )
    for sections, sizes in ((2, [2, 2]), ([1, 3], [1, 2, 1])):
        for k in range(len(sizes)):
            check(
                lambda x, k=k, s=sections: cr.split(x, s, axis=0)[k],  # type: ignore[misc]
                lambda t, k=k, s=sizes: torch.split(t, s, dim=0)[k],  # type: ignore[misc]
                b,
            )


def test_concatenate_refuses_mismatched_shapes() -> None:
    with pytest.raises(cr.ShapeError, match=r"\(2, 3\).*\(2, 4\)"):
        cr.concatenate([np.zeros((2, 4)), np.zeros((2, 3))], axis=0)


def test_squeeze_and_expand_dims() -> None:
    x = RNG.standard_normal((3, 1, 4, 1))
    check(lambda t: t.squeeze(), lambda t: t.squeeze(), x)
    check(lambda t: t.squeeze(axis=1), lambda t: t.squeeze(1), x)
    check(lambda t: t.expand_dims(0), lambda t: t.unsqueeze(0), x)
    check(lambda t: t.expand_dims(-1), lambda t: t.unsqueeze(-1), x)
    assert cr.Tensor(x).expand_dims((0, 2)).shape == np.expand_dims(x, (0, 2)).shape
    with pytest.raises(cr.ShapeError, match="size 4, not 1"):
        cr.Tensor(x).squeeze(axis=2)


def test_comparisons_return_boolean_arrays_and_tensors_stay_hashable() -> None:
    x = cr.Tensor([1.0, 2.0, NAN])
    assert (x > 1.5).tolist() == [False, True, False]
    assert (x <= 1.0).tolist() == [True, False, False]
    assert (x > 1.5).tolist() == [False, True, False]  # reflected
    assert x.equal(2.0).tolist() == [False, True, False]
    assert x.not_equal(2.0).tolist() == [True, False, True]
    assert x.greater_equal(np.array([1.0, 3.0, 0.0])).tolist() == [True, False, False]
    assert {x: 1}[x] == 1 and x == x and x != cr.Tensor([1.0, 2.0, NAN])


def test_dropout() -> None:
    x = cr.Tensor(np.ones((200, 50)), requires_grad=True)
    y = x.dropout(0.3, np.random.default_rng(0))
    kept = y.data != 0
    assert abs(kept.mean() - 0.7) < 0.02
    np.testing.assert_allclose(y.data[kept], 1 / 0.7)
    y.sum().backward()
    np.testing.assert_allclose(x.grad, kept / 0.7)
    same = x.dropout(0.3, 5).data, x.dropout(0.3, 5).data
    np.testing.assert_array_equal(*same)
    assert x.dropout(0.3, 5, training=False) is x
    assert np.all(x.dropout(1.0, 0).data == 0)
    with pytest.raises(ValueError, match="probability"):
        x.dropout(1.5, 0)


# --- losses --------------------------------------------------------------------


@pytest.mark.parametrize("delta", [1.0, 0.3])
def test_huber(delta: float) -> None:
    p = np.array([[0.0, 1.0, -2.0, 0.3, 5.0, -0.3, 1.3]])
    y = np.array([[0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0]])
    check(
        lambda t: cr.huber(t, y, delta),
        lambda t: F.huber_loss(t, torch.tensor(y), delta=delta),
        p,
    )
    q = RNG.standard_normal((1, 9)) * 2
    check(
        lambda t: cr.huber(t, y[:, :1].repeat(9, 1), delta),
        lambda t: F.huber_loss(t, torch.zeros(1, 9, dtype=torch.float64), delta=delta),
        q,
    )


def test_hinge() -> None:
    s = np.array([[2.0, 0.5, -1.0, 1.0, -3.0]])
    y = np.array([[1.0, 1.0, 1.0, 1.0, -1.0]])  # the 4th sits on the margin
    check(
        lambda t: cr.hinge(t, y),
        lambda t: torch.relu(1.0 - torch.tensor(y) * t).mean(),
        s,
    )
    with pytest.raises(ValueError, match=r"-1 or \+1, found \[0.0\]"):
        cr.hinge(s, np.array([[0.0, 1.0, 1.0, 1.0, 1.0]]))


def test_nll() -> None:
    z = RNG.standard_normal((4, 6))
    labels = RNG.integers(0, 4, 6)
    check(
        lambda t: cr.nll(t.log_softmax(0), labels),
        lambda t: F.nll_loss(F.log_softmax(t.T, dim=1), torch.tensor(labels)),
        z,
    )
    with np.errstate(divide="ignore"):
        logp = np.log(np.array([[0.0, 0.5], [1.0, 0.5]]))  # -inf where not read
        check(
            lambda t: cr.nll(t, [1, 0]),
            lambda t: F.nll_loss(t.T, torch.tensor([1, 0])),
            logp,
        )
    check(lambda t: cr.nll(t, 2), lambda t: F.nll_loss(t[None], torch.tensor([2])), z[:, 0])
    with pytest.raises(ValueError, match="label 4 at example 0"):
        cr.nll(z, [4, 0, 0, 0, 0, 0])


def test_penalties() -> None:
    w1, w2 = np.array([[0.0, -2.0], [3.0, 0.5]]), RNG.standard_normal((3,))
    check(
        lambda a, b: cr.l1_penalty([a, b], 0.3),
        lambda a, b: 0.3 * (a.abs().sum() + b.abs().sum()),
        w1,
        w2,
    )
    check(
        lambda a, b: cr.l2_penalty([a, b], 0.3),
        lambda a, b: 0.15 * ((a * a).sum() + (b * b).sum()),
        w1,
        w2,
    )
    with pytest.raises(ValueError, match="strength"):
        cr.l2_penalty(cr.Tensor(w1), -1.0)


@pytest.mark.parametrize("axis", [None, (-2, -1), 0, (0, 2), -1])
def test_sum_of_squares_equals_torch(axis: Any) -> None:
    """The fused Σ x² (an MLP's L2 penalty): value and gradient as PyTorch's
    (x ** 2).sum, on a stack of matrices with zeros, negatives and ±inf."""
    from chainrule.autodiff import sum_of_squares

    x = RNG.standard_normal((2, 3, 4))
    x[0, 0, :2] = [0.0, -0.0]
    dims = list(range(3)) if axis is None else axis
    check(lambda a: sum_of_squares(a, axis), lambda a: (a**2).sum(dim=dims), x)
    check(lambda a: sum_of_squares(a), lambda a: (a**2).sum(), np.array([INF, -2.0]))


# --- the engine bugs of the trust issue -------------------------------------------


def test_softmax_cross_entropy_on_one_example_equals_torch() -> None:
    z = RNG.standard_normal(3)
    check(
        lambda t: cr.softmax_cross_entropy(t, 1),
        lambda t: F.cross_entropy(t, torch.tensor(1)),
        z,
    )
    y = np.array([0.2, 0.3, 0.5])
    check(
        lambda t: cr.softmax_cross_entropy(t, y),
        lambda t: F.cross_entropy(t, torch.tensor(y)),
        z,
    )


@pytest.mark.parametrize(
    "loss",
    [cr.mse, cr.binary_cross_entropy_with_logits, cr.huber, cr.hinge, cr.softmax_cross_entropy],
)
def test_losses_on_no_examples_raise_a_clear_error(loss: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match=r"\(1, 0\).*m = 0"):
        loss(np.zeros((1, 0)), np.zeros((1, 0)))


def test_float16_mean_and_mse_do_not_overflow() -> None:
    x = RNG.uniform(1.0, 3.0, 100_000).astype(np.float16)
    t = cr.Tensor(x, requires_grad=True)
    m = t.mean()
    assert m.dtype == np.float16
    np.testing.assert_allclose(float(m.item()), float(np.mean(x)), rtol=1e-3)
    np.testing.assert_allclose(
        float(m.item()), float(torch.tensor(x).mean()), rtol=1e-3
    )  # PyTorch agrees
    m.backward()
    assert t.grad is not None and t.grad.dtype == np.float16
    np.testing.assert_allclose(t.grad.astype(float), 1e-5, rtol=1e-2)
    p = x.reshape(1, -1)
    loss = cr.mse(cr.Tensor(p), np.zeros_like(p))
    assert loss.dtype == np.float16
    want = np.mean(p.astype(np.float32) ** 2)
    np.testing.assert_allclose(float(loss.item()), want, rtol=1e-3)
