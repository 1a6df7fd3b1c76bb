import json

from typer.testing import CliRunner

from chainrule.cli import app

runner = CliRunner()


def test_demo_runs_and_reports() -> None:
    result = runner.invoke(app, ["demo", "--steps", "300"])
    assert result.exit_code == 0, result.output
    assert "two-layer sigmoid" in result.output
    assert "ok" in result.output and "FAIL" not in result.output
    assert "\x1b[" not in result.output  # no escape codes when not a terminal


def test_demo_json_reduces_the_loss() -> None:
    result = runner.invoke(app, ["demo", "--steps", "300", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["gradcheck_passed"] is True
    assert data["final_loss"] < 0.5 * data["initial_loss"]


def test_bad_option_exits_2_without_traceback() -> None:
    result = runner.invoke(app, ["demo", "--steps", "0"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
