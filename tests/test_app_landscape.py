"""The optimizer race's state: its URL round trip, its checks, and races against references."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import torch

from chainrule.app import landscape_models as M  # noqa: N812
from chainrule.app import landscape_state as S  # noqa: N812


def test_the_url_reproduces_the_race() -> None:
    query = (
        "?surface=bowl&steps=40&step=7&racers=nesterov:0.02,adam:0.3&beta=0.8&start=-3,1.5&kappa=25"
    )
    state = S.from_query(query)
    assert state.on == ("nesterov", "adam") and state.lrs["adam"] == 0.3
    assert state.start == (-3.0, 1.5) and state.condition == 25 and state.step == 7
    assert S.from_query(S.to_query(state)) == state


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("?surface=everest", "surface must be one of"),
        ("?steps=0", "steps must be in [1, 1000], got '0'"),
        ("?steps=2.5", "steps must be a whole number"),
        ("?step=101", "step must be in [0, 100], got '101'"),
        ("?racers=gd:abc", "learning rate of gd must be a number, got 'abc'"),
        ("?racers=sgdd:0.1", "unknown racer 'sgdd'"),
        ("?racers=gd:0", "learning rate of gd must be in [1e-05, 10]"),
        ("?surface=bowl&kappa=0.5", "κ must be in [1, 100]"),
        ("?surface=rosenbrock&start=9,0", "start x must be in [-2, 2], got '9'"),
        ("?start=nan,0", "start x must be in"),
        ("?beta=1", "β must be in [0, 0.99]"),
        ("?batch=0", "batch size must be in [1, 200]"),
        ("?evil=__import__", "unknown URL setting 'evil'"),
    ],
)
def test_bad_settings_are_refused_with_their_reason(query: str, message: str) -> None:
    with pytest.raises(ValueError) as e:
        S.from_query(query)
    assert message in str(e.value)


def test_gd_on_the_regression_equals_a_hand_computation() -> None:
    state = S.from_query("?racers=gd:0.1&steps=30&start=-1,2")
    path = S.run(state)["gd"]
    _, X, y = S.regression_problem()
    x, t = X[0], y[0]
    w, b = -1.0, 2.0
    for k in range(31):
        np.testing.assert_allclose(path.points[k], [w, b], rtol=1e-12, atol=1e-12)
        r = w * x + b - t
        w, b = w - 0.1 * 2 * np.mean(r * x), b - 0.1 * 2 * np.mean(r)


@pytest.mark.parametrize(
    ("racer", "make"),
    [
        ("adam", lambda p, lr, beta: torch.optim.Adam(p, lr=lr)),
        ("nesterov", lambda p, lr, beta: torch.optim.SGD(p, lr=lr, momentum=beta, nesterov=True)),
        ("rmsprop", lambda p, lr, beta: torch.optim.RMSprop(p, lr=lr)),
        ("adagrad", lambda p, lr, beta: torch.optim.Adagrad(p, lr=lr)),
    ],
)
def test_a_race_on_himmelblau_equals_torch(racer: str, make) -> None:  # type: ignore[no-untyped-def]
    state = S.from_query(f"?surface=himmelblau&racers={racer}:0.01&steps=60&start=-1,-0.5")
    path = S.run(state)[racer]
    p = torch.tensor([-1.0, -0.5], dtype=torch.float64, requires_grad=True)
    opt = make([p], 0.01, state.beta)
    for k in range(61):
        np.testing.assert_allclose(path.points[k], p.detach().numpy(), rtol=1e-9, atol=1e-12)
        opt.zero_grad()
        x, y = p[0], p[1]
        ((x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2).backward()
        opt.step()


def test_mini_batch_sgd_takes_the_same_number_of_steps_and_its_seed_matters() -> None:
    a = S.run(S.from_query("?racers=gd:0.05,sgd:0.05&steps=40&batch=8&seed=1"))
    b = S.run(S.from_query("?racers=sgd:0.05&steps=40&batch=8&seed=2"))
    assert a["sgd"].points.shape == a["gd"].points.shape == (41, 2)
    assert not np.allclose(a["sgd"].points, b["sgd"].points)
    assert not np.allclose(a["sgd"].points, a["gd"].points)


def test_mini_batch_sgd_does_not_race_on_a_function() -> None:
    paths = S.run(S.from_query("?surface=beale&racers=sgd:0.05,gd:0.01"))
    assert list(paths) == ["gd"]


def test_a_diverging_racer_is_reported() -> None:
    state = S.from_query("?surface=bowl&kappa=50&racers=gd:0.1&steps=100")
    paths = S.run(state)
    assert paths["gd"].diverged
    assert "GD diverged" in S.describe(paths)[0]


@pytest.mark.parametrize(
    "query",
    [
        "?racers=gd:0.1,sgd:0.05,nesterov:0.01&steps=30&batch=8&seed=3&start=0.5,1",
        "?surface=bowl&kappa=20&racers=momentum:0.02,adamw:0.1&beta=0.7&steps=25",
        "?surface=rastrigin&racers=adagrad:0.4,momentum-torch:0.001&steps=20",
        "?surface=mlp-slice&racers=adam:0.05,gd:0.1&steps=15&start=0.3,-0.2",
        "?surface=sigmoid-readout&racers=momentum:0.1&steps=15",
        "?surface=sigmoid-first-layer&racers=rmsprop:0.05&steps=15",
    ],
)
def test_the_exported_script_reproduces_the_race(
    query: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chainrule.app.landscape_export import script

    state = S.from_query(query)
    monkeypatch.chdir(tmp_path)
    scope: dict[str, Any] = {}
    exec(compile(script(state), "race.py", "exec"), scope)
    paths = S.run(state)
    assert set(scope["paths"]) == set(paths)
    for k, t in paths.items():
        np.testing.assert_array_equal(scope["paths"][k].points, t.points)
    assert (tmp_path / "race.html").stat().st_size > 100_000


def test_the_mlp_slice_race_follows_the_engine_gradient_along_the_directions() -> None:
    state = S.from_query("?surface=mlp-slice&racers=gd:0.1&steps=5&start=0.5,-0.25")
    path = S.run(state)["gd"]
    X, y, theta, d1, d2 = M.slice_arrays()
    model = M.slice_model()
    a, b = 0.5, -0.25
    for k in range(6):
        np.testing.assert_allclose(path.points[k], [a, b], rtol=1e-10, atol=1e-12)
        model.params.update({n: theta[n] + a * d1[n] + b * d2[n] for n in theta})
        g = model.gradients(X, y)  # the full gradient, projected on the two directions
        ga = sum(float(np.sum(g[n] * d1[n])) for n in theta)
        gb = sum(float(np.sum(g[n] * d2[n])) for n in theta)
        a, b = a - 0.1 * ga, b - 0.1 * gb
    surface = S.surface(state)
    assert surface.x_label.startswith("α") and surface.loss.shape == (100, 100)
    f0 = M.mlp_slice().value_and_gradient(np.array([0.0, 0.0]))[0]
    model.params.update(theta)
    assert f0 == pytest.approx(model.loss(X, y), rel=1e-12)


@pytest.mark.parametrize("key", sorted(M.COORDINATES))
def test_two_coordinates_of_a_network_race_on_its_hand_derived_gradient(key: str) -> None:
    c = M.COORDINATES[key]
    state = S.from_query(f"?surface={key}&racers=gd:0.2&steps=8")
    path = S.run(state)["gd"]
    model, X, y = c.build()
    u, v = path.points[0]
    for k in range(9):
        np.testing.assert_allclose(path.points[k], [u, v], rtol=1e-10, atol=1e-12)
        for (name, index), t in zip(c.axes, (u, v), strict=True):
            model.params[name][index] = t
        g = model.gradients(X, y)  # the worked network's hand-derived backward pass
        (n1, i1), (n2, i2) = c.axes
        u, v = u - 0.2 * g[n1][i1], v - 0.2 * g[n2][i2]
    surface = S.surface(state)
    model, X, y = c.build()
    j, i = 37, 61
    for (name, index), t in zip(c.axes, (surface.x[i], surface.y[j]), strict=True):
        model.params[name][index] = t
    assert surface.loss[j, i] == pytest.approx(model.loss(X, y), rel=1e-9)


def test_the_gif_export_animates_the_race() -> None:
    import io

    from PIL import Image

    from chainrule.app.landscape_export import MAX_FRAMES, gif

    state = S.from_query("?surface=saddle&racers=gd:0.05,adam:0.05&steps=100")
    data = gif(state, S.run(state))
    image = Image.open(io.BytesIO(data))
    assert image.format == "GIF" and 10 <= image.n_frames <= MAX_FRAMES
