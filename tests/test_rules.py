"""Every primitive of the rule table, gradient-checked; none can be added untested."""

from functools import partial
from typing import Any

import numpy as np
import pytest

from chainrule import RULES, Tensor, apply, gradcheck

rng = np.random.default_rng(1234)


def normal(*shape: int) -> np.ndarray:
    return rng.standard_normal(shape)


def positive(*shape: int) -> np.ndarray:
    return rng.uniform(0.5, 2.0, shape)


def away_from_zero(*shape: int) -> np.ndarray:
    return rng.uniform(0.2, 2.0, shape) * rng.choice([-1.0, 1.0], shape)


# name -> cases; each case is (inputs, params). Binary ops include broadcast
# shapes, so the engine's undoing of broadcasting is checked for each.
Case = tuple[list[np.ndarray], dict[str, Any]]
CASES: dict[str, list[Case]] = {
    "neg": [([normal(3, 4)], {})],
    "add": [([normal(3, 4), normal(4)], {}), ([normal(2, 1, 4), normal(3, 1)], {})],
    "sub": [([normal(3, 4), normal(3, 1)], {}), ([normal(4), normal(2, 3, 4)], {})],
    "mul": [([normal(3, 4), normal(1, 4)], {}), ([normal(2, 3, 1), normal(3, 5)], {})],
    "div": [([normal(3, 4), away_from_zero(3, 4)], {}), ([normal(1, 4), away_from_zero(3, 1)], {})],
    "pow": [([positive(3, 4)], {"exponent": e}) for e in (2, 3, 0.5, -1, -2.5, 1, 0)]
    + [([normal(2, 3)], {"exponent": 3})],
    "exp": [([normal(3, 4)], {})],
    "log": [([positive(3, 4)], {})],
    "tanh": [([normal(3, 4)], {})],
    "sigmoid": [([normal(3, 4)], {})],
    "relu": [([away_from_zero(3, 4)], {})],
    "softplus": [([3 * normal(3, 4)], {})],
    "matmul": [
        ([normal(3, 4), normal(4, 2)], {}),
        ([normal(2, 3, 4), normal(4, 5)], {}),
        ([normal(3, 4), normal(2, 4, 2)], {}),
        ([normal(2, 1, 3, 4), normal(3, 4, 2)], {}),
    ],
    "transpose": [
        ([normal(3, 4)], {"axes": (1, 0)}),
        ([normal(2, 3, 4)], {"axes": (2, 0, 1)}),
        ([normal(2, 3, 4)], {"axes": (0, 2, 1)}),
    ],
    "reshape": [([normal(3, 4)], {"shape": (2, 6)}), ([normal(2, 3, 4)], {"shape": (4, 6)})],
    "softmax_cross_entropy": [
        ([normal(3, 4), positive(3, 4)], {"axis": 0}),  # any targets, not only distributions
        ([normal(4, 3), positive(4, 3)], {"axis": 1}),
        ([10 * normal(5), positive(5)], {"axis": 0}),
    ],
    "broadcast_to": [
        ([normal(3, 1)], {"shape": (2, 3, 4)}),
        ([normal(4)], {"shape": (3, 4)}),
        ([normal(1, 1)], {"shape": (1, 5)}),
        ([np.array(0.7)], {"shape": (2, 2)}),
    ],
    "astype": [([normal(3, 4)], {"dtype": np.dtype(np.float64)})],
    "abs": [([away_from_zero(3, 4)], {})],
    "sqrt": [([positive(3, 4)], {})],
    "sin": [([normal(3, 4)], {})],
    "cos": [([normal(3, 4)], {})],
    "tan": [([rng.uniform(-1.2, 1.2, (3, 4))], {})],
    "log1p": [([rng.uniform(-0.5, 2.0, (3, 4))], {})],
    "expm1": [([normal(3, 4)], {})],
    "erf": [([normal(3, 4)], {})],
    "maximum": [([normal(3, 4), normal(4)], {}), ([normal(3, 1), normal(1, 4)], {})],
    "minimum": [([normal(3, 4), normal(3, 1)], {}), ([normal(4), normal(2, 4)], {})],
    "where": [
        ([normal(3, 4) > 0, normal(3, 4), normal(4)], {}),
        ([normal(3, 1) > 0, normal(1, 4), normal(3, 4)], {}),
    ],
    "clip": [
        ([2 * away_from_zero(3, 4)], {"lo": -1.0, "hi": 1.0}),
        ([normal(3, 4) + 3.0], {"lo": None, "hi": 3.0}),
        ([normal(3, 4) - 3.0], {"lo": -3.0, "hi": None}),
    ],
    "amax": [
        ([normal(3, 4)], {"axis": (0, 1), "keepdims": False}),
        ([normal(3, 4)], {"axis": (1,), "keepdims": True}),
        ([normal(2, 3, 4)], {"axis": (0, 2), "keepdims": False}),
    ],
    "amin": [
        ([normal(3, 4)], {"axis": (0,), "keepdims": False}),
        ([normal(2, 3, 4)], {"axis": (1, 2), "keepdims": True}),
    ],
    "getitem": [
        ([normal(4, 5)], {"index": (slice(1, 3), 2)}),
        ([normal(4, 5)], {"index": np.array([0, 2, 2, 3])}),
        ([normal(4, 5)], {"index": (np.array([1, 1, 0]), np.array([4, 4, 2]))}),
        ([normal(3, 4)], {"index": normal(3, 4) > 0}),
        ([normal(2, 3, 4)], {"index": (Ellipsis, None, 1)}),
    ],
    "scatter_add": [
        ([normal(2, 4)], {"shape": (5, 4), "index": np.array([1, 1])}),
        ([normal(3)], {"shape": (3, 4), "index": (slice(None), 2)}),
    ],
    "concatenate": [
        ([normal(2, 3), normal(4, 3)], {"axis": 0}),
        ([normal(2, 3, 1), normal(2, 3, 2)], {"axis": 2}),
    ],
    "sum": [
        ([normal(3, 4)], {"axis": (0, 1), "keepdims": False}),
        ([normal(3, 4)], {"axis": (1,), "keepdims": True}),
        ([normal(2, 3, 4)], {"axis": (0, 2), "keepdims": False}),
        ([normal(2, 3, 4)], {"axis": (1,), "keepdims": False}),
        ([np.array(1.5)], {"axis": (), "keepdims": False}),
    ],
    "sum_of_squares": [
        ([normal(3, 4)], {"axis": (0, 1)}),
        ([normal(3, 4)], {"axis": (1,)}),
        ([normal(2, 3, 4)], {"axis": (1, 2)}),  # a stack of matrices, as an MLP's penalty
        ([np.array(1.5)], {"axis": ()}),
    ],
}


def test_every_primitive_has_cases() -> None:
    assert set(CASES) == set(RULES), "a primitive of RULES has no gradient-check case here"


@pytest.mark.parametrize("name", sorted(RULES))
def test_primitive_gradcheck(name: str) -> None:
    op = RULES[name]
    for inputs, params in CASES[name]:
        report = gradcheck(partial(apply, op, **params), *inputs, atol=1e-7, rtol=1e-6)
        assert report, f"{name} {params}:\n{report}"


@pytest.mark.parametrize("name", sorted(RULES))
def test_primitive_forward_matches_numpy_shape(name: str) -> None:
    op = RULES[name]
    for inputs, params in CASES[name]:
        out = apply(op, *[Tensor(x, requires_grad=True) for x in inputs], **params)
        assert out.shape == np.shape(op.forward(*inputs, **params))
        assert out.requires_grad


@pytest.mark.parametrize("name", sorted(RULES))
def test_vjps_return_gradients_of_input_shape(name: str) -> None:
    op = RULES[name]
    for inputs, params in CASES[name]:
        leaves = [Tensor(x, requires_grad=True) for x in inputs]
        out = apply(op, *leaves, **params)
        out.backward(np.ones(out.shape))
        for leaf in leaves:
            assert leaf.grad is not None
            assert leaf.grad.shape == leaf.shape


@pytest.mark.parametrize("name", sorted(RULES))
def test_forward_runs_on_tensors(name: str) -> None:
    """Forwards are written in the vocabulary: run on Tensors they give NumPy's numbers."""
    op = RULES[name]
    for inputs, params in CASES[name]:
        on_arrays = np.asarray(op.forward(*inputs, **params))
        on_tensors = op.forward(*(Tensor(x) for x in inputs), **params)
        assert isinstance(on_tensors, Tensor), name
        np.testing.assert_allclose(on_tensors.data, on_arrays, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", sorted(RULES))
def test_vjps_run_on_tensors(name: str) -> None:
    """VJPs use only the vocabulary: run on Tensors they give NumPy's numbers,
    which is what a backward pass recorded for gradients of gradients needs."""
    op = RULES[name]
    for inputs, params in CASES[name]:
        ans = np.asarray(op.forward(*inputs, **params))
        g = normal(*ans.shape)
        for vjp in op.vjps:
            on_arrays = np.asarray(vjp(g, ans, *inputs, **params))
            on_tensors = vjp(Tensor(g), Tensor(ans), *(Tensor(x) for x in inputs), **params)
            assert isinstance(on_tensors, Tensor), f"{name}: {vjp.__name__}"
            np.testing.assert_allclose(on_tensors.data, on_arrays, rtol=1e-12, atol=0)


@pytest.mark.parametrize("name", sorted(RULES))
def test_vjps_are_differentiable(name: str) -> None:
    """Run on Tensors, each VJP records a graph whose own gradient is right: the
    rule table supports gradients of gradients, checked by finite differences."""
    op = RULES[name]
    for inputs, params in CASES[name]:
        ans = np.asarray(op.forward(*inputs, **params))
        g = Tensor(normal(*ans.shape))
        for position, vjp in enumerate(op.vjps):

            def h(*xs: Tensor, vjp: Any = vjp, g: Tensor = g, params: Any = params) -> Any:
                return vjp(g, op.forward(*xs, **params), *xs, **params)

            report = gradcheck(h, *inputs, atol=1e-6, rtol=1e-5)
            assert report, f"{name} {params}, VJP {position}:\n{report}"


SAVING = sorted(name for name, op in RULES.items() if op.saving is not None)


def test_the_fused_softmax_cross_entropy_saves_its_softmax() -> None:
    assert "softmax_cross_entropy" in SAVING


def test_the_saving_softmax_cross_entropy_sums_as_the_rule_on_large_batches() -> None:
    """The two forwards add the same terms in the same order: on a thousand examples a
    sum taken another way differs in its last bits (eager and replayed losses would)."""
    op = RULES["softmax_cross_entropy"]
    assert op.saving is not None
    rng = np.random.default_rng(3)
    for _ in range(20):
        z = 3 * rng.standard_normal((10, 1000))
        y = np.eye(10)[rng.integers(0, 10, 1000)].T
        assert op.saving[0](z, y, axis=0)[0] == op.forward(z, y, axis=0)


@pytest.mark.parametrize("name", SAVING)
def test_saving_forward_and_its_vjps_give_the_rule_s_numbers_bit_for_bit(name: str) -> None:
    """What compiled replay runs in place of a primitive's forward and VJPs (the
    forward keeping an intermediate, the VJPs reading it) gives exactly the
    numbers of the forward and VJPs that define the primitive."""
    op = RULES[name]
    assert op.saving is not None
    forward_saving, given = op.saving
    rng = np.random.default_rng(8)
    for inputs, params in CASES[name]:
        ans = op.forward(*inputs, **params)
        value, saved = forward_saving(*inputs, **params)
        np.testing.assert_array_equal(value, ans)
        g = rng.standard_normal(np.shape(ans))
        for vjp, vjp_given in zip(op.vjps, given, strict=True):
            if vjp_given is not None:
                want = vjp(g, ans, *inputs, **params)
                np.testing.assert_array_equal(vjp_given(g, ans, saved, *inputs, **params), want)
