"""Fuzzed CSV text: load_csv returns what np.loadtxt reads, or raises DataError, never else.

The reference splits lines and applies the header rule of csv_file's docstring,
and leaves every number to np.loadtxt (NumPy's own parser): a file it reads
with finite values must load to exactly those values; any other file must be
refused with a DataError.
"""

import csv
import io
import tempfile
import warnings
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chainrule.data import DataError, load_csv

MARKERS = {"", "na", "n/a", "nan", "null", "none", "?"}

finite = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False).map(repr),
    st.floats(allow_nan=False, allow_infinity=False, width=32).map(lambda v: f"{v:g}"),
    st.floats(-1e6, 1e6).map(lambda v: f" {v:.3e}\t"),
    st.integers(-3, 3).map(str),
    st.sampled_from(["1e-400", ".5", "5.", "+3", "-0", "007", "1E5", "0." + "1" * 400]),
)
numbers = st.one_of(
    finite, st.integers(10**300, 10**420).map(str), st.sampled_from(["1e309", "-1e309"])
)
specials = st.sampled_from(
    ["inf", "-inf", "nan", "NaN", "NA", "?", "", " ", "1_0", "0x1", "１", '"1"', "1.5.2",
     "abc", " 2 ", "\t3", "4\xa0", "\x855", "\x1c6", "e5", "1e", "- 1", "2 3", "null", ";"]
)  # fmt: skip
junk = st.text(alphabet=" .\t0123456789eE+-abnifNA\"'\x00\xa0\x85;_", max_size=6)
cells = st.one_of(numbers, numbers, numbers, specials, junk)
names = st.text(alphabet="abcdefgxyz_ ", min_size=1, max_size=5)


@st.composite
def csv_texts(draw: st.DrawFn) -> str:
    width = draw(st.integers(1, 5))
    lines: list[str] = []
    if draw(st.booleans()):
        lines.append(",".join(draw(st.lists(names, min_size=width, max_size=width))))
    dirty = draw(st.booleans())
    for _ in range(draw(st.integers(0, 8))):
        w = width if draw(st.integers(0, 19)) else draw(st.integers(1, 6))
        row = draw(st.lists(cells if dirty else finite, min_size=w, max_size=w))
        lines.append(",".join(row))
        if not draw(st.integers(0, 9)):
            lines.append(draw(st.sampled_from(["", "  ", "\t", ",,", ","])))
    ending = draw(st.sampled_from(["\n", "\r\n"]))
    return ending.join(lines) + draw(st.sampled_from(["", ending]))


def number_like(cell: str) -> bool:
    text = cell.strip()
    if text.lower() in MARKERS:
        return True
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return np.loadtxt(io.StringIO(text), delimiter=",", comments=None).size == 1
        except ValueError:
            return False


def reference(text: str) -> np.ndarray | None:
    """The rows as np.loadtxt reads them (after the header), or None where refused."""
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line.strip()]
    if not lines:
        return None
    first = next(csv.reader([lines[0]])) if '"' in lines[0] else lines[0].split(",")
    named = [c.strip() for c in first if c.strip() and not number_like(c)]
    if named:
        if any(c.strip() and number_like(c) for c in first):
            return None  # a mixed first line
        header = [c.strip() or f"x{j + 1}" for j, c in enumerate(first)]
        if len(set(header)) != len(header):
            return None
        lines = lines[1:]
        width = len(header)
    else:
        width = len(lines[0].split(","))
    if not lines or width < 2 or any(len(line.split(",")) != width for line in lines):
        return None
    try:
        rows = np.loadtxt(io.StringIO("\n".join(lines)), delimiter=",", comments=None, ndmin=2)
    except ValueError:
        return None
    return rows if np.isfinite(rows).all() else None


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(csv_texts(), st.sampled_from([1, 13, 4096]))
def test_fuzzed_csv_loads_as_np_loadtxt_or_raises_data_error(text: str, block: int) -> None:
    want = reference(text)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_bytes(text.encode("utf-8"))
        try:
            d = load_csv(path, task="regression", chunk_bytes=block)
        except DataError:
            assert want is None, f"refused, but np.loadtxt reads {want!r}"
        else:
            assert want is not None, f"loaded {d.X!r}, {d.y!r}; the reference refuses it"
            np.testing.assert_array_equal(d.X, want[:, :-1].T)
            np.testing.assert_array_equal(d.y, want[:, -1:].T)
            assert d.X.dtype == d.y.dtype == np.float64
        try:
            inferred = load_csv(path, chunk_bytes=block)
        except DataError:
            return  # also where the target's task is ambiguous
        assert want is not None
        np.testing.assert_array_equal(inferred.X, want[:, :-1].T)
        np.testing.assert_array_equal(inferred.targets, want[:, -1:].T)
