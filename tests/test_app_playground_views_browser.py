"""The playground's network views in Chromium: hover a neuron, edit a weight, the
histograms and equations follow the architecture, and the rates while playing.

The server, browser and watched-page fixtures are those of test_app_browser: every
request is recorded and one outside 127.0.0.1, or a console error, fails the test.
"""

from __future__ import annotations

import base64
import re
import time
from typing import Any

import pytest

from test_app_browser import CHROMIUM, Watched, browser, page, server
from test_app_playground_browser import stats, wait_for_step
from test_app_stepper_browser import ones_vectors

__all__ = ["browser", "page", "server"]  # fixtures used by name

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)

NET = "#pg-net .js-plotly-plot"
WHERE = """([selector, key]) => {
  const gd = document.querySelector(selector), fl = gd._fullLayout;
  gd.scrollIntoView({block: 'center'});
  const box = gd.getBoundingClientRect(), t = gd.data[0];
  const i = t.customdata.findIndex(d => d[0] === key[0] && d[1] === key[1] && d[2] === key[2]);
  const value = key[0] === 'node' ? t.customdata[i][3] : parseFloat(t.hovertext[i].split(' = ')[1]);
  return [box.left + fl._size.l + fl.xaxis.l2p(t.x[i]), box.top + fl._size.t + fl.yaxis.l2p(t.y[i]),
          value];
}"""


def open_views(p: Any, server: str, query: str) -> None:
    p.goto(server + "/playground" + query)
    wait_for_step(p, 0)
    p.wait_for_selector("#pg-net image", timeout=30_000)
    p.wait_for_selector("#pg-eq .equation", timeout=30_000)
    p.wait_for_selector("#pg-hist[src^='data:image/svg+xml']", timeout=30_000)


def point_at(p: Any, key: list[Any]) -> tuple[float, float, Any]:
    x, y, value = p.evaluate(WHERE, [NET, key])
    return x, y, value


def histograms(p: Any) -> str:
    src = p.get_attribute("#pg-hist", "src")
    return base64.b64decode(src.split(",", 1)[1]).decode()


def test_hovering_a_neuron_enlarges_it(server: str, page: Watched) -> None:
    p = page.page
    open_views(p, server, "?layers=8:tanh,8:tanh")
    p.wait_for_selector("#pg-neuron .gtitle:has-text('output ŷ')", timeout=30_000)
    x, y, label = point_at(p, ["node", 1, 2])
    assert label == "layer 1, neuron 3"
    p.mouse.move(x - 3, y - 3)
    p.mouse.move(x, y)
    p.wait_for_selector("#pg-neuron .gtitle:has-text('layer 1, neuron 3')", timeout=30_000)
    assert p.is_visible("#pg-neuron .heatmaplayer")
    x, y, _ = point_at(p, ["node", 0, 1])
    p.mouse.move(x, y)
    p.wait_for_selector("#pg-neuron .gtitle:has-text('x₂')", timeout=30_000)
    # while playing, the node hovered stays enlarged, and its map follows the training
    p.click("#pg-play")
    p.wait_for_function(PAST_STEP, arg=0)
    x, y, _ = point_at(p, ["node", 2, 1])
    p.mouse.move(x, y)
    p.wait_for_selector("#pg-neuron .gtitle:has-text('layer 2, neuron 2')", timeout=30_000)
    image = "() => document.querySelector('#pg-neuron image').getAttribute('href')"
    time.sleep(1.0)
    shown = p.evaluate(image)
    p.wait_for_function(f"old => ({image})() !== old", arg=shown, timeout=30_000)
    assert "layer 2, neuron 2" in (p.text_content("#pg-neuron .gtitle") or "")
    p.click("#pg-play")
    p.wait_for_selector("#pg-play:has-text('play')")


def test_clicking_a_weight_edits_it_and_bad_numbers_are_refused(server: str, page: Watched) -> None:
    p = page.page
    open_views(p, server, "?layers=4:tanh,2:tanh")
    _, _, before, _ = stats(p)
    x, y, old = point_at(p, ["W3", 0, 1])
    p.mouse.click(x, y)
    p.wait_for_selector("#pg-edit-name:has-text('W3[0,1]: type its new value')")
    assert float(p.input_value("#pg-edit-value")) == pytest.approx(old, abs=5e-5)  # hover: 4 places
    for typed, reason in (
        ("abc", "Not set: W3[0,1] must be a number, got 'abc'"),
        ("1e9", "Not set: W3[0,1] must be in [-100, 100], got '1e9'"),
    ):
        p.fill("#pg-edit-value", typed)
        p.click("#pg-edit-set")
        p.wait_for_selector(f'#pg-edit-msg:has-text("{reason}")')
    p.fill("#pg-edit-value", "2.5")
    p.click("#pg-edit-set")
    p.wait_for_function(
        "s => (document.querySelector('#pg-stats')?.innerText || '').indexOf(s) < 0",
        arg=f"train loss {before:.4f}",
        timeout=30_000,
    )
    assert p.inner_text("#pg-edit-msg") == ""
    p.wait_for_function(
        f"() => document.querySelector('{NET}').data[0].hovertext"
        ".some(h => h.startsWith('W3[0,1] = 2.5000<br>'))"
    )
    assert stats(p)[:2] == (0, 0)  # an edit is not a step
    # the output bias too
    x, y, _ = point_at(p, ["b3", 0, 0])
    p.mouse.click(x, y)
    p.wait_for_selector("#pg-edit-name:has-text('b3[0]')")


PAST_STEP = (
    "s => +(/step (\\d+) /.exec(document.querySelector('#pg-stats').innerText) || [])[1] > s"
)


def test_edits_and_resets_made_while_playing_win_over_the_ticks(server: str, page: Watched) -> None:
    """A tick of play under way when a weight is typed in, or the run is reset, was
    computed from the run before: what the learner did must not be undone by it."""
    p = page.page
    open_views(p, server, "?layers=4:tanh,2:tanh&lr=0.0001")  # steps barely move a weight
    x, y, _ = point_at(p, ["W3", 0, 1])
    p.mouse.click(x, y)
    p.wait_for_selector("#pg-edit-name:has-text('W3[0,1]: type its new value')")
    p.click("#pg-play")
    p.wait_for_selector("#pg-play:has-text('pause')")
    for value in (3.0, -2.5, 1.75, -3.25, 2.25):
        p.wait_for_function(PAST_STEP, arg=stats(p)[1])  # playing
        p.fill("#pg-edit-value", str(value))
        p.press("#pg-edit-value", "Enter")
        time.sleep(0.5)  # ticks go on after the edit
        p.click("#pg-play")  # pause: the page shows the run's weights
        p.wait_for_selector("#pg-play:has-text('play')")
        p.wait_for_function(  # the frame of the pause is drawn
            f"() => document.querySelector('{NET}').data[0].hovertext"
            ".some(h => h.startsWith('W3[0,1] = '))"
        )
        time.sleep(0.3)
        _, _, shown = point_at(p, ["W3", 0, 1])
        assert shown == pytest.approx(value, abs=0.01), (value, shown)
        p.click("#pg-play")
        p.wait_for_selector("#pg-play:has-text('pause')")
    time.sleep(1.0)
    before = stats(p)[1]
    assert before > 0
    p.click("#pg-reset")
    time.sleep(0.3)
    p.click("#pg-play")
    p.wait_for_selector("#pg-play:has-text('play')")
    time.sleep(0.5)
    after = stats(p)[1]
    assert after < before, (before, after)  # the run started again from step 0


def test_histograms_and_equations_follow_the_architecture(server: str, page: Watched) -> None:
    p = page.page
    open_views(p, server, "?layers=4:tanh,2:tanh")
    equations = p.inner_text("#pg-eq")
    assert "dZ2 = (W3ᵀ dZ3) ⊙ (1 − A2²)" in equations and "∂L/∂W4" not in equations
    # the ones vector in L, in its own definition, and in ∂L/∂b1, ∂L/∂b2, ∂L/∂b3
    assert ones_vectors(p, "#pg-eq") == [["1", '"→"', True]] * 5
    svg = histograms(p)
    assert "A2: mean" in svg and "A3: mean" not in svg and "∂L/∂W3: mean" in svg
    before = p.get_attribute("#pg-hist", "src")
    p.click("#pg-step")
    wait_for_step(p, 1)
    p.wait_for_function(  # the weights moved, so did the activations and gradients
        "old => document.querySelector('#pg-hist').getAttribute('src') !== old",
        arg=before,
        timeout=30_000,
    )
    p.click("#pg-add")
    p.wait_for_function("() => window.location.search.includes('layers=4:tanh,2:tanh,4:tanh')")
    p.wait_for_selector("#pg-eq .equation:has-text('∂L/∂W4')", timeout=30_000)
    assert "dZ3 = (W4ᵀ dZ4) ⊙ (1 − A3²)" in p.inner_text("#pg-eq")
    p.wait_for_function(
        "() => atob(document.querySelector('#pg-hist').getAttribute('src').split(',')[1])"
        ".includes('A3: mean')",
        timeout=30_000,
    )
    p.click("#pg-act-2")
    p.get_by_text("relu", exact=True).click()
    p.wait_for_selector("#pg-eq .equation:has-text('1[Z3 > 0]')", timeout=30_000)


FIGURES = ("pg-boundary", "pg-net", "pg-neuron", "pg-loss")
COUNT_DRAWS = """ids => { window.__draws = {};
  // a redraw: a change of what a figure draws (an image's source, a curve's path, an
  // element added or removed), counted once per batch of changes the page makes
  for (const id of ids) {
    const gd = document.querySelector('#' + id + ' .js-plotly-plot'); window.__draws[id] = 0;
    const drawn = m => m.type === 'childList'
      || ['href', 'xlink:href', 'd'].includes(m.attributeName);
    new MutationObserver(changes => { if (changes.some(drawn)) { window.__draws[id] += 1; } })
      .observe(gd, {subtree: true, childList: true, attributes: true});
  } }"""
STEP = re.compile(r"step (\d+) ")
MIN_STEPS_PER_S = 20.0  # the target
MIN_REDRAWS_PER_S = 5.0
"""The target is 10 redraws a second: measured 13.7 to 14.3 on a quiet machine (8.2 to
15.1 with 5 ms of training a tick and other work loading the 2-core machine to a load
average of 2 to 4). The floor asserted leaves room for such load, so that the test is not
flaky; the rate is printed."""


def test_play_sustains_steps_and_redraws(server: str, page: Watched) -> None:
    """Plays a 2-8-8-1 network on 500 spiral points and measures the steps and the redraws
    of each figure a second it sustains (the targets: 20 and 10)."""
    p = page.page
    open_views(p, server, "?data=spiral&points=500&layers=8:tanh,8:tanh&lr=0.03&batch=10")
    p.wait_for_selector("#pg-boundary .heatmaplayer", timeout=30_000)
    p.wait_for_selector("#pg-neuron .heatmaplayer", timeout=30_000)
    p.evaluate(COUNT_DRAWS, list(FIGURES))
    p.click("#pg-play")
    time.sleep(2.0)  # into the steady state

    def sample() -> tuple[int, dict[str, int], float]:
        found = STEP.search(p.inner_text("#pg-stats"))
        assert found
        return int(found.group(1)), p.evaluate("() => ({...window.__draws})"), time.perf_counter()

    s0, d0, t0 = sample()
    time.sleep(6.0)
    s1, d1, t1 = sample()
    p.click("#pg-play")
    seconds = t1 - t0
    steps = (s1 - s0) / seconds
    draws = {k: (d1[k] - d0[k]) / seconds for k in d1}
    print(
        f"\nplayground while playing: {steps:.1f} steps/s; figure redraws/s: "
        + ", ".join(f"{k[3:]} {v:.1f}" for k, v in draws.items())
    )
    assert steps >= MIN_STEPS_PER_S
    assert min(draws.values()) >= MIN_REDRAWS_PER_S, draws
    assert p.inner_text("#pg-stopped") == ""
