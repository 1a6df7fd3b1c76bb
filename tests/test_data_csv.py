"""load_csv: every bad input is a DataError naming file, line, column and value; values
equal np.loadtxt's; memory stays near one copy of the data."""

import io
import os
import threading
import tracemalloc
from pathlib import Path

import numpy as np
import pytest

from chainrule import data
from chainrule.data import MAX_CLASSES, DataError, load_csv


def write(tmp_path: Path, text: str, name: str = "d.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def refused(path: Path, pattern: str, **kwargs: object) -> str:
    with pytest.raises(DataError, match=pattern) as e:
        load_csv(path, **kwargs)  # type: ignore[arg-type]
    message = str(e.value)
    assert str(path) in message
    return message


LONG = 200_000  # over the csv module's 131,072-character field limit


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("a,y\n1,2\ninf,3\n", r"line 3, column 'a': 'inf' is infinite"),
        ("a,y\n1,2\n3,-inf\n", r"line 3, column 'y': '-inf' is infinite"),
        ("a,y\n1,2\n3,+Infinity\n", r"line 3, column 'y': '\+Infinity' is infinite"),
        ("a,y\n1,2\n1e309,3\n", r"line 3, column 'a': '1e309' is too large for a float64"),
        ("a,y\n1,2\n-1e309,3\n", r"line 3, column 'a': '-1e309' is too large"),
        ("a,y\n1,2\n" + "9" * 400 + ",3\n", r"line 3, column 'a': '9999.*'\.\.\. \(400 char"),
        ("a,y\n1,2\n5,NaN\n", r"line 3, column 'y': missing value \('NaN'\)"),
        ("a,y\n1,2\nnan,3\n", r"line 3, column 'a': missing value \('nan'\)"),
        ("a,y\n1,2\n3,\n", r"line 3, column 'y': missing value \(''\)"),
        ("a,y\n1, NA \n", r"line 2, column 'y': missing value \('NA'\)"),
        ("a,y\n1,?\n", r"line 2, column 'y': missing value \('\?'\)"),
        ("a,y\n1,null\n", r"line 2, column 'y': missing value \('null'\)"),
        ("a,y\n1,2\n3,4x\n", r"line 3, column 'y': '4x' is not a number"),
        ("a,y\n1,2\n1_0,4\n", r"line 3, column 'a': '1_0' is not a number"),
        ("a,y\n1,2\n0x10,4\n", r"line 3, column 'a': '0x10' is not a number"),
        ('a,y\n1,2\n"3",4\n', r"line 3, column 'a': '\"3\"' is not a number"),
        ("a,y\n1,2\n１,4\n", r"line 3, column 'a': '１' is not a number"),
        (
            "a,y\n1,2\n" + "x" * LONG + ",3\n",
            r"line 3, column 'a': 'x.*\(200,000 characters\)",
        ),
        (
            "a,y\n1,2\n3," + "7" * LONG + "\n",
            r"line 3, column 'y': '7.*\(200,000 char.*large",
        ),
        ("a,b,y\n1,2,3\n1,2\n", r"line 3: 2 values, expected 3; the columns are a, b, y"),
        ("a,b,y\n1,2,3\n1,2,3,4\n", r"line 3: 4 values, expected 3"),
        ("a,y\n1,2,\n", r"line 2: 3 values, expected 2 \(it ends with a comma\)"),
        ("a,b,y\n1,2,3\n,,\n4,5,6\n", r"line 3: every cell is empty \(',,'\)"),
        ("a,b,y\n1,2,3\n,,,,\n", r"line 3: every cell is empty"),
        ("1,2,3\n , ,\n", r"line 2: every cell is empty"),
        ("", r": the file is empty"),
        ("\n  \n\t\n", r": the file is empty"),
        ("a,b\n", r": has a header \(line 1\) but no data rows"),
        ("\n\na,b\n\n", r": has a header \(line 3\) but no data rows"),
        ("a\n1\n", r"one column \('a'\) only"),
        ("a;y\n1;2\n", r"one column \('a;y'\) only.*separated by commas"),
        ("1.0,2.o,3\n4,5,6\n", r"line 1, column 2: '2.o' is not a number, but line 1 holds"),
        ("\n1,2,x\n4,5,6\n", r"line 2, column 3: 'x' is not a number"),
        ("a,b,2020\n1,2,3\n", r"line 1, column 3: '2020' is a number"),
        ("a,NA,c\n1,2,3\n", r"line 1, column 2: 'NA' marks a missing value"),
        ("a,b,a\n1,2,3\n", r"line 1: the header names columns 1 and 3 both 'a'"),
        ("x" * 1001 + ",y\n1,2\n", r"line 1, column 1: 'x.*too long for a column name"),
        ('a,"' + "x" * LONG + '"\n1,2\n', r"line 1, column 2: '\"x.*\(200,002 char.*too long"),
    ],
)
def test_every_bad_input_is_a_data_error_naming_where(
    tmp_path: Path, text: str, pattern: str
) -> None:
    refused(write(tmp_path, text), pattern)


def test_bad_bytes_and_unreadable_paths(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_bytes(b"a,y\n1,2\n\xff,3\n")
    refused(path, r"line 3: not UTF-8 text \(byte 0xff\)")
    refused(tmp_path / "nope.csv", "No such file")
    refused(tmp_path, "Is a directory")


def test_lines_are_numbered_across_blocks_and_line_endings(tmp_path: Path) -> None:
    rows = [f"{i},{i % 3}" for i in range(500)]
    rows[300] = "7,oops"
    text = "a,y\r\n\r\n" + "\r\n".join(rows) + "\r\n"
    path = write(tmp_path, text)
    for size in (1, 7, 64, 1 << 20):
        refused(path, r"line 303, column 'y': 'oops' is not a number", chunk_bytes=size)
    lone_cr = "a,y\r" + "\r".join(rows[:10]) + "\r5,\r"
    refused(write(tmp_path, lone_cr), r"line 12, column 'y': missing value")


def test_values_equal_np_loadtxt_at_any_block_size(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    table = rng.standard_normal((1000, 5)) * 10.0 ** rng.integers(-300, 300, (1000, 5))
    buffer = io.StringIO()
    np.savetxt(buffer, table, fmt="%.17g", delimiter=",")
    text = "a,b,c,d,e\n" + buffer.getvalue().replace("\n", "\n\n", 7)
    path = write(tmp_path, text)
    want = np.loadtxt(path, delimiter=",", skiprows=1)
    for size in (1, 100, 4096, 1 << 22):
        d = load_csv(path, task="regression", chunk_bytes=size)
        np.testing.assert_array_equal(d.X, want[:, :4].T)
        np.testing.assert_array_equal(d.y, want[:, 4:].T)
        assert d.X.dtype == np.float64 and d.X.flags.c_contiguous
    np.testing.assert_array_equal(table, want)  # %.17g round-trips


def test_whitespace_blank_lines_and_bom_are_accepted(tmp_path: Path) -> None:
    text = "\ufeff a , y \n\n  1.5 ,\t2 \n   \n\t\n+3,-.5e1\n"
    d = load_csv(write(tmp_path, text), task="regression")
    assert d.feature_names == ("a",) and d.target_name == "y"
    np.testing.assert_array_equal(d.X, [[1.5, 3.0]])
    np.testing.assert_array_equal(d.y, [[2.0, -5.0]])


def test_header_detection(tmp_path: Path) -> None:
    d = load_csv(write(tmp_path, "1.5,2\n3,4.5\n"))
    assert d.feature_names == ("x1",) and d.target_name == "x2" and d.n_examples == 2
    d = load_csv(write(tmp_path, ",a,y\n0,1.5,0.25\n1,2.5,0.75\n"))
    assert d.feature_names == ("x1", "a")  # pandas' unnamed index column
    d = load_csv(write(tmp_path, '"price, usd",y\n1,0.5\n2,1.5\n'))
    assert d.feature_names == ("price, usd",) and d.n_examples == 2
    d = load_csv(write(tmp_path, "2.o,abc\n1,0.5\n"))  # every cell a name: a header
    assert d.feature_names == ("2.o",)


def test_target_by_name_and_index(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b,c\n1,0.5,10\n2,1.5,20\n3,2.5,30\n")
    for target, name in [("b", "b"), (1, "b"), (-2, "b"), ("1", "b"), (0, "a"), (-1, "c")]:
        d = load_csv(path, target=target, task="regression")
        assert d.target_name == name
        assert d.feature_names == tuple(c for c in "abc" if c != name)
        column = "abc".index(name)
        np.testing.assert_array_equal(
            d.y, [[1, 2, 3], [0.5, 1.5, 2.5], [10, 20, 30]][column : column + 1]
        )
    d = load_csv(path, target=np.int64(0), task="regression")
    assert d.target_name == "a"
    refused(path, r"no column named 'price'; the columns are a, b, c", target="price")
    refused(
        path,
        r"no column 3: the file has 3 columns, indices 0..2 or -3..-1; the columns are a, b, c",
        target=3,
    )
    refused(path, r"no column -4", target=-4)
    with pytest.raises(DataError, match=r"target must be a column name or index, got True"):
        load_csv(path, target=True)
    headerless = write(tmp_path, "1,2\n3,4\n", "h.csv")
    refused(
        headerless,
        r"no column named 'y'; the columns are x1, x2 \(the file has no header\)",
        target="y",
    )


@pytest.mark.parametrize(
    ("targets", "task", "classes"),
    [
        ([0, 1, 1, 0], "binary", [0, 1]),
        ([0, 2, 2, 0], "binary", [0, 2]),
        ([3, 5, 3, 5], "binary", [3, 5]),
        ([-1, 1, 1, -1], "binary", [-1, 1]),
        ([0, 2, 7, 2], "multiclass", [0, 2, 7]),
        ([1, 2, 3, 255 + 1], "multiclass", [1, 2, 3, 256]),
        ([0.5, 1, 1, 0], "regression", []),
    ],
)
def test_label_inference(
    tmp_path: Path, targets: list[float], task: str, classes: list[float]
) -> None:
    text = "x,y\n" + "".join(f"{i},{t}\n" for i, t in enumerate(targets))
    d = load_csv(write(tmp_path, text))
    assert d.task == task
    np.testing.assert_array_equal(d.classes, classes)
    np.testing.assert_array_equal(d.targets, [targets])  # classes[labels] gives them back
    if classes:
        assert d.n_classes == len(classes) and set(d.labels) == set(range(len(classes)))
        assert d.class_names == tuple(str(int(c)) for c in classes)


def test_wide_integer_targets_are_refused_without_allocating(tmp_path: Path) -> None:
    path = write(tmp_path, "x,y\n1,0\n2,1000000000\n")
    tracemalloc.start()
    try:
        message = refused(path, r"whole numbers from 0 to 1000000000 \(2 distinct\)")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 8 << 20  # the read buffer; a billion class names would take gigabytes
    assert "task='regression'" in message and str(MAX_CLASSES) in message
    d = load_csv(path, task="binary")
    np.testing.assert_array_equal(d.classes, [0, 1e9])
    assert load_csv(path, task="regression").y.tolist() == [[0.0, 1e9]]
    refused(write(tmp_path, "x,y\n1,0\n2,256\n"), r"from 0 to 256")
    refused(write(tmp_path, "x,y\n1,4\n2,4\n"), r"holds one value only \(4\).*task='regression'")


def test_task_overrides_with_checks(tmp_path: Path) -> None:
    path = write(tmp_path, "x,y\n1,0\n2,1\n3,2\n4,1\n")
    assert load_csv(path, task="regression").task == "regression"
    assert load_csv(path, task="multiclass").n_classes == 3
    refused(
        path,
        r"task='binary' needs exactly 2 distinct values in the target 'y'; it holds 3: 0, 1, 2",
        task="binary",
    )
    binary = write(tmp_path, "x,y\n1,0\n2,1\n", "b.csv")
    assert load_csv(binary, task="multiclass").n_classes == 2
    fractional = write(tmp_path, "x,y\n1,0\n2,0.5\n", "f.csv")
    refused(
        fractional,
        r"task='binary' needs class labels, whole numbers, but the target 'y' holds 0.5 "
        r"\(example 1\)",
        task="binary",
    )
    with pytest.raises(
        DataError,
        match=r"task must be 'regression', 'binary' or 'multiclass'.*got 'classification'",
    ):
        load_csv(path, task="classification")


def test_data_load_passes_target_and_task(tmp_path: Path) -> None:
    path = write(tmp_path, "a,b\n1,0.5\n2,1.5\n")
    d = data.load(str(path), target="a", task="regression")
    assert d.target_name == "a"
    with pytest.raises(DataError, match="target= applies to CSV files"):
        data.load("iris", target="a")
    with pytest.raises(DataError, match="'iris' is a multiclass task, not 'binary'"):
        data.load("iris", task="binary")
    assert data.load("iris", task="multiclass").n_classes == 3


def test_streaming_memory_stays_near_one_copy(tmp_path: Path) -> None:
    # Rows go straight into X: what is traced beyond the final arrays is one block of
    # text and its parse (the 200 MB measurement is benchmark case L).
    rng = np.random.default_rng(1)
    buffer = io.StringIO()
    np.savetxt(buffer, rng.standard_normal((20_000, 10)), fmt="%.6f", delimiter=",")
    path = write(tmp_path, "\n\n" + buffer.getvalue().replace("\n", "\r\n"))
    tracemalloc.start()
    try:
        d = load_csv(path, task="regression", chunk_bytes=1 << 16)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    final = d.X.nbytes + d.y.nbytes
    assert d.X.shape == (9, 20_000) and d.X.flags.c_contiguous
    assert peak < 1.5 * final, f"peak {peak / final:.2f}× the final arrays"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs named pipes")
def test_a_pipe_is_read_once_with_a_growing_buffer(tmp_path: Path) -> None:
    path = tmp_path / "pipe.csv"
    os.mkfifo(path)
    text = "a,y\n" + "".join(f"{i},{i * 0.5}\n" for i in range(5000))
    writer = threading.Thread(target=path.write_text, args=(text,))
    writer.start()
    d = load_csv(path, chunk_bytes=1000)
    writer.join()
    np.testing.assert_array_equal(d.X, [np.arange(5000.0)])
    np.testing.assert_array_equal(d.y, [np.arange(5000) * 0.5])
