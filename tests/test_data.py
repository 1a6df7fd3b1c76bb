from pathlib import Path

import numpy as np
import pytest

from chainrule import data
from chainrule.data import DataError, load_csv


@pytest.mark.parametrize("name", sorted(data.DATASETS))
def test_builtin_datasets_are_columns_with_names(name: str) -> None:
    d = data.load(name)
    assert d.X.ndim == 2 and d.y.shape == (1, d.n_examples)
    assert len(d.feature_names) == d.n_features
    if d.task != "regression":
        assert set(np.unique(d.labels)) <= set(range(d.n_classes))


def test_synthetic_are_seeded() -> None:
    for make in (data.linear, data.moons, data.circles, data.xor, data.spirals, data.blobs):
        a, b, c = make(seed=1), make(seed=1), make(seed=2)
        np.testing.assert_array_equal(a.X, b.X)
        assert not np.array_equal(a.X, c.X)


def test_standardize() -> None:
    d = data.iris().standardized()
    np.testing.assert_allclose(d.X.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(d.X.std(axis=1), 1, rtol=1e-12)
    X, mean, std = data.standardize(np.array([[1.0, 1.0], [0.0, 2.0]]))
    np.testing.assert_array_equal(X[0], [0.0, 0.0])
    assert mean.shape == (2, 1) and std[0, 0] == 1.0


def test_split() -> None:
    train, test = data.moons(m=100).split(0.2, seed=0)
    assert train.n_examples == 80 and test.n_examples == 20


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "d.csv"
    path.write_text(text)
    return path


def test_load_csv_with_header_and_target(tmp_path: Path) -> None:
    d = load_csv(write(tmp_path, "a,b,label\n1,2,0\n3,4,1\n5,6,1\n"), target="label")
    assert d.feature_names == ("a", "b") and d.target_name == "label"
    np.testing.assert_array_equal(d.X, [[1, 3, 5], [2, 4, 6]])
    assert d.task == "binary"
    d = load_csv(write(tmp_path, "1.5,2,3.25\n4,5,6.5\n"))
    assert d.feature_names == ("x1", "x2") and d.task == "regression"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "the file is empty"),
        ("a,b\n", "has a header .* but no data rows"),
        ("a,b,y\n1,2,3\n4,,6\n", r"line 3, column 'b': missing value"),
        ("a,b,y\n1,2,3\n4,x5,6\n", r"line 3, column 'b': 'x5' is not a number"),
        ("a,b,y\n1,2,3\n4,5\n", r"line 3: 2 values, expected 3"),
    ],
)
def test_load_csv_errors_name_the_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        load_csv(write(tmp_path, text))


def test_load_csv_missing_target_and_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no column named 'price'; the columns are a, b"):
        load_csv(write(tmp_path, "a,b\n1,2\n"), target="price")
    with pytest.raises(DataError, match="No such file"):
        load_csv(tmp_path / "nope.csv")
    with pytest.raises(DataError, match="unknown data set 'nope'"):
        data.load("nope")
