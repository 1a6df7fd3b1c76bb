"""Landscapes stay within their memory bound, refuse what cannot fit, and report progress."""

from __future__ import annotations

import re
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from chainrule import data, landscape, optim
from chainrule.landscape import trajectories
from chainrule.models import TwoLayerSigmoid, UnivariateRegression


def peak_bytes(work: Callable[[], Any]) -> int:
    """The peak memory NumPy and Python allocate while ``work`` runs."""
    tracemalloc.start()
    try:
        work()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.fixture(scope="module")
def line() -> data.Dataset:
    return data.linear(50, 1, seed=0)


# --- surface -----------------------------------------------------------------------


def test_surface_refuses_a_grid_over_max_bytes_before_allocating(line: data.Dataset) -> None:
    model = UnivariateRegression()
    errors: list[str] = []

    def attempt() -> None:
        try:
            landscape.surface(model, line.X, line.y, resolution=20000, max_bytes=10**6)
        except ValueError as e:
            errors.append(str(e))

    began = time.perf_counter()
    peak = peak_bytes(attempt)
    assert time.perf_counter() - began < 1.0 and peak < 10**6
    assert re.search(r"20000 x 20000 grid needs 3\.2 GB .*max_bytes=1\.0 MB", errors[0])


@pytest.mark.parametrize("resolution", [1e9, 10.0, True, 1, 0, -5, (3,), (2, 1), "10", None])
def test_surface_resolution_is_validated(line: data.Dataset, resolution: Any) -> None:
    with pytest.raises(ValueError, match="resolution must be an integer") as info:
        landscape.surface(UnivariateRegression(), line.X, line.y, resolution=resolution)
    assert repr(resolution) in str(info.value)


@pytest.mark.parametrize(
    ("span", "message"),
    [
        (float("nan"), "finite positive"),
        (float("inf"), "finite positive"),
        (0.0, "finite positive"),
        (-1, "finite positive"),
        (((0, float("nan")), (0, 1)), "low < high"),
        (((1, 0), (0, 1)), "low < high"),
        (((0, 1), (0, float("inf"))), "finite span"),
        ("wide", "a number or"),
        ((1, 2), "a number or"),
    ],
)
def test_surface_span_is_validated(line: data.Dataset, span: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        landscape.surface(UnivariateRegression(), line.X, line.y, span=span, resolution=5)


def test_surface_span_must_stay_finite_and_resolvable(line: data.Dataset) -> None:
    model = UnivariateRegression()
    far = {"w": np.array([[1e308]]), "b": np.array([[0.0]])}
    with pytest.raises(ValueError, match=r"grid over w runs from .* to inf"):
        landscape.surface(model, line.X, line.y, center=far, span=1e308, resolution=5)
    tiny = {"w": np.array([[1e20]]), "b": np.array([[0.0]])}
    with pytest.raises(ValueError, match="too small to vary w around 1e"):
        landscape.surface(model, line.X, line.y, center=tiny, span=1.0, resolution=5)


@pytest.mark.parametrize("max_bytes", [0, -1, 1.5, True, "1MB"])
def test_max_bytes_is_validated(line: data.Dataset, max_bytes: Any) -> None:
    with pytest.raises(ValueError, match="max_bytes must be a positive number of bytes"):
        landscape.surface(UnivariateRegression(), line.X, line.y, max_bytes=max_bytes)


CASES = [
    (UnivariateRegression(seed=1), ("w", "b"), 2000),
    (TwoLayerSigmoid(3, 8, seed=1), (("W1", (0, 1)), "b2"), 500),
]


@pytest.mark.parametrize(("model", "axes", "m"), CASES, ids=["univariate", "two-layer-sigmoid"])
@pytest.mark.parametrize("max_bytes", [600_000, 3_000_000])
def test_batched_surface_and_slice_stay_under_max_bytes(
    model: Any, axes: Any, m: int, max_bytes: int
) -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((model.n_inputs, m)), rng.standard_normal((1, m))
    peak = peak_bytes(
        lambda: landscape.surface(
            model, X, y, axes=axes, resolution=40, method="batched", max_bytes=max_bytes
        )
    )
    assert peak <= max_bytes
    d1, d2 = (landscape.random_direction(model.params, seed=s) for s in (1, 2))
    alphas = np.linspace(-1, 1, 40)
    peak = peak_bytes(
        lambda: landscape.slice_2d(model, X, y, d1, d2, alphas, alphas, max_bytes=max_bytes)
    )
    assert peak <= max_bytes


def test_batched_point_too_big_for_max_bytes_is_refused() -> None:
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((3, 10000)), rng.standard_normal((1, 10000))
    model = TwoLayerSigmoid(3, 8)
    # 99.2 kB: 100 kB less the 10 x 10 grid's 800 bytes
    working = r"needs about [\d.]+ MB of working memory a point, and 99\.2 kB is left"
    with pytest.raises(ValueError, match=working):
        landscape.surface(
            model, X, y, axes=(("W1", (0, 1)), "b2"), resolution=10, max_bytes=100_000
        )


# --- slices and PCA -------------------------------------------------------------------


def test_slices_validate_their_inputs(line: data.Dataset) -> None:
    model = UnivariateRegression()
    d = landscape.random_direction(model.params, filter_normalize=False)
    X, y = line.X, line.y
    with pytest.raises(ValueError, match="alphas must be a non-empty 1-D array of finite"):
        landscape.slice_1d(model, X, y, d, np.array([0.0, np.nan]))
    with pytest.raises(ValueError, match="alphas must be"):
        landscape.slice_1d(model, X, y, d, np.zeros((2, 2)))
    with pytest.raises(ValueError, match="betas must be"):
        landscape.slice_2d(model, X, y, d, d, np.zeros(3), np.array([]))
    big = np.zeros(20000)
    with pytest.raises(ValueError, match=r"20000 x 20000 grid needs 3\.2 GB"):
        landscape.slice_2d(model, X, y, d, d, big, big, max_bytes=10**6)
    with pytest.raises(ValueError, match=r"direction must give exactly the parameters w, b"):
        landscape.slice_1d(model, X, y, {"w": d["w"]}, np.zeros(3))
    with pytest.raises(ValueError, match=r"d2\['b'\] has shape \(2, 1\), the parameter has"):
        landscape.slice_2d(model, X, y, d, {"w": d["w"], "b": np.zeros((2, 1))}, [0.0], [0.0])
    other = TwoLayerSigmoid(1, 2).params
    with pytest.raises(ValueError, match="end must give exactly"):
        landscape.interpolate(model, X, y, model.params, other)


def test_pca_refuses_a_matrix_over_max_bytes() -> None:
    path = [{"w": np.full((100, 100), float(k))} for k in range(50)]
    with pytest.raises(ValueError, match=r"PCA of 50 points of 10000 parameters needs about 16\.0"):
        landscape.pca_directions([path], max_bytes=10**6)
    pca = landscape.pca_directions([path], max_bytes=20 * 10**6)
    assert pca.explained_variance_ratio[0] == pytest.approx(1.0)


# --- races ----------------------------------------------------------------------------


def test_race_reports_progress_over_all_optimizers(line: data.Dataset) -> None:
    calls: list[tuple[int, int]] = []
    model = UnivariateRegression()
    opts = {"gd": optim.sgd(0.1), "huge": optim.sgd(50.0), "adam": optim.adam(0.1)}
    races = landscape.race(
        model, line.X, line.y, opts, steps=20, progress=lambda d, t: calls.append((d, t))
    )
    assert races["huge"].diverged and len(races["huge"].points) < 21
    assert {t for _, t in calls} == {60}
    done = [d for d, _ in calls]
    assert done == sorted(done) and done[-1] == 60 and len(done) == 20  # one call a step
    # the racers step together; once huge stops, its 20 steps count as done
    end = len(races["huge"].points) - 1
    assert done[:end] == [3 * s for s in range(1, end + 1)]
    assert done[end:19] == [2 * s + 20 for s in range(end + 1, 20)]


def test_race_function_reports_every_step() -> None:
    calls: list[tuple[int, int]] = []
    fn = landscape.quadratic_bowl(10)
    opts = {"gd": optim.sgd(0.05), "blow": optim.sgd(5.0)}
    runs = landscape.race_function(fn, opts, steps=30, progress=lambda d, t: calls.append((d, t)))
    assert runs["blow"].diverged
    done = [d for d, _ in calls]
    assert done[-1] == 60 and {t for _, t in calls} == {60} and len(done) == 30  # one call a step
    end = len(runs["blow"].points) - 1  # blow's path ends on the step it stopped at
    assert done[:end] == [2 * s for s in range(1, end + 1)]
    assert done[end:29] == [s + 30 for s in range(end + 1, 30)]
    assert len(done) == len(set(done))  # no step reported twice
    with pytest.raises(ValueError, match="two finite numbers"):
        landscape.race_function(fn, opts, start=(float("nan"), 0.0))


@pytest.mark.parametrize("steps", [0, -1, 2.5, True, trajectories.MAX_STEPS + 1])
def test_steps_past_the_limit_are_refused(line: data.Dataset, steps: Any) -> None:
    opts = {"gd": optim.sgd(0.1)}
    with pytest.raises(ValueError, match="steps must be") as info:
        landscape.race(UnivariateRegression(), line.X, line.y, opts, steps=steps)
    if steps == trajectories.MAX_STEPS + 1:
        assert f"MAX_STEPS={trajectories.MAX_STEPS}" in str(info.value)
    with pytest.raises(ValueError, match="steps must be"):
        landscape.race_function(landscape.quadratic_bowl(), opts, steps=steps)


def test_race_refuses_a_record_over_max_bytes(line: data.Dataset) -> None:
    opts = {"gd": optim.sgd(0.1)}
    with pytest.raises(ValueError, match=r"recording 10000 steps of 2 parameters needs about 6\.3"):
        landscape.race(UnivariateRegression(), line.X, line.y, opts, steps=10000, max_bytes=10**6)
    with pytest.raises(ValueError, match=r"recording 50000 steps"):  # 5 batches an epoch
        landscape.race(
            UnivariateRegression(),
            line.X,
            line.y,
            opts,
            steps=10000,
            batch_size=10,
            max_bytes=10**6,
        )


def test_window_without_finite_points_is_a_clear_error() -> None:
    t = landscape.Trajectory("gd", np.full((3, 2), np.nan), np.full(3, np.nan), True)
    with pytest.raises(ValueError, match="no trajectory has a finite point"):
        landscape.window({"gd": t})


# --- test functions -------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(landscape.FUNCTIONS))
def test_function_surface_in_bands_equals_the_formula(name: str) -> None:
    fn = landscape.FUNCTIONS[name]()
    s = fn.surface(resolution=(31, 17), max_bytes=20_000)  # bands of one or two rows
    X, Y = np.meshgrid(s.x, s.y)
    x, y = X.ravel(), Y.ravel()
    expected = np.array([fn.value(np.array(a), np.array(b)) for a, b in zip(x, y, strict=True)])
    np.testing.assert_allclose(s.loss.ravel(), expected, rtol=1e-13)
    assert s.x[0] == fn.window[0][0] and s.y[-1] == fn.window[1][1]


def test_function_surface_is_bounded() -> None:
    fn = landscape.rosenbrock()
    with pytest.raises(ValueError, match="resolution must be an integer"):
        fn.surface(resolution=1e9)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"20000 x 20000 grid needs 3\.2 GB"):
        fn.surface(resolution=20000, max_bytes=10**6)
    with pytest.raises(ValueError, match=r"of working memory a row.*lower the resolution"):
        fn.surface(resolution=(100000, 2), max_bytes=2_000_000)
    peak = peak_bytes(lambda: fn.surface(resolution=300, max_bytes=2_000_000))
    assert peak <= 2_000_000
