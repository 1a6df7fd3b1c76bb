"""Compiled gradients: same results as eager, recorded twice per signature, then replayed."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(0)


def counting(f: Callable[..., Any]) -> tuple[Callable[..., Any], list[int]]:
    calls: list[int] = []

    def wrapped(*args: Any) -> Any:
        calls.append(1)
        return f(*args)

    return wrapped, calls


def mlp_loss(W1: Any, b1: Any, W2: Any, b2: Any, X: Any, Y: Any) -> Any:
    A = (W1 @ X + b1).relu()
    return cr.softmax_cross_entropy(W2 @ A + b2, Y)


def mlp_params() -> list[np.ndarray]:
    return [RNG.standard_normal(s) for s in [(6, 4), (6, 1), (3, 6), (3, 1)]]


def assert_same(a: Any, b: Any) -> None:
    if isinstance(a, tuple):
        assert len(a) == len(b)
        for x, y in zip(a, b, strict=True):
            assert_same(x, y)
    else:
        np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-15)


@pytest.fixture(autouse=True)
def replay_warnings_are_errors() -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("error", cr.ReplayWarning)
        yield


@pytest.mark.parametrize("labels", [False, True])
def test_matches_eager_and_stops_running_f_after_two_recordings(labels: bool) -> None:
    f, calls = counting(mlp_loss)
    compiled = cr.compiled_value_and_grad(f, argnums=(0, 1, 2, 3))
    eager = cr.value_and_grad(mlp_loss, argnums=(0, 1, 2, 3))
    P = mlp_params()
    for step in range(5):
        X = RNG.standard_normal((4, 7))
        y = RNG.integers(0, 3, 7)
        Y = y if labels else np.eye(3)[y].T
        assert_same(compiled(*P, X, Y), eager(*P, X, Y))
        assert len(calls) == min(step + 1, 2)


def test_compiled_grad_skips_the_loss_value_and_matches() -> None:
    compiled = cr.compiled_grad(mlp_loss, argnums=(0, 1, 2, 3))
    P = mlp_params()
    for _ in range(3):
        X, Y = RNG.standard_normal((4, 5)), np.eye(3)[RNG.integers(0, 3, 5)].T
        assert_same(compiled(*P, X, Y), cr.grad(mlp_loss, argnums=(0, 1, 2, 3))(*P, X, Y))
    (plan,) = compiled._plans.values()  # type: ignore[attr-defined]
    assert len(plan.forward_grad) < len(plan.forward_all)  # the fused loss is not run


def test_a_new_shape_is_recorded_again() -> None:
    f, calls = counting(mlp_loss)
    compiled = cr.compiled_grad(f, argnums=0)
    P = mlp_params()
    for m in (5, 5, 5, 2, 2, 2, 5):
        X, Y = RNG.standard_normal((4, m)), RNG.integers(0, 3, m)
        assert_same(compiled(*P, X, Y), cr.grad(mlp_loss)(*P, X, Y))
    assert len(calls) == 4


def test_softmax_shift_is_recomputed_for_large_logits() -> None:
    def f(x: Any) -> Any:
        return (x.log_softmax(0) * np.arange(3.0)[:, None]).sum() + x.softmax(0).sum()

    compiled = cr.compiled_value_and_grad(f)
    for scale in (1.0, 1.0, 1e3, 1e6):
        x = RNG.standard_normal((3, 4)) * scale
        value, g = compiled(x)
        assert np.isfinite(value) and np.all(np.isfinite(g))
        assert_same((value, g), cr.value_and_grad(f)(x))


def test_a_constant_computed_from_the_data_falls_back_to_eager_with_a_warning() -> None:
    def f(w: Any, x: Any) -> Any:
        return (w * x / x.max()).sum()  # NumPy on the argument: invisible to the engine

    compiled = cr.compiled_value_and_grad(f)
    w = RNG.standard_normal(3)
    compiled(w, np.array([1.0, 2.0, 4.0]))
    x = np.array([1.0, 2.0, 8.0])
    with pytest.warns(cr.ReplayWarning, match="constant of shape"):
        result = compiled(w, x)
    assert_same(result, cr.value_and_grad(f)(w, x))
    x = np.array([3.0, 1.0, 1.0])
    assert_same(compiled(w, x), cr.value_and_grad(f)(w, x))  # eager from now on


def test_reading_a_value_inside_f_falls_back_to_eager() -> None:
    def f(w: Any) -> Any:
        s = (w * w).sum()
        return s * 2.0 if s.item() > 1.0 else s

    compiled = cr.compiled_value_and_grad(f)
    with pytest.warns(cr.ReplayWarning, match="item"):
        compiled(np.array([0.1, 0.2]))
    for w in (np.array([0.1, 0.2]), np.array([3.0, 1.0])):
        assert_same(compiled(w), cr.value_and_grad(f)(w))


def test_a_closed_over_tensor_is_read_at_every_call() -> None:
    scale = cr.Tensor(np.array([2.0, 3.0]), requires_grad=True)

    def f(w: Any) -> Any:
        return (w * scale).sum()

    compiled = cr.compiled_grad(f)
    w = np.array([1.0, 1.0])
    for value in ([2.0, 3.0], [5.0, -1.0], [0.5, 0.5], [7.0, 8.0]):
        scale.data = np.array(value)
        np.testing.assert_array_equal(compiled(w), value)
    assert scale.grad is None


def test_the_same_array_twice_is_told_apart_from_two_arrays() -> None:
    def f(a: Any, b: Any) -> Any:
        return (a * b).sum()

    compiled = cr.compiled_grad(f, argnums=(0, 1))
    a, b = np.array([1.0, 2.0]), np.array([3.0, 5.0])
    for _ in range(3):
        ga, gb = compiled(a, a)
        np.testing.assert_array_equal(ga, a)
        np.testing.assert_array_equal(gb, a)
    for _ in range(3):
        ga, gb = compiled(a, b)
        np.testing.assert_array_equal(ga, b)
        np.testing.assert_array_equal(gb, a)


def test_returned_gradients_are_fresh_writable_arrays() -> None:
    def f(a: Any, b: Any) -> Any:
        return (a + b).sum() + a.T.sum()

    compiled = cr.compiled_grad(f, argnums=(0, 1))
    a, b = np.ones((2, 3)), np.ones((2, 3))
    for _ in range(3):
        ga, gb = compiled(a, b)
        assert ga is not gb and ga.flags.writeable and gb.flags.writeable
        assert ga.base is None and gb.base is None
        np.testing.assert_array_equal(ga, 2 * np.ones((2, 3)))
        ga += 1  # does not change the next call's result
    np.testing.assert_array_equal(compiled(a, b)[0], 2 * np.ones((2, 3)))


def test_static_arguments_are_part_of_the_signature() -> None:
    def f(w: Any, power: int, label: str) -> Any:
        assert label == "ok"
        return (w**power).sum()

    compiled = cr.compiled_grad(f)
    w = np.array([1.0, 2.0])
    for power in (2, 2, 2, 3, 3, 3, 2):
        np.testing.assert_allclose(compiled(w, power, "ok"), power * w ** (power - 1))


def test_an_unhashable_argument_runs_eagerly_with_a_warning() -> None:
    def f(w: Any, options: dict[str, float]) -> Any:
        return (w * options["scale"]).sum()

    compiled = cr.compiled_grad(f)
    with pytest.warns(cr.ReplayWarning, match="dict"):
        g = compiled(np.ones(2), {"scale": 3.0})
    np.testing.assert_array_equal(g, [3.0, 3.0])


def test_integer_and_tensor_arguments_and_unused_inputs() -> None:
    def f(w: Any, x: Any, unused: Any) -> Any:
        return (w * x).sum()

    compiled = cr.compiled_grad(f, argnums=(0, 2))
    for _ in range(3):
        gw, gu = compiled([1, 2], cr.Tensor(np.array([3.0, 4.0])), np.ones(3))
        np.testing.assert_array_equal(gw, [3.0, 4.0])
        np.testing.assert_array_equal(gu, np.zeros(3))


def test_errors_are_those_of_eager_evaluation() -> None:
    compiled = cr.compiled_grad(lambda w: w * 2.0)
    with pytest.raises(ValueError, match="scalar loss"):
        compiled(np.ones(3))
    with pytest.raises(TypeError, match="argnums=1"):
        cr.compiled_grad(lambda a, b: a.sum(), argnums=1)(np.ones(2))
    labels = cr.compiled_grad(mlp_loss)
    P = mlp_params()
    X = RNG.standard_normal((4, 3))
    for _ in range(2):
        labels(*P, X, np.array([0, 1, 2]))
    with pytest.raises(ValueError, match="label 7 at example 1"):
        labels(*P, X, np.array([0, 7, 2]))  # replayed: labels are still checked


def test_anomaly_mode_runs_eagerly_and_names_the_operation() -> None:
    compiled = cr.compiled_grad(lambda w: (w.log()).sum())
    for _ in range(3):
        compiled(np.array([1.0, 2.0]))
    with (
        np.errstate(invalid="ignore"),
        cr.detect_anomaly(),
        pytest.raises(cr.AnomalyError, match="log"),
    ):
        compiled(np.array([-1.0, 2.0]))


def test_source_shows_one_line_per_operation_and_vjp() -> None:
    compiled = cr.compiled_grad(mlp_loss, argnums=(0, 1, 2, 3))
    P = mlp_params()
    text = compiled.source(*P, RNG.standard_normal((4, 5)), RNG.integers(0, 3, 5))  # type: ignore[attr-defined]
    assert text.startswith("def replay(args):")
    assert text.count("# matmul\n") == 2 and "# relu_vjp" in text
    assert "# softmax_cross_entropy\n" not in text  # the value is not computed
    assert text.count("# matmul_vjp_b") == 1  # no gradient for X


def test_a_hostile_function_name_is_not_run() -> None:
    import builtins

    hostile = "f\n    __import__('builtins').chainrule_was_hacked = True\n    #"

    def forward(x: Any) -> Any:
        return x * 3.0

    def vjp(g: Any, ans: Any, x: Any) -> Any:
        return g * 3.0

    forward.__name__ = hostile
    vjp.__name__ = hostile
    triple = cr.Primitive("triple", forward, (vjp,))
    compiled = cr.compiled_value_and_grad(lambda w: cr.apply(triple, w).sum())
    for _ in range(3):
        value, g = compiled(np.array([1.0, 2.0]))
        assert value == 9.0
        np.testing.assert_array_equal(g, [3.0, 3.0])
    text = compiled.source(np.array([1.0, 2.0]))  # type: ignore[attr-defined]
    for line in text.splitlines():  # the name appears only inside comments
        assert "chainrule_was_hacked" not in line.split("#")[0]
    assert not hasattr(builtins, "chainrule_was_hacked")


def test_caches_are_bounded() -> None:
    import gc
    import tracemalloc

    from chainrule.autodiff import replay, replay_plan

    def loss(W: Any, X: Any, Y: Any) -> Any:
        return cr.mse(W @ X, Y)

    compiled = cr.compiled_grad(loss)
    W = np.ones((2, 30))
    for m in range(1, 71):  # every shape twice: 70 plans
        compiled(W, np.ones((30, m)), np.zeros((2, m)))
        compiled(W, np.ones((30, m)), np.zeros((2, m)))
    assert len(compiled._plans) == replay._MAX_SIGNATURES  # type: ignore[attr-defined]
    tracemalloc.start()
    try:
        for m in range(1, 41):  # every shape once: 40 first recordings of 0.25 MB arguments
            compiled(W, np.ones((30, 1000 + m)), np.zeros((2, 1000 + m)))
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(compiled._first) == replay._MAX_FIRST_RECORDINGS  # type: ignore[attr-defined]
    # No recording keeps the arrays it was made from (they would hold 10 MB).
    assert held < 2_000_000, held
    assert replay_plan._reads.cache_info().maxsize is not None


def test_inside_an_outer_differentiation_the_result_is_recorded() -> None:
    compiled = cr.compiled_grad(lambda w: (w * w * w).sum())
    x = np.array([1.0, 2.0])
    for _ in range(3):
        np.testing.assert_array_equal(compiled(x), 3 * x * x)
    np.testing.assert_array_equal(cr.jacobian(compiled)(x), np.diag(6 * x))
    t = cr.Tensor(x, requires_grad=True)
    g = compiled(t)
    assert isinstance(g, cr.Tensor) and g.requires_grad


def test_calls_after_replay_starts_take_the_full_path_when_they_need_it() -> None:
    """Once a plan replays, calls with an integer array to convert, a Tensor, the
    same array twice, another type of number or another dtype still give what
    eager evaluation gives (the quick lookup only serves plain float arrays)."""

    def f(w: Any, x: Any, k: Any) -> Any:
        return ((w * x) ** 2).sum() * k

    step = cr.compiled_value_and_grad(f)
    eager = cr.value_and_grad(f)
    w, x = np.array([1.0, 2.0]), np.array([3.0, -1.0])
    for _ in range(3):
        step(w, x, 2.0)
    calls = [
        (np.array([1, 2]), x, 2.0),
        (w, cr.Tensor(x), 2.0),
        (w, w, 2.0),
        (w, x, 2),
        (w.astype(np.float32), x, 2.0),
        (w, x, 2.0),
    ]
    for args in calls:
        (value, grad), (want_value, want_grad) = step(*args), eager(*args)
        assert value == pytest.approx(want_value, rel=1e-15)
        assert grad.dtype == want_grad.dtype
        np.testing.assert_allclose(grad, want_grad, rtol=1e-15)


def test_gradients_that_depend_on_no_input_are_folded_and_still_fresh() -> None:
    """The seed scaled by constants (a mean's 1/m, a penalty's α/2) is computed when
    the plan is made: the code calls no VJP for it, the numbers are eager's, and a
    constant gradient comes back as a new writable array on every call."""

    def loss(w: Any, b: Any, x: Any) -> Any:
        return cr.mse(w * x, np.zeros_like(x)) * 3.0 + b * 2.0 * 0.5

    step = cr.compiled_value_and_grad(loss, argnums=(0, 1))
    eager = cr.value_and_grad(loss, argnums=(0, 1))
    rng = np.random.default_rng(0)
    x, b = rng.standard_normal((1, 4)), np.array(0.7)
    source = step.source(np.ones((1, 4)), b, x)
    assert source.count("mul_vjp") == 1  # w * x; the chains through 3.0, 2.0, 0.5 are folded
    previous = None
    for _ in range(4):
        w = rng.standard_normal((1, 4))
        value, (gw, gb) = step(w, b, x)
        want_value, (want_w, want_b) = eager(w, b, x)
        assert value == want_value
        np.testing.assert_array_equal(gw, want_w)
        np.testing.assert_array_equal(gb, want_b)
        assert gb.flags.writeable and gb is not previous
        gb[...] = 99.0  # writing into one result leaves the next call's alone
        previous = gb


def test_replayed_weights_are_checked_as_eager_ones_are() -> None:
    """Sample weights are checked on every call, replayed or not: a negative, nan or
    all-zero weight vector is refused, never turned into a number."""
    rng = np.random.default_rng(0)
    f = cr.compiled_value_and_grad(lambda W, X, Y, s: cr.softmax_cross_entropy(W @ X, Y, s))
    W, X, Y = rng.standard_normal((3, 4)), rng.standard_normal((4, 5)), np.eye(3)[[0, 1, 2, 0, 1]].T
    for _ in range(3):
        f(W, X, Y, np.ones(5))
    for bad, reason in (([1, -1, 1, 1, 1], "finite and ≥ 0"), ([0.0] * 5, "sum to 0"),
                        ([np.nan, 1, 1, 1, 1], "finite and ≥ 0")):  # fmt: skip
        with pytest.raises(ValueError, match=reason):
            f(W, X, Y, np.array(bad, dtype=float))


def flat_of(grads: Any) -> np.ndarray:
    arrays = [grads] if isinstance(grads, np.ndarray) else list(grads)
    return np.concatenate([np.ravel(g) for g in arrays])


@pytest.mark.parametrize("kind", ["value_and_grad", "grad"])
def test_flat_lays_the_gradients_end_to_end_on_every_path(kind: str) -> None:
    """``flat`` gives the gradients of the call, joined in argnums order, while
    recording, replaying and (after a fallback) eagerly; a parameter the loss
    does not reach contributes zeros, and constant gradients come back in a new
    vector each call."""

    def loss(W1: Any, b1: Any, W2: Any, b2: Any, unused: Any, X: Any, Y: Any) -> Any:
        return mlp_loss(W1, b1, W2, b2, X, Y) + b1.sum() * 0.5

    argnums = (2, 0, 4, 1, 3)  # not in the order of the arguments
    make = cr.compiled_value_and_grad if kind == "value_and_grad" else cr.compiled_grad
    compiled = make(loss, argnums=argnums)
    eager = cr.value_and_grad(loss, argnums=argnums)
    previous = None
    for _ in range(5):
        P = [*mlp_params(), RNG.standard_normal((2, 2))]
        args = (*P, RNG.standard_normal((4, 7)), np.eye(3)[RNG.integers(0, 3, 7)].T)
        value, grads = eager(*args)
        found = compiled.flat(*args)
        vector = found[1] if kind == "value_and_grad" else found
        if kind == "value_and_grad":
            assert found[0] == pytest.approx(value, rel=1e-12)
        assert vector.shape == (sum(args[p].size for p in argnums),)
        np.testing.assert_allclose(vector, flat_of(grads), rtol=1e-12, atol=1e-15)
        assert not vector[6 * 4 + 3 * 6 : 6 * 4 + 3 * 6 + 4].any()  # the unused argument
        assert vector is not previous and vector.flags.writeable
        previous = vector
    assert compiled._plans  # replayed, not eager

    def branching(w: Any, x: Any) -> Any:
        return (w * x / x.max()).sum()  # a frozen constant: falls back to eager

    fallback = make(branching, argnums=(0,))
    w = RNG.standard_normal(3)
    fallback.flat(w, np.array([1.0, 2.0, 4.0]))
    with pytest.warns(cr.ReplayWarning):
        fallback.flat(w, np.array([1.0, 2.0, 8.0]))
    x = np.array([3.0, 1.0, 1.0])
    found = fallback.flat(w, x)
    want = cr.grad(branching)(w, x)
    np.testing.assert_array_equal(found[1] if kind == "value_and_grad" else found, want)


def test_flat_takes_the_common_dtype_of_the_arguments() -> None:
    def loss(a: Any, b: Any) -> Any:
        return (a * a).sum() + (b * b).sum()

    compiled = cr.compiled_value_and_grad(loss, argnums=(0, 1))
    a, b = np.ones(3, np.float32), np.full(2, 2.0)
    for _ in range(3):
        _, vector = compiled.flat(a, b)
        assert vector.dtype == np.float64
        np.testing.assert_array_equal(vector, [2.0, 2.0, 2.0, 4.0, 4.0])


@pytest.mark.filterwarnings("ignore:the matrix subclass:PendingDeprecationWarning")
def test_flat_rounds_each_gradient_to_its_arguments_dtype() -> None:
    """With arguments of different dtypes, each gradient is what a call returns
    (rounded to its argument's dtype), then joined in the common dtype; an
    ndarray subclass among the arguments still gives a plain 1-d vector."""

    def loss(W: Any, b: Any, x: Any) -> Any:
        return ((W @ x + b) ** 2).sum() / 3.0

    compiled = cr.compiled_value_and_grad(loss, argnums=(0, 1))
    rng = np.random.default_rng(5)
    for _ in range(4):
        W = rng.standard_normal((2, 3)).astype(np.float32)
        b, x = rng.standard_normal((2, 1)), rng.standard_normal((3, 4))
        _, (gW, gb) = compiled(W, b, x)
        _, vector = compiled.flat(W, b, x)
        assert vector.dtype == np.float64 and gW.dtype == np.float32
        np.testing.assert_array_equal(vector, np.concatenate([gW.ravel(), gb.ravel()]))
    matrix = cr.compiled_grad(lambda W, M: ((W @ M) * 2.0).sum(), argnums=(0, 0))
    M = np.asmatrix(np.arange(12.0).reshape(3, 4))
    for _ in range(3):
        found = matrix.flat(np.ones((2, 3)), M)
        assert type(found) is np.ndarray and found.shape == (12,)
        want = np.tile(2.0 * np.asarray(M).sum(axis=1), 2)
        np.testing.assert_array_equal(found, np.concatenate([want, want]))


def test_value_arguments_that_compare_equal_are_told_apart() -> None:
    """0.0 and -0.0, or (1,) and (True,), are equal and hash alike, yet f may read
    the difference (a sign, a boolean index): each gets its own recording."""
    import math

    W = np.arange(1.0, 13.0).reshape(3, 4)

    def signed(W: Any, c: float) -> Any:
        return (W * math.copysign(1.0, c)).sum()

    def indexed(W: Any, index: tuple[Any, ...]) -> Any:
        return W[index].sum()

    for f, seen, other in ((signed, 0.0, -0.0), (indexed, (1,), (True,))):
        compiled = cr.compiled_value_and_grad(f)
        for _ in range(3):
            compiled(W, seen)
        assert compiled(W, other)[0] == cr.value_and_grad(f)(W, other)[0]
