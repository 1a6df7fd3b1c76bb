import numpy as np
import pytest

from chainrule import data, landscape, optim
from chainrule.models import MLP, TwoLayerSigmoid
from chainrule.train import fit


def test_filter_normalized_rows_match_parameter_rows() -> None:
    model = MLP([4, 6, 5, 2], activation="relu", seed=0)
    d = landscape.random_direction(model.params, seed=3)
    for name, value in model.params.items():
        if name.startswith("b"):
            assert np.all(d[name] == 0)
        else:
            np.testing.assert_allclose(
                np.linalg.norm(d[name], axis=1), np.linalg.norm(value, axis=1), rtol=1e-12
            )
    d2 = landscape.random_direction(model.params, seed=3, biases="normalize")
    model.params["b1"] = np.arange(6.0).reshape(6, 1)
    d3 = landscape.random_direction(model.params, seed=3, biases="normalize")
    assert np.linalg.norm(d3["b1"]) == pytest.approx(np.linalg.norm(model.params["b1"]))
    assert not np.array_equal(d2["W1"], landscape.random_direction(model.params, seed=4)["W1"])
    raw = landscape.random_direction(model.params, seed=3, filter_normalize=False)
    assert np.linalg.norm(raw["b1"]) > 0


def test_slices_equal_model_loss() -> None:
    ds = data.wave(60)
    model = TwoLayerSigmoid(3, 5, seed=1)
    d1 = landscape.random_direction(model.params, seed=1)
    d2 = landscape.random_direction(model.params, seed=2)
    alphas = np.linspace(-1, 1, 5)
    losses = landscape.slice_1d(model, ds.X, ds.y, d1, alphas)
    # 20 kB: chunks of about three points at 6.5 kB each
    surf = landscape.slice_2d(model, ds.X, ds.y, d1, d2, alphas, alphas[:3], max_bytes=20_000)
    base = {k: v.copy() for k, v in model.params.items()}
    for i, a in enumerate(alphas):
        model.params.update({k: base[k] + a * d1[k] for k in base})
        assert losses[i] == pytest.approx(model.loss(ds.X, ds.y), rel=1e-12)
        for j, b in enumerate(alphas[:3]):
            model.params.update({k: base[k] + a * d1[k] + b * d2[k] for k in base})
            assert surf.loss[j, i] == pytest.approx(model.loss(ds.X, ds.y), rel=1e-12)
    model.params.update(base)
    assert losses[2] == pytest.approx(model.loss(ds.X, ds.y))


def test_interpolation_ends_are_the_two_models() -> None:
    ds = data.wave(60)
    a, b = TwoLayerSigmoid(3, 4, seed=1), TwoLayerSigmoid(3, 4, seed=2)
    _alphas, losses = landscape.interpolate(a, ds.X, ds.y, a.params, b.params, [0.0, 1.0])
    assert losses[0] == pytest.approx(a.loss(ds.X, ds.y)) and losses[1] == pytest.approx(
        b.loss(ds.X, ds.y)
    )


def test_pca_directions_orthonormal_and_shared_across_optimizers() -> None:
    ds = data.wave(80)
    runs = []
    for opt in (optim.sgd(0.2), optim.adam(0.02)):
        model = TwoLayerSigmoid(3, 4, seed=0)
        runs.append(fit(model, ds.X, ds.y, opt, epochs=40, record=["params"]).params)
    pca = landscape.pca_directions(runs)
    names = list(runs[0][0])
    flat = np.stack(
        [np.concatenate([pca.directions[k][n].ravel() for n in names]) for k in range(2)]
    )
    np.testing.assert_allclose(flat @ flat.T, np.eye(2), atol=1e-12)
    assert 0 < pca.explained_variance_ratio[1] <= pca.explained_variance_ratio[0] <= 1
    coords = [pca.project(r) for r in runs]
    assert coords[0].shape == (41, 2) and coords[1].shape == (41, 2)
    np.testing.assert_allclose(coords[0][-1], 0, atol=1e-12)  # origin: end of the first run
    with pytest.raises(ValueError, match="at least one trajectory"):
        landscape.pca_directions([[runs[0][0]]])


def test_race_from_one_start_and_test_functions() -> None:
    ds = data.linear(100, 1)
    from chainrule.models import UnivariateRegression

    model = UnivariateRegression()
    start = {"w": np.array([[-2.0]]), "b": np.array([[2.0]])}
    opts = {"gd": optim.sgd(0.1), "adam": optim.adam(0.1), "huge": optim.sgd(50.0)}
    races = landscape.race(model, ds.X, ds.y, opts, start=start, steps=50)
    for _name, t in races.items():
        np.testing.assert_array_equal(t.points[0], [-2.0, 2.0])
        assert len(t.points) == len(t.loss)
    assert races["gd"].loss[-1] < races["gd"].loss[0] and not races["gd"].diverged
    assert races["huge"].diverged
    np.testing.assert_array_equal(model.params["w"], UnivariateRegression().params["w"])
    bowl = landscape.quadratic_bowl(10)
    r = landscape.race_function(bowl, {"gd": optim.sgd(0.05)}, steps=300)["gd"]
    assert np.abs(r.points[-1]).max() < 1e-3 and r.points.shape == (301, 2)
    value, grad = landscape.rosenbrock().value_and_gradient(np.array([1.0, 1.0]))
    assert value == 0 and np.allclose(grad, 0)
    s = landscape.beale().surface(resolution=11)
    assert s.loss.shape == (11, 11) and s.loss.min() >= 0
