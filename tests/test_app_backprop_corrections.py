"""Seed 003's classifier in the stepper: where the seed errs, its line, the correct one, why."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from chainrule.app import backprop_state as B  # noqa: N812
from chainrule.app.backprop_corrections import CORRECTIONS

SEED_003 = (
    next(Path("/work/shared/seeds").glob("003_*.txt"), None)
    if Path("/work/shared/seeds").is_dir()
    else None
)


def _steps(network: str) -> list[B.Step]:
    state = B.from_query(f"?network={network}")
    return B.steps(state.network, state.numbers, state.lr)


def test_the_classifier_shows_a_correction_exactly_where_the_seed_errs() -> None:
    corrected = {s.name for s in _steps("two-layer-classifier") if s.correction is not None}
    assert corrected == {"L", "dZ2", "dZ1", "∂L/∂W1", "∂L/∂b1", "∂L/∂W2", "∂L/∂b2"}
    dZ1 = next(s for s in _steps("two-layer-classifier") if s.name == "dZ1")
    assert dZ1.correction is not None and dZ1.correction.seed.startswith("dZ1 = dW2 * dZ2")
    assert dZ1.equation == "dZ1 = (W2ᵀ dZ2) ⊙ A1 ⊙ (1 − A1)"  # the correct form, from the deriver
    for network in B.NETWORKS:
        if network != "two-layer-classifier":
            assert all(s.correction is None for s in _steps(network)), network


@pytest.mark.skipif(SEED_003 is None, reason="the seed texts are not on this machine")
def test_the_seed_forms_are_the_seeds_own_lines() -> None:
    assert SEED_003 is not None
    text = SEED_003.read_text(encoding="utf-8")
    for c in CORRECTIONS["two-layer-classifier"].values():
        assert f"`{c.seed}" in text, c.seed


def test_what_the_corrections_say_is_true() -> None:
    rng = np.random.default_rng(0)
    a2, y = rng.uniform(0.01, 0.99, 50), rng.integers(0, 2, 50).astype(float)
    # the seed's loss (no minus sign) is at most 0, and grows as a2 approaches y
    seed_loss = y * np.log(a2) + (1 - y) * np.log(1 - a2)
    assert np.all(seed_loss <= 0)
    # the seed's dL/da2 times a2(1 − a2) is not a2 − y; the corrected one is
    seed_dz = (y / a2 + (1 - y) / (1 - a2)) * a2 * (1 - a2)
    right_dz = (-y / a2 + (1 - y) / (1 - a2)) * a2 * (1 - a2)
    np.testing.assert_allclose(right_dz, a2 - y, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(seed_dz, y * (1 - a2) + (1 - y) * a2, rtol=1e-12)
    assert np.abs(seed_dz - (a2 - y)).max() > 0.1
    # the shapes the seed's entrywise products would need do not match the parameters
    state = B.from_query("?network=two-layer-classifier")
    steps = {s.name: s for s in B.steps(state.network, state.numbers, state.lr)}
    n = state.numbers
    dZ2, A1, dZ1, X = steps["dZ2"].value, steps["A1"].value, steps["dZ1"].value, n["X"]
    assert dZ2.shape[0] == 1 and A1.shape[0] > 1 and n["W2"].shape == (1, A1.shape[0])
    m = X.shape[1]
    np.testing.assert_allclose(steps["∂L/∂W2"].value, dZ2 @ A1.T / m, rtol=1e-12)
    np.testing.assert_allclose(steps["∂L/∂b1"].value, dZ1.sum(1, keepdims=True) / m, rtol=1e-12)
