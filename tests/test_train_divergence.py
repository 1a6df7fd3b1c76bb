"""fit refuses data it cannot use and stops a diverging run, the last step included."""

from __future__ import annotations

import math

import numpy as np
import pytest

import chainrule as cr
from chainrule.models import build
from chainrule.train import DivergenceError, fit
from chainrule.train.fit import DIVERGENCE_FACTOR


def test_a_loss_that_grows_two_hundredfold_is_divergence() -> None:
    d = cr.data.digits().standardized()
    net = build("mlp", d.n_features, task="multiclass", n_classes=10, hidden_layers=[16])
    with pytest.raises(DivergenceError, match="times its start") as info:
        fit(net, d.X, d.y, cr.optim.adam(1000.0), epochs=20)
    assert math.isfinite(net.loss(d.X, d.y))
    assert net.loss(d.X, d.y) <= DIVERGENCE_FACTOR * info.value.history.initial_loss


def test_the_loss_after_the_last_update_is_checked() -> None:
    d = cr.data.moons()
    net = build("two-layer-sigmoid", 2, task="binary")
    before = {k: v.copy() for k, v in net.params.items()}
    with np.errstate(all="ignore"), pytest.raises(DivergenceError) as info:
        fit(net, d.X, d.y, cr.optim.sgd(1e300), epochs=1)
    assert info.value.step == 1  # one step was taken; its result was refused
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)


def test_a_converging_run_is_not_stopped() -> None:
    d = cr.data.moons()
    net = build("two-layer-classifier", 2, task="binary", n_hidden=8)
    history = fit(net, d.X, d.y, cr.optim.adam(0.05), epochs=50)
    assert history.final_loss < history.initial_loss
    text = repr(history)
    assert len(text) < 120 and "50 epochs" in text and "->" in text


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_data_that_is_not_finite_is_refused_before_training(bad: float) -> None:
    d = cr.data.moons()
    X = d.X.copy()
    X[1, 7] = bad
    net = build("logistic", 2, task="binary")
    before = {k: v.copy() for k, v in net.params.items()}
    with pytest.raises(ValueError, match=r"X\[1, 7\] is .*example 7"):
        fit(net, X, d.y, cr.optim.sgd(0.1), epochs=3)
    for k, v in before.items():
        np.testing.assert_array_equal(net.params[k], v)


def test_divergence_factor_is_validated() -> None:
    d = cr.data.linear()
    with pytest.raises(ValueError, match="divergence_factor must be a number above 1"):
        fit(build("univariate", 1), d.X, d.y, cr.optim.sgd(0.1), divergence_factor=0.5)
