"""The race page's controls and its table, laid out from a checked :class:`RaceState`.

The racers' rows (switch, colour, learning-rate slider), the menus that choose
a worked network and two of its parameter entries for the ``network``
surface, and the table of every racer's numbers at the current step.
"""

from __future__ import annotations

import math

from dash import dcc, html

from chainrule.app import landscape_state as S  # noqa: N812 - S for the race's state
from chainrule.app.landscape_models import NETWORK, WORKED, entries


def racer_row(key: str, state: S.RaceState) -> html.Div:
    racer = S.RACERS[key]
    return html.Div(
        [
            dcc.Checklist(
                id={"type": "ls-on", "racer": key},
                options=[{"label": "", "value": key}],
                value=[key] if key in state.on else [],
            ),
            html.Span(
                [
                    html.Span(className="swatch", style={"background": S.COLORS[key]}),
                    " ",
                    racer.label,
                ]
            ),
            dcc.Slider(
                id={"type": "ls-lr", "racer": key},
                min=S.LOG_LR[0],
                max=S.LOG_LR[1],
                step=0.01,
                value=math.log10(state.lrs[key]),
                marks=None,
                updatemode="drag",
            ),
            html.Span(
                f"{state.lrs[key]:.3g}", id={"type": "ls-lr-text", "racer": key}, className="lr"
            ),
        ],
        className="racer",
    )


def network_style(surface: object) -> dict[str, str]:
    """The network menus' style: shown for the ``network`` surface, hidden for every other."""
    return {} if surface == NETWORK else {"display": "none"}


def network_controls(state: S.RaceState) -> html.Div:
    """The worked network and the two entries that move, shown for the ``network`` surface
    only (:func:`network_style`); hidden, they keep their values for when it is chosen."""
    options = [{"label": e, "value": e} for e in entries(state.network)]
    return html.Div(
        [
            html.Label("Network and two of its entries"),
            dcc.Dropdown(id="ls-network", options=list(WORKED), value=state.network,
                         clearable=False),
            html.Div(
                [
                    dcc.Dropdown(id="ls-entry-x", options=options, value=state.entries[0],
                                 clearable=False, style={"flex": "1"}),
                    dcc.Dropdown(id="ls-entry-y", options=options, value=state.entries[1],
                                 clearable=False, style={"flex": "1"}),
                ],
                style={"display": "flex", "gap": "0.4rem", "marginTop": "0.3rem"},
            ),
        ],
        id="ls-network-box",
        style=network_style(state.surface),
    )  # fmt: skip


def table(rows: list[tuple[str, str, list[str]]]) -> html.Table:
    head = ["racer", "step", "point", "loss", "gradient", "next update", "its velocity part"]
    return html.Table(
        [
            html.Thead(html.Tr([html.Th(h) for h in head])),
            html.Tbody(
                [
                    html.Tr(
                        [
                            html.Td(
                                [
                                    html.Span(
                                        className="swatch",
                                        style={
                                            "background": S.COLORS[k],
                                            "display": "inline-block",
                                            "width": "0.7rem",
                                            "height": "0.7rem",
                                            "borderRadius": "50%",
                                        },
                                    ),
                                    " ",
                                    label,
                                ],
                                style={"textAlign": "left"},
                            ),
                            *[html.Td(c, className="mono") for c in cells],
                        ],
                        id=f"ls-row-{k}",
                    )
                    for k, label, cells in rows
                ]
            ),
        ],
        className="values",
    )
