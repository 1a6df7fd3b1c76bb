"""Optimizers against torch.optim: 100-step trajectories in float64 to 1e-10."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from chainrule import optim
from chainrule.models import TwoLayerSigmoid

torch = pytest.importorskip("torch")

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 20))
Y = np.sin(X[:1]) + 0.3 * X[1:2]


def torch_loss(T: dict[str, Any]) -> Any:
    A = torch.sigmoid(T["W1"] @ torch.tensor(X) + T["b1"])
    return ((T["w2"] @ A + T["b2"] - torch.tensor(Y)) ** 2).sum() / X.shape[1]


CASES: list[tuple[str, Callable[..., Any], Callable[..., Any], dict[str, Any]]] = [
    ("sgd", optim.sgd, torch.optim.SGD, {"lr": 0.3}),
    ("sgd momentum", optim.sgd, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}),
    ("sgd nesterov", optim.sgd, torch.optim.SGD, {"lr": 0.1, "momentum": 0.8, "nesterov": True}),
    ("sgd wd", optim.sgd, torch.optim.SGD, {"lr": 0.1, "momentum": 0.5, "weight_decay": 0.01}),
    ("rmsprop", optim.rmsprop, torch.optim.RMSprop, {"lr": 0.01}),
    (
        "rmsprop mom",
        optim.rmsprop,
        torch.optim.RMSprop,
        {"lr": 0.01, "momentum": 0.9, "alpha": 0.9},
    ),
    ("rmsprop wd", optim.rmsprop, torch.optim.RMSprop, {"lr": 0.01, "weight_decay": 0.1}),
    ("adam", optim.adam, torch.optim.Adam, {"lr": 0.05}),
    (
        "adam wd",
        optim.adam,
        torch.optim.Adam,
        {"lr": 0.05, "betas": (0.8, 0.99), "weight_decay": 0.1},
    ),
    ("adamw", optim.adamw, torch.optim.AdamW, {"lr": 0.05}),
    ("adamw wd", optim.adamw, torch.optim.AdamW, {"lr": 0.05, "weight_decay": 0.3, "eps": 1e-6}),
    ("adagrad", optim.adagrad, torch.optim.Adagrad, {"lr": 0.2}),
    ("adagrad wd", optim.adagrad, torch.optim.Adagrad, {"lr": 0.2, "weight_decay": 0.05}),
]


def run_both(
    ours: Any, theirs_cls: Any, kwargs: dict[str, Any], steps: int = 100, scheduler: Any = None
):  # type: ignore[no-untyped-def]
    model = TwoLayerSigmoid(3, 5, seed=1)
    params = dict(model.params)
    state = ours.init(params)
    T = {k: torch.tensor(v, requires_grad=True) for k, v in params.items()}
    topt = theirs_cls(list(T.values()), **kwargs)
    sched = scheduler(topt) if scheduler else None
    for step in range(steps):
        model.params.update(params)
        grads = model.gradients(X, Y)
        updates, state = ours.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        topt.zero_grad()
        torch_loss(T).backward()
        topt.step()
        if sched:
            sched.step()
        for k in params:
            np.testing.assert_allclose(
                params[k], T[k].detach().numpy(), rtol=1e-10, atol=1e-13, err_msg=f"step {step} {k}"
            )
    return params


@pytest.mark.parametrize(("label", "ours", "theirs", "kwargs"), CASES, ids=[c[0] for c in CASES])
def test_trajectory_matches_torch(
    label: str, ours: Any, theirs: Any, kwargs: dict[str, Any]
) -> None:
    run_both(ours(**kwargs), theirs, kwargs)


@pytest.mark.parametrize(
    ("schedule", "scheduler"),
    [
        (
            optim.step_decay(0.1, step_size=10, gamma=0.5),
            lambda o: torch.optim.lr_scheduler.StepLR(o, 10, 0.5),
        ),
        (
            optim.exponential(0.1, gamma=0.97),
            lambda o: torch.optim.lr_scheduler.ExponentialLR(o, 0.97),
        ),
        (
            optim.cosine(0.1, total_steps=100),
            lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, 100),
        ),
        (
            optim.inverse_time(0.1, decay_rate=0.1),
            lambda o: torch.optim.lr_scheduler.LambdaLR(o, lambda t: 1 / (1 + 0.1 * t)),
        ),
    ],
)
def test_schedules_match_torch_schedulers(schedule: Any, scheduler: Any) -> None:
    run_both(
        optim.sgd(schedule, momentum=0.9),
        torch.optim.SGD,
        {"lr": 0.1, "momentum": 0.9},
        scheduler=scheduler,
    )
    run_both(optim.adam(schedule), torch.optim.Adam, {"lr": 0.1}, scheduler=scheduler)


def test_course_momentum_relates_to_pytorch_form() -> None:
    beta, lr = 0.9, 0.5
    course = optim.momentum(lr, beta)
    g = {"w": np.array([1.0])}
    state = course.init({"w": np.zeros(1)})
    total = np.zeros(1)
    for _ in range(200):
        u, state = course.update(g, state, None)
        total = total + u["w"]
    # constant gradient: v → g, so the steps approach −η g
    assert u["w"][0] == pytest.approx(-lr, rel=1e-8)
    torch_form = optim.sgd(lr * (1 - beta), momentum=beta)
    state = torch_form.init({"w": np.zeros(1)})
    for _ in range(200):
        u2, state = torch_form.update(g, state, None)
    assert u2["w"][0] == pytest.approx(u["w"][0], rel=1e-8)


def test_states_are_not_mutated() -> None:
    opt = optim.adam(0.1)
    params = {"w": np.array([1.0, 2.0])}
    s0 = opt.init(params)
    snapshot = [np.copy(a) for a in s0[0].mu.values()]
    _, s1 = opt.update({"w": np.array([0.5, -0.5])}, s0, params)
    assert s0[0].step == 0 and s1[0].step == 1
    np.testing.assert_array_equal(s0[0].mu["w"], snapshot[0])


@pytest.mark.parametrize(
    "make",
    [
        lambda: optim.adam(0.1),
        lambda: optim.adamw(0.1),
        lambda: optim.sgd(0.1, momentum=0.9, nesterov=True, weight_decay=0.01),
        lambda: optim.momentum(0.1),
        lambda: optim.rmsprop(0.1),
        lambda: optim.adagrad(0.1),
    ],
    ids=["adam", "adamw", "nesterov", "momentum", "rmsprop", "adagrad"],
)
def test_updates_write_into_no_array_they_were_given(make: Any) -> None:
    """The transformations write into arrays they make themselves only: the
    gradients, the parameters and every array of the old state are as they were;
    integer gradients (the last steps) promote as the formulas do."""
    opt = make()
    rng = np.random.default_rng(3)
    params = {"w": rng.standard_normal((3, 2)), "b": np.array(0.5)}
    state = opt.init(params)
    for step in range(6):
        grads = {"w": rng.standard_normal((3, 2)), "b": np.array(rng.standard_normal())}
        if step >= 4:
            grads = {"w": rng.integers(-3, 4, (3, 2)), "b": np.array(2)}
        given = [grads, params, *_arrays(state)]
        before = [{k: np.copy(v) for k, v in d.items()} for d in given]
        updates, state = opt.update(grads, state, params)
        for was, now in zip(before, given, strict=True):
            for k in was:
                np.testing.assert_array_equal(now[k], was[k])
        assert all(u.dtype == np.float64 and np.all(np.isfinite(u)) for u in updates.values())
        params = optim.apply_updates(params, updates)


def _arrays(state: Any) -> list[dict[str, np.ndarray]]:
    """The dicts of arrays inside an optimizer state (tuples of NamedTuples)."""
    if isinstance(state, dict):
        return [state]
    if isinstance(state, tuple):
        return [d for part in state for d in _arrays(part)]
    return []


def test_stateful_wrapper() -> None:
    opt = optim.Optimizer(optim.sgd(0.5), {"w": np.array([2.0])})
    opt.step({"w": np.array([1.0])})
    np.testing.assert_allclose(opt.params["w"], [1.5])
    assert "sgd(lr=0.5)" in repr(opt)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: optim.sgd(-1.0), r"lr must be a positive number or a schedule, got -1\.0"),
        (lambda: optim.sgd(0.1, momentum=1.5), r"momentum must be in \[0, 1\), got 1\.5"),
        (lambda: optim.sgd(0.1, nesterov=True), "nesterov=True needs momentum > 0"),
        (lambda: optim.adam(0.1, betas=(0.9, 1.0)), r"betas\[1\] must be in \[0, 1\), got 1\.0"),
        (lambda: optim.adam(0.1, betas=0.9), "betas must be a pair"),
        (lambda: optim.rmsprop(0.1, eps=-1), "eps must be a number >= 0, got -1"),
        (lambda: optim.adamw(0.1, weight_decay=-0.1), "weight_decay must be a number >= 0"),
        (lambda: optim.step_decay(0.1, step_size=0), "step_size must be a positive integer, got 0"),
        (lambda: optim.cosine(0.1, total_steps=10, min_lr=1.0), r"min_lr must be in \[0, lr\]"),
    ],
)
def test_hyperparameters_validated_with_the_value(make: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make()


def test_schedule_values() -> None:
    assert optim.cosine(1.0, 10)(5) == pytest.approx(0.5)
    assert optim.cosine(1.0, 10)(10) == 0.0
    assert optim.step_decay(1.0, 3, 0.5)(7) == 0.25
    assert optim.inverse_time(1.0, 1.0, 2)(2) == 0.5
    assert optim.exponential(2.0, 0.5)(3) == 0.25
    opt = optim.sgd(optim.exponential(1.0, 0.5))
    state = opt.init({"w": np.zeros(1)})
    assert optim.current_lr(opt, state) == 1.0
    _, state = opt.update({"w": np.ones(1)}, state, None)
    assert optim.current_lr(opt, state) == 0.5
    assert math.isclose(optim.current_lr(optim.adam(0.3), None) or 0, 0.3)


def test_updates_keep_the_dtypes_of_the_formulas() -> None:
    """Mixed dtypes (float32 gradients of float64 states) promote as the written
    formulas do, whatever the transformations compute in place."""
    params = {"w": np.array([0.5, -1.0, 2.0])}
    grads = [{"w": np.array(g, dtype=np.float32)} for g in ([0.3, -0.2, 0.1], [1.0, 2.0, 3.0])]
    opt = optim.adam(0.1)
    state = opt.init(params)
    mu = nu = np.zeros(3)
    for t, g in enumerate(grads, 1):
        updates, state = opt.update(g, state, params)
        mu = mu + (1.0 - 0.9) * (g["w"] - mu)
        nu = 0.999 * nu + (1.0 - 0.999) * (g["w"] * g["w"])
        want = -0.1 * ((mu / (np.sqrt(nu) / (1.0 - 0.999**t) ** 0.5 + 1e-8)) / (1.0 - 0.9**t))
        assert updates["w"].dtype == np.float64
        np.testing.assert_array_equal(updates["w"], want)
    opt = optim.sgd(0.1, momentum=0.9, nesterov=True)
    state = opt.init(params)
    buf = None
    for g in [{"w": np.float32(2.0) * grads[0]["w"]}, {"w": grads[1]["w"].astype(np.float64)}]:
        updates, state = opt.update(g, state, params)
        buf = g["w"].copy() if buf is None else 0.9 * buf + g["w"]
        assert updates["w"].dtype == (g["w"] + 0.9 * buf).dtype
        np.testing.assert_array_equal(updates["w"], -0.1 * (g["w"] + 0.9 * buf))


@pytest.mark.parametrize("name", ["adam", "sgd", "rmsprop", "adagrad"])
def test_zero_dimensional_parameters_step_as_arrays_do(name: str) -> None:
    """A 0-d parameter (whose arithmetic gives NumPy scalars, which in-place
    operators rebind) takes the steps of the same parameter as a 1-element array."""
    kwargs = {"momentum": 0.9, "nesterov": True} if name == "sgd" else {}
    opt = optim.OPTIMIZERS[name](0.1, **kwargs)
    scalar, vector = {"w": np.array(1.0)}, {"w": np.array([1.0])}
    s_state, v_state = opt.init(scalar), opt.init(vector)
    for g in (0.5, -0.3, 0.2):
        s_up, s_state = opt.update({"w": np.array(g)}, s_state, scalar)
        v_up, v_state = opt.update({"w": np.array([g])}, v_state, vector)
        scalar, vector = optim.apply_updates(scalar, s_up), optim.apply_updates(vector, v_up)
        assert float(scalar["w"]) == float(vector["w"][0])


@pytest.mark.parametrize("name", sorted(optim.OPTIMIZERS))
def test_joined_update_equals_array_by_array(name: str) -> None:
    """An elementwise optimizer on the parameters joined into one vector gives,
    bit for bit, the updates and states it gives array by array."""
    from chainrule.optim.joined import KEY, Joined

    rng = np.random.default_rng(3)
    params = {"W": rng.standard_normal((3, 4)), "b": rng.standard_normal((3, 1))}
    params["s"] = np.array(0.5)
    opt = optim.OPTIMIZERS[name](0.05)
    assert opt.elementwise
    layout = Joined(params)
    vector = layout.join(list(params.values()))
    state, joined_state = opt.init(params), opt.init({KEY: vector})
    for _ in range(4):
        grads = {k: rng.standard_normal(np.shape(v)) for k, v in params.items()}
        updates, state = opt.update(grads, state, params)
        params = optim.apply_updates(params, updates)
        gradient = layout.join(list(grads.values()))
        update, joined_state = opt.update({KEY: gradient}, joined_state, {KEY: vector})
        vector = vector + update[KEY]
        for k, v in layout.split(vector).items():
            np.testing.assert_array_equal(v, params[k])


def test_joined_refuses_what_it_cannot_lay_out() -> None:
    from chainrule.optim.joined import Joined, joined_layout

    with pytest.raises(ValueError, match="dtypes"):
        Joined({"a": np.zeros(2), "b": np.zeros(2, np.float32)})
    layout = Joined({"a": np.zeros((2, 3)), "b": np.zeros(1)})
    assert layout.size == 7
    with pytest.raises(ValueError, match=r"\(3, 2\)"):
        layout.join([np.zeros((3, 2)), np.zeros(1)])
    with pytest.raises(ValueError, match=r"shape \(6,\)"):
        layout.split(np.zeros(6))
    params = {"a": np.zeros((2, 3)), "b": np.zeros(1)}
    assert joined_layout(optim.newton(np.eye(7)), params) is None  # not elementwise
    assert joined_layout(optim.sgd(0.1), {"a": np.zeros(2), "b": np.zeros(2, np.float32)}) is None
    assert joined_layout(optim.sgd(0.1), {"a": np.zeros(2, int)}) is None
    assert joined_layout(optim.sgd(0.1), {}) is None
    found = joined_layout(optim.adam(0.1), params)
    assert found is not None and found.shapes == ((2, 3), (1,))
