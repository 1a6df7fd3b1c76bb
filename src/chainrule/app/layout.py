"""What every page of the app shares: a title, what it teaches, controls beside figures."""

from __future__ import annotations

from typing import Any

from dash import html


def page(title: str, intro: str, controls: Any, figures: Any) -> html.Div:
    """A page: the title, one paragraph saying what it shows, then controls and figures in a row."""
    return html.Div(
        [
            html.H2(title),
            html.P(intro, className="note"),
            html.Div([controls, figures], className="row"),
        ]
    )
