"""The app in a real browser: Playwright drives Debian's chromium against a loopback server.

Every test records every request the page makes and every console message; a
request that leaves 127.0.0.1 or a console error fails the test.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    from werkzeug.serving import make_server

    from chainrule.app import create_app

    httpd = make_server("127.0.0.1", 0, create_app().server, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS, headless=True)
        yield b
        b.close()


class Watched:
    """A page with every request and console error recorded."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", lambda r: self.requests.append(r.url))
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))

    def check(self) -> None:
        outside = [u for u in self.requests if urlparse(u).hostname != "127.0.0.1"]
        assert not outside, f"requests left 127.0.0.1: {outside}"
        assert not self.errors, f"console errors: {self.errors}"


@pytest.fixture
def page(browser: Any) -> Iterator[Watched]:
    context = browser.new_context(viewport={"width": 1366, "height": 900})
    watched = Watched(context.new_page())
    yield watched
    watched.check()
    context.close()


def test_home_page_links_every_page(server: str, page: Watched) -> None:
    page.page.goto(server + "/")
    page.page.wait_for_selector("h1")
    text = page.page.inner_text("main")
    assert "backpropagation you can see" in text
    hrefs = page.page.eval_on_selector_all("main a", "els => els.map(e => e.getAttribute('href'))")
    assert {"/landscape", "/backprop"} <= set(hrefs)
    assert any(u.endswith(".js") or ".js?" in u for u in page.requests)


def test_unknown_path_says_so(server: str, page: Watched) -> None:
    page.page.goto(server + "/nowhere")
    page.page.wait_for_selector("text=No such page")


def wait_for_race(page: Any) -> None:
    page.wait_for_selector("#ls-contour .contour", timeout=30_000)
    page.wait_for_selector("#ls-table table", timeout=30_000)


def table_text(page: Any) -> str:
    return str(page.inner_text("#ls-table"))


def test_landscape_opens_on_the_regression(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape")
    wait_for_race(p)
    assert "w, b: loss contours" in p.inner_text("#ls-contour")
    for label in ("GD", "momentum (course)", "RMSprop", "Adam"):
        assert label in table_text(p)
    assert p.is_visible("#ls-fit .main-svg")  # the data with the fitted lines
    assert "surface=regression" in p.url and "racers=gd:0.05" in p.url


def test_clicking_the_contours_moves_the_start(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=bowl&steps=50")
    wait_for_race(p)
    before = p.inner_text("#ls-start")
    box = p.locator("#ls-contour .nsewdrag").first.bounding_box()
    p.mouse.click(box["x"] + 0.8 * box["width"], box["y"] + 0.2 * box["height"])
    p.wait_for_function(
        "b => document.querySelector('#ls-start').innerText !== b", arg=before, timeout=10_000
    )
    x, y = (float(v) for v in p.inner_text("#ls-start").strip("()").split(","))
    # the bowl's window is [-5, 5] x [-2.5, 2.5]: 80 % across and 20 % down
    assert x == pytest.approx(3.0, abs=0.5) and y == pytest.approx(1.5, abs=0.5)
    p.wait_for_function("() => window.location.search.includes('start=')")
    # every racer now starts there: step 0 of the table shows the new start
    p.goto(p.url.replace("step=50", "step=0"))
    wait_for_race(p)
    assert f"({x:.4g}, {y:.4g})" in table_text(p)


def test_sliders_recompute_every_path(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=bowl&steps=50&racers=gd:0.05,adam:0.05")
    wait_for_race(p)
    before = table_text(p)
    thumb = p.locator("[id*='ls-lr'][id*='\"racer\":\"gd\"'] [role=slider]").first
    thumb.focus()
    p.keyboard.press("PageUp")
    p.wait_for_function(
        "b => document.querySelector('#ls-table').innerText !== b", arg=before, timeout=10_000
    )
    assert "racers=gd:" in p.url and "racers=gd:0.05," not in p.url
    # the step slider walks along the paths without re-racing
    step = p.locator("#ls-step [role=slider]").first
    step.focus()
    p.keyboard.press("Home")
    p.wait_for_function("() => window.location.search.includes('step=0')", timeout=10_000)
    p.wait_for_function(
        "() => document.querySelector('#ls-table td:nth-child(2)').innerText === '0'"
    )


def test_a_shared_link_reproduces_the_view(server: str, page: Watched) -> None:
    p = page.page
    query = "?surface=himmelblau&steps=40&step=7&racers=momentum:0.01,adagrad:0.3&start=1,1"
    p.goto(server + "/landscape" + query)
    wait_for_race(p)
    text = table_text(p)
    assert "momentum (course)" in text and "Adagrad" in text and "GD" not in text.split()
    assert "\n7\t" in text or "\t7\t" in text
    assert "start=1,1" in p.url and "step=7" in p.url


def test_a_bad_link_says_why(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=rosenbrock&steps=99999")
    wait_for_race(p)
    assert "steps must be in [1, 1000], got '99999'" in p.inner_text("#ls-error")


def card(page: Any) -> str:
    return str(page.inner_text("#bp-card"))


def test_stepper_walks_forward_and_backward(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/backprop")
    p.wait_for_selector("#bp-equation")
    assert "Z1 = W1 X + b1" in card(p)
    assert "[0.15 0.2; 0.25 0.3] [0.05; 0.1] + [0.35; 0.35]" in card(p)
    assert "0.3775" in card(p) and "shape (k, m) = 2×1" in card(p)
    expected = ["A1 = σ(Z1)", "Z2 = W2 A1 + b2", "A2 = σ(Z2)", "L = ", "dZ2 = (A2 − Y) ⊙ A2"]
    for equation in expected:
        p.click("#bp-next")
        p.wait_for_function(
            "e => document.querySelector('#bp-equation').innerText.startsWith(e)", arg=equation
        )
    assert "step 6 of 15: backward" in p.inner_text("#bp-position")
    p.click("#bp-back")
    p.wait_for_function("() => document.querySelector('#bp-equation').innerText.startsWith('L')")
    p.click("#bp-last")
    p.wait_for_function("() => document.querySelector('#bp-title').innerText === 'Update: b2'")
    assert "old value" in card(p) and "step=14" in p.url


def test_work_it_out_yourself(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/backprop")
    p.wait_for_selector("#bp-equation")
    p.check("#bp-hide input")
    p.wait_for_selector("#bp-card details")
    assert not p.is_visible("#bp-card table")  # the result waits for the learner
    p.fill("#bp-answer", "0.5")
    p.click("#bp-check")
    p.wait_for_selector("#bp-verdict.wrong")
    assert "Not quite" in p.inner_text("#bp-verdict")
    p.fill("#bp-answer", "0.3775")
    p.click("#bp-check")
    p.wait_for_selector("#bp-verdict.right")
    assert "Right" in p.inner_text("#bp-verdict")


def test_typing_a_weight_recomputes_and_a_bad_one_says_why(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/backprop")
    p.wait_for_selector("#bp-equation")
    box = p.locator('textarea[id*=\'"name":"W1"\']')
    box.fill("1, 0; 0, 1")
    p.wait_for_function(
        "() => document.querySelector('#bp-substituted').innerText.includes('[1 0; 0 1]')"
    )
    assert "0.4" in card(p)  # Z1[0] = 1·0.05 + 0·0.1 + 0.35
    box.fill("1, zero; 0, 1")
    p.wait_for_function(
        "() => document.querySelector('#bp-error').innerText.includes(\"'zero' is not a number\")"
    )


ADAM_PATH = "e => JSON.stringify(e.data.find(t => t.name === 'Adam').x)"


def test_slider_to_redrawn_figure_time(server: str, page: Watched) -> None:
    """Times slider change -> redrawn figure in the browser; prints the median."""
    import statistics
    import time

    p = page.page
    p.goto(server + "/landscape?surface=bowl&steps=100")
    wait_for_race(p)
    thumb = p.locator("[id*='ls-lr'][id*='\"racer\":\"adam\"'] [role=slider]").first
    times = []
    for key in ["ArrowLeft"] * 4 + ["ArrowRight"] * 4:
        before = p.eval_on_selector("#ls-contour .js-plotly-plot", ADAM_PATH)
        thumb.focus()
        began = time.perf_counter()
        p.keyboard.press(key)
        p.wait_for_function(
            f"b => ({ADAM_PATH})(document.querySelector('#ls-contour .js-plotly-plot')) !== b",
            arg=before,
            timeout=15_000,
        )
        times.append(time.perf_counter() - began)
    median = statistics.median(times) * 1e3
    print(f"\nslider change -> redrawn contour figure: median {median:.0f} ms over {len(times)}")
    assert len(times) == 8


def test_play_walks_the_step_forward(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=saddle&steps=50&step=0&racers=gd:0.1")
    wait_for_race(p)
    p.click("#ls-play")
    p.wait_for_function("() => document.querySelector('#ls-play').innerText.includes('pause')")
    p.wait_for_function("() => window.location.search.includes('step=50')", timeout=20_000)
    p.wait_for_function("() => document.querySelector('#ls-play').innerText.includes('play')")


def test_export_the_race_as_a_python_script(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=beale&racers=adam:0.05&steps=20")
    wait_for_race(p)
    with p.expect_download() as download:
        p.click("#ls-export-script")
    text = Path(download.value.path()).read_text()
    assert "FUNCTIONS['beale']()" in text and "optim.adam(0.05)" in text


def test_choosing_another_network(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/backprop")
    p.wait_for_selector("#bp-equation")
    p.click("#bp-network")
    p.get_by_text("seed 001: 3-2-1 delta rule").click()
    p.wait_for_function(
        "() => document.querySelector('#bp-equation').innerText.startsWith('v_in1 = W01ᵀ X')"
    )
    assert "network=delta-rule" in p.url
    assert "W01 (3×2)" in p.inner_text("#bp-controls")


def test_export_the_race_as_a_gif(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/landscape?surface=saddle&racers=gd:0.05&steps=30")
    wait_for_race(p)
    with p.expect_download(timeout=60_000) as download:
        p.click("#ls-export-gif")
    assert Path(download.value.path()).read_bytes()[:6] == b"GIF89a"
