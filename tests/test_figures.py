"""Every figure type written to PNG and checked where a machine can: size,
title and labels, names as the course notes write them, racers that do not
share a colour and a line style, slices that say so."""

import re
import shlex
from pathlib import Path

import numpy as np
import pytest
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from PIL import Image
from typer.testing import CliRunner

from chainrule import data, landscape, models, optim, plot
from chainrule.cli import app
from chainrule.landscape import Surface, Trajectory
from chainrule.plot import racers

README = Path(__file__).resolve().parents[1] / "README.md"


def png(fig: Figure, path: Path, dpi: int = 100) -> tuple[int, int]:
    plot.save(fig, path, dpi=dpi)
    with Image.open(path) as im:
        assert im.format == "PNG"
        return im.size


def two_layer_graph() -> plot.graph.ComputationGraph:
    model = models.TwoLayerSigmoid(3, 2, seed=0)
    X = np.random.default_rng(0).standard_normal((3, 4))
    return plot.graph.trace(model, X, np.full((1, 4), 0.5))


# --- computation graph ------------------------------------------------------------


def test_graph_names_nodes_as_the_notes_do() -> None:
    model = models.TwoLayerSigmoid(3, 2, seed=0)
    X = np.random.default_rng(0).standard_normal((3, 4))
    y = np.full((1, 4), 0.5)
    g = plot.graph.trace(model, X, y)
    by_name = {n.name: n for n in g.nodes if n.name}
    assert {"Z", "A", "ŷ", "L", "W1", "b1", "w2", "b2", "X", "y", "1/m"} <= set(by_name)
    assert by_name["Z"].label == "Z = W1 X + b1" and by_name["A"].label == "A = σ(Z)"
    assert by_name["L"].label == "L = (1/m) Σ (ŷ − y)²"
    # values by hand: Z = W1 X + b1, L = mean of squared residuals
    p = model.params
    Z = p["W1"] @ X + p["b1"]
    assert by_name["Z"].value == plot.graph.summary(Z)
    y_hat = p["w2"] @ (1 / (1 + np.exp(-Z))) + p["b2"]
    assert by_name["L"].value == plot.graph.summary(np.mean((y_hat - y) ** 2))
    assert by_name["W1"].grad == plot.graph.summary(model.gradients(X, y)["W1"])
    for n in g.nodes:  # no Python reprs
        assert not re.search(r"[{}']|axis|exponent|keepdims", n.label), n.label
    sums = [n for n in g.nodes if n.operation.startswith("Σ")]
    assert [n.operation for n in sums] == ["Σ over examples"]


def test_summary_shows_small_matrices_by_row_and_large_by_norm() -> None:
    assert (
        plot.graph.summary(np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])) == "[1, 2, 3]\n[4, 5, 6]"
    )
    assert plot.graph.summary(np.array([[0.5]])) == "0.5"
    big = np.arange(12.0).reshape(3, 4)
    assert plot.graph.summary(big) == f"‖·‖ = {np.linalg.norm(big):.3g}"


def test_graph_figure_fits_a_laptop_and_every_edge_has_a_head(tmp_path: Path) -> None:
    g = two_layer_graph()
    fig = plot.graph.draw(g)
    width, height = png(fig, tmp_path / "graph.png", dpi=110)
    assert 1000 <= width <= 1600 and 500 <= height <= 1400
    ax = fig.axes[0]
    assert ax.get_title() == g.title and "two-layer-sigmoid" in g.title
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == len(g.edges)
    assert all(a.get_arrowstyle().__class__.__name__ == "CurveFilledB" for a in arrows)
    legend = fig.legends[0]
    assert len(legend.get_texts()) == 5 and "gradient" in legend.get_texts()[-1].get_text()
    dot = plot.graph.to_dot(g)
    assert "ŷ = w2 A + b2" in dot and "L = (1/m)" in dot


def test_every_model_graph_draws(tmp_path: Path) -> None:
    for name in models.REGISTRY:
        spec = models.get(name)
        X, y = spec.sample(0)
        net = models.build(name, X.shape[0], task=spec.tasks[0])
        g = plot.graph.trace(net, X, y)
        assert any(node.name == "L" for node in g.nodes), name
        width, _ = png(plot.graph.draw(g), tmp_path / f"{name}.png", dpi=110)
        assert width <= 1600, name


# --- landscapes ---------------------------------------------------------------------


@pytest.fixture(scope="module")
def univariate_race() -> tuple[Surface, dict[str, Trajectory]]:
    d = data.linear(80, 1)
    model = models.UnivariateRegression()
    start = {"w": np.array([[-2.0]]), "b": np.array([[2.0]])}
    opts = {n: optim.OPTIMIZERS[n](0.1) for n in ("sgd", "momentum", "rmsprop", "adam")}
    races = landscape.race(model, d.X, d.y, opts, start=start, steps=100)
    surf = landscape.surface(model, d.X, d.y, span=landscape.window(races), resolution=60)
    return surf, races


def test_four_racers_never_share_colour_or_style(univariate_race, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    surf, races = univariate_race
    fig = plot.contour(surf, races, title="univariate regression", loss_name="MSE")
    width, height = png(fig, tmp_path / "race.png")
    assert width >= 600 and height >= 500
    ax = fig.axes[0]
    paths = [line for line in ax.get_lines() if len(line.get_xdata()) > 2]
    assert len(paths) == 4
    looks = {(line.get_color(), str(line.get_linestyle()), line.get_marker()) for line in paths}
    assert len({c for c, _, _ in looks}) == 4 and len({s for _, s, _ in looks}) == 4
    assert len({m for _, _, m in looks}) == 4
    widths = [line.get_linewidth() for line in paths]
    orders = [line.get_zorder() for line in paths]
    assert widths == sorted(widths, reverse=True) and orders == sorted(orders)  # widest lowest
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("sgd: final MSE") and "MSE" in fig.axes[1].get_ylabel()
    assert ax.get_title() == "univariate regression" and ax.get_xlabel() == "w"


def test_colour_bar_has_at_least_four_ticks_inside_its_range() -> None:
    for lo, hi in ((0.6, 1.3), (0.01, 20.0), (1e-9, 1e3), (5.0, 5.5)):
        ticks = racers.colorbar_ticks(lo, hi)
        assert len(ticks) >= 3 and np.all((ticks >= lo) & (ticks <= hi)), (lo, hi, ticks)
        assert len(ticks) <= 13


def test_coinciding_paths_are_named(univariate_race) -> None:  # type: ignore[no-untyped-def]
    surf, races = univariate_race
    twin = {
        "gd": races["sgd"],
        "copy": Trajectory("copy", races["sgd"].points + 1e-9, races["sgd"].loss),
    }
    fig = plot.contour(surf, twin)
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert "same path as gd" in labels[1] and "same path" not in labels[0]


def test_mlp_slice_says_so_and_gives_both_losses(tmp_path: Path) -> None:
    spec = models.get("mlp")
    X, y = spec.sample(0)
    net = models.build("mlp", X.shape[0], task=spec.tasks[0], hidden_layers=[4])
    axes = (("W1", (0, 0)), ("b2", (0, 0)))
    races = landscape.race(net, X, y, {"adam": optim.adam(0.05)}, axes=axes, steps=30)
    surf = landscape.surface(net, X, y, axes=axes, span=landscape.window(races), resolution=30)
    fig = plot.contour(surf, races, title="mlp")
    png(fig, tmp_path / "slice.png")
    note = fig.axes[0].get_title()
    others = net.n_parameters - 2
    assert "slice" in note and f"other {others} parameters are frozen" in note
    label = fig.axes[0].get_legend().get_texts()[0].get_text()
    end = races["adam"].points[-1]
    assert (
        "(all parameters)" in label and f"{racers.on_slice(surf, end):.3g} on this slice" in label
    )


def test_on_slice_interpolates_a_plane_exactly() -> None:
    xs, ys = np.linspace(-1, 2, 7), np.linspace(0, 1, 5)
    loss = 3.0 * xs[None, :] - 2.0 * ys[:, None] + 1.0
    surf = Surface(xs, ys, loss, "a", "b", {"w": np.zeros((3, 3))}, "batched")
    for point in ((0.3, 0.55), (-1.0, 0.0), (2.0, 1.0), (1.1, 0.9)):
        assert racers.on_slice(surf, np.array(point)) == pytest.approx(
            3 * point[0] - 2 * point[1] + 1
        )
    assert racers.is_slice(surf) and racers.parameter_count(surf) == 9


def test_rosenbrock_minimum_is_starred(tmp_path: Path) -> None:
    fn = landscape.FUNCTIONS["rosenbrock"]()
    surf = fn.surface(resolution=101)
    fig = plot.contour(surf, minimum=fn.minimum)
    stars = [line for line in fig.axes[0].get_lines() if line.get_marker() == "*"]
    assert len(stars) == 1 and (stars[0].get_xdata()[0], stars[0].get_ydata()[0]) == (1.0, 1.0)
    fig = plot.contour(surf)  # unknown minimum: the grid's lowest point, inside the grid
    star = next(line for line in fig.axes[0].get_lines() if line.get_marker() == "*")
    assert abs(star.get_xdata()[0] - 1) < 0.05 and abs(star.get_ydata()[0] - 1) < 0.05
    png(fig, tmp_path / "rosenbrock.png")


def test_animation_counts_steps(univariate_race, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    surf, races = univariate_race
    gif = plot.animate(surf, races, tmp_path / "race.gif", frames=5, dpi=40)
    with Image.open(gif) as im:
        corner = []
        for i in range(im.n_frames):
            im.seek(i)
            corner.append(np.asarray(im.convert("L"))[:40, :60].copy())
    assert im.n_frames == 5
    assert not np.array_equal(corner[0], corner[-1])  # the counter moved on


def test_surface3d_and_decision_boundary_are_titled(univariate_race, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    surf, races = univariate_race
    fig = plot.surface3d(surf, races, title="univariate", loss_name="MSE")
    png(fig, tmp_path / "s.png")
    assert fig.axes[0].get_zlabel() == "MSE"
    d = data.moons(60, seed=0)
    model = models.TwoLayerClassifier(2, 4)
    fig = plot.decision_boundary(model, d)
    png(fig, tmp_path / "b.png")
    assert fig.axes[0].get_title() == "two-layer-classifier on the moons data set"


def test_loss_curves_name_the_loss(tmp_path: Path) -> None:
    from chainrule.train import fit

    d = data.linear(40, 1)
    model = models.UnivariateRegression()
    history = fit(model, d.X, d.y, optim.sgd(0.1), epochs=10)
    name = plot.loss_name(model)
    fig = plot.loss_curve(history, loss_name=name)
    png(fig, tmp_path / "loss.png")
    assert name == "MSE" and fig.axes[0].get_ylabel().startswith("MSE")
    assert plot.loss_name(models.DeltaRuleNetwork()) == "½ MSE"
    assert plot.loss_name(models.LogisticRegression(2)) == "binary cross-entropy"
    softmax = models.build("mlp", 4, task="multiclass", n_classes=3)
    assert plot.loss_name(softmax) == "cross-entropy"


# --- the README's Rosenbrock race -----------------------------------------------------


def test_readme_rosenbrock_race_reaches_the_minimum(tmp_path: Path) -> None:
    text = README.read_text().split("## Landscapes and figures")[1]
    command = re.search(r"chainrule landscape --function rosenbrock[^`]*?\.png", text, re.S)
    assert command, "the README's landscape section shows a Rosenbrock race"
    args = shlex.split(command.group(0).replace("\\\n", " "))[1:]
    out = tmp_path / "rosenbrock.png"
    args[args.index("--out") + 1] = str(out)
    result = CliRunner().invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    import json

    ends = {r["optimizer"]: np.array(r["end"]) for r in json.loads(result.output)["races"]}
    reached = [n for n, e in ends.items() if np.linalg.norm(e - 1.0) < 1e-3]
    assert reached, ends
    assert np.linalg.norm(ends["gd"] - 1.0) > 0.3  # gradient descent is still crawling
    assert out.exists()


def test_interactive_racers_differ_and_slices_say_so(univariate_race) -> None:  # type: ignore[no-untyped-def]
    surf, races = univariate_race
    fig = plot.interactive.contour(surf, races, loss_name="MSE")
    paths = [t for t in fig.data[1:] if len(t.x) > 1]
    looks = {(t.line.color, t.line.dash, t.marker.symbol) for t in paths}
    assert len(paths) == 4 and len(looks) == 4
    assert len({c for c, _, _ in looks}) == len({d for _, d, _ in looks}) == 4
    assert paths[0].name.startswith("sgd: final MSE")


def test_figures_show_in_a_notebook_without_inline_backend() -> None:
    from chainrule.train import fit

    d = data.linear(40, 1)
    history = fit(models.UnivariateRegression(), d.X, d.y, optim.sgd(0.1), epochs=5)
    picture = plot.loss_curve(history)._repr_png_()
    assert picture[:8] == b"\x89PNG\r\n\x1a\n" and len(picture) > 5000
