"""The playground in Chromium: load, add a layer, step, see the loss change; all on loopback.

The server, browser and watched-page fixtures are those of test_app_browser: every
request is recorded and one outside 127.0.0.1, or a console error, fails the test.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from test_app_browser import CHROMIUM, Watched, browser, page, server

__all__ = ["browser", "page", "server"]  # fixtures used by name

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)

STATS = re.compile(r"epoch (\d+), step (\d+) · train loss ([\d.]+), test loss ([\d.]+)")


def stats(p: Any) -> tuple[int, int, float, float]:
    found = STATS.search(p.inner_text("#pg-stats"))
    assert found, p.inner_text("#pg-stats")
    e, s, train, test = found.groups()
    return int(e), int(s), float(train), float(test)


def wait_for_step(p: Any, step: int) -> None:
    p.wait_for_function(
        "s => (document.querySelector('#pg-stats')?.innerText || '').includes('step ' + s + ' ')",
        arg=str(step),
        timeout=30_000,
    )


def test_load_add_a_layer_step_and_the_loss_changes(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/playground")
    wait_for_step(p, 0)
    p.wait_for_selector("#pg-boundary .heatmaplayer", timeout=30_000)
    assert "sigmoid output, binary cross-entropy loss" in p.inner_text("#pg-output")
    assert "2 hidden layers" in p.inner_text("#pg-count")
    p.click("#pg-add")
    p.wait_for_function("() => window.location.search.includes('layers=4:tanh,2:tanh,4:tanh')")
    assert p.is_visible("#pg-row-2") and not p.is_visible("#pg-row-3")
    wait_for_step(p, 0)
    _, _, before, test_before = stats(p)
    p.click("#pg-step")
    wait_for_step(p, 1)
    epoch, step, after, test_after = stats(p)
    assert (epoch, step) == (0, 1)
    assert after != before and test_after != test_before
    # an epoch step runs to the epoch's end: 210 training points in batches of 10
    p.click("text=step = one epoch")
    p.wait_for_function("() => window.location.search.includes('unit=epoch')")
    p.click("#pg-step")
    wait_for_step(p, 21)
    assert stats(p)[:2] == (1, 21)


def test_three_classes_and_a_shared_link(server: str, page: Watched) -> None:
    p = page.page
    query = "?data=blobs&classes=3&layers=6:relu&opt=adam&lr=0.05&unit=epoch"
    p.goto(server + "/playground" + query)
    wait_for_step(p, 0)
    assert "softmax over 3 classes, cross-entropy loss" in p.inner_text("#pg-output")
    for _ in range(3):
        step = stats(p)[1]
        p.click("#pg-step")
        wait_for_step(p, step + 21)  # 210 training points in batches of 10
    first = stats(p)
    # a second page with the same link, stepped as often, shows the same numbers
    watched = Watched(p.context.new_page())
    other = watched.page
    other.goto(p.url)
    wait_for_step(other, 0)
    for _ in range(3):
        step = stats(other)[1]
        other.click("#pg-step")
        wait_for_step(other, step + 21)
    assert stats(other) == first
    watched.check()
    other.close()


def test_a_diverging_run_stops_and_says_so(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/playground?layers=8:relu,8:relu&lr=10&unit=epoch")
    wait_for_step(p, 0)
    p.click("#pg-play")
    p.wait_for_selector("#pg-stopped:has-text('Diverged at step')", timeout=30_000)
    assert "Lower the learning rate (now 10)" in p.inner_text("#pg-stopped")
    p.wait_for_selector("#pg-play:has-text('play')")
    p.click("#pg-reset")
    wait_for_step(p, 0)
    assert p.inner_text("#pg-stopped") == ""
