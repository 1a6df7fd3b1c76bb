"""The stepper in Chromium: seed 003's corrections and the typed-in 2-2-2 network.

The server, browser and watched-page fixtures are those of test_app_browser: every
request is recorded and one outside 127.0.0.1, or a console error, fails the test.
"""

from __future__ import annotations

from typing import Any

import pytest

from test_app_browser import CHROMIUM, Watched, browser, card, page, server

__all__ = ["browser", "page", "server"]  # fixtures used by name

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)


def test_seed_003_steps_show_the_seeds_line_and_why(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/backprop?network=two-layer-classifier&step=0")
    p.wait_for_selector("#bp-equation")
    assert p.locator("#bp-correction").count() == 0  # Z1 = W1 X + b1: the seed has it right
    p.goto(server + "/backprop?network=two-layer-classifier&step=6")
    p.wait_for_selector("#bp-correction")
    assert p.inner_text("#bp-seed-form") == "dZ1 = dW2 * dZ2 * primesigmoid(Z1)"
    assert "(W2ᵀ dZ2) ⊙ A1 ⊙ (1 − A1)" in p.inner_text("#bp-correction")
    assert "through the weights W2, transposed" in p.inner_text("#bp-why")
    p.click("#bp-next")  # ∂L/∂W1: the seed's dW1 = dZ1 * X
    p.wait_for_function(
        "() => document.querySelector('#bp-seed-form')?.innerText === 'dW1 = dZ1 * X'"
    )
    assert "1/m" in p.inner_text("#bp-why")


def test_the_222_network_shows_the_classic_numbers(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/backprop?network=2-2-2&step=4")
    p.wait_for_selector("#bp-equation")
    assert p.inner_text("#bp-title") == "Loss: L"
    assert "0.298371" in card(p)  # the classic example's E_total
    box = p.locator('textarea[id*=\'"name":"Y"\']')
    box.fill("0.5; 0.5")
    p.wait_for_function("() => !document.querySelector('#bp-card').innerText.includes('0.298371')")
    assert "Y=0.5;0.5" in p.url


def test_matrix_labels_show_the_shape_they_hold_after_an_edit(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/backprop?network=2-2-2&step=0")
    p.wait_for_selector("#bp-equation")
    x_box = p.locator('textarea[id*=\'"name":"X"\']')
    y_box = p.locator('textarea[id*=\'"name":"Y"\']')

    def label(box: Any) -> str:
        return " ".join(box.locator("xpath=..").locator("label").inner_text().split())

    assert label(x_box) == "X (2×1)" and label(y_box) == "Y (2×1)"
    x_box.fill("0.05, 0.5; 0.1, 0.2")  # two examples: refused until Y has two columns too
    p.wait_for_function("() => document.querySelector('#bp-error').innerText.includes('Not')")
    assert label(x_box) == "X (2×1)"  # the refused edit changed nothing it holds
    before = p.inner_text("#bp-card")
    y_box.fill("0.01, 0.5; 0.99, 0.5")
    p.wait_for_function("b => document.querySelector('#bp-card').innerText !== b", arg=before)
    p.wait_for_function(
        "() => document.querySelector('textarea[id*=\\'\"name\":\"X\"\\']')"
        ".parentElement.querySelector('label').innerText.includes('2×2')",
        timeout=10_000,
    )
    assert label(x_box) == "X (2×2)" and label(y_box) == "Y (2×2)"
    assert label(p.locator('textarea[id*=\'"name":"W1"\']')) == "W1 (2×2)"
    # the boxes were not redrawn: the typing and the focus are the learner's
    assert x_box.input_value() == "0.05, 0.5; 0.1, 0.2"
    assert y_box.evaluate("e => e === document.activeElement")


ONES = """sel => {
  const box = document.querySelector(sel);
  return [box.innerText.includes('\\u20d7'), [...box.querySelectorAll('.vec')].map(v => {
    const arrow = getComputedStyle(v, '::before');
    return [v.innerText, arrow.content, parseFloat(arrow.top) < 0];
  })];
}"""


def ones_vectors(p: Any, selector: str) -> list[list[Any]]:
    """Each ones vector in the element: its text, its drawn arrow and whether that is above it;
    fails where a combining arrow is left in the text (monospace fonts draw it as a bar)."""
    combining, vectors = p.evaluate(ONES, selector)
    assert not combining, f"{selector} shows a combining arrow: {p.inner_text(selector)!r}"
    return list(vectors)


def test_the_ones_vector_reads_as_a_1_with_an_arrow(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/backprop?network=2-2-2&step=8")
    p.wait_for_selector("#bp-equation")
    assert p.inner_text("#bp-title") == "Gradient: ∂L/∂b1"
    assert ones_vectors(p, "#bp-equation") == [["1", '"→"', True]]  # (1/m) dZ1 1⃗
    assert ones_vectors(p, "#bp-substituted") == [["1", '"→"', True]]
