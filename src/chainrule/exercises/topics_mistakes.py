"""Find the mistakes: a backward pass written line by line, with several lines made wrong.

Seed 003 is a learner's derivation of the two-layer classifier with several
mistakes at once (a wrong sign, dW2 where W2ᵀ belongs, a missing 1/m,
missing transposes). This topic writes the backward pass of a two-layer
network as the deriver gives it, one line per quantity in the code's names
(``dZ2 = A2 − Y``, ``dW2 = (1/m) dZ2 A1ᵀ``...), plants a seeded number of
usual mistakes (2 to 4) on different lines, and asks for every wrong line.

A line is right when its right-hand side, evaluated with the right values of
every name it uses, equals the right value of its left-hand side: a mistake
is charged to the line that makes it, not to the lines that use its result.
Every line is judged so, by evaluation on seeded random problems, when the
exercise is made; the solution names each planted mistake, with the
diagnosis of :func:`~chainrule.exercises.answers.check_equation` for a
gradient line, and the right line. Logistic regression has only two lines
and is practised in the ``backward`` topic instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from typing import NamedTuple

import numpy as np

from chainrule.exercises.answers import check_equation
from chainrule.exercises.mistakes import environment
from chainrule.exercises.parse import evaluate, parse
from chainrule.exercises.problems import make_problems
from chainrule.exercises.sheet import Exercise
from chainrule.exercises.topics_common import derivation, forward_text
from chainrule.symbolic import Derivation
from chainrule.symbolic.render import text_expr

NETWORKS = ("two-layer-classifier", "two-layer-sigmoid", "two-layer-linear")
MIN_MISTAKES, MAX_MISTAKES = 2, 4


class Line(NamedTuple):
    """One line of a backward pass: ``name = text``; ``param`` is its parameter, if any."""

    name: str
    text: str
    param: str | None


def lines(d: Derivation) -> list[Line]:
    """The derived backward pass as lines: the adjoints, then ``d<param>`` per parameter."""
    out = [Line(n, text_expr(e), None) for n, e in d.adjoints]
    out += [Line("d" + p, text_expr(e), p) for p, e in d.cached.items()]
    return out


def _activations(d: Derivation) -> dict[str, str]:
    """A -> Z for each forward line A = σ(Z)."""
    out = {}
    for name, e in d.forward:
        match = re.fullmatch(r"σ\((\w+)\)", text_expr(e))
        if match:
            out[name] = match.group(1)
    return out


def edits(d: Derivation) -> dict[str, Callable[[str], str | None]]:
    """The usual mistakes as edits of a line's text: name -> text -> wrong text (None: n/a)."""
    acts = _activations(d)
    weights = [p for p in d.cached if p[0] in "Ww"]

    def at_z(t: str) -> str | None:
        for a, z in acts.items():
            if f"{a} ⊙ (1 − {a})" in t:
                return t.replace(f"{a} ⊙ (1 − {a})", f"{z} ⊙ (1 − {z})")
        return None

    def left_out(t: str) -> str | None:
        for a in acts:
            if f" ⊙ {a} ⊙ (1 − {a})" in t:
                return t.replace(f" ⊙ {a} ⊙ (1 − {a})", "")
        return None

    def gradient_for_weight(t: str) -> str | None:
        for w in weights:
            if re.search(rf"(?<![\w]){w}ᵀ", t):
                return re.sub(rf"(?<![\w]){w}ᵀ", f"d{w}ᵀ", t, count=1)
        return None

    def missing_1_over_m(t: str) -> str | None:
        if t.startswith("(1/m) "):
            return t.removeprefix("(1/m) ")
        return "2 " + t.removeprefix("(2/m) ") if t.startswith("(2/m) ") else None

    return {
        "a wrong sign": lambda t: f"−({t})",
        "a missing 1/m": missing_1_over_m,
        "a missing 2 (the derivative of the square)": lambda t: (
            t.replace("(2/m)", "(1/m)", 1) if "(2/m)" in t else None
        ),
        "a dropped transpose": lambda t: t.replace("ᵀ", "", 1) if "ᵀ" in t else None,
        "the bias gradient not summed over the examples": lambda t: (
            t.removesuffix(" 1⃗") if t.endswith(" 1⃗") else None
        ),
        "σ′ written with Z in place of A": at_z,
        "the factor σ′ left out": left_out,
        "a weight's gradient where the weight belongs (dW2 for W2ᵀ)": gradient_for_weight,
    }


@cache
def _values(name: str) -> tuple[list[dict[str, np.ndarray]], list[int]]:
    """Per seeded problem of ``name``: every name a line may use, with its right value."""
    d = derivation(name)
    out, ms = [], []
    for p in make_problems(name, 0):
        env, _ = environment(d, p)
        env.update({"X": p.X, "y": p.y, "Y": p.y})
        env.update({"d" + k: v for k, v in p.reference.items()})
        out.append(env)
        ms.append(p.m)
    return out, ms


def line_is_right(name: str, line: Line, text: str) -> bool:
    """Whether ``text`` computes ``line``'s quantity, given the right values of what it uses.

    Evaluated on the seeded problems of :func:`~chainrule.exercises.problems.make_problems`;
    a right-hand side whose shapes do not fit is wrong.
    """
    tree = parse(text)
    envs, ms = _values(name)
    for env, m in zip(envs, ms, strict=True):
        right = env[line.name]
        try:
            value = np.asarray(evaluate(tree, env, m), dtype=np.float64)
        except ValueError:
            return False
        if value.shape != right.shape or not np.allclose(value, right, rtol=1e-9, atol=1e-12):
            return False
    return True


def find_the_mistakes(rng: np.random.Generator) -> Exercise:
    """A two-layer network's backward pass with 2 to 4 wrong lines: which are wrong?"""
    name = str(rng.choice(NETWORKS))
    d = derivation(name)
    right = lines(d)
    usable = edits(d)
    count = int(rng.integers(MIN_MISTAKES, MAX_MISTAKES + 1))
    written = [line.text for line in right]
    planted: dict[int, str] = {}
    for i in rng.permutation(len(right)):
        if len(planted) == count:
            break
        line = right[int(i)]
        options = [e for e, edit in usable.items() if edit(line.text) is not None]
        for e in rng.permutation(options):
            wrong = usable[str(e)](line.text)
            assert wrong is not None
            if not line_is_right(name, line, wrong):
                planted[int(i)], written[int(i)] = str(e), wrong
                break
    for i, line in enumerate(right):
        assert line_is_right(name, line, written[i]) == (i not in planted), (name, line)
    names = [line.name for line in right]
    shown = "\n".join(
        f"    {i}. {line.name} = {text}"
        for i, (line, text) in enumerate(zip(right, written, strict=True), 1)
    )
    question = (
        f"A learner wrote the backward pass of the {name} network (examples as columns; "
        f"d<name> is the gradient of the parameter <name>):\n\n{forward_text(d)}\n\n{shown}\n\n"
        f"Some of these lines are wrong: a line is wrong when it does not compute its "
        f"quantity from the right values of the names it uses. Name every wrong line (by "
        f"its name or its number, separated by commas; the lines: {', '.join(names)})."
    )
    wrong_names = tuple(names[i] for i in sorted(planted))
    solution = f"{len(planted)} lines are wrong:\n\n" + "\n".join(
        _explain(name, right[i], written[i], planted[i], i + 1) for i in sorted(planted)
    )
    solution += (
        "\n\nThe other lines are right: each computes its quantity from the right values of "
        "the names it uses (a wrong line above them changes their numbers, not their equation)."
    )
    return Exercise(
        "find-the-mistakes",
        question,
        "lines",
        ", ".join(wrong_names),
        solution,
        (wrong_names, tuple(names)),
    )


def _explain(name: str, line: Line, wrong: str, mistake: str, number: int) -> str:
    said = f"- line {number}, `{line.name} = {wrong}`: {mistake}."
    if line.param is not None:
        message = check_equation(wrong, name, line.param).message.replace("\n", " ")
        said += " " + message[:1].upper() + message[1:]
    else:
        said += f" The right line: {line.name} = {line.text}"
    return said
