"""The playground's state: the URL, the data, training against PyTorch, divergence, bad input."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from chainrule.app import playground_state as P  # noqa: N812
from chainrule.data.synthetic import BUMPS, gaussians, multi_gaussian, plane, spiral_arms


def through_json(run: dict) -> dict:
    """The run as the browser hands it back."""
    return json.loads(json.dumps(run))


def test_the_url_reproduces_the_config() -> None:
    query = (
        "?data=arms&classes=4&noise=0.35&points=250&test=0.4&seed=7&features=x1,x2,sinx1"
        "&layers=8:relu,5:tanh,3:sigmoid&opt=adam&lr=0.005&batch=16&unit=epoch"
    )
    config = P.from_query(query)
    assert config.layers == ((8, "relu"), (5, "tanh"), (3, "sigmoid"))
    assert config.classes == 4 and config.multiclass and config.optimizer == "adam"
    assert P.from_query(P.to_query(config)) == config
    assert P.to_query(config) == query


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?data=mnist", "data set must be one of"),
        ("?layers=4:tanh,2:swish", "activation of layer 2"),
        ("?layers=400:tanh", "neurons of layer 1 must be in [1, 128]"),
        ("?layers=" + ",".join(["2:tanh"] * 17), "at most 16 hidden layers"),
        ("?points=6000", "points must be in [20, 5000]"),
        ("?out=tanh", "a binary task takes the output sigmoid, got 'tanh'"),
        ("?data=plane&loss=cross_entropy", "a tanh output takes the loss mse"),
        ("?init=huge", "initialisation must be one of auto, zero, small, glorot, he, large"),
        ("?l1=-1", "L1 rate must be in [0, 10]"),
        ("?pts=1:2", "a drawn point is x1:x2:label"),
        ("?pts=9:0:1", "drawn point 1 must lie in"),
        ("?pts=0:0:2", "drawn point 1's class must be one of 0..1, got 2"),
        ("?data=plane&pts=0:0:1.5", "drawn point 1's value must be in [−1, 1]"),
        ("?hide=everything", "hide takes data, features, network, training, export"),
        ("?data=csv", "upload the CSV file again"),
        ("?features=", "at least one input feature"),
        ("?features=x3", "unknown feature 'x3'"),
        ("?lr=__import__('os')", "learning rate must be a number"),
        ("?lr=nan", "learning rate must be in"),
        ("?classes=9&data=blobs", "classes must be in [3, 5]"),
        ("?unit=year", "one 'batch' or one 'epoch'"),
        ("?opt=lbfgs", "optimizer must be one of"),
        ("?colour=red", "unknown URL setting 'colour'"),
    ],
)
def test_bad_settings_are_refused_with_their_reason(query: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        P.from_query(query)
    assert message in str(info.value)


def test_a_link_is_bounded_and_drawn_points_round_trip() -> None:
    with pytest.raises(ValueError, match="longer than 8000 characters"):
        P.from_query("?pts=" + ";".join(["0:0:1"] * 1400))
    drawn = tuple(
        (round(0.01 * i - 1, 2), round(1 - 0.01 * i, 2), float(i % 2)) for i in range(200)
    )
    config = P.check(P.PlayConfig(drawn=drawn, l1=0.001, l2=0.01, init="small"))
    query = P.to_query(config)
    assert len(query) < P.MAX_URL and P.from_query(query) == config
    data = P.split(config)
    assert data.P.shape == (2, 500) and len(data.train) == 210 + 200
    np.testing.assert_array_equal(data.P[:, 300:], np.array(drawn)[:, :2].T)
    np.testing.assert_array_equal(data.labels[300:], np.arange(200) % 2)
    assert set(data.train[-200:]) == set(range(300, 500))


@pytest.mark.parametrize("dataset", list(P.DATASETS))
def test_every_data_set_is_scaled_split_and_featurised(dataset: str) -> None:
    config = P.check(
        P.PlayConfig(dataset=dataset, points=200, test=0.25, features=tuple(P.FEATURES))
    )
    data = P.split(config)
    assert data.P.shape == (2, 200) and np.max(np.abs(data.P)) == pytest.approx(P.SCALE)
    assert len(data.test) == 50 and len(data.train) == 150
    assert sorted(np.r_[data.train, data.test].tolist()) == list(range(200))
    a, b = data.P
    expected = np.vstack([a, b, a * a, b * b, a * b, np.sin(a), np.sin(b)])
    np.testing.assert_array_equal(data.X, expected)
    if config.task == "regression":
        assert data.labels.dtype == np.float64 and np.all(np.abs(data.labels) <= 1.3)
        assert np.ptp(data.labels) > 1.0
    else:
        assert set(np.unique(data.labels)) == set(range(config.n_classes))


def test_the_new_generators() -> None:
    g = gaussians(100, noise=0.0, seed=1)
    np.testing.assert_array_equal(g.X[:, g.labels == 0], np.ones((2, 50)))
    np.testing.assert_array_equal(g.X[:, g.labels == 1], -np.ones((2, 50)))
    s = spiral_arms(301, classes=5, noise=0.0, seed=2)
    assert np.all(np.hypot(*s.X) <= 1.0) and np.bincount(s.labels).tolist() == [61] + [60] * 4
    # without noise, each point lies on its arm: angle = 2π·r·turns + 2πk/classes
    r, angle = np.hypot(*s.X), np.arctan2(s.X[1], s.X[0])
    diff = angle - (2 * np.pi * r + 2 * np.pi * s.labels / 5)
    np.testing.assert_allclose(np.cos(diff), 1.0, atol=1e-9)
    with pytest.raises(ValueError, match=r"classes must be a whole number in 2\.\.10, got 1"):
        spiral_arms(classes=1)


def test_the_regression_generators_are_tensorflow_playgrounds() -> None:
    p = plane(400, noise=0.0, seed=3)
    assert p.task == "regression" and np.all(np.abs(p.X) <= 6)
    np.testing.assert_allclose(p.y, (p.X[0:1] + p.X[1:2]) / 10)
    noisy = plane(400, noise=0.5, seed=3)
    np.testing.assert_array_equal(noisy.X, p.X)
    assert 0.05 < np.std(noisy.y - p.y) < 0.3  # the read-at point moves by up to ±3
    g = multi_gaussian(2000, noise=0.0, seed=4)
    assert np.all(np.abs(g.y) <= 1) and g.y.min() < -0.9 and g.y.max() > 0.9
    # by hand: the value at a point 1 from the bump at (4, 2.5) (sign +1) is 1 − 1/2
    near = np.hypot(g.X[0] - 4, g.X[1] - 2.5)
    only = (
        (near < 2) & (np.hypot(g.X[0], g.X[1] - 2.5) > 2) & (np.hypot(g.X[0] - 4, g.X[1] + 2.5) > 2)
    )
    np.testing.assert_allclose(g.y[0, only], 1 - near[only] / 2)
    far = np.min([np.hypot(g.X[0] - a, g.X[1] - b) for a, b, _ in BUMPS], axis=0) > 2
    assert far.any() and np.all(g.y[0, far] == 0)


def test_the_network_takes_the_chosen_output_loss_init_and_penalties() -> None:
    config = P.from_query("?data=plane&out=identity&init=he&l1=0.01&l2=0.1&layers=3:relu")
    model = P.network(config)
    assert (model.output, model.loss_kind, model.init) == ("identity", "mse", "he")
    assert (model.l1, model.alpha) == (0.01, 0.1)
    assert config.output == "linear output, squared error loss" and config.task == "regression"
    assert P.from_query("?data=multigauss").output == "tanh output, squared error loss"
    squared = P.from_query("?loss=mse")
    assert squared.output == "sigmoid output, squared error loss"
    assert P.network(squared).loss_kind == "mse"
    assert P.from_query("?data=arms&classes=4").output.startswith("softmax over 4 classes")
    assert P.from_query("?init=zero").network_key() != P.PlayConfig().network_key()
    assert P.from_query("?l2=0.1").network_key() == P.PlayConfig().network_key()
    with pytest.raises(ValueError, match="a regression has no accuracy"):
        P.accuracy(model, P.split(config), np.arange(3))


def test_soft_limits_warn_and_hard_limits_refuse() -> None:
    assert P.slow_warning(P.PlayConfig()) == ""
    wide = P.from_query("?layers=" + ",".join(["100:relu"] * 9) + "&points=3000")
    warning = P.slow_warning(wide)
    assert warning.startswith("Allowed, but training will be slow")
    assert "9 hidden layers (more than 8)" in warning and "100 neurons" in warning
    assert "3000 points (more than 2000)" in warning


def test_regression_steps_equal_pytorch_with_l1_and_l2() -> None:
    config = P.from_query(
        "?data=multigauss&points=100&layers=6:tanh&opt=sgd&lr=0.1&batch=20&l1=0.01&l2=0.05"
    )
    model = P.network(config)
    data = P.split(config)
    X = torch.tensor(data.X[:, data.train])
    y = torch.tensor(data.labels[data.train])
    T = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    opt = torch.optim.SGD(T.values(), lr=config.lr)
    run = P.fresh_run(config)
    m = X.shape[1]
    for step in range(4):  # 70 training points: batches of 20, 20, 20 and 10
        idx = np.random.default_rng((config.seed, 0)).permutation(m)[20 * step : 20 * step + 20]
        A = torch.tanh(T["W1"] @ X[:, idx] + T["b1"])
        out = torch.tanh(T["W2"] @ A + T["b2"])
        loss = ((out - y[idx]) ** 2).mean()
        loss = loss + 0.05 / 2 * sum((T[k] ** 2).sum() for k in ("W1", "W2"))
        loss = loss + 0.01 * sum(T[k].abs().sum() for k in ("W1", "W2"))
        opt.zero_grad()
        loss.backward()
        opt.step()
        run = through_json(P.advance(config, run))
    trained, _, _ = P.restore(config, run)
    for k, v in T.items():
        np.testing.assert_allclose(trained.params[k], v.detach().numpy(), rtol=1e-10, atol=1e-13)


def torch_steps(config: P.PlayConfig, steps: int) -> tuple[list[float], dict[str, np.ndarray]]:
    """The same training in PyTorch: same initial weights, same batches."""
    model = P.network(config)
    data = P.split(config)
    X = torch.tensor(data.X[:, data.train])
    labels = torch.tensor(data.labels[data.train])
    params = {k: torch.tensor(v, requires_grad=True) for k, v in model.params.items()}
    acts = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
    opt = torch.optim.Adam(params.values(), lr=config.lr, eps=1e-8)
    m, size = X.shape[1], config.batch
    epoch, offset, losses = 0, 0, []
    for _ in range(steps):
        idx = np.random.default_rng((config.seed, epoch)).permutation(m)[offset : offset + size]
        A = X[:, idx]
        for i, (_, a) in enumerate(config.layers, 1):
            A = acts[a](params[f"W{i}"] @ A + params[f"b{i}"])
        L = len(config.layers) + 1
        Z = params[f"W{L}"] @ A + params[f"b{L}"]
        loss = torch.nn.functional.cross_entropy(Z.T, labels[idx].long())
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        offset += len(idx)
        if offset >= m:
            epoch, offset = epoch + 1, 0
    return losses, {k: v.detach().numpy() for k, v in params.items()}


def test_training_steps_equal_pytorch_adam_on_the_same_batches() -> None:
    config = P.from_query(
        "?data=blobs&classes=3&points=120&test=0.3&layers=5:tanh,4:relu&opt=adam&lr=0.02&batch=32"
    )
    _, expected = torch_steps(config, 9)  # 84 training points: 3 batches an epoch, 3 epochs
    run = P.fresh_run(config)
    for _ in range(9):
        run = through_json(P.advance(config, run))
    assert (run["step"], run["epoch"], run["offset"]) == (9, 3, 0)
    model, _, _ = P.restore(config, run)
    for k, v in expected.items():
        np.testing.assert_allclose(model.params[k], v, rtol=1e-9, atol=1e-12)


def test_an_epoch_step_equals_its_batches_and_the_losses_are_the_models() -> None:
    by_batch = P.from_query("?data=xor&points=100&test=0.2&batch=25&opt=momentum&lr=0.1")
    by_epoch = P.check(P.PlayConfig(**{**by_batch.__dict__, "unit": "epoch"}))
    a = P.fresh_run(by_batch)
    for _ in range(8):  # 80 training points, batches of 25: 4 steps an epoch
        a = through_json(P.advance(by_batch, a))
    b = P.fresh_run(by_epoch)
    for _ in range(2):
        b = through_json(P.advance(by_epoch, b))
    assert a["params"] == b["params"] and b["step"] == 8 and b["epoch"] == 2
    model, _, _ = P.restore(by_epoch, b)
    data = P.split(by_epoch)
    y = P.targets(data.labels)
    # the reported loss is the mean binary cross-entropy over the test points, by hand
    p = model.predict(data.X[:, data.test])[0]
    t = y[0, data.test]
    assert b["test"][-1] == pytest.approx(-np.mean(t * np.log(p) + (1 - t) * np.log(1 - p)))


def test_a_diverging_run_stops_and_says_what_blew_up() -> None:
    config = P.from_query("?data=circle&layers=8:relu,8:relu&opt=sgd&lr=10&unit=epoch")
    run = P.fresh_run(config)
    for _ in range(30):
        run = through_json(P.advance(config, run))
        if run["stopped"]:
            break
    message = run["stopped"]
    assert message.startswith(f"Diverged at step {run['step'] + 1}")
    assert "layer" in message and "Lower the learning rate (now 10)" in message
    # the kept weights are the last good ones: finite, and the run does not move on
    assert P.advance(config, run) == run


def test_a_stored_run_is_checked() -> None:
    config = P.PlayConfig()
    run = P.fresh_run(config)
    bad = dict(run, params=dict(run["params"], W1=[[1.0, 2.0]]))
    with pytest.raises(ValueError, match="W1 must be finite numbers of shape"):
        P.restore(config, bad)
    with pytest.raises(ValueError, match="belongs to other settings"):
        P.restore(P.check(P.PlayConfig(seed=1)), run)
    adam = P.check(P.PlayConfig(optimizer="adam"))
    stepped = through_json(P.advance(adam, P.fresh_run(adam)))
    broken = dict(stepped, state=[[1], [1]])
    with pytest.raises(ValueError, match="optimizer state"):
        P.restore(adam, broken)


def controls_of(config: P.PlayConfig, **changed: object) -> dict:
    """The page's control values for a config, by component id, with some changed."""
    values = {
        "pg-data": config.dataset, "pg-classes": config.classes, "pg-points": config.points,
        "pg-seed": config.seed, "pg-regenerate": 0, "pg-noise": config.noise,
        "pg-test": config.test, "pg-features": list(config.features), "pg-add": 0,
        "pg-remove": 0, "pg-opt": config.optimizer, "pg-lr": config.lr,
        "pg-batch": config.batch, "pg-unit": config.unit, "pg-out": config.out,
        "pg-loss": config.loss, "pg-init": config.init, "pg-l1": config.l1, "pg-l2": config.l2,
        "pg-clear": 0, "pg-boundary": None, "pg-table": None,
        "neurons": [n for n, _ in config.layers] + [4] * (P.MAX_LAYERS - len(config.layers)),
        "acts": [a for _, a in config.layers] + ["tanh"] * (P.MAX_LAYERS - len(config.layers)),
    }  # fmt: skip
    values.update({k.replace("_", "-"): v for k, v in changed.items()})
    return values


def test_the_page_turns_clicks_and_choices_into_settings() -> None:
    from chainrule.app.playground_page import settings

    before = P.from_query("?data=xor&loss=mse&hide=data")
    click = {"points": [{"x": 0.52, "y": -1.2, "curveNumber": 0}]}
    drawn = settings(controls_of(before, pg_boundary=click), before, "pg-boundary", "1", None)
    assert drawn.drawn == ((0.52, -1.2, 1.0),) and drawn.hide == ("data",)
    again = settings(controls_of(drawn, pg_boundary=click), drawn, "pg-boundary", "0", None)
    assert again.drawn == ((0.52, -1.2, 1.0), (0.52, -1.2, 0.0))
    cleared = settings(controls_of(again), again, "pg-clear", "0", None)
    assert cleared.drawn == ()
    # a regression drops the drawn classes; squared error still fits its tanh output
    plane = settings(controls_of(again, pg_data="plane"), again, "pg-data", "off", None)
    assert (plane.drawn, plane.out, plane.loss, plane.output_unit) == ((), "auto", "mse", "tanh")
    blobs = settings(controls_of(before, pg_data="blobs"), before, "pg-data", "off", None)
    assert (blobs.loss, blobs.loss_kind) == ("auto", "cross_entropy")
    valued = settings(controls_of(plane, pg_boundary=click), plane, "pg-boundary", "value", -0.4)
    assert valued.drawn == ((0.52, -1.2, -0.4),)
    with pytest.raises(ValueError, match=r"drawn point 1's value must be in \[−1, 1\]"):
        settings(controls_of(plane, pg_boundary=click), plane, "pg-boundary", "value", 3)
    more = settings(controls_of(before), before, "pg-add", "off", None)
    assert more.layers == ((4, "tanh"), (2, "tanh"), (4, "tanh"))
    table = {"name": "t.csv", "rows": [[i, i % 3, i % 2] for i in range(20)], "task": "binary"}
    uploaded = settings(controls_of(before, pg_data="csv", pg_table=table), before, None, "off", 0)
    assert uploaded.points == 20 and uploaded.table_name == "t.csv" and uploaded.task == "binary"


def test_an_epoch_step_on_a_time_budget_goes_on_where_it_stopped() -> None:
    config = P.from_query("?data=xor&points=100&test=0.2&batch=10&unit=epoch")
    whole = P.advance(config, P.fresh_run(config))
    assert (whole["step"], whole["epoch"], whole["offset"]) == (8, 1, 0)
    run = P.fresh_run(config)
    for k in range(1, 9):  # a budget of 0 s: one batch a step, then on from there
        run = through_json(P.advance(config, run, budget_s=0.0))
        assert run["step"] == k
    assert (run["epoch"], run["offset"]) == (1, 0) and run["params"] == through_json(whole)[
        "params"
    ]


def test_a_number_field_is_the_apps_one_construction() -> None:
    from dash import dcc

    from chainrule.app.layout import number_input

    field = number_input("ls-seed", 3, 0, marginLeft="0.5rem").to_plotly_json()
    written = dcc.Input(id="ls-seed", type="number", min=0, step=1, value=3, debounce=True,
                        style={"width": "5rem", "marginLeft": "0.5rem"})  # fmt: skip
    assert field == written.to_plotly_json()
    bounded = number_input("n", 4, 1, 64, width="4rem").to_plotly_json()["props"]
    assert (bounded["min"], bounded["max"], bounded["style"]) == (1, 64, {"width": "4rem"})
    assert "max" not in number_input("n", 4, 0).to_plotly_json()["props"]


def test_settings_and_a_click_that_arrive_together_are_both_acted_on() -> None:
    """Dash sends inputs that change together in one request: new settings with a
    click on step (the page still catching up) start a run of the new settings and
    take the step; neither is dropped."""
    from dash._callback_context import context_value
    from dash._utils import AttributeDict

    from chainrule.app import create_app
    from chainrule.app.playground_page import stored_config

    app = create_app()
    act = app.callback_map["pg-frame-act.data"]["callback"].__wrapped__
    old, new = P.PlayConfig(), P.PlayConfig(layers=((4, "tanh"), (2, "tanh"), (4, "tanh")))
    run = P.fresh_run(old)

    def fire(*props: str, run: object, playing: bool = False) -> dict[str, object]:
        triggered = [{"prop_id": p, "value": 1} for p in props]
        token = context_value.set(AttributeDict(triggered_inputs=triggered))
        try:
            out: dict[str, object] = act(stored_config(new), 1, 0, 0, run, playing, None)
        finally:
            context_value.reset(token)
        return out

    both = fire("pg-config.data", "pg-step.n_clicks", run=run)
    stepped = both["run"]
    assert isinstance(stepped, dict) and stepped["key"] == new.network_key()
    assert stepped["step"] == 1
    settings_only = fire("pg-config.data", run=run)["run"]
    assert isinstance(settings_only, dict) and settings_only["step"] == 0
    playing = fire("pg-config.data", "pg-play.n_clicks", run=run)
    assert playing["playing"] is True and isinstance(playing["run"], dict)
