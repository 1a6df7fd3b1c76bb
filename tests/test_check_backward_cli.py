"""``chainrule check-backward FILE.py --model NAME``: a learner's file run in a child process."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

import chainrule.exercises as ex
from chainrule.cli import OneLineErrors
from chainrule.cli.check_cmd import check_backward_command

app = typer.Typer(cls=OneLineErrors)
app.command("check-backward")(check_backward_command)


@app.callback()
def _group() -> None:
    """A group, so that the command is called by its name as in `chainrule`."""


runner = CliRunner()

RIGHT = """
import numpy as np

print("the learner prints things")


def backward(params, X, y):
    m = X.shape[1]
    d = (1 / (1 + np.exp(-(params["w"] @ X + params["b"]))) - y) / m
    return {"w": d @ X.T, "b": np.sum(d, axis=1, keepdims=True)}
"""

UNSUMMED = RIGHT.replace("np.sum(d, axis=1, keepdims=True)", "d")


def write(folder: Path, text: str, name: str = "mine.py") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_right_file_exits_0(tmp_path: Path) -> None:
    path = write(tmp_path, RIGHT)
    result = runner.invoke(app, ["check-backward", str(path), "--model", "logistic"])
    assert result.exit_code == 0, result.output
    assert "logistic: all 2 gradients are right" in result.output
    assert "prints things" not in result.output


def test_a_wrong_file_exits_1_naming_the_kind_and_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, UNSUMMED)
    result = runner.invoke(app, ["check-backward", str(path), "-m", "logistic", "--seed", "4"])
    assert result.exit_code == 1, result.output
    assert "✗ b: bias_not_summed  (line 9)" in result.output
    assert "The right equation: ∂L/∂b = (1/m) (ŷ − Y) 1⃗" in result.output
    as_json = runner.invoke(app, ["check-backward", str(path), "-m", "logistic", "--json"])
    data = json.loads(as_json.output)
    assert as_json.exit_code == 1 and data["findings"][1]["kind"] == "bias_not_summed"


def test_the_file_gives_the_same_report_as_the_function(tmp_path: Path) -> None:
    path = write(tmp_path, UNSUMMED)
    namespace: dict[str, object] = {}
    exec(compile(UNSUMMED, str(path), "exec"), namespace)  # the test's own text, not input
    direct = ex.check_backward("logistic", namespace["backward"], seed=2)  # type: ignore[arg-type]
    assert ex.check_file(path, "logistic", seed=2) == direct


def test_a_file_that_loops_forever_is_stopped(tmp_path: Path) -> None:
    path = write(tmp_path, RIGHT.replace("    m = X.shape[1]", "    while True:\n        pass"))
    start = time.monotonic()
    args = ["check-backward", str(path), "-m", "logistic", "--timeout", "2"]
    result = runner.invoke(app, args)
    assert time.monotonic() - start < 20
    assert result.exit_code == 1, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and "was stopped after 2 s" in lines[0] and "loop" in lines[0]
    with pytest.raises(ex.LearnerTimeoutError):
        ex.check_file(path, "logistic", timeout=1)


def test_a_file_that_raises_while_loading_is_reported_with_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, RIGHT + "\nundefined_name + 1\n")
    result = runner.invoke(app, ["check-backward", str(path), "-m", "logistic"])
    assert result.exit_code == 1, result.output
    assert "NameError" in result.output and "line 12" in result.output
    broken = write(tmp_path, "def backward(params, X, y)\n    return {}\n", "broken.py")
    report = ex.check_file(broken, "logistic")
    assert report["w"].kind == "error" and "SyntaxError" in report["w"].message
    assert report["w"].line == 1
    exits = write(tmp_path, "import sys\nsys.exit(0)\n", "exits.py")
    assert ex.check_file(exits, "logistic")["b"].kind == "error"
    killed = write(tmp_path, "import os\nos._exit(0)\n", "killed.py")
    with pytest.raises(ValueError, match="stopped the Python process"):
        ex.check_file(killed, "logistic")


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["{file}", "-m", "resnet"], "unknown model 'resnet'"),
        (["{tmp}/none.py", "-m", "logistic"], "is not a file"),
        (["{tmp}", "-m", "logistic"], "is not a file"),
        (["{file}", "-m", "logistic", "--function", "grads"], "defines no function grads"),
        (["{file}", "-m", "logistic", "--function", "a b"], "function must be a Python name"),
        (["{file}", "-m", "logistic", "--timeout", "0"], "'--timeout'"),
        (["{file}", "-m", "logistic", "--timeout", "nan"], "'--timeout'"),
        (["{file}", "-m", "logistic", "--seed", "-1"], "'--seed'"),
    ],
)
def test_usage_errors_exit_2_with_one_line(tmp_path: Path, args: list[str], fragment: str) -> None:
    path = write(tmp_path, RIGHT)
    args = [a.replace("{file}", str(path)).replace("{tmp}", str(tmp_path)) for a in args]
    result = runner.invoke(app, ["check-backward", *args])
    lines = result.output.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert len(lines) == 1 and lines[0].startswith("error: ") and fragment in lines[0]
    assert "Traceback" not in result.output
