"""The practice page in Chromium: load, answer right, answer wrong, reveal, next; all on loopback.

The server, browser and watched-page fixtures are those of test_app_browser: every
request is recorded and one outside 127.0.0.1, or a console error, fails the test.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest

import chainrule.exercises as ex
from test_app_browser import CHROMIUM, Watched, browser, page, server

__all__ = ["browser", "page", "server"]  # fixtures used by name

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)


def first(topic: str, seed: int) -> ex.Exercise:
    return ex.generate(topic, seed, 1).exercises[0]


def open_exercise(p: Any, server: str, topic: str, seed: int) -> None:
    p.goto(f"{server}/practice?topic={topic}&seed={seed}")
    line = first(topic, seed).question.splitlines()[0][:40]
    p.wait_for_function(
        "t => (document.querySelector('#pr-exercise')?.innerText || '').includes(t)",
        arg=line,
        timeout=30_000,
    )


def answer(p: Any, text: str, verdict: str) -> str:
    before = p.eval_on_selector("#pr-verdict", "e => e.innerText")
    p.fill("#pr-answer", text)
    p.click("#pr-check")
    # the verdict of the previous answer may already carry the same class: wait for new text
    p.wait_for_function(
        """([verdict, before]) => {
            const e = document.querySelector('#pr-verdict');
            return e.classList.contains(verdict) && e.innerText !== before;
        }""",
        arg=[verdict, before],
        timeout=30_000,
    )
    return str(p.inner_text("#pr-verdict"))


def score(p: Any, text: str) -> None:
    p.wait_for_function(
        "t => document.querySelector('#pr-score-text').innerText === t", arg=text, timeout=10_000
    )


def test_load_answer_right_and_wrong_reveal_and_next(server: str, page: Watched) -> None:
    p = page.page
    open_exercise(p, server, "gradient-step", 4)
    e = first("gradient-step", 4)
    text = p.inner_text("#pr-exercise")
    assert "gradient-step, seed 4" in text and e.question.splitlines()[0] in text
    assert "Type a number" in text
    score(p, "0 right of 0 answered")
    # a wrong answer first: it is explained, and it is the one scored
    wrong = repr(float(e.expected) + 1.0)
    said = answer(p, wrong, "wrong")
    assert e.check(wrong).message in said and "Not right" in said
    score(p, "0 right of 1 answered")
    said = answer(p, e.answer, "right")
    assert said.startswith("Right.")
    score(p, "0 right of 1 answered")  # a second answer to one exercise is not scored
    assert not p.is_visible("#pr-worked")
    p.click("#pr-reveal")
    p.wait_for_selector("#pr-worked")
    worked = p.inner_text("#pr-worked")
    assert e.solution.splitlines()[-1].replace("- ", "", 1) in worked and e.answer in worked
    # next: the next seed, a fresh answer box, and the score kept
    p.click("#pr-next")
    p.wait_for_function("() => window.location.search.includes('seed=5')", timeout=30_000)
    following = first("gradient-step", 5)
    p.wait_for_function(
        "t => document.querySelector('#pr-exercise').innerText.includes(t)",
        arg=following.question.splitlines()[0][:60],
    )
    assert p.input_value("#pr-answer") == "" and not p.is_visible("#pr-worked")
    assert p.inner_text("#pr-verdict") == ""
    answer(p, following.answer, "right")
    score(p, "1 right of 2 answered")


def test_an_equation_is_diagnosed_and_a_topic_chosen(server: str, page: Watched) -> None:
    p = page.page
    open_exercise(p, server, "backward", 2)
    e = first("backward", 2)
    said = answer(p, f"-({e.answer})", "wrong")
    assert "(sign)" in said and "wrong sign" in said
    said = answer(p, "import os", "wrong")
    assert "(error)" in said
    # another topic from the menu: the URL follows
    p.click("#pr-topic")
    p.get_by_text("find-the-mistakes", exact=True).click()
    p.wait_for_function("() => window.location.search.includes('topic=find-the-mistakes')")
    lines = first("find-the-mistakes", 2)
    p.wait_for_function(
        "() => document.querySelector('#pr-exercise').innerText.includes('Name every wrong line')"
    )
    wrong, every = lines.expected
    flagged = next(x for x in every if x not in wrong)
    said = answer(p, f"{wrong[0]}, {flagged}", "wrong")
    assert "missed:" in said and f"wrongly flagged (these lines are right): {flagged}" in said
    assert answer(p, lines.answer, "right").startswith("Right.")


def test_the_landscape_figure_is_drawn_inline(server: str, page: Watched) -> None:
    p = page.page
    seed = next(s for s in range(50) if first("landscape", s).figure is not None)
    open_exercise(p, server, "landscape", seed)
    p.wait_for_function("() => document.querySelector('#pr-figure')?.naturalWidth > 0")
    src = p.get_attribute("#pr-figure", "src")
    assert src is not None and src.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(src.split(",", 1)[1]).decode()
    e = first("landscape", seed)
    assert svg.count("<polyline") == 3 and e.figure is not None
    assert svg.endswith(e.figure.split(" ", 1)[1])  # the exercise's own figure
    assert answer(p, e.answer, "right").startswith("Right.")


def test_a_bad_link_says_why(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/practice?topic=calculus&seed=3")
    p.wait_for_selector("#pr-error")
    p.wait_for_function(
        "() => document.querySelector('#pr-error').innerText.includes(\"topic must be one of\")"
    )
    assert "calculus" in p.inner_text("#pr-error")
    p.wait_for_function("() => window.location.search.includes('topic=chain-rule')")
