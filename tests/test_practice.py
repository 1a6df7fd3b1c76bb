"""``chainrule practice``: answers fed through stdin are checked, explained and scored."""

from __future__ import annotations

import builtins

import pytest
import typer
from typer.testing import CliRunner

import chainrule.exercises as ex
from chainrule.cli import OneLineErrors
from chainrule.cli.practice_cmd import practice_command


def cli() -> typer.Typer:
    app = typer.Typer(cls=OneLineErrors)
    app.command("practice")(practice_command)
    app.command("unused")(lambda: None)
    return app


def run(args: list[str], stdin: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli(), ["practice", *args], input=stdin)
    return result.exit_code, result.output


def test_right_wrong_and_skipped_answers_are_scored_and_explained() -> None:
    sheet = ex.generate("gradient-step", 4, 3)
    first, second, third = sheet.exercises
    wrong = repr(float(second.expected) + 1.0)
    code, output = run(
        ["--topic", "gradient-step", "--seed", "4", "--count", "3"],
        f"{first.answer}\n{wrong}\n\n",
    )
    assert code == 0, output
    for e in sheet.exercises:
        assert e.question.splitlines()[0] in output
        assert e.solution.splitlines()[-1] in output
    assert output.count("Worked solution:") == 3
    assert "score: 1 of 1" in output and "score: 1 of 2" in output
    assert f"skipped: the answer is {third.answer}" in output
    assert second.check(wrong).message in output
    assert output.rstrip().endswith("final score: 1 of 2 answered")


def test_end_of_input_stops_cleanly_with_the_score() -> None:
    sheet = ex.generate("shapes", 9, 5)
    code, output = run(["--topic", "shapes", "--seed", "9"], sheet.exercises[0].answer + "\n")
    assert code == 0, output
    assert "Exercise 2 of 5" in output and "Exercise 3 of 5" not in output
    assert "stopped." in output and output.rstrip().endswith("final score: 1 of 1 answered")


def test_an_equation_is_diagnosed_like_check_backward() -> None:
    (e,) = ex.generate("backward", 2, 1).exercises
    code, output = run(["--topic", "backward", "--seed", "2", "--count", "1"], f"-({e.answer})\n")
    assert code == 0, output
    verdict = e.check(f"-({e.answer})")
    assert not verdict.ok and verdict.kind == "sign"
    assert "not right (sign)" in output and "final score: 0 of 1 answered" in output


def test_a_keyboard_interrupt_ends_with_the_score(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([ex.generate("minibatch", 1, 1).exercises[0].answer])

    def typed(prompt: str = "") -> str:
        for a in answers:
            return a
        raise KeyboardInterrupt

    monkeypatch.setattr(builtins, "input", typed)
    code, output = run(["--topic", "minibatch", "--seed", "1"], "")
    assert code == 0, output
    assert "stopped." in output and "final score: 1 of 1 answered" in output


def test_an_unknown_topic_is_refused_with_one_line() -> None:
    result = CliRunner().invoke(cli(), ["practice", "--topic", "nope"])
    assert result.exit_code == 2
    assert "unknown topic 'nope'" in result.output and "chain-rule" in result.output


def test_the_landscape_topic_is_practised_in_the_terminal() -> None:
    sheet = ex.generate("landscape", 11, 4)
    answers = "".join(e.answer + "\n" for e in sheet.exercises)
    code, output = run(["--topic", "landscape", "--seed", "11", "--count", "4"], answers)
    assert code == 0, output
    assert output.rstrip().endswith("final score: 4 of 4 answered")
    assert {e.answer_kind for e in sheet.exercises} & {"match", "word", "number"}
