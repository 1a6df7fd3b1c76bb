"""What every page of the app shares: a title, what it teaches, controls beside figures,
the number fields of the controls, and mathematics text as the browser should show it."""

from __future__ import annotations

import re
from typing import Any

from dash import dcc, html

from chainrule.exercises.render import VECTOR_ARROW


def page(title: str, intro: str, controls: Any, figures: Any) -> html.Div:
    """A page: the title, one paragraph saying what it shows, then controls and figures in a row."""
    return html.Div(
        [
            html.H2(title),
            html.P(intro, className="note"),
            html.Div([controls, figures], className="row"),
        ]
    )


def number_input(
    id: str,
    value: float | None,
    low: float | None = None,
    high: float | None = None,
    step: float | str = 1,
    width: str = "5rem",
    **style: str,
) -> dcc.Input:
    """A number field that sends its value on Enter or when it loses focus (not at each
    key), ``width`` wide, bounded by ``low`` and ``high`` where given; ``style`` adds
    to its style (CSS properties in Dash's camelCase)."""
    field = dcc.Input(
        id=id, type="number", step=step, value=value, debounce=True,
        style={"width": width, **style},
    )  # fmt: skip
    for name, bound in (("min", low), ("max", high)):
        if bound is not None:
            setattr(field, name, bound)  # an absent bound is left out, not sent as null
    return field


def math_text(text: str) -> list[Any]:
    """The deriver's Unicode text as children of a component, each ``c`` + combining arrow
    (``1⃗``, the ones vector) as a span of class ``vec`` whose arrow the style sheet draws
    above it: monospace fonts draw the combining arrow over the 1 as a bar (an Ī)."""
    out: list[Any] = []
    for part in re.split(f"(.{VECTOR_ARROW})", text):
        if len(part) == 2 and part[1] == VECTOR_ARROW:
            title = "the ones vector: a column of m ones" if part[0] == "1" else "a vector"
            out.append(html.Span(part[0], className="vec", title=title))
        elif part:
            out.append(part)
    return out
