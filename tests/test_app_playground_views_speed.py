"""What makes a playground step fast: networks rebuilt for each request share one
compiled step, whose numbers are the engine's; dropout while training keeps its own."""

from __future__ import annotations

import numpy as np
import torch

from chainrule.app import playground_state as P  # noqa: N812
from chainrule.models import MLP


def test_networks_built_alike_share_one_compiled_step_with_the_engines_numbers() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 10))
    y = (rng.random((1, 10)) > 0.5).astype(float)
    a = MLP([2, 5, 3, 1], activation=["tanh", "relu"], output="sigmoid", seed=1)
    b = MLP([2, 5, 3, 1], activation=["tanh", "relu"], output="sigmoid", seed=2)
    names = tuple(a.params)
    assert a._compiled_step(names) is b._compiled_step(names)
    other = MLP([2, 5, 3, 1], activation=["tanh", "tanh"], output="sigmoid", seed=1)
    assert other._compiled_step(names) is not a._compiled_step(names)
    for _ in range(3):  # recorded, confirmed, then replayed: each call the engine's numbers
        a.value_and_gradients(X, y)
    value, grads = b.value_and_gradients(X, y)
    params = {k: torch.tensor(v, requires_grad=True) for k, v in b.params.items()}
    A = torch.tanh(params["W1"] @ torch.tensor(X) + params["b1"])
    A = torch.relu(params["W2"] @ A + params["b2"])
    Z = params["W3"] @ A + params["b3"]
    loss = torch.nn.functional.binary_cross_entropy_with_logits(Z, torch.tensor(y))
    loss.backward()
    assert np.isclose(value, loss.item(), rtol=1e-12)
    for k, v in params.items():
        np.testing.assert_allclose(grads[k], v.grad.numpy(), rtol=1e-10, atol=1e-14)  # type: ignore[union-attr]


def test_dropout_while_training_keeps_its_own_step() -> None:
    a = MLP([2, 4, 1], output="sigmoid", dropout=0.5, seed=1)
    b = MLP([2, 4, 1], output="sigmoid", dropout=0.5, seed=1)
    names = tuple(a.params)
    assert a._compiled_step(names) is b._compiled_step(names)  # predicting: no dropout at work
    a.training = b.training = True
    assert a._compiled_step(names) is not b._compiled_step(names)


def test_a_playground_step_replays_from_the_first_request() -> None:
    config = P.from_query("?data=spiral&points=200&layers=8:tanh,8:tanh&batch=10")
    run = P.fresh_run(config)
    for _ in range(3):
        run = P.advance(config, run)
    model, _, _ = P.restore(config, run)  # a new network, as each request builds one
    step = model._compiled_step(tuple(model.params))
    plans = dict(step._plans)  # type: ignore[attr-defined]
    assert plans  # the batch's signature is replayed
    P.advance(config, run)
    assert step._plans == plans  # type: ignore[attr-defined]  # nothing recorded again
