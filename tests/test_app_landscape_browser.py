"""The race page in Chromium: a worked network's plane chosen from menus, momentum's velocity
arrow, and a play button that leaves one history entry, not one per frame.

The server, browser and watched-page fixtures are those of test_app_browser: every
request is recorded and one outside 127.0.0.1, or a console error, fails the test.
"""

from __future__ import annotations

from typing import Any

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


def _to_pixels(p: Any, x: float, y: float) -> tuple[float, float]:
    """Page pixels of the data point (x, y) on the contour's axes."""
    box = p.locator("#ls-contour .nsewdrag").first.bounding_box()
    (x0, x1), (y0, y1) = p.eval_on_selector(
        CONTOUR, "e => [e._fullLayout.xaxis.range, e._fullLayout.yaxis.range]"
    )
    return (
        box["x"] + (x - x0) / (x1 - x0) * box["width"],
        box["y"] + (y1 - y) / (y1 - y0) * box["height"],
    )


def _to_data(p: Any, px: float, py: float) -> tuple[float, float]:
    """The data point under the page pixel (px, py) on the contour's axes."""
    box = p.locator("#ls-contour .nsewdrag").first.bounding_box()
    (x0, x1), (y0, y1) = p.eval_on_selector(
        CONTOUR, "e => [e._fullLayout.xaxis.range, e._fullLayout.yaxis.range]"
    )
    return (
        x0 + (px - box["x"]) / box["width"] * (x1 - x0),
        y1 - (py - box["y"]) / box["height"] * (y1 - y0),
    )


def test_a_click_beside_a_racer_moves_the_start_to_the_click(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=bowl&steps=50&step=10&racers=gd:0.05")
    wait_for_race(p)
    mx, my = p.eval_on_selector(
        CONTOUR, "e => { const t = e.data.find(t => t.name === 'GD at step 10');"
        " return [t.x[0], t.y[0]]; }"
    )  # fmt: skip
    px, py = _to_pixels(p, mx, my)
    px += 15  # beside the marker, well within the 20 pixels at which it would catch the click
    want = _to_data(p, px, py)
    before = p.inner_text("#ls-start")
    p.mouse.click(px, py)
    p.wait_for_function(
        "b => document.querySelector('#ls-start').innerText !== b", arg=before, timeout=10_000
    )
    x, y = (float(v) for v in p.inner_text("#ls-start").strip("()").split(","))
    # the contour's grid has 100 points a side over [-5, 5] x [-2.5, 2.5]: the click lands
    # on its nearest grid point, within half a grid step of where the pointer was
    assert abs(x - want[0]) <= 0.5 * 10 / 99 + 1e-3 and abs(y - want[1]) <= 0.5 * 5 / 99 + 1e-3
    assert abs(x - mx) > 1.5 * 10 / 99  # not the racer's point, some 15 pixels away


def test_the_network_menus_show_for_the_network_surface_only(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=rosenbrock&steps=50")
    wait_for_race(p)
    assert not p.is_visible("#ls-network") and not p.is_visible("#ls-entry-x")
    p.click("#ls-surface")
    p.get_by_text("two entries of a worked network (chosen below)", exact=True).click()
    p.wait_for_selector("#ls-network", state="visible", timeout=10_000)
    assert p.is_visible("#ls-entry-y")
    p.click("#ls-surface")
    p.get_by_text("Himmelblau", exact=True).click()
    p.wait_for_selector("#ls-network", state="hidden", timeout=10_000)


def test_the_contour_title_clears_the_toolbar(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=rosenbrock&steps=500&step=150")
    wait_for_race(p)
    p.hover("#ls-contour .nsewdrag")  # the toolbar shows while the pointer is on the figure
    p.wait_for_selector("#ls-contour .modebar", state="visible")
    title = p.locator("#ls-contour .gtitle").bounding_box()
    bar = p.locator("#ls-contour .modebar").bounding_box()
    apart_x = title["x"] + title["width"] <= bar["x"] or bar["x"] + bar["width"] <= title["x"]
    apart_y = title["y"] + title["height"] <= bar["y"] or bar["y"] + bar["height"] <= title["y"]
    assert apart_x or apart_y, f"the title {title} runs under the toolbar {bar}"
    axes = p.locator("#ls-contour .nsewdrag").first.bounding_box()
    lines = p.eval_on_selector_all(  # the title and its subtitle, each above the axes
        "#ls-contour .infolayer text[class^='gtitle']",
        "els => els.map(e => [e.textContent, e.getBoundingClientRect().bottom])",
    )
    assert len(lines) == 2 and all(bottom <= axes["y"] for _, bottom in lines), lines
