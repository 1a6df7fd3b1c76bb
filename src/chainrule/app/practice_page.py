"""``/practice``: one exercise at a time, checked on the server by the exercise's own checker.

The URL holds the topic and the seed (``/practice?topic=landscape&seed=3``):
the exercise is the first of :func:`chainrule.exercises.generate` for them,
the one ``chainrule exercises --topic T --seed N --count 1`` writes, so a
link gives everyone the same exercise. An answer is text, checked by
``Exercise.check`` (numbers, shapes and equations are read by the
exercises' own parser: nothing typed is evaluated as code). The score is
kept in the browser's session storage (``pr-score``); the server keeps no
state, only a cache of made exercises, which are pure functions of the URL.

Callbacks: ``show`` (topic, seed, "next") -> the exercise, the URL, a clean
answer; ``check`` (the answer) -> the verdict and the score; ``reveal`` ->
the worked solution; ``score`` -> the score's text.
"""

from __future__ import annotations

import base64
import inspect
import re
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs, urlencode

import dash
from dash import Input, Output, State, ctx, dcc, html

from chainrule.app.layout import math_text, page
from chainrule.exercises import TOPICS, Exercise, generate
from chainrule.exercises.parse import MAX_LENGTH
from chainrule.exercises.render import blocks
from chainrule.exercises.sheet import HINTS

SVG_NAMESPACE = "http://www.w3.org/2000/svg"  # a name, not an address: nothing is fetched
MAX_SEED = 2**31 - 1
MAX_REMEMBERED = 1000  # exercises whose first answer the score remembers
DEFAULT_TOPIC = "chain-rule"


def topic_summary(topic: str) -> str:
    """What a topic asks, from its function's docstring."""
    doc = inspect.getdoc(TOPICS[topic]) or ""
    return doc.splitlines()[0] if doc else topic


def check_topic(topic: Any) -> str:
    if not isinstance(topic, str) or topic not in TOPICS:
        raise ValueError(f"topic must be one of {', '.join(TOPICS)}, got {topic!r}")
    return topic


def check_seed(seed: Any) -> int:
    """A seed from 0 to MAX_SEED, given as an int or its digits."""
    text = str(seed).strip() if isinstance(seed, str | int) and not isinstance(seed, bool) else ""
    if not re.fullmatch(r"\d{1,10}", text) or int(text) > MAX_SEED:
        raise ValueError(f"seed must be a whole number from 0 to {MAX_SEED}, got {seed!r}")
    return int(text)


def from_query(search: str) -> tuple[str, int]:
    """(topic, seed) of a URL query; missing keys take the defaults."""
    fields = {k: v[-1] for k, v in parse_qs(search.lstrip("?"), keep_blank_values=True).items()}
    extra = sorted(set(fields) - {"topic", "seed"})
    if extra:
        raise ValueError(f"unknown URL setting {extra[0]!r}: the page reads topic and seed")
    return check_topic(fields.get("topic", DEFAULT_TOPIC)), check_seed(fields.get("seed", "0"))


def config_of(config: Any) -> tuple[str, int]:
    """(topic, seed) of the stored ``pr-config``, checked (the browser could have altered it)."""
    if not isinstance(config, dict):
        raise ValueError("the stored exercise is not a mapping: reload the page")
    return check_topic(config.get("topic")), check_seed(config.get("seed"))


def to_query(topic: str, seed: int) -> str:
    return "?" + urlencode({"topic": topic, "seed": seed})


@lru_cache(maxsize=256)
def exercise(topic: str, seed: int) -> Exercise:
    """The page's exercise: a pure function of (topic, seed), so it is kept."""
    return generate(topic, seed, 1).exercises[0]


def _inline(text: str) -> list[Any]:
    out: list[Any] = []
    for part in re.split(r"(`[^`]*`|\*\*[^*]+\*\*)", text):
        if part.startswith("`") and part.endswith("`") and len(part) >= 2:
            out.append(html.Code(part[1:-1]))
        elif part.startswith("**") and part.endswith("**") and len(part) >= 4:
            out.append(html.Strong(part[2:-2]))
        elif part:
            out += math_text(part)
    return out


def markdown(text: str) -> list[Any]:
    """A question's or solution's Markdown as components (the sheets' reading of it), with the
    mathematics in Unicode text."""
    out: list[Any] = []
    for block in blocks(text):
        if block.kind in ("heading1", "heading2"):
            out.append(html.H3(_inline(block.lines[0])))
        elif block.kind == "paragraph":
            out.append(html.P(_inline(" ".join(block.lines))))
        elif block.kind == "list":
            out.append(html.Ul([html.Li(_inline(item)) for item in block.lines]))
        else:
            out.append(html.Pre(math_text("\n".join(block.lines)), className="mono"))
    return out


def _exercise_view(e: Exercise, topic: str, seed: int) -> list[Any]:
    parts: list[Any] = [
        html.Div(f"{topic}, seed {seed}", className="note"),
        *markdown(e.question),
    ]
    if e.figure is not None:  # the exercise's own SVG, as an image of data: no file, no request
        svg = e.figure.replace("<svg ", f'<svg xmlns="{SVG_NAMESPACE}" ', 1)
        src = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
        parts.append(html.Img(src=src, id="pr-figure", alt="the paths on the contours"))
    parts.append(html.Div(f"Type {HINTS[e.answer_kind]}.", className="note"))
    return parts


def layout(search: str) -> html.Div:
    """The page for a URL query; a bad query shows its reason and the default exercise."""
    error = ""
    try:
        topic, seed = from_query(search)
    except ValueError as e:
        (topic, seed), error = (DEFAULT_TOPIC, 0), f"The link's settings were not used: {e}"
    controls = html.Div(
        [
            html.Label("Topic", htmlFor="pr-topic"),
            dcc.Dropdown(
                id="pr-topic",
                options=[{"label": k, "value": k} for k in TOPICS],
                value=topic,
                clearable=False,
            ),
            html.P(topic_summary(topic), id="pr-summary", className="note"),
            html.Label("Seed", htmlFor="pr-seed"),
            dcc.Input(
                id="pr-seed", type="number", min=0, max=MAX_SEED, step=1, value=seed, debounce=True
            ),
            html.Label("Score (this browser session)"),
            html.Div(id="pr-score-text", className="mono"),
        ],
        className="panel controls",
    )
    work = html.Div(
        [
            html.Div(id="pr-error", className="error", children=error),
            html.Div(id="pr-exercise", className="step-card"),
            html.Div(
                [
                    dcc.Input(
                        id="pr-answer",
                        type="text",
                        maxLength=MAX_LENGTH,
                        placeholder="your answer",
                        style={"width": "28rem", "maxWidth": "100%"},
                    ),
                    html.Button("check", id="pr-check", n_clicks=0),
                    html.Span(id="pr-verdict"),
                ],
                className="panel",
                style={"margin": "0.8rem 0"},
            ),
            html.Div(
                [
                    html.Button("show the worked solution", id="pr-reveal", n_clicks=0),
                    html.Button("next exercise", id="pr-next", n_clicks=0),
                ]
            ),
            html.Div(id="pr-solution"),
            dcc.Store(id="pr-config", data={"topic": topic, "seed": seed}),
            dcc.Store(id="pr-score", storage_type="session"),
        ],
        className="figures",
    )
    return page(
        "Practice",
        "Exercises made from a topic and a seed, with worked solutions computed by "
        "chainrule's engine and deriver. Type an answer and check it; the checker says what "
        "is wrong, not only that it is. The next exercise is the next seed.",
        controls,
        work,
    )


def score_of(data: Any) -> dict[str, Any]:
    """The stored score, checked (the browser could have altered it); empty when unreadable."""
    empty: dict[str, Any] = {"right": 0, "answered": 0, "done": []}
    if not isinstance(data, dict):
        return empty
    right, answered, done = data.get("right"), data.get("answered"), data.get("done")
    if not (
        isinstance(right, int)
        and isinstance(answered, int)
        and 0 <= right <= answered
        and isinstance(done, list)
        and all(isinstance(d, str) for d in done)
    ):
        return empty
    return {"right": right, "answered": answered, "done": done[-MAX_REMEMBERED:]}


def register(app: dash.Dash) -> None:
    """Adds the page's callbacks to ``app``."""

    @app.callback(
        Output("pr-config", "data"),
        Output("url", "search", allow_duplicate=True),
        Output("pr-exercise", "children"),
        Output("pr-error", "children"),
        Output("pr-seed", "value"),
        Output("pr-summary", "children"),
        Output("pr-answer", "value"),
        Output("pr-verdict", "children"),
        Output("pr-solution", "children"),
        Input("pr-topic", "value"),
        Input("pr-seed", "value"),
        Input("pr-next", "n_clicks"),
        State("pr-config", "data"),
        prevent_initial_call="initial_duplicate",
    )
    def show(topic: Any, seed: Any, _next: Any, config: Any) -> tuple[Any, ...]:
        try:
            shown = config_of(config)
        except ValueError:
            shown = (DEFAULT_TOPIC, 0)
        error = ""
        try:
            topic, seed = check_topic(topic), check_seed(seed)
        except ValueError as bad:
            error = str(bad)
            topic, seed = shown
        if ctx.triggered_id == "pr-next":
            seed = seed + 1 if seed < MAX_SEED else 0
        # the first call shows the layout's exercise: it keeps the layout's word on a bad link
        unchanged = (topic, seed) == shown and not error
        e = exercise(topic, seed)
        return (
            {"topic": topic, "seed": seed},
            to_query(topic, seed),
            _exercise_view(e, topic, seed),
            dash.no_update if unchanged else error,
            seed,
            topic_summary(topic),
            "",
            "",
            None,
        )

    @app.callback(
        Output("pr-verdict", "children", allow_duplicate=True),
        Output("pr-verdict", "className"),
        Output("pr-score", "data"),
        Input("pr-check", "n_clicks"),
        Input("pr-answer", "n_submit"),
        State("pr-answer", "value"),
        State("pr-config", "data"),
        State("pr-score", "data"),
        prevent_initial_call=True,
    )
    def check(_clicks: Any, _submit: Any, answer: Any, config: Any, stored: Any) -> Any:
        score = score_of(stored)
        if not isinstance(answer, str) or not answer.strip():
            return "Type an answer first.", "wrong", dash.no_update
        if len(answer) > MAX_LENGTH:
            return f"An answer holds at most {MAX_LENGTH} characters.", "wrong", dash.no_update
        try:
            topic, seed = config_of(config)
            verdict = exercise(topic, seed).check(answer)
        except ValueError as e:
            return f"The answer could not be checked: {e}", "wrong", dash.no_update
        key = f"{topic}:{seed}"
        if key not in score["done"]:  # the first answer to an exercise is the one scored
            score = {
                "right": score["right"] + verdict.ok,
                "answered": score["answered"] + 1,
                "done": [*score["done"], key][-MAX_REMEMBERED:],
            }
        if verdict.ok:
            return f"Right. {verdict.message}", "right", score
        kind = "" if verdict.kind == "unknown" else f" ({verdict.kind})"
        return f"Not right{kind}: {verdict.message}", "wrong", score

    @app.callback(
        Output("pr-solution", "children", allow_duplicate=True),
        Input("pr-reveal", "n_clicks"),
        State("pr-config", "data"),
        prevent_initial_call=True,
    )
    def reveal(_clicks: Any, config: Any) -> Any:
        try:
            topic, seed = config_of(config)
        except ValueError as error:
            return html.Div(str(error), className="error")
        e = exercise(topic, seed)
        return html.Div(
            [
                html.H3("Worked solution"),
                *markdown(e.solution),
                html.P(["Answer: ", html.Code(e.answer)]),
            ],
            className="step-card",
            id="pr-worked",
        )

    @app.callback(Output("pr-score-text", "children"), Input("pr-score", "data"))
    def score(stored: Any) -> str:
        s = score_of(stored)
        return f"{s['right']} right of {s['answered']} answered"
