"""The Dash application: one router over the pages, and the servers that run it.

``create_app()`` builds a fresh Dash app (no state is kept in module globals:
two apps, or two users of one app, never share a run). ``serve`` runs it on
Flask's threaded development server, or with ``workers`` on waitress, a
production WSGI server that serves requests from a pool of threads.
"""

from __future__ import annotations

import threading
import webbrowser
from pathlib import Path
from typing import Any

import dash
from dash import Input, Output, State, dcc, html

from chainrule.app import backprop_page, home, landscape_page, playground_page, practice_page

PAGES: dict[str, str] = {
    "/": "home",
    "/landscape": "the optimizer race",
    "/backprop": "the backprop stepper",
    "/playground": "the playground",
    "/practice": "practice",
}
"""Path -> what the page is, in the order the navigation bar shows them."""

MAX_WORKERS = 64
MAX_REQUEST_BYTES = 8 << 20  # a callback request carries at most a race's paths
ASSETS = Path(__file__).with_name("assets")


def create_app() -> dash.Dash:
    """A Dash app serving every page, with all JavaScript and CSS from the package."""
    app = dash.Dash(
        __name__,
        title="chainrule",
        update_title="",
        serve_locally=True,
        assets_folder=str(ASSETS),
        suppress_callback_exceptions=True,
        external_stylesheets=[],
        external_scripts=[],
    )
    app.server.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    app.layout = html.Div(
        [
            dcc.Location(id="url", refresh="callback-nav"),
            _navigation(),
            html.Main(id="page", className="page"),
        ]
    )

    @app.callback(Output("page", "children"), Input("url", "pathname"), State("url", "search"))
    def route(pathname: str | None, search: str | None) -> Any:
        if pathname in (None, "", "/"):
            return home.layout()
        if pathname == "/landscape":
            return landscape_page.layout(search or "")
        if pathname == "/backprop":
            return backprop_page.layout(search or "")
        if pathname == "/playground":
            return playground_page.layout(search or "")
        if pathname == "/practice":
            return practice_page.layout(search or "")
        return html.Div(
            [
                html.H2("No such page"),
                html.P(f"{pathname} is not a page of chainrule; the pages are:"),
                html.Ul([html.Li(dcc.Link(p, href=p)) for p in PAGES]),
            ]
        )

    landscape_page.register(app)
    backprop_page.register(app)
    playground_page.register(app)
    practice_page.register(app)
    return app


def _navigation() -> html.Nav:
    links = [dcc.Link("chainrule", href="/", className="brand")]
    links += [dcc.Link(PAGES[p], href=p) for p in PAGES if p != "/"]
    return html.Nav(links, className="nav")


def check_server_options(host: str, port: int, workers: int | None) -> None:
    """Refuses a port outside 1..65535, a worker count outside 1..64 or an empty host."""
    if not host or any(c.isspace() for c in host):
        raise ValueError(f"--host must be an address such as 127.0.0.1, got {host!r}")
    if not 1 <= port <= 65535:
        raise ValueError(f"--port must be in 1..65535, got {port}")
    if workers is not None and not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"--workers must be in 1..{MAX_WORKERS}, got {workers}")


def serve(
    host: str = "127.0.0.1",
    port: int = 8050,
    open_browser: bool = False,
    workers: int | None = None,
) -> None:
    """Serves the app until interrupted.

    Args:
        host: the address to bind; 127.0.0.1 keeps the app on this machine.
        port: the TCP port.
        open_browser: open the home page in the default browser once serving.
        workers: None for Flask's threaded development server; N for waitress
            with a pool of N threads (one process), for many users at once.
    """
    check_server_options(host, port, workers)
    app = create_app()
    if open_browser:
        shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
        threading.Timer(1.0, webbrowser.open, args=(f"http://{shown}:{port}/",)).start()
    if workers is None:
        app.run(host=host, port=port, debug=False)
        return
    import waitress

    waitress.serve(app.server, host=host, port=port, threads=workers, ident="chainrule")
