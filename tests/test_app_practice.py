"""The practice page without a browser: links are read and refused as they should be, the
stored score is checked, and every topic's exercise is shown and checked by its own checker."""

from __future__ import annotations

import pytest

import chainrule.exercises as ex
from chainrule.app import practice_page as P  # noqa: N812 - P for the page
from chainrule.app.server import PAGES, create_app


def test_links_are_read_and_bad_ones_refused() -> None:
    assert P.from_query("") == ("chain-rule", 0)
    assert P.from_query("?topic=landscape&seed=12") == ("landscape", 12)
    assert P.from_query(P.to_query("find-the-mistakes", 7)) == ("find-the-mistakes", 7)
    for query, fragment in [
        ("?topic=calculus", "topic must be one of"),
        ("?seed=-1", "seed must be a whole number"),
        ("?seed=1e3", "seed must be a whole number"),
        (f"?seed={P.MAX_SEED + 1}", "seed must be a whole number"),
        ("?count=3", "unknown URL setting 'count'"),
    ]:
        with pytest.raises(ValueError, match=fragment):
            P.from_query(query)
    with pytest.raises(ValueError, match="not a mapping"):
        P.config_of(["landscape", 3])


def test_a_stored_score_is_checked() -> None:
    empty = {"right": 0, "answered": 0, "done": []}
    assert P.score_of(None) == empty
    assert P.score_of({"right": 3, "answered": 2, "done": []}) == empty  # more right than answered
    assert P.score_of({"right": "1", "answered": 2, "done": []}) == empty
    kept = P.score_of({"right": 1, "answered": 2, "done": ["x"] * (P.MAX_REMEMBERED + 5)})
    assert kept["right"] == 1 and len(kept["done"]) == P.MAX_REMEMBERED


@pytest.mark.parametrize("topic", sorted(ex.TOPICS))
def test_every_topic_is_shown_and_its_answer_passes(topic: str) -> None:
    e = P.exercise(topic, 3)
    assert e == ex.generate(topic, 3, 1).exercises[0]
    shown = P._exercise_view(e, topic, 3)
    assert len(shown) >= 3 and e.answer_kind in P.HINTS
    assert e.check(e.answer).ok


def test_the_page_is_registered_and_linked_from_home() -> None:
    assert "/practice" in PAGES
    app = create_app()
    client = app.server.test_client()
    assert client.get("/practice?topic=landscape&seed=2").status_code == 200
    from chainrule.app import home

    assert "/practice" in [path for path, _, _ in home.SECTIONS]
