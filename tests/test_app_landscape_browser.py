"""The race page in Chromium: a worked network's plane chosen from menus, momentum's velocity
arrow, and a play button that leaves one history entry, not one per frame.

The server, browser and watched-page fixtures are those of test_app_browser: every
request is recorded and one outside 127.0.0.1, or a console error, fails the test.
"""

from __future__ import annotations

import pytest

from test_app_browser import CHROMIUM, Watched, browser, page, server, wait_for_race

__all__ = ["browser", "page", "server"]  # fixtures used by name

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)

CONTOUR = "#ls-contour .js-plotly-plot"


def test_choosing_a_network_and_two_entries_from_the_menus(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=network&racers=gd:0.5,adam:0.05&steps=30")
    wait_for_race(p)
    assert "net=two-layer-sigmoid" in p.url
    p.click("#ls-network")
    p.get_by_text("sigmoid-squared-error", exact=True).click()
    p.wait_for_function("() => window.location.search.includes('net=sigmoid-squared-error')")
    assert "x=W1[0,0]" in p.url and "y=b1[0,0]" in p.url  # its first weight and bias
    p.click("#ls-entry-y")
    p.get_by_text("W2[1,0]", exact=True).click()
    p.wait_for_function("() => window.location.search.includes('y=W2[1,0]')")
    p.wait_for_function(
        "() => document.querySelector('#ls-note').innerText.includes('W2 = [')", timeout=20_000
    )
    note = p.inner_text("#ls-note")
    assert "frozen at its start" in note and "b2 = [" in note and "W2 = [" in note
    p.wait_for_function(f"() => (document.querySelector('{CONTOUR}').layout.yaxis.title.text "
                        "|| '').includes('W2[1, 0]')", timeout=20_000)  # fmt: skip
    assert "W1[0, 0]" in p.eval_on_selector(CONTOUR, "e => e.layout.xaxis.title.text || ''")


def test_momentum_draws_its_velocity_apart_from_its_update(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=bowl&racers=momentum:0.05,gd:0.05&steps=40&step=6")
    wait_for_race(p)
    names = p.eval_on_selector(CONTOUR, "e => e.data.map(t => t.name)")
    assert "momentum (course): velocity" in names and "GD: velocity" not in names
    velocity = p.eval_on_selector(
        CONTOUR, "e => e.data.find(t => t.name === 'momentum (course): velocity').line.dash"
    )
    assert velocity == "dot"
    row = p.inner_text("#ls-row-momentum")
    assert row.count("(") == 5  # its label, point, gradient, next update, velocity part


def test_play_leaves_one_history_entry(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=saddle&steps=50&step=0&racers=gd:0.1")
    wait_for_race(p)
    before = p.evaluate("() => history.length")
    p.click("#ls-play")
    p.wait_for_function("() => document.querySelector('#ls-play').innerText.includes('pause')")
    p.wait_for_function("() => document.querySelector('#ls-play').innerText.includes('play')",
                        timeout=30_000)  # fmt: skip
    assert "step=50" in p.url
    # the click and the end of the run may each write the URL; 50 frames wrote nothing
    assert p.evaluate("() => history.length") - before <= 2
