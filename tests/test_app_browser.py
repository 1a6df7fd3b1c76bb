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
