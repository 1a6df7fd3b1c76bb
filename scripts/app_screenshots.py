"""Writes a screenshot of each page of the web app, for a person to look at.

    PYTHONPATH=src python scripts/app_screenshots.py [OUT_DIR]

Starts the app on a free loopback port, drives Debian's chromium through
Playwright (never ``playwright install``) and writes one PNG per view into
OUT_DIR (default ``app-screenshots/``); "playground-playing" is taken after
PLAY_S seconds of play, paused. It refuses to go on if a page makes a
request off 127.0.0.1 or logs a console error.
"""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from chainrule.app import create_app

CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
VIEWS = {
    "home": ("/", "h1"),
    "playground": ("/playground", "#pg-boundary .heatmaplayer"),
    "playground-playing": (
        "/playground?data=spiral&points=500&layers=8:tanh,8:tanh&lr=0.03&batch=10",
        "#pg-boundary .heatmaplayer",
    ),
    "landscape-regression": ("/landscape", "#ls-contour .contour"),
    "landscape-rosenbrock": (
        "/landscape?surface=rosenbrock&steps=500&racers=gd:0.001,momentum:0.003,"
        "rmsprop:0.01,adam:0.05&step=150",
        "#ls-contour .contour",
    ),
    "landscape-mlp-slice": ("/landscape?surface=mlp-slice&steps=200", "#ls-contour .contour"),
    "landscape-network-coordinates": (
        "/landscape?surface=sigmoid-first-layer&steps=200",
        "#ls-contour .contour",
    ),
    "backprop": ("/backprop", "#bp-equation"),
    "backprop-seed000-backward": ("/backprop?network=two-layer-sigmoid&step=5", "#bp-equation"),
    "backprop-update": ("/backprop?network=2-2-2&step=12", "#bp-equation"),
}
PLAY_S = 8.0


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    httpd = make_server("127.0.0.1", 0, create_app().server, threaded=True)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{httpd.server_port}"
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.on(
            "request",
            lambda r: (
                problems.append(f"request {r.url}")
                if urlparse(r.url).hostname != "127.0.0.1"
                else None
            ),
        )
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        for name, (path, ready) in VIEWS.items():
            page.goto(base + path)
            page.wait_for_selector(ready, timeout=30_000)
            page.wait_for_timeout(1500)
            if name.endswith("-playing"):
                page.click("#pg-play")
                page.wait_for_timeout(PLAY_S * 1000)
                page.click("#pg-play")
                page.wait_for_selector("#pg-play:has-text('play')")
                page.wait_for_timeout(1500)
            target = out / f"{name}.png"
            page.screenshot(path=str(target), full_page=True)
            print(target)
        browser.close()
    httpd.shutdown()
    if problems:
        sys.exit("problems: " + "; ".join(problems))


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "app-screenshots"))
