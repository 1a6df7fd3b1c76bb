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
