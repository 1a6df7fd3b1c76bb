"""The playground's data, network choices and sharing in Chromium, all on loopback.

Build a network and train it on spirals to a stated test accuracy, switch to
three classes (softmax and cross-entropy), a regression, draw points, upload a
good and a bad CSV file, export the weights and reload them with
``chainrule.models.load``, hide controls by the link, and open the shared link
in a new page. The fixtures are those of test_app_browser: a request outside
127.0.0.1, or a console error, fails the test.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import chainrule as cr
from chainrule.app import playground_state as S  # noqa: N812
from test_app_browser import CHROMIUM, Watched, browser, page, server
from test_app_playground_browser import stats, wait_for_step

__all__ = ["browser", "page", "server"]  # fixtures used by name

pytestmark = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="needs Debian's chromium at /usr/bin/chromium (apt-get install chromium)",
)

SPIRALS = "?data=spiral&noise=0&features=x1,x2,x1sq,x2sq,x1x2,sinx1,sinx2&opt=adam&unit=epoch"
ACCURACY = re.compile(r"test accuracy ([\d.]+)%")


def python_run(query: str, steps: int) -> tuple[S.PlayConfig, dict[str, Any]]:
    """The same run computed here, as the server computes it."""
    config = S.from_query(query)
    run = S.fresh_run(config)
    for _ in range(steps):
        run = json.loads(json.dumps(S.advance(config, run)))
    return config, run


def set_number(p: Any, selector: str, value: float) -> None:
    p.fill(selector, str(value))
    p.press(selector, "Enter")


def choose(p: Any, dropdown: str, value: str) -> None:
    """Opens a Dash dropdown and picks the option of ``value``."""
    p.click(dropdown)
    p.click(f"[role=option]:has(input[value='{value}'])")


def test_build_a_network_and_train_on_spirals(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/playground" + SPIRALS)
    wait_for_step(p, 0)
    set_number(p, "#pg-neurons-0", 8)
    p.wait_for_function("() => window.location.search.includes('layers=8:tanh,2:tanh')")
    set_number(p, "#pg-neurons-1", 8)
    p.wait_for_function("() => window.location.search.includes('layers=8:tanh,8:tanh')")
    set_number(p, "#pg-lr", 0.03)
    wait_for_step(p, 0)
    for k in range(1, 16):
        p.click("#pg-step")
        wait_for_step(p, 21 * k)  # 210 training points in batches of 10
    shown = ACCURACY.search(p.inner_text("#pg-stats"))
    assert shown and float(shown.group(1)) >= 95.0  # 97.8% after 15 epochs
    _, run = python_run(p.url[p.url.index("?") :], 15)
    assert stats(p)[3] == pytest.approx(run["test"][-1], abs=5e-5)


def test_three_classes_cross_entropy_and_a_regression(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/playground?opt=adam&lr=0.05")
    wait_for_step(p, 0)
    circle = p.inner_text("#pg-stats")
    choose(p, "#pg-data", "blobs")
    p.wait_for_function("() => window.location.search.includes('data=blobs')")
    p.wait_for_selector("#pg-output:has-text('softmax over 3 classes, cross-entropy loss')")
    p.wait_for_function(  # the new run's numbers, not the circle's
        "old => document.querySelector('#pg-stats').innerText !== old", arg=circle
    )
    wait_for_step(p, 0)
    before = stats(p)[2]
    p.click("#pg-step")
    wait_for_step(p, 1)
    assert stats(p)[2] < before
    assert "Multiclass task" in p.inner_text("#pg-output")
    choose(p, "#pg-data", "multigauss")
    p.wait_for_selector("#pg-output:has-text('Regression task: tanh output, squared error loss')")
    choose(p, "#pg-out", "identity")
    p.wait_for_function("() => window.location.search.includes('out=identity')")
    p.wait_for_selector("#pg-output:has-text('linear output, squared error loss')")
    choose(p, "#pg-init", "small")
    p.wait_for_function("() => window.location.search.includes('init=small')")
    wait_for_step(p, 0)
    assert "accuracy" not in p.inner_text("#pg-stats")
    set_number(p, "#pg-neurons-0", 100)
    p.wait_for_selector("#pg-warning:has-text('Allowed, but training will be slow')")


def test_draw_points_and_open_the_shared_link(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/playground?data=xor&hide=features")
    wait_for_step(p, 0)
    assert not p.is_visible("#pg-group-features") and p.is_visible("#pg-group-data")
    p.click("#pg-draw label:has-text('class 1')")
    box = p.locator("#pg-boundary .nsewdrag").first.bounding_box()
    for dx, dy in ((0.3, 0.3), (0.7, 0.6)):
        p.mouse.click(box["x"] + dx * box["width"], box["y"] + dy * box["height"])
        p.wait_for_timeout(300)
    p.wait_for_selector("#pg-drawn-count:has-text('2 drawn')")
    assert p.url.count(":1") >= 2 and "pts=" in p.url
    wait_for_step(p, 0)
    p.wait_for_function(
        "() => document.querySelector('#pg-legend').textContent.includes('drawn, class 1')"
    )
    p.click("#pg-step")
    wait_for_step(p, 1)
    first = stats(p)
    config = S.from_query(p.url[p.url.index("?") :])
    assert len(config.drawn) == 2 and all(c == 1.0 for _, _, c in config.drawn)
    assert first[2] == pytest.approx(python_run(S.to_query(config), 1)[1]["train"][-1], abs=5e-5)
    watched = Watched(p.context.new_page())
    other = watched.page
    other.goto(p.url)
    wait_for_step(other, 0)
    assert "2 drawn" in other.inner_text("#pg-drawn-count")
    assert not other.is_visible("#pg-group-features")
    other.click("#pg-step")
    wait_for_step(other, 1)
    assert stats(other) == first
    watched.check()
    other.close()


def csv_file(name: str, content: bytes) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/csv", "buffer": content}


def test_upload_a_good_and_a_bad_csv(server: str, page: Watched) -> None:
    p = page.page
    p.goto(server + "/playground")
    wait_for_step(p, 0)
    bad = b"x1,x2,label\n0.1,0.2,0\n0.3,0.4,1\n0.5,oops,1\n"
    p.set_input_files("#pg-upload input", files=[csv_file("bad.csv", bad)])
    p.wait_for_selector("#pg-upload-error:has-text('line 4')")
    assert "bad.csv, line 4, column 'x2': 'oops' is not a number" in p.inner_text(
        "#pg-upload-error"
    )
    rng = np.random.default_rng(1)
    x = np.round(rng.uniform(-1, 1, (60, 2)), 3)
    rows = "".join(f"{a},{b},{int(a * b > 0)}\n" for a, b in x)
    p.set_input_files("#pg-upload input", files=[csv_file("mine.csv", ("a,b,c\n" + rows).encode())])
    p.wait_for_function("() => window.location.search.includes('data=csv')")
    assert p.inner_text("#pg-upload-error") == ""
    wait_for_step(p, 0)
    p.click("#pg-step")
    wait_for_step(p, 1)
    assert "train accuracy" in p.inner_text("#pg-stats")


def test_export_and_reload_the_weights(server: str, page: Watched, tmp_path: Path) -> None:
    p = page.page
    query = "?data=arms&classes=4&layers=6:relu,5:tanh&opt=adam&lr=0.02&l2=0.001"
    p.goto(server + "/playground" + query)
    wait_for_step(p, 0)
    for k in range(1, 4):
        p.click("#pg-step")
        wait_for_step(p, k)
    with p.expect_download() as info:
        p.click("#pg-export-npz")
    path = tmp_path / "weights.npz"
    info.value.save_as(path)
    loaded = cr.models.load(path)
    config, run = python_run(query, 3)
    model, _, _ = S.restore(config, run)
    data = S.split(config)
    np.testing.assert_array_equal(loaded.predict(data.X), model.predict(data.X))
    with p.expect_download() as info:
        p.click("#pg-export-json")
    info.value.save_as(tmp_path / "weights.json")
    document = json.loads((tmp_path / "weights.json").read_text())
    assert document["step"] == 3
    np.testing.assert_array_equal(np.array(document["params"]["W1"]), model.params["W1"])
    with p.expect_download() as info:
        p.click("#pg-export-py")
    assert info.value.suggested_filename == "playground_run.py"
