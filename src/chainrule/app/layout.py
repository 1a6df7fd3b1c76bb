"""What every page of the app shares: a title, what it teaches, controls beside figures,
and the number fields of the controls."""

from __future__ import annotations

from typing import Any

from dash import dcc, html


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
