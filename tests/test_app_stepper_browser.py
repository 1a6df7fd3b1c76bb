"""The stepper in Chromium: seed 003's corrections and the typed-in 2-2-2 network.

The server, browser and watched-page fixtures are those of test_app_browser: every
request is recorded and one outside 127.0.0.1, or a console error, fails the test.
"""

from __future__ import annotations

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
