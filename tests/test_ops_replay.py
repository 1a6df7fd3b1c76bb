"""compiled_grad on the new operations: the replay equals the eager gradient on
every call, masks and shifts recomputed from each call's data, or it falls back
to eager with its warning where a recording cannot be replayed."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import chainrule as cr

RNG = np.random.default_rng(7)


def program(w: Any, x: Any) -> Any:
    h = (w @ x).leaky_relu(0.1) + (w @ x).elu(0.5).sin() * x[0:1].gelu("tanh")
    h = cr.maximum(h, h.clip(-0.5, 0.5).silu()) + cr.where(h > 0.2, (h * h + 1.0).sqrt(), 0.0)
    z = cr.concatenate([h, h.abs().log1p()], axis=0)
    return (
        z.logsumexp(axis=0).sum()
        + z.max(axis=1).sum()
        + z.std(axis=1, ddof=1).sum()
        + z[:, 1:3].prod()
        + cr.huber(h, np.zeros(h.shape), 0.3)
        + cr.l2_penalty(w, 0.1)
    )


def test_compiled_grad_matches_eager_on_every_call() -> None:
    compiled = cr.compiled_value_and_grad(program, argnums=(0, 1))
    w = RNG.standard_normal((3, 4))
    for scale in (1.0, 1.0, 1.0, 3.0, 0.1):
        x = RNG.standard_normal((4, 5)) * scale
        with warnings.catch_warnings():
            warnings.simplefilter("error", cr.ReplayWarning)
            value, g = compiled(w, x)
        want_value, want_g = cr.value_and_grad(program, argnums=(0, 1))(w, x)
        assert value == pytest.approx(want_value, rel=1e-12)
        for ours, theirs in zip(g, want_g, strict=True):
            np.testing.assert_allclose(ours, theirs, rtol=1e-10, atol=1e-12)


def test_indexing_with_an_array_falls_back_with_a_warning_and_stays_right() -> None:
    def f(w: Any, x: Any) -> Any:
        return (w[w > 0] ** 2).sum() + (w * x).sum()

    compiled = cr.compiled_value_and_grad(f, argnums=0)
    for _ in range(3):
        w, x = RNG.standard_normal(6), RNG.standard_normal(6)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", cr.ReplayWarning)
            value, g = compiled(w, x)
        want_value, want_g = cr.value_and_grad(f, argnums=0)(w, x)
        assert value == pytest.approx(want_value, rel=1e-12)
        np.testing.assert_allclose(g, want_g, rtol=1e-12)


def test_dropout_draws_a_new_mask_on_each_replayed_call() -> None:
    rng_a, rng_b = np.random.default_rng(3), np.random.default_rng(3)

    def make(rng: np.random.Generator) -> Any:
        return lambda w: (w.dropout(0.5, rng) * np.arange(1.0, 9.0)).sum()

    compiled = cr.compiled_grad(make(rng_a))
    eager = cr.grad(make(rng_b))
    grads = []
    for _ in range(4):
        w = np.ones(8)
        g = compiled(w)
        np.testing.assert_array_equal(g, eager(w))
        grads.append(g)
    assert any(not np.array_equal(grads[0], g) for g in grads[1:])
