"""check_finite, encode_target and the Dataset's own checks on arrays given directly."""

import numpy as np
import pytest

from chainrule import data
from chainrule.data import DataError, Dataset, check_finite, encode_target
from chainrule.data.columns import ColumnBuffer


def test_check_finite_names_feature_and_example() -> None:
    X = np.ones((3, 5))
    check_finite(X, np.zeros((1, 5)))
    X[2, 4] = np.inf
    X[1, 3] = np.nan
    with pytest.raises(
        DataError,
        match=r"X\[1, 3\] is nan: feature 1 \('b'\) of example 3 "
        r"\(examples are columns\); 2 values of X are not finite",
    ):
        check_finite(X, feature_names=["a", "b", "c"])
    with pytest.raises(DataError, match=r"y\[0, 2\] is -inf: the target of example 2"):
        check_finite(np.ones((2, 4)), np.array([[0.0, 1.0, -np.inf, 0.0]]))
    with pytest.raises(DataError, match=r"y\[1\] is nan: example 1"):
        check_finite(np.ones((2, 2)), np.array([0.0, np.nan]))


def test_check_finite_on_overflowing_sums_ints_and_non_numbers() -> None:
    check_finite(np.full((2, 3), 1e308))  # the sum overflows, every value is finite
    check_finite(np.arange(6).reshape(2, 3))
    check_finite(np.ones((2, 2), dtype=np.float32))
    with pytest.raises(DataError, match=r"X\[0, 1\] is inf"):
        check_finite(np.array([[1.0, np.inf]], dtype=np.float16))
    with pytest.raises(DataError, match="X must hold numbers; got an array of dtype <U1"):
        check_finite(np.array([["a"]]))
    with pytest.raises(DataError, match=r"X is nan"):
        check_finite(np.float64("nan"))


def test_encode_target_rule() -> None:
    t = encode_target(np.array([[5.0, 3.0, 5.0]]))
    assert t.task == "binary"
    np.testing.assert_array_equal(t.y, [1, 0, 1])
    np.testing.assert_array_equal(t.classes, [3, 5])
    assert encode_target([0, 1, 2, 255]).task == "multiclass"
    with pytest.raises(DataError, match="from 0 to 256"):
        encode_target([0, 1, 256])
    assert encode_target([0.0, 1.5]).task == "regression"
    assert encode_target([1e300, -1e300], task="regression").task == "regression"
    with pytest.raises(DataError, match=r"from -1e\+300 to 1e\+300"):
        encode_target([1e300, -1e300])
    with pytest.raises(DataError, match="holds no values"):
        encode_target([])
    with pytest.raises(DataError, match=r"y\[1\] is nan"):
        encode_target([0.0, np.nan])
    with pytest.raises(DataError, match="it holds 4: 0, 1, 2, 3; pass task='multiclass'"):
        encode_target([0, 1, 2, 3], task="binary")
    with pytest.raises(DataError, match="holds one value only"):
        encode_target([1, 1], task="multiclass")


def test_dataset_keeps_classes_and_checks_its_arrays() -> None:
    X = np.zeros((2, 3))
    d = Dataset(X, np.array([[0.0, 1.0, 1.0]]), ("a", "b"), "y", "binary", "t", ("no", "yes"))
    np.testing.assert_array_equal(d.classes, [0, 1])
    d = Dataset(
        X, np.array([[0.0, 1.0, 1.0]]), ("a", "b"), "y", "binary", "t", classes=np.array([3.0, 5.0])
    )
    assert d.class_names == ("3", "5")
    np.testing.assert_array_equal(d.targets, [[3, 5, 5]])
    for part in d.split(0.34, seed=0):
        np.testing.assert_array_equal(part.classes, [3, 5])
    with pytest.raises(DataError, match=r"X\[1, 2\] is nan: feature 1 \('b'\) of example 2"):
        Dataset(
            np.array([[0.0, 0, 0], [0, 0, np.nan]]),
            np.zeros((1, 3)),
            ("a", "b"),
            "y",
            "regression",
            "t",
        )
    with pytest.raises(ValueError, match=r"y must hold class indices 0..1; example 2 has 2.0"):
        Dataset(X, np.array([[0.0, 1.0, 2.0]]), ("a", "b"), "y", "binary", "t", ("0", "1"))
    with pytest.raises(ValueError, match=r"a binary task needs 2 classes.*got 3 names"):
        Dataset(X, np.zeros((1, 3)), ("a", "b"), "y", "binary", "t", ("0", "1", "2"))
    with pytest.raises(ValueError, match="needs 2 classes"):
        Dataset(X, np.zeros((1, 3)), ("a", "b"), "y", "binary", "t")


@pytest.mark.parametrize("name", sorted(data.DATASETS))
def test_builtin_classes_are_their_label_values(name: str) -> None:
    d = data.load(name)
    if d.task == "regression":
        assert d.classes.size == 0
    else:
        np.testing.assert_array_equal(d.classes, np.arange(d.n_classes))
        np.testing.assert_array_equal(d.targets, d.y)


@pytest.mark.parametrize("capacity", [1, 3, 7, 100])
def test_column_buffer_transposes_rows_at_any_capacity(capacity: int) -> None:
    rng = np.random.default_rng(capacity)
    blocks = [rng.standard_normal((k, 4)) for k in (2, 0, 3, 1)]
    table = np.vstack(blocks)
    for target in range(4):
        buffer = ColumnBuffer(4, target, capacity)
        for block in blocks:
            buffer.add(block)
        X, y = buffer.arrays()
        np.testing.assert_array_equal(X, np.delete(table, target, axis=1).T)
        np.testing.assert_array_equal(y, table[:, target])
        assert X.flags.c_contiguous and X.shape == (3, 6) and y.shape == (6,)
