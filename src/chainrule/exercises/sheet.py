"""Exercises with worked solutions and answer checking, and sheets of them.

An :class:`Exercise` holds its question, its worked solution and what it
needs to check an answer; every number in a solution is computed by the
engine (gradients by :func:`chainrule.autodiff.grad`) and every equation by
the deriver, never typed in. A :class:`Sheet` is a seeded set of them, made
by :func:`chainrule.exercises.topics.generate`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from chainrule.exercises import render
from chainrule.exercises.answers import check_equation
from chainrule.exercises.parse import ParseError, evaluate, parse
from chainrule.files import write_text

# a numeric answer is right to 4 significant digits, as a learner computes by
# hand: within this relative error (within this absolute one where the answer is 0)
NUMBER_RTOL = 5e-4
NUMBER_ATOL = 5e-4


HINTS: dict[str, str] = {
    "number": "a number (1/3 and 2e-3 are fine)",
    "shape": "a shape such as (3, 7)",
    "equation": "an equation in the text notation, such as (1/m) dZ Xᵀ",
    "choice": "a parameter's name",
    "word": "one of the words the question offers",
    "lines": "every wrong line, by name or number, separated by commas",
    "match": "a label for each, such as A = gd, B = adam",
}
"""Answer kind -> what to type, as the terminal and the app ask for it."""


@dataclass(frozen=True)
class AnswerCheck:
    """The verdict on one answer: ``ok``, and a message that teaches."""

    ok: bool
    kind: str
    message: str

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class Exercise:
    """One exercise.

    Attributes:
        topic: a key of :data:`~chainrule.exercises.topics.TOPICS`.
        question: the question, Markdown with Unicode mathematics.
        answer_kind: what to type: ``"number"``, ``"shape"``, ``"equation"``,
            ``"choice"`` (the name of one parameter), ``"word"`` (one of a few
            words), ``"lines"`` (the names or
            numbers of every wrong line) or ``"match"`` (a label for each of
            several things, ``A = gd, B = adam``).
        answer: the right answer, as a learner would type it.
        solution: the worked solution, Markdown.
        expected: the number or the shape (a tuple of ints) an answer must give;
            for an equation, ``(model, param)``; for a choice, ``(right, options)``;
            for lines, ``(wrong lines, every line)``; for a match, ``(pairs,
            labels)`` with pairs ``((thing, label), ...)``; for a word, ``(right,
            options)``.
        figure: an inline SVG the question refers to, or None; the HTML sheet
            and the app show it (Markdown and LaTeX sheets leave it out).
    """

    topic: str
    question: str
    answer_kind: str
    answer: str
    solution: str
    expected: Any
    figure: str | None = None

    def check(self, answer: str) -> AnswerCheck:
        """Whether ``answer`` (text, as typed) is right, and if not, what is wrong."""
        if self.answer_kind == "number":
            return _check_number(answer, float(self.expected))
        if self.answer_kind == "shape":
            return _check_shape(answer, tuple(self.expected))
        if self.answer_kind == "choice":
            right, options = self.expected
            return _check_choice(answer, right, tuple(options))
        if self.answer_kind == "word":
            right, options = self.expected
            return _check_word(answer, right, tuple(options))
        if self.answer_kind == "lines":
            wrong, every = self.expected
            return _check_lines(answer, tuple(wrong), tuple(every))
        if self.answer_kind == "match":
            pairs, labels = self.expected
            return _check_match(answer, dict(pairs), tuple(labels))
        model, param = self.expected
        try:
            finding = check_equation(answer, model, param)
        except ParseError as e:
            return AnswerCheck(False, "error", f"the equation cannot be read: {e}")
        return AnswerCheck(finding.ok, finding.kind, finding.message)


def _check_number(answer: str, expected: float) -> AnswerCheck:
    try:
        value = evaluate(parse(answer), {}, 1)
    except ValueError as e:
        return AnswerCheck(False, "error", f"give a number (1/3 and 2e-3 are fine): {e}")
    if np.shape(value) != ():
        return AnswerCheck(False, "error", "give one number")
    value = float(value)
    allowed = NUMBER_RTOL * abs(expected) if expected != 0 else NUMBER_ATOL
    if abs(value - expected) <= allowed:
        return AnswerCheck(True, "ok", f"right: {expected:.6g}")
    if expected != 0 and abs(value + expected) <= allowed:
        return AnswerCheck(
            False, "sign", f"the size is right but the sign is wrong: {expected:.6g}"
        )
    return AnswerCheck(False, "unknown", f"not {value:.6g}: the answer is {expected:.6g}")


def _check_shape(answer: str, expected: tuple[int, ...]) -> AnswerCheck:
    text = answer.strip()
    if not re.fullmatch(r"\(?\s*\d+(\s*[,×x]\s*\d+)*\s*,?\s*\)?", text):
        return AnswerCheck(False, "error", f"give a shape such as (3, 7), not {answer!r}")
    shape = tuple(int(s) for s in re.findall(r"\d+", text))
    if shape == expected:
        return AnswerCheck(True, "ok", f"right: {expected}")
    if shape == expected[::-1]:
        return AnswerCheck(False, "transpose", f"{shape} is the transpose: the shape is {expected}")
    return AnswerCheck(False, "wrong_shape", f"not {shape}: the shape is {expected}")


def _check_choice(answer: str, right: str, options: tuple[str, ...]) -> AnswerCheck:
    """A parameter's name, also typed as ``dW1`` or ``∂L/∂W1``."""
    text = answer.strip()
    for prefix in ("∂L/∂", "dL/d", "d"):
        if text.startswith(prefix) and text.removeprefix(prefix) in options:
            text = text.removeprefix(prefix)
    if text not in options:
        return AnswerCheck(False, "error", f"give one of {', '.join(options)}, not {answer!r}")
    if text == right:
        return AnswerCheck(True, "ok", f"right: {right}")
    return AnswerCheck(False, "unknown", f"{text}'s gradient is right: the wrong one is {right}")


def _check_word(answer: str, right: str, options: tuple[str, ...]) -> AnswerCheck:
    """One of a few words, in any case."""
    text = answer.strip().lower()
    if text not in options:
        return AnswerCheck(False, "error", f"give one of {', '.join(options)}, not {answer!r}")
    if text == right:
        return AnswerCheck(True, "ok", f"right: {right}")
    return AnswerCheck(
        False,
        "unknown",
        f"not {text}: it {right}" if right.endswith("s") else f"not {text}: the answer is {right}",
    )


def _line_name(item: str, lines: tuple[str, ...]) -> str | None:
    """A line typed as its number, its name, or its parameter (``W2``, ``∂L/∂W2`` for dW2)."""
    if item.isdigit():
        return lines[int(item) - 1] if 1 <= int(item) <= len(lines) else None
    for prefix in ("∂L/∂", "dL/d", ""):
        if item.startswith(prefix):
            rest = item.removeprefix(prefix)
            for candidate in (rest, "d" + rest):
                if candidate in lines and (prefix == "" or candidate == "d" + rest):
                    return candidate
    return None


def _check_lines(answer: str, wrong: tuple[str, ...], lines: tuple[str, ...]) -> AnswerCheck:
    """Every wrong line: which were found, which missed, which right ones were flagged."""
    items = [t for t in re.split(r"[,;\s]+", answer.strip()) if t]
    named = []
    for item in items:
        line = _line_name(item, lines)
        if line is None:
            return AnswerCheck(
                False,
                "error",
                f"{item!r} is not a line: give the lines' names or numbers 1 to {len(lines)}, "
                f"separated by commas ({', '.join(lines)})",
            )
        named.append(line)
    if not named:
        return AnswerCheck(False, "error", "name at least one line: no line is right is not it")
    chosen = set(named)
    found = [x for x in lines if x in chosen and x in wrong]
    missed = [x for x in lines if x in wrong and x not in chosen]
    flagged = [x for x in lines if x in chosen and x not in wrong]
    if not missed and not flagged:
        return AnswerCheck(True, "ok", f"right: every wrong line found ({', '.join(found)})")
    parts = [f"found {len(found)} of {len(wrong)}" + (f": {', '.join(found)}" if found else "")]
    if missed:
        parts.append(f"missed: {', '.join(missed)}")
    if flagged:
        parts.append(f"wrongly flagged (these lines are right): {', '.join(flagged)}")
    kind = "missed" if not flagged else "flagged" if not missed else "missed_and_flagged"
    return AnswerCheck(False, kind, "; ".join(parts))


def _check_match(answer: str, pairs: dict[str, str], labels: tuple[str, ...]) -> AnswerCheck:
    """``A = gd, B = adam``: a label for every thing, each checked."""
    given: dict[str, str] = {}
    for item in (t.strip() for t in re.split(r"[,;\n]+", answer) if t.strip()):
        parts = re.split(r"\s*[=:]\s*|\s+", item, maxsplit=1)
        if len(parts) != 2 or parts[0] not in pairs or parts[1].strip() not in labels:
            example = ", ".join(f"{k} = {labels[0]}" for k in pairs)
            return AnswerCheck(
                False,
                "error",
                f"{item!r} is not 'thing = label': give one of {', '.join(labels)} for each of "
                f"{', '.join(pairs)}, e.g. {example}",
            )
        given[parts[0]] = parts[1].strip()
    missing = [k for k in pairs if k not in given]
    if missing:
        return AnswerCheck(False, "error", f"give a label for {', '.join(missing)} too")
    right = [k for k in pairs if given[k] == pairs[k]]
    if len(right) == len(pairs):
        return AnswerCheck(
            True, "ok", "right: " + ", ".join(f"{k} = {v}" for k, v in pairs.items())
        )
    wrong = [f"{k} is {pairs[k]}, not {given[k]}" for k in pairs if given[k] != pairs[k]]
    return AnswerCheck(False, "unknown", f"{len(right)} of {len(pairs)} right; " + "; ".join(wrong))


@dataclass(frozen=True)
class Sheet:
    """Exercises on one topic, made by one seed."""

    topic: str
    seed: int
    exercises: tuple[Exercise, ...]

    def markdown(self, solutions: bool = False) -> str:
        """The sheet as Markdown; with ``solutions``, each worked solution after its question."""
        return self._markdown(solutions, figures=False)

    def _markdown(self, solutions: bool, figures: bool) -> str:
        lines = [f"# Exercises: {self.topic} (seed {self.seed})", ""]
        for i, ex in enumerate(self.exercises, 1):
            lines += [f"## Exercise {i}", "", ex.question, ""]
            if figures and ex.figure is not None:
                lines += [render.figure_marker(i), ""]
            if solutions:
                lines += ["**Solution.**", "", ex.solution, "", f"**Answer:** `{ex.answer}`", ""]
        return "\n".join(lines)

    def _repr_markdown_(self) -> str:
        return self.markdown()

    def latex(self, solutions: bool = False) -> str:
        """The sheet as a LaTeX document that pdflatex compiles."""
        return render.latex(self.markdown(solutions))

    def html(self, solutions: bool = False) -> str:
        """The sheet as a standalone HTML page whose mathematics needs no network or script,
        with each exercise's figure inline."""
        figures = {i: e.figure for i, e in enumerate(self.exercises, 1) if e.figure is not None}
        return render.page(self._markdown(solutions, figures=True), figures)

    def write(self, path: str | Path, solutions: bool = False) -> Path:
        """Writes the sheet atomically as Markdown (``.md``), LaTeX (``.tex``) or HTML
        (``.html``), chosen by the name's suffix; returns the path."""
        target = Path(path)
        formats = {".md": self.markdown, ".tex": self.latex, ".html": self.html}
        suffix = target.suffix.lower()
        if suffix not in formats:
            raise ValueError(
                f"{target}: a sheet is written as .md, .tex or .html: give a name ending in one"
            )
        text = formats[suffix](solutions)
        write_text(target, text if text.endswith("\n") else text + "\n")
        return target


def significant(x: float) -> str:
    """``x`` with 6 significant digits, as solutions write numbers."""
    return f"{x:.6g}" if math.isfinite(x) else str(x)
