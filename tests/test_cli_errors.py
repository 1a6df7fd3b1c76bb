"""Every subcommand over a table of bad values: exit 2, one line naming the option, no traceback."""

import errno
from pathlib import Path

import pytest
from typer.testing import CliRunner

from chainrule.cli import app

runner = CliRunner()
HUGE = "9" * 30
VERY_LONG = "7" * 5000  # past Python's 4300-digit limit on int()

# (arguments, a fragment the one line must hold); "{tmp}" is a fresh folder
BAD = [
    # any command
    (["nonsense"], "No such command"),
    (["train", "--no-such-option"], "No such option"),
    (["train", "--epochs"], "requires an argument"),
    # train: numbers
    (["train", "--seed", "-1"], "'--seed': -1 is out of range"),
    (["train", "--seed", HUGE], "'--seed'"),
    (["train", "--seed", "1.5"], "'--seed': '1.5' is not an integer"),
    (["train", "--seed", VERY_LONG], "'--seed'"),
    (["train", "--epochs", "0"], "'--epochs': 0 is out of range"),
    (["train", "--epochs", "-3"], "'--epochs'"),
    (["train", "--epochs", HUGE], "'--epochs'"),
    (["train", "--epochs", "nan"], "'--epochs'"),
    (["train", "--epochs", ""], "'--epochs'"),
    (["train", "--batch-size", "0"], "'--batch-size'"),
    (["train", "--lr", "nan"], "'--lr': nan is out of range"),
    (["train", "--lr", "inf"], "'--lr'"),
    (["train", "--lr", "-0.1"], "'--lr'"),
    (["train", "--lr", "0"], "'--lr': 0 is out of range: give a number > 0"),
    (["train", "--lr", "1e300"], "'--lr'"),
    (["train", "--lr", "fast"], "'--lr': 'fast' is not a number"),
    (["train", "--test-size", "1"], "'--test-size'"),
    (["train", "--test-size", "-0.2"], "'--test-size'"),
    (["train", "--test-size", "nan"], "'--test-size'"),
    (["train", "--hidden", "0"], "'--hidden'"),
    (["train", "--hidden", "100000"], "--hidden (for two-layer-sigmoid) must be in [1, 4096]"),
    (["train", "--hidden", HUGE], "'--hidden'"),
    # train: names and model options
    (["train", "--model", "resnet"], "unknown model 'resnet'"),
    (["train", "--model", ""], "unknown model ''"),
    (["train", "--optimizer", "lbfgs"], "--optimizer 'lbfgs' is unknown"),
    (["train", "--data", ""], "unknown data set ''"),
    (["train", "--layers", "32,32"], "--layers does not apply to two-layer-sigmoid"),
    (["train", "--activation", "relu"], "--activation does not apply to two-layer-sigmoid"),
    (["train", "-m", "logistic", "--hidden", "4"], "--hidden does not apply to logistic"),
    (["train", "-m", "mlp", "--layers", ""], "--layers takes comma-separated"),
    (["train", "-m", "mlp", "--layers", "8,,8"], "--layers takes comma-separated"),
    (["train", "-m", "mlp", "--layers", "0"], "--layers (for mlp) must be in [1, 4096]"),
    (["train", "-m", "mlp", "--layers", "-4"], "--layers (for mlp)"),
    (["train", "-m", "mlp", "--layers", "99999999"], "--layers (for mlp)"),
    (["train", "-m", "mlp", "--layers", VERY_LONG], "--layers takes comma-separated"),
    (["train", "-m", "mlp", "--layers", ",".join(["4"] * 17)], "must hold 1 to 16 sizes"),
    (["train", "-m", "mlp", "--activation", "swish"], "--activation (for mlp) must be one of"),
    (["train", "--target", "y"], "--target applies to a .csv file"),
    (["train", "--task", "binary"], "--task applies to a .csv file"),
    (["train", "--task", "ranking"], "--task 'ranking' is unknown"),
    (["train", "--data", "digits", "-m", "logistic"], "multiclass task; use mlp"),
    (["train", "--data", "digits", "-m", "two-layer-classifier"], "multiclass task; use mlp"),
    # train: files
    (["train", "--data", "{tmp}/missing.csv"], "missing.csv: No such file"),
    (["train", "--data", "{tmp}/folder.csv"], "is a folder"),
    (["train", "--data", "{tmp}/empty.csv"], "empty"),
    (["train", "--data", "{tmp}/good.csv", "--target", "nope"], "no column named 'nope'"),
    (["train", "--data", "{tmp}/good.csv", "--target", "7"], "no column 7"),
    (["train", "--save", "{tmp}"], "--save"),
    (["train", "--save", "{tmp}/no/such/folder/m.npz"], "does not exist"),
    # gradcheck
    (["gradcheck", "--features", "0"], "'--features'"),
    (["gradcheck", "--features", HUGE], "'--features'"),
    (["gradcheck", "--examples", "0"], "'--examples'"),
    (["gradcheck", "--examples", "10000000"], "'--examples'"),
    (["gradcheck", "-m", "univariate", "--features", "4"], "--features 4 does not apply"),
    (["gradcheck", "--features", "4096", "--hidden", "4096"], "too many to check"),
    (["gradcheck", "-m", "mlp", "--hidden", "3"], "--hidden does not apply to mlp"),
    (["gradcheck", "--seed", "-1"], "'--seed'"),
    # models, datasets
    (["models", "--wide"], "No such option"),
    (["datasets", "--json", "yes"], "unexpected extra argument"),
    # delta-rule
    (["delta-rule", "--lr", "nan"], "'--lr'"),
    (["delta-rule", "--target", "inf"], "'--target'"),
    (["delta-rule", "--seed", "-5"], "'--seed'"),
    # landscape
    (["landscape", "--lr", "nan"], "'--lr'"),
    (["landscape", "--lr", "1e300"], "'--lr'"),
    (["landscape", "--start", "nan,nan", "--out", "{tmp}/r.png"], "--start 'nan,nan'"),
    (["landscape", "--start", "inf,0", "--out", "{tmp}/r.png"], "--start 'inf,0'"),
    (["landscape", "--start", "1", "--out", "{tmp}/r.png"], "--start '1': give two numbers"),
    (["landscape", "--start", "", "--out", "{tmp}/r.png"], "--start '': give two numbers"),
    (["landscape", "--start", "1,2,3", "--out", "{tmp}/r.png"], "--start '1,2,3'"),
    (["landscape", "--steps", "0"], "'--steps'"),
    (["landscape", "--steps", "1000000"], "'--steps': 1000000 is out of range"),
    (
        [
            "landscape",
            "-m",
            "mlp",
            "--layers",
            "256",
            "--data",
            "digits",
            "--steps",
            "100000",
            "--out",
            "{tmp}/r.png",
        ],
        "--steps 100000: recording 100000 steps of 19210 parameters needs about 15.5 GB",
    ),
    (["landscape", "--out", "{tmp}"], "--out"),
    (["landscape", "--out", "{tmp}/folder.png"], "is a folder"),
    (["landscape", "--out", "{tmp}/race.txt"], "must end in one of"),
    (["landscape", "--out", "{tmp}/no/such/r.png"], "does not exist"),
    (["landscape", "--out", "/proc/race.png", "--steps", "2"], "--out /proc/race.png: cannot"),
    (["landscape", "--optimizers", "", "--out", "{tmp}/r.png"], "names no optimizer"),
    (["landscape", "--optimizers", ",,", "--out", "{tmp}/r.png"], "names no optimizer"),
    (["landscape", "--optimizers", "lbfgs", "--out", "{tmp}/r.png"], "unknown optimizer 'lbfgs'"),
    (["landscape", "--function", "sphere", "--out", "{tmp}/r.png"], "--function 'sphere'"),
    (["landscape", "--function", "beale", "-m", "mlp", "--out", "{tmp}/r.png"], "--model"),
    (["landscape", "--x-axis", "W1[", "--y-axis", "b", "--out", "{tmp}/r.png"], "--x-axis"),
    (["landscape", "--x-axis", "w", "--out", "{tmp}/r.png"], "give both --x-axis and --y-axis"),
    (["landscape", "--x-axis", "", "--y-axis", "b", "--out", "{tmp}/r.png"], "--x-axis ''"),
    (["landscape", "--x-axis", "V", "--y-axis", "b", "--out", "{tmp}/r.png"], "V"),
    (["landscape", "--hidden", "4", "--out", "{tmp}/r.png"], "--hidden does not apply"),
    (["landscape", "-m", "resnet", "--out", "{tmp}/r.png"], "unknown model 'resnet'"),
    (["landscape", "--data", "nope", "--out", "{tmp}/r.png"], "unknown data set 'nope'"),
    (["landscape", "--seed", "-1", "--out", "{tmp}/r.png"], "'--seed'"),
    (
        ["landscape", "--lr", "1e9", "--optimizers", "gd", "--steps", "50", "--out", "{tmp}/r.png"],
        "--lr 1e+09: every optimizer diverged",
    ),
    # graph
    (["graph", "--examples", "0", "--out", "{tmp}/g.dot"], "'--examples'"),
    (["graph", "--examples", "5000", "--out", "{tmp}/g.dot"], "'--examples'"),
    (["graph", "--features", "-1", "--out", "{tmp}/g.dot"], "'--features'"),
    (["graph", "--hidden", "5000", "--out", "{tmp}/g.dot"], "--hidden (for two-layer-sigmoid)"),
    (["graph", "--layers", "4", "--out", "{tmp}/g.dot"], "--layers does not apply"),
    (["graph", "--features", "4096", "--hidden", "4096", "--out", "{tmp}/g.dot"], "too many"),
    (["graph", "--out", "{tmp}"], "--out"),
    (["graph", "--out", "{tmp}/g.gif"], "must end in one of .svg, .png, .pdf, .dot"),
    (["graph", "-m", "mlp", "--layers", "4,0", "--out", "{tmp}/g.svg"], "--layers (for mlp)"),
    # derive
    (["derive", "--loss", "hinge"], "--loss 'hinge' is unknown"),
    (["derive", "two-layer-sigmoid", "--loss", "mse"], "--loss does not apply to two-layer"),
    (["derive", "-m", "two-layer-classifier", "--layers", "4,8,1"], "--layers does not apply"),
    (["derive", "--activation", "relu", "-m", "logistic"], "--activation does not apply"),
    (["derive", "--format", "pdf"], "--format 'pdf' is unknown"),
    (["derive", "--form", "open"], "--form 'open' is unknown"),
    (["derive", "--notation", "diagonal"], "--notation 'diagonal' is unknown"),
    (["derive", "--classes", "1"], "'--classes'"),
    (["derive", "--classes", "1000"], "'--classes'"),
    (["derive", "--classes", "3", "--loss", "mse"], "--classes does not apply"),
    (["derive", "logistic", "--model", "mlp"], "the model is named twice"),
    (["derive", "-m", "univariate", "--features", "3"], "--features 3 does not apply"),
    (["derive", "-m", "mlp", "--layers", "5000"], "--layers (for mlp)"),
    (["derive", "resnet"], "unknown model 'resnet'"),
    # tour
    (["tour", "--seed", "-1"], "'--seed'"),
    (["tour", "--out", "{tmp}/good.csv"], "--out {tmp}/good.csv: is a file"),
    (["tour", "--out", "/proc/tour"], "--out /proc/tour: cannot write it"),
]


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "folder.csv").mkdir()
    (tmp_path / "folder.png").mkdir()
    (tmp_path / "empty.csv").write_text("")
    (tmp_path / "good.csv").write_text("a,b,y\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n")
    return tmp_path


@pytest.mark.parametrize(("args", "fragment"), BAD, ids=[" ".join(a)[:60] for a, _ in BAD])
def test_bad_value_exits_2_with_one_line(folder: Path, args: list[str], fragment: str) -> None:
    args = [a.replace("{tmp}", str(folder)) for a in args]
    result = runner.invoke(app, args)
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    assert fragment.replace("{tmp}", str(folder)) in lines[0]
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_refusal_names_option_value_and_fix() -> None:
    line = runner.invoke(app, ["train", "--seed", "-1"]).output.strip()
    assert "'--seed'" in line and "-1" in line and "give an integer from 0 to" in line
    line = runner.invoke(app, ["train", "--epochs", "0"]).output.strip()
    assert "give an integer from 1 to 100000" in line


def test_tour_on_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from matplotlib.figure import Figure

    def full(self: Figure, path: object, **kwargs: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(Figure, "savefig", full)
    result = runner.invoke(app, ["tour", "--out", str(tmp_path / "t"), "--json"])
    assert result.exit_code == 2, result.output
    line = result.output.strip()
    assert "Traceback" not in line and len(line.splitlines()) == 1
    assert f"--out {tmp_path / 't'}: cannot write it" in line
    assert "No space left on device; free some space or choose another folder" in line


def test_divergence_is_one_line(tmp_path: Path) -> None:
    args = ["train", "-m", "multivariate", "--data", "diabetes", "--optimizer", "sgd",
            "--lr", "100", "--no-standardize"]  # fmt: skip
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert result.output.strip().startswith("error: training diverged at step")
    assert len(result.output.strip().splitlines()) == 1


def test_a_bug_is_one_line_and_exit_1(monkeypatch: pytest.MonkeyPatch) -> None:
    from chainrule.models import DeltaRuleNetwork

    def broken(self: object, **kwargs: object) -> str:
        raise TypeError("unexpected")

    monkeypatch.setattr(DeltaRuleNetwork, "worked_example", broken)
    result = runner.invoke(app, ["delta-rule"])
    assert result.exit_code == 1
    assert "internal error (TypeError: unexpected)" in result.output
    assert "CHAINRULE_DEBUG=1" in result.output and "Traceback" not in result.output
    monkeypatch.setenv("CHAINRULE_DEBUG", "1")
    result = runner.invoke(app, ["delta-rule"])
    assert isinstance(result.exception, TypeError)


def test_memory_error_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from chainrule.models import DeltaRuleNetwork

    def huge(self: object, **kwargs: object) -> str:
        raise MemoryError

    monkeypatch.setattr(DeltaRuleNetwork, "worked_example", huge)
    result = runner.invoke(app, ["delta-rule"])
    assert result.exit_code == 2 and "not enough memory" in result.output


def test_the_console_script_exits_2_with_one_line_on_stderr() -> None:
    import os
    import subprocess
    import sys

    src = str(Path(__file__).resolve().parents[1] / "src")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([src, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(
        [sys.executable, "-m", "chainrule", "train", "--seed", "-1"],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and done.stderr.startswith("error: Invalid value for")


def test_a_damaged_archive_is_a_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import zipfile

    from chainrule.models import DeltaRuleNetwork

    def truncated(self: object, **kwargs: object) -> str:
        raise zipfile.BadZipFile("m.npz: File is not a zip file")

    monkeypatch.setattr(DeltaRuleNetwork, "worked_example", truncated)
    result = runner.invoke(app, ["delta-rule"])
    assert result.exit_code == 2 and result.output == "error: m.npz: File is not a zip file\n"
