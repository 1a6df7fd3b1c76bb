"""The playground's exports (weights as .npz and JSON, a script) and its CSV upload."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chainrule as cr
from chainrule.app import playground_data as D  # noqa: N812
from chainrule.app import playground_export as E  # noqa: N812
from chainrule.app import playground_state as P  # noqa: N812

SRC = Path(__file__).resolve().parents[1] / "src"


def trained(query: str, steps: int) -> tuple[P.PlayConfig, dict]:
    config = P.from_query(query)
    run = P.fresh_run(config)
    for _ in range(steps):
        run = json.loads(json.dumps(P.advance(config, run)))
    return config, run


def test_the_npz_file_loads_and_predicts_the_same(tmp_path: Path) -> None:
    config, run = trained("?data=arms&classes=4&layers=6:relu,5:tanh&opt=adam&lr=0.02", 7)
    path = tmp_path / "w.npz"
    path.write_bytes(E.weights_npz(config, run))
    loaded = cr.models.load(path)
    model, _, _ = P.restore(config, run)
    data = P.split(config)
    np.testing.assert_array_equal(loaded.predict(data.X), model.predict(data.X))
    assert loaded.hyperparameters() == model.hyperparameters()
    document = json.loads(E.weights_json(config, run))
    assert document["step"] == 7 and document["features"] == ["x1", "x2"]
    for k, v in model.params.items():
        np.testing.assert_array_equal(np.array(document["params"][k]), v)
    again = cr.models.MLP(**document["hyperparameters"])
    again.params = {k: np.array(v) for k, v in document["params"].items()}
    np.testing.assert_array_equal(again.predict(data.X), model.predict(data.X))


def run_script(source: str, tmp_path: Path) -> tuple[float, float]:
    path = tmp_path / "reproduce.py"
    path.write_text(source, encoding="utf-8")
    env = dict(os.environ, PYTHONPATH=str(SRC))
    out = subprocess.run(
        [sys.executable, str(path)], capture_output=True, text=True, env=env, timeout=120
    )
    assert out.returncode == 0, out.stderr
    words = out.stdout.split()
    return float(words[2].rstrip(",")), float(words[5])


@pytest.mark.parametrize(
    "query",
    [
        "?data=spiral&layers=8:tanh,6:tanh&features=x1,x2,x1sq,sinx2&opt=adam&lr=0.03&batch=16"
        "&pts=0.5:0.5:1;-1:1.2:0&l2=0.001",
        "?data=multigauss&points=150&layers=5:relu&out=identity&init=small&l1=0.001&opt=momentum"
        "&lr=0.05&unit=epoch",
    ],
)
def test_the_script_reproduces_the_run(query: str, tmp_path: Path) -> None:
    config, run = trained(query, 25)
    train, test = run_script(E.script(config, run), tmp_path)
    assert train == pytest.approx(run["train"][-1], rel=1e-12)
    assert test == pytest.approx(run["test"][-1], rel=1e-12)


def upload(text: str | bytes) -> str:
    raw = text.encode() if isinstance(text, str) else text
    return "data:text/csv;base64," + base64.b64encode(raw).decode()


def test_an_uploaded_table_trains_and_its_script_reproduces_it(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    x = np.round(rng.uniform(-3, 3, (40, 2)), 4)
    label = np.where(x[:, 0] * x[:, 1] > 0, "yes", "no")
    text = "a,b,label\n" + "".join(
        f"{p:.4f},{q:.4f},{c}\n" for (p, q), c in zip(x, label, strict=True)
    )
    text = text.replace("yes", "1").replace("no", "0")
    table = D.read_upload(upload(text), "xor.csv")
    assert (table.task, table.classes, len(table.rows)) == ("binary", 2, 40)
    config = P.check(
        P.PlayConfig(dataset=P.CSV, table=table.rows, table_task=table.task, table_name="xor.csv")
    )
    assert config.points == 40 and config.task == "binary"
    data = P.split(config)
    np.testing.assert_allclose(data.P, x.T * (P.SCALE / np.max(np.abs(x))), rtol=1e-14)
    np.testing.assert_array_equal(data.labels, (x[:, 0] * x[:, 1] > 0).astype(int))
    run = P.fresh_run(config)
    for _ in range(6):
        run = P.advance(config, run)
    assert run_script(E.script(config, run), tmp_path)[0] == pytest.approx(run["train"][-1])
    three = "x,y,t\n" + "".join(f"{i % 7},{i % 5},{i % 3}\n" for i in range(30))
    multi = D.read_upload(upload(three), "three.csv")
    assert (multi.task, multi.classes) == ("multiclass", 3)
    regression = D.read_upload(
        upload("x,y,t\n" + "".join(f"{i},{i % 4},{i / 7}\n" for i in range(12))), "r.csv"
    )
    assert regression.task == "regression"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,c\n1,2,0\n3,4,1\n5,x,1\n", "bad.csv, line 4, column 'b': 'x' is not a number"),
        ("a,b,c\n1,2,0\n3,4\n", "bad.csv, line 3"),
        (
            "a,b\n" + "".join(f"{i},{i % 2}\n" for i in range(20)),
            "two feature columns and a target",
        ),
        (
            "a,b,c\n" + "".join(f"{i},2,{i % 2}\n" for i in range(5)),
            "5 rows; the playground needs at least 10",
        ),
        ("a,b,c\n" + "".join(f"{i},{i},{i % 7}\n" for i in range(30)), "7 classes"),
        ("", "the file is empty"),
    ],
)
def test_a_bad_upload_says_why_with_its_line(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=None) as info:
        D.read_upload(upload(text), "bad.csv")
    assert message in str(info.value)
    assert "/tmp" not in str(info.value)


def test_an_upload_is_size_limited() -> None:
    big = "a,b,c\n" + "1.000000,2.000000,1\n" * 12_000
    with pytest.raises(ValueError, match="larger than the limit of 200,000 bytes"):
        D.read_upload(upload(big), "big.csv")
    with pytest.raises(ValueError, match="not base64"):
        D.read_upload("data:text/csv;base64,%%%", "odd.csv")
