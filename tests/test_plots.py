import json
import re
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from chainrule import Tensor, data, landscape, optim, plot
from chainrule.autodiff import inspect
from chainrule.cli import app
from chainrule.models import MLP, TwoLayerClassifier, TwoLayerSigmoid, UnivariateRegression
from chainrule.train import fit

PNG = b"\x89PNG\r\n\x1a\n"
runner = CliRunner()


@pytest.fixture(scope="module")
def race():  # type: ignore[no-untyped-def]
    d = data.linear(80, 1)
    model = UnivariateRegression()
    start = {"w": np.array([[-2.0]]), "b": np.array([[2.0]])}
    races = landscape.race(
        model, d.X, d.y, {"gd": optim.sgd(0.1), "adam": optim.adam(0.1)}, start=start, steps=30
    )
    surf = landscape.surface(model, d.X, d.y, span=landscape.window(races), resolution=40)
    return surf, races


def test_contour_has_colorbar_legend_and_paths(race, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    surf, races = race
    fig = plot.contour(surf, races, title="t")
    ax, cbar_ax = fig.axes
    assert ax.get_xlabel() == "w" and ax.get_ylabel() == "b"
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels[0].startswith("gd: final loss") and labels[1].startswith("adam")
    assert "log" in cbar_ax.get_ylabel()
    fig.savefig(tmp_path / "c.png")
    assert (tmp_path / "c.png").read_bytes()[:8] == PNG
    fig = plot.contour(surf, races, log_levels=False)
    assert "log" not in fig.axes[1].get_ylabel()


def test_surface3d_animation_and_html(race, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    surf, races = race
    plot.surface3d(surf, races).savefig(tmp_path / "s.png")
    gif = plot.animate(surf, races, tmp_path / "r.gif", fps=10)
    assert gif.read_bytes()[:6] in (b"GIF89a", b"GIF87a")
    with pytest.raises(ValueError, match=r"\.gif or \.mp4"):
        plot.animate(surf, races, tmp_path / "r.avi")
    html = plot.interactive.write_html(plot.interactive.contour(surf, races), tmp_path / "r.html")
    text = html.read_text()
    # plotly.js is embedded (megabytes of it) and nothing is fetched: it opens offline
    assert len(text) > 1_000_000 and not re.search(r'<script[^>]+src="https?:', text)
    fig = plot.interactive.surface3d(surf, races)
    assert len(fig.data) == 3


def test_decision_boundary_and_loss_curves(tmp_path: Path) -> None:
    d = data.moons(m=80)
    model = TwoLayerClassifier(2, 4)
    h = fit(model, d.X, d.y, optim.adam(0.05), epochs=20)
    fig = plot.decision_boundary(model, d)
    assert fig.axes[0].get_xlabel() == "x1"
    fig.savefig(tmp_path / "b.png")
    with pytest.raises(ValueError, match="needs 2 features"):
        plot.decision_boundary(MLP([4, 3, 3], output="softmax"), data.iris())
    plot.loss_curve(h).savefig(tmp_path / "l.png")
    plot.grad_norm_curve(h).savefig(tmp_path / "g.png")
    assert len(plot.interactive.loss_curves({"a": h, "b": h}).data) == 2


def test_computation_graph_values_and_gradients(tmp_path: Path) -> None:
    model = TwoLayerSigmoid(3, 2, seed=0)
    X, y = np.ones((3, 4)), np.zeros((1, 4))
    g = plot.graph.trace(model, X, y)
    kinds = {n.label: n.kind for n in g.nodes}
    assert kinds["W1"] == "parameter" and kinds["X"] == "data" and kinds["y"] == "data"
    grads = model.gradients(X, y)
    w2 = next(n for n in g.nodes if n.label == "w2")
    assert w2.grad == plot.graph.summary(grads["w2"])
    dot = plot.graph.to_dot(g)
    assert dot.startswith("digraph G {") and "sigmoid" in dot and dot.count("->") == len(g.edges)
    plot.graph.draw(g).savefig(tmp_path / "g.png")
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    out = (x * x).sum()
    every = inspect.all_gradients(out)
    assert np.array_equal(every[x], [2.0, 4.0]) and x.grad is None
    assert inspect.operation(out) == "sum" and inspect.parameters(out)["axis"] == (0,)


def test_cli_landscape_and_graph(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["landscape", "--out", str(tmp_path / "race.png"), "--steps", "40", "--json"]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["surface_method"] == "closed form" and {r["optimizer"] for r in out["races"]} == {
        "gd",
        "momentum",
        "rmsprop",
        "adam",
    }
    assert (tmp_path / "race.png").read_bytes()[:8] == PNG
    result = runner.invoke(
        app,
        [
            "landscape",
            "--function",
            "rosenbrock",
            "--lr",
            "0.001",
            "--steps",
            "50",
            "--out",
            str(tmp_path / "r.html"),
        ],
    )
    assert result.exit_code == 0 and (tmp_path / "r.html").exists()
    result = runner.invoke(
        app,
        [
            "landscape",
            "--model",
            "two-layer-sigmoid",
            "--data",
            "wave",
            "--x-axis",
            "W1[0,1]",
            "--y-axis",
            "b2",
            "--steps",
            "10",
            "--out",
            str(tmp_path / "t.gif"),
        ],
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["landscape", "--optimizers", "lbfgs", "--out", str(tmp_path / "x.png")]
    )
    assert result.exit_code == 2 and "unknown optimizer 'lbfgs'" in result.output
    result = runner.invoke(app, ["graph", "--out", str(tmp_path / "g.svg")])
    assert result.exit_code == 0 and (tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")
    result = runner.invoke(app, ["graph", "--model", "mlp", "--out", str(tmp_path / "g.dot")])
    assert result.exit_code == 0 and "digraph" in (tmp_path / "g.dot").read_text()


def test_tour_draws_the_univariate_landscape(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tour", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0
    figures = json.loads(result.output)["figures"]
    assert str(tmp_path / "univariate-landscape.png") in figures and len(figures) == 5
