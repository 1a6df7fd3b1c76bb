import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from chainrule.cli import app
from chainrule.models import MLP, read_saved

runner = CliRunner()


def test_tour_writes_four_plots(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tour", "--out", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    for name in ("univariate", "multivariate", "two-layer-linear", "two-layer-sigmoid"):
        png = tmp_path / "t" / f"{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "Figures written to" in result.output
    assert "∂L/∂W1 = dZ Xᵀ" in result.output
    assert "FAIL" not in result.output
    assert "\x1b[" not in result.output


def test_tour_json(tmp_path: Path) -> None:
    result = runner.invoke(app, ["tour", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0
    nets = json.loads(result.output)["networks"]
    assert [n["model"] for n in nets] == [
        "univariate",
        "multivariate",
        "two-layer-linear",
        "two-layer-sigmoid",
    ]
    assert all(n["check_passed"] and n["final_loss"] < n["initial_loss"] for n in nets)


def test_train_classifier_json_and_save(tmp_path: Path) -> None:
    path = tmp_path / "model.npz"
    args = ["train", "--model", "mlp", "--layers", "8", "--data", "blobs", "--epochs", "30",
            "--batch-size", "32", "--lr", "0.05", "--save", str(path), "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["train_accuracy"] > 0.9 and out["test_accuracy"] > 0.9
    assert out["final_loss"] < out["initial_loss"]
    assert out["examples"] == {"train": 160, "test": 40}
    name, hyper = read_saved(path)
    assert name == "mlp" and hyper["layer_sizes"] == [2, 8, 3]
    MLP(**hyper).load_params(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["train", "--model", "univariate", "--data", "moons"], "univariate takes 1 feature"),
        (["train", "--data", "nope"], "unknown data set 'nope'"),
        (["train", "--optimizer", "lbfgs"], "--optimizer 'lbfgs' is unknown"),
        (["train", "--model", "resnet"], "unknown model 'resnet'"),
        (["train", "--model", "mlp", "--layers", "a,b"], "--layers takes comma-separated"),
        (
            [
                "train",
                "--model",
                "multivariate",
                "--data",
                "diabetes",
                "--optimizer",
                "sgd",
                "--lr",
                "100",
                "--no-standardize",
            ],
            "training diverged at step",
        ),
    ],
)
def test_user_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_malformed_csv_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b,y\n1,2,0\n3,,1\n")
    result = runner.invoke(app, ["train", "--data", str(bad)])
    assert result.exit_code == 2
    assert "line 3, column 'b': missing value" in result.output


@pytest.mark.parametrize("model", ["univariate", "multivariate", "two-layer-linear",
                                   "two-layer-sigmoid", "logistic", "two-layer-classifier",
                                   "delta-rule", "mlp"])  # fmt: skip
def test_gradcheck_every_model(model: str) -> None:
    result = runner.invoke(app, ["gradcheck", "--model", model, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["passed"] is True


def test_models_and_datasets_listings() -> None:
    models = json.loads(runner.invoke(app, ["models", "--json"]).output)
    assert {m["name"] for m in models} >= {"univariate", "two-layer-classifier", "mlp"}
    sets = json.loads(runner.invoke(app, ["datasets", "--json"]).output)
    digits = next(s for s in sets if s["name"] == "digits")
    assert digits == {
        "name": "digits",
        "task": "multiclass",
        "features": 64,
        "examples": 1797,
        "classes": 10,
    }
    assert runner.invoke(app, ["models"]).exit_code == 0


def test_saved_model_round_trip_values(tmp_path: Path) -> None:
    model = MLP([2, 3, 1], seed=4)
    model.save(tmp_path / "a.npz")
    other = MLP([2, 3, 1], seed=5)
    other.load_params(tmp_path / "a.npz")
    np.testing.assert_array_equal(other.params["W1"], model.params["W1"])


def test_delta_rule_worked_example() -> None:
    result = runner.invoke(app, ["delta-rule", "--lr", "0.5"])
    assert result.exit_code == 0
    assert "δ2 = (y − ŷ) f'(v_in2)" in result.output and "ΔW01 = η x δ1ᵀ" in result.output


def test_version_and_help_of_every_command() -> None:
    import chainrule

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output == f"chainrule {chainrule.__version__}\n"
    for command in ("tour", "train", "gradcheck", "models", "datasets", "delta-rule",
                    "landscape", "graph", "derive"):  # fmt: skip
        result = runner.invoke(app, [command, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output, command


def test_help_loads_no_numerics_plotting_or_library() -> None:
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from chainrule.cli import app\n"
        "for args in (['--help'], ['--version'], ['train', '--help'], ['landscape', '--help'],\n"
        "             ['derive', '--help'], ['tour', '--help'], ['graph', '--help']):\n"
        "    assert CliRunner().invoke(app, args).exit_code == 0, args\n"
        "heavy = {'numpy', 'matplotlib', 'sklearn', 'plotly', 'scipy', 'pydantic', 'rich'}\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in heavy\n"
        "             or (m.startswith('chainrule.') and not m.startswith('chainrule.cli'))))\n"
    )
    import os

    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert out.stdout.strip() == "[]", out.stdout + out.stderr


def test_test_split_is_standardised_with_training_statistics(tmp_path: Path) -> None:
    from chainrule import data, models

    path = tmp_path / "m.npz"
    args = ["train", "-m", "multivariate", "--data", "diabetes", "--optimizer", "sgd",
            "--lr", "0.1", "--epochs", "40", "--seed", "3",
            "--save", str(path), "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["examples"] == {"train": 354, "test": 88} and "accuracy" not in str(out)
    saved = models.load(path)
    assert isinstance(saved, models.Standardized)
    w, b = saved.model.params["w"], saved.model.params["b"]
    train, test = data.diabetes().split(0.2, seed=3)
    mean, std = train.X.mean(axis=1, keepdims=True), train.X.std(axis=1, keepdims=True)
    np.testing.assert_allclose(saved.mean, mean, rtol=1e-12)
    np.testing.assert_allclose(saved.scale, std, rtol=1e-12)
    assert saved.loss(test.X, test.y) == pytest.approx(out["test_loss"], rel=1e-12)
    by_hand = float(np.mean((w @ ((test.X - mean) / std) + b - test.y) ** 2))
    assert out["test_loss"] == pytest.approx(by_hand, rel=1e-12)
    own = (test.X - test.X.mean(axis=1, keepdims=True)) / test.X.std(axis=1, keepdims=True)
    assert abs(float(np.mean((w @ own + b - test.y) ** 2)) - by_hand) > 1e-3 * by_hand
    fitted = (train.X - mean) / std
    assert out["train_loss"] == pytest.approx(float(np.mean((w @ fitted + b - train.y) ** 2)))


def test_train_and_test_accuracy_by_hand(tmp_path: Path) -> None:
    from chainrule import data, models

    path = tmp_path / "m.npz"
    args = ["train", "-m", "logistic", "--data", "moons", "--test-size", "0.3", "--epochs",
            "30", "--lr", "0.1", "--no-standardize", "--save", str(path), "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    net = models.load(path)
    train, test = data.moons().split(0.3, seed=0)
    for part, d in (("train", train), ("test", test)):
        z = net.params["w"] @ d.X + net.params["b"]
        predicted = (1 / (1 + np.exp(-z)) >= 0.5).reshape(-1)
        assert out[f"{part}_accuracy"] == pytest.approx(np.mean(predicted == d.labels))
    result = runner.invoke(app, [*args[:-3], "--test-size", "0"])
    assert "training accuracy" in result.output and "test accuracy" not in result.output
    assert "none held out (--test-size 0)" in result.output


def test_csv_target_and_task(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    labels = np.arange(60) % 3
    X = rng.standard_normal((60, 2)) + 3 * np.eye(3)[labels][:, :2]
    rows = [f"{c},{a:.6f},{b:.6f}" for c, (a, b) in zip(labels, X, strict=True)]
    csv = tmp_path / "three.csv"
    csv.write_text("label,a,b\n" + "\n".join(rows) + "\n")
    base = ["train", "--data", str(csv), "--test-size", "0.25", "--epochs", "5", "--json"]
    by_name = runner.invoke(app, [*base, "-m", "mlp", "--target", "label"])
    assert by_name.exit_code == 0, by_name.output
    out = json.loads(by_name.output)
    assert out["task"] == "multiclass" and out["examples"] == {"train": 45, "test": 15}
    by_index = runner.invoke(app, [*base, "-m", "mlp", "--target", "0"])
    assert json.loads(by_index.output)["test_loss"] == out["test_loss"]
    regression = runner.invoke(app, [*base, "-m", "multivariate", "--target", "0",
                                     "--task", "regression"])  # fmt: skip
    assert json.loads(regression.output)["task"] == "regression"
    refused = runner.invoke(app, [*base, "--target", "label"])
    assert refused.exit_code == 2
    assert "multiclass task; use mlp" in refused.output


def test_models_listing_at_80_columns() -> None:
    from chainrule.models import REGISTRY

    result = runner.invoke(app, ["models"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert max(len(line) for line in lines) <= 80
    heads = [line.split()[0] for line in lines if line and not line.startswith(" ")]
    assert heads == list(REGISTRY)
    assert "layer_sizes = [n, h1, ..., out]" in result.output
    assert "--activation  activation of the hidden layers: identity, sigmoid" in result.output
    listed = json.loads(runner.invoke(app, ["models", "--json"]).output)
    mlp = next(m for m in listed if m["name"] == "mlp")
    assert {"--layers", "--activation"} <= set(mlp["options"]) and mlp["features"] is None
    assert [len(m["options"]) for m in listed] == [
        len(spec.hyperparameters) for spec in REGISTRY.values()
    ]


def test_derive_takes_model_like_the_other_commands() -> None:
    positional = runner.invoke(app, ["derive", "two-layer-classifier"])
    named = runner.invoke(app, ["derive", "--model", "two-layer-classifier"])
    assert positional.exit_code == 0 and positional.output == named.output
    mlp = runner.invoke(app, ["derive", "-m", "mlp", "--features", "4", "--layers", "8,5",
                              "--loss", "cross-entropy", "--classes", "3"])  # fmt: skip
    assert mlp.exit_code == 0, mlp.output
    # two hidden layers: --layers gives hidden sizes, inputs and outputs come from the options
    assert "∂L/∂W3 = (1/m) dZ3 A2ᵀ    (C, h2)" in mlp.output and "W4" not in mlp.output


def test_landscape_shows_progress_on_a_terminal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    from chainrule.cli import output

    screen = io.StringIO()
    terminal = Console(file=screen, force_terminal=True, width=100)
    monkeypatch.setattr(output, "console", lambda: terminal)
    args = ["landscape", "--steps", "5", "--out", str(tmp_path / "r.gif")]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    shown = screen.getvalue()
    # every step of the four optimizers, then every frame of the animation
    assert "racing 4 optimizers, 5 steps" in shown and "20/20" in shown
    assert "drawing frames" in shown and "6/6" in shown


def test_landscape_frames_the_runs_that_did_not_diverge(tmp_path: Path) -> None:
    args = ["landscape", "--optimizers", "gd,adam", "--lr", "1.5", "--steps", "60",
            "--out", str(tmp_path / "r.png"), "--json"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    races = {r["optimizer"]: r for r in json.loads(result.output)["races"]}
    assert races["gd"]["diverged"] and not races["adam"]["diverged"]
