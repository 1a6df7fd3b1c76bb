import copy
import math
from typing import Any

import numpy as np
import pytest

from chainrule import data, optim
from chainrule.models import MLP, MultivariateRegression, TwoLayerSigmoid
from chainrule.train import DivergenceError, fit


def test_full_batch_gd_is_plain_gradient_descent() -> None:
    d = data.linear(m=50, n_features=2, seed=1)
    model = MultivariateRegression(2, seed=0)
    start = {k: v.copy() for k, v in model.params.items()}
    history = fit(model, d.X, d.y, optim.sgd(0.1), epochs=3)
    p = start
    for _ in range(3):
        ref = MultivariateRegression(2)
        ref.params.update(p)
        g = ref.gradients(d.X, d.y)
        p = {k: p[k] - 0.1 * g[k] for k in p}
    for k in p:
        np.testing.assert_allclose(model.params[k], p[k], rtol=1e-14)
    assert history.steps == 3 and history.epochs == 3
    assert history.epoch_loss[-1] < history.initial_loss


def test_mini_batches_cover_every_example_once_per_epoch() -> None:
    d = data.moons(m=70)
    model = TwoLayerSigmoid(2, 4)
    history = fit(model, d.X, d.y, optim.sgd(0.1), epochs=2, batch_size=32)
    assert history.steps == 2 * 3  # 32 + 32 + 6
    assert history.epoch_of_step == [0, 0, 0, 1, 1, 1]


def test_same_seed_same_history_bit_for_bit() -> None:
    d = data.moons(m=100)

    def run(seed: int):  # type: ignore[no-untyped-def]
        model = TwoLayerSigmoid(2, 5, seed=3)
        return fit(model, d.X, d.y, optim.adam(0.01), epochs=5, batch_size=16, seed=seed), model

    (h1, m1), (h2, m2), (h3, _) = run(0), run(0), run(1)
    assert h1.step_loss == h2.step_loss and h1.grad_norm == h2.grad_norm
    for k in m1.params:
        np.testing.assert_array_equal(m1.params[k], m2.params[k])
    assert h1.step_loss != h3.step_loss


def test_records_trajectory_and_states() -> None:
    d = data.linear(m=20)
    model = MultivariateRegression(1)
    h = fit(model, d.X, d.y, optim.sgd(0.1, momentum=0.9), epochs=4, record=True)
    assert len(h.params) == 5 and len(h.states) == 4
    np.testing.assert_array_equal(h.params[-1]["w"], model.params["w"])
    assert not np.array_equal(h.params[0]["w"], h.params[1]["w"])
    h = fit(model, d.X, d.y, optim.sgd(0.1), epochs=2, record=["params"])
    assert h.states is None and len(h.params) == 3
    with pytest.raises(ValueError, match="record takes"):
        fit(model, d.X, d.y, optim.sgd(0.1), record=["weights"])


def test_divergence_on_diabetes_keeps_finite_parameters() -> None:
    d = data.diabetes()
    model = MultivariateRegression(d.n_features, seed=0)
    with pytest.raises(DivergenceError) as info:
        fit(model, d.X, d.y, optim.sgd(100.0), epochs=100)
    err = info.value
    assert err.lr == 100.0 and err.step >= 1
    assert f"step {err.step}" in str(err) and "smaller learning rate" in str(err)
    assert all(np.all(np.isfinite(v)) for v in model.params.values())
    assert math.isfinite(model.loss(d.X, d.y))
    assert err.history.steps == err.step


def test_schedule_learning_rates_are_recorded() -> None:
    d = data.linear(m=10)
    h = fit(MultivariateRegression(1), d.X, d.y, optim.sgd(optim.exponential(0.1, 0.5)), epochs=3)
    assert h.lr == pytest.approx([0.1, 0.05, 0.025])


def test_mlp_trains_on_softmax_labels() -> None:
    d = data.blobs(m=150)
    model = MLP([2, 8, 3], activation="relu", output="softmax", seed=0)
    h = fit(model, d.X, d.y, optim.adam(0.05), epochs=40, batch_size=32)
    accuracy = np.mean(model.predict_class(d.X) == d.labels)
    assert h.final_loss < 0.3 * h.initial_loss and accuracy > 0.9


def test_bad_arguments() -> None:
    d = data.linear(m=10)
    model = MultivariateRegression(1)
    with pytest.raises(ValueError, match="epochs must be a positive integer, got 0"):
        fit(model, d.X, d.y, optim.sgd(0.1), epochs=0)
    with pytest.raises(ValueError, match="batch_size"):
        fit(model, d.X, d.y, optim.sgd(0.1), batch_size=0)


@pytest.mark.parametrize(
    "model",
    [MLP([4, 6, 3], "relu", "softmax", alpha=0.01), TwoLayerSigmoid(4, 5, seed=2)],
    ids=["mlp", "two-layer"],
)
def test_steps_are_value_and_gradients_of_the_shuffled_batches(model: Any) -> None:
    """fit checks the data once and steps on its batches without checking them again:
    the same steps as value_and_gradients on each batch of the permuted examples,
    written out here, to the last bit."""
    rng = np.random.default_rng(7)
    X = rng.standard_normal((4, 45))
    y = rng.integers(0, 3, 45) if isinstance(model, MLP) else rng.integers(0, 2, (1, 45))
    twin = copy.deepcopy(model)
    history = fit(model, X, y, optim.sgd(0.1), epochs=2, batch_size=16, seed=5)
    order_rng = np.random.default_rng(5)
    Xc, yc = twin.check_data(X, y)
    losses, norms = [], []
    for _ in range(2):
        order = order_rng.permutation(45)
        for start in range(0, 45, 16):
            idx = order[start : start + 16]
            loss, grads = twin.value_and_gradients(X[:, idx], np.asarray(y)[..., idx])
            losses.append(loss)
            norms.append(math.sqrt(sum(float(np.sum(g * g)) for g in grads.values())))
            twin.params = {k: twin.params[k] - 0.1 * grads[k] for k in twin.params}
    assert history.step_loss == losses
    np.testing.assert_allclose(history.grad_norm, norms, rtol=1e-14)
    for k in model.params:
        np.testing.assert_array_equal(model.params[k], twin.params[k])
    assert history.final_loss == history.end_loss == twin.loss(Xc, yc)
    # Each epoch's loss: the mean of its three batches' losses, weighted 16, 16, 13.
    assert history.batch_means
    for epoch in range(2):
        batch = losses[3 * epoch : 3 * epoch + 3]
        mean = (16 * batch[0] + 16 * batch[1] + 13 * batch[2]) / 45
        assert history.epoch_loss[epoch] == pytest.approx(mean, rel=1e-15)


def test_full_loss_records_the_whole_data_after_each_epoch() -> None:
    """full_loss=True: each epoch's loss is the loss of all the data at the parameters
    the epoch ended with (recorded here), not the mean of its batches; full-batch
    training records that without being asked."""
    d = data.moons(m=90, seed=2)
    model = TwoLayerSigmoid(2, 5, seed=1)
    twin, start = copy.deepcopy(model), copy.deepcopy(model)
    h = fit(model, d.X, d.y, optim.adam(0.05), epochs=3, batch_size=20, record=["params"],
            full_loss=True)  # fmt: skip
    assert not h.batch_means
    ends = [h.params[5 * (e + 1)] for e in range(3)]  # 5 batches an epoch
    for e, params in enumerate(ends):
        twin.params.update(params)
        assert h.epoch_loss[e] == twin.loss(d.X, d.y)
    assert h.final_loss == h.epoch_loss[-1]
    means = fit(copy.deepcopy(start), d.X, d.y, optim.adam(0.05), epochs=3, batch_size=20)
    assert means.batch_means and means.step_loss == h.step_loss
    assert means.final_loss == h.final_loss and means.epoch_loss != h.epoch_loss
    full = fit(start, d.X, d.y, optim.sgd(0.5), epochs=3)
    assert not full.batch_means and full.final_loss == full.epoch_loss[-1]


@pytest.mark.parametrize(
    "make",
    [
        lambda: TwoLayerSigmoid(2, 4, seed=1),
        lambda: MLP([2, 7, 5, 2], "tanh", "softmax", alpha=0.01, seed=3),
        lambda: MLP([2, 5, 1], "relu", "identity", dropout=0.2, seed=2),
    ],
    ids=["hand-derived", "mlp", "mlp-dropout"],
)
@pytest.mark.parametrize("weighted", [False, True])
def test_joined_value_and_gradients_lays_out_what_the_pairs_give(make: Any, weighted: bool) -> None:
    """What fit calls each step with a joined optimizer: the loss and the gradients
    of checked_value_and_gradients (or its weighted form) end to end in params order."""
    model = make()
    d = data.moons(m=30, seed=2)
    X, y = model.check_data(d.X, d.y)
    if weighted and not model.takes_weights:
        with pytest.raises(ValueError, match="does not weight examples"):
            model.joined_value_and_gradients(weighted)(X, y, np.ones(30))
        return
    model.training = True  # dropout acts, as in fit
    batch = (X, y, np.linspace(0.5, 2.0, 30)) if weighted else (X, y)
    pairs = (
        model.checked_weighted_value_and_gradients
        if weighted
        else model.checked_value_and_gradients
    )
    joined = model.joined_value_and_gradients(weighted)
    for step in range(3):
        model.params = {k: v + 0.01 * step for k, v in model.params.items()}
        rng = getattr(model, "_dropout_rng", np.random.default_rng())
        draws = rng.bit_generator.state  # the same dropout masks for both
        loss, vector = joined(*batch)
        rng.bit_generator.state = draws
        want_loss, grads = pairs(*batch)
        assert loss == pytest.approx(want_loss, rel=1e-12)
        want = np.concatenate([grads[k].ravel() for k in model.params])
        np.testing.assert_allclose(vector, want, rtol=1e-12, atol=1e-15)


def test_fit_steps_on_a_subclass_own_gradients() -> None:
    """An MLP subclass that computes its gradients its own way (clipped, here) is
    trained on them, whether fit joins the parameters or not."""

    class Clipped(MLP):
        def checked_value_and_gradients(
            self, X: np.ndarray, y: np.ndarray
        ) -> tuple[float, dict[str, np.ndarray]]:
            loss, grads = super().checked_value_and_gradients(X, y)
            return loss, {k: np.clip(g, -1e-3, 1e-3) for k, g in grads.items()}

    d = data.moons(m=40, seed=1)
    for record in ((), ["state"]):
        model = Clipped([2, 6, 2], "tanh", "softmax", seed=0)
        start = dict(model.params)
        fit(model, d.X, d.y, optim.sgd(1.0), epochs=1, record=record)
        for k, v in model.params.items():
            assert np.max(np.abs(v - start[k])) <= 1e-3 + 1e-15


@pytest.mark.parametrize("make", [lambda: optim.sgd(0.1), lambda: optim.adam(0.01)])
def test_float32_parameters_stay_float32(make: Any) -> None:
    """fit keeps a model's parameter dtype, hand-derived gradients and replayed ones alike."""
    d = data.linear(m=30, n_features=2, seed=3)
    for model in (MultivariateRegression(2, seed=0), MLP([2, 4, 1], "tanh", "identity", seed=0)):
        model.params = {k: v.astype(np.float32) for k, v in model.params.items()}
        fit(model, d.X.astype(np.float32), d.y.astype(np.float32), make(), epochs=3)
        assert {v.dtype for v in model.params.values()} == {np.dtype(np.float32)}


def test_joined_gradients_of_the_wrong_shape_are_refused() -> None:
    model = MultivariateRegression(3, seed=0)
    model.checked_value_and_gradients = lambda X, y: (  # type: ignore[method-assign]
        0.0,
        {"w": np.zeros((1, 2)), "b": np.zeros((1, 1))},
    )
    with pytest.raises(ValueError, match=r"shapes \(\(1, 2\), \(1, 1\)\)"):
        model.joined_value_and_gradients()(np.zeros((3, 4)), np.zeros((1, 4)))


@pytest.mark.parametrize("make", [lambda: optim.adam(0.01), lambda: optim.sgd(0.1, momentum=0.9)])
def test_joined_updates_train_the_same_parameters(make: Any) -> None:
    """An elementwise optimizer steps on the parameters joined into one vector unless its
    states are recorded (then array by array): the same numbers, bit for bit."""
    d = data.moons(m=60, seed=4)
    runs = []
    for record in ((), ["state"]):
        model = MLP([2, 7, 5, 2], "tanh", "softmax", alpha=0.01, seed=3)
        h = fit(model, d.X, d.y, make(), epochs=3, batch_size=16, record=record)
        runs.append((model.params, h))
    (joined, h1), (apart, h2) = runs
    assert h1.states is None and h2.states is not None and len(h2.states) == h2.steps
    assert h1.step_loss == h2.step_loss
    np.testing.assert_allclose(h1.grad_norm, h2.grad_norm, rtol=1e-14)
    for k in apart:
        np.testing.assert_array_equal(joined[k], apart[k])
