"""``load_csv``: a numeric CSV file as a Dataset, streamed in blocks of lines.

The file is read in blocks of whole lines (4 MiB by default). Each block is
parsed by ``np.loadtxt``, NumPy's C parser; only a block that it refuses, or
that holds a value that is not finite, is parsed again cell by cell, to name
the first bad line, column and value. The rows of each block are copied at once into their
place in X (examples as columns), room for every row being made in advance
from the file's line count, so the peak memory stays near one copy of the
data (measured in ``python -m benchmarks --cases L``).

The format (what is accepted, what is refused):

- UTF-8 text (a byte-order mark is allowed), lines ended by ``\\n``, ``\\r\\n``
  or ``\\r``; lines that are empty or hold only whitespace are skipped.
- Cells are separated by commas; whitespace around a cell is ignored. A data
  cell is a decimal number as Python's ``float`` reads it, in ASCII, without
  ``_`` separators or quotes (``1``, ``-2.5``, ``.5e-3``, ``+7``).
- Refused, naming the file, line, column and value: a missing value (an empty
  cell or one of ``MISSING`` such as ``NA``, ``nan``, ``?``), ``inf`` and
  ``-inf``, a number too large for float64 (``1e309``, a 400-digit integer),
  anything that is not a number, a row of the wrong width, a row of commas
  only, an empty file, a header with no rows below it.
- Header: the first non-blank line is a header when none of its cells is a
  number or a missing-value marker (an empty cell is allowed, e.g. the unnamed
  index column pandas writes, and is named ``x<column>``). Names may be quoted
  as in CSV (``"price, usd"``), must be distinct, and at most ``MAX_NAME``
  characters. A first line that mixes names and numbers (``1.0,2.o,3``: a typo
  in the first data row; ``a,b,2020``: a number as a name) is refused, naming
  the cell. Without a header the columns are named ``x1, x2, ...``.
- The target's task follows ``chainrule.data.labels``.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from chainrule.data.columns import ColumnBuffer
from chainrule.data.dataset import Dataset
from chainrule.data.labels import check_task, encode_target, label_names
from chainrule.data.validate import DataError

MISSING = frozenset({"", "na", "n/a", "nan", "null", "none", "?"})
CHUNK_BYTES = 1 << 22
MAX_NAME = 1000


def load_csv(
    path: str | Path,
    target: str | int | None = None,
    task: str | None = None,
    *,
    chunk_bytes: int = CHUNK_BYTES,
) -> Dataset:
    """Reads a CSV file of numbers into a Dataset (examples as columns).

    Args:
        path: the file; its format is described in this module's docstring.
        target: the target column: a name from the header, or an index into
            the columns (negative counts from the end; a string of digits such
            as ``"2"`` is an index too, since names are never numbers). The last
            column when None.
        task: "regression", "binary" or "multiclass", or None to infer it
            (rule in ``chainrule.data.labels``: e.g. targets {3, 5} are binary
            with ``classes == [3, 5]``, fractional targets are a regression).
        chunk_bytes: the size of the blocks the file is read in.

    Returns:
        A Dataset with X of shape (n, m) for the n other columns and m rows,
        y of shape (1, m), float64, and ``classes`` holding the original labels
        of a classification.

    Raises:
        DataError: the file cannot be read, a cell is bad (naming the line,
            the column and the value), the target column does not exist
            (naming those that do), or the target does not fit the task.
    """
    check_task(task)  # before reading a large file
    if not isinstance(chunk_bytes, int) or chunk_bytes < 1:
        raise DataError(f"chunk_bytes must be a positive integer, got {chunk_bytes!r}")
    path = Path(path)
    names: list[str] = []
    t = header_line = 0
    columns: ColumnBuffer | None = None
    for line, text in _blocks(path, chunk_bytes):
        if not names:
            found = _first_row(text)
            if found is None:
                continue
            offset, skipped = found
            line, text = line + skipped, text[offset:]
            end = text.find("\n")
            names, is_header = _read_first_row(path, line, text if end < 0 else text[:end])
            t = _target_index(path, names, target, is_header)
            if is_header:
                header_line = line
                line, text = line + 1, ("" if end < 0 else text[end + 1 :])
            columns = _column_buffer(path, len(names), t, chunk_bytes)
        block = _parse_block(path, text, line, names)
        if len(block) and columns is not None:
            columns.add(block)
    if columns is None:
        raise DataError(f"{path}: the file is empty")
    if columns.rows == 0:
        raise DataError(f"{path}: has a header (line {header_line}) but no data rows")
    X, y = columns.arrays()
    try:
        found_target = encode_target(y, task, names[t])
    except DataError as e:
        raise DataError(f"{path}: {e}") from None
    return Dataset(
        X,
        found_target.y[None, :],
        tuple(names[:t] + names[t + 1 :]),
        names[t],
        found_target.task,
        path.name,
        label_names(found_target.classes),
        found_target.classes,
    )


def _blocks(path: Path, size: int) -> Iterator[tuple[int, str]]:
    """(number of the first line, text) for blocks of whole lines, newlines made ``\\n``."""
    line = 1
    try:
        with open(path, "rb") as f:
            raw = f.read(size)
            if raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8) :]
            while raw:
                if not raw.endswith(b"\n"):
                    raw += f.readline()
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    at = line + raw.count(b"\n", 0, e.start)
                    raise DataError(
                        f"{path}, line {at}: not UTF-8 text (byte {raw[e.start]:#04x}); "
                        "save the file as UTF-8"
                    ) from None
                if "\r" in text:
                    text = text.replace("\r\n", "\n").replace("\r", "\n")
                yield line, text
                line += text.count("\n")
                raw = f.read(size)
    except OSError as e:
        raise DataError(f"{path}: {e.strerror or e}") from None


def _first_row(text: str) -> tuple[int, int] | None:
    """(offset, number of blank lines before it) of the first non-blank line, if any."""
    offset, skipped = 0, 0
    while offset < len(text):
        end = text.find("\n", offset)
        end = len(text) if end < 0 else end
        if text[offset:end].strip():
            return offset, skipped
        offset, skipped = end + 1, skipped + 1
    return None


def _read_first_row(path: Path, line: int, row: str) -> tuple[list[str], bool]:
    """The column names and whether the first non-blank line is a header."""
    if '"' in row:
        try:
            cells = next(csv.reader([row]))
        except csv.Error:  # a field over the csv module's limit: too long for a name
            cells = row.split(",")
    else:
        cells = row.split(",")
    cells = [c.strip() for c in cells]
    named = [j for j, c in enumerate(cells) if c and c.lower() not in MISSING and not _is_number(c)]
    others = [j for j, c in enumerate(cells) if c and j not in set(named)]
    if not named:
        return [f"x{j + 1}" for j in range(len(row.split(",")))], False
    if others:
        j = named[0] if len(named) <= len(others) else others[0]
        kind = (
            "is not a number"
            if j in named
            else "is a number"
            if _is_number(cells[j])
            else "marks a missing value"
        )
        raise DataError(
            f"{path}, line {line}, column {j + 1}: {_show(cells[j])} {kind}, but line {line} "
            f"holds {len(named)} name(s) and {len(others)} number(s): a header must name "
            "every column (with names that are not numbers), and a data row must hold only "
            "numbers. Fix that cell."
        )
    for j, name in enumerate(cells):
        if len(name) > MAX_NAME:
            raise DataError(
                f"{path}, line {line}, column {j + 1}: {_show(name)} is too long for a column "
                f"name (at most {MAX_NAME:,} characters)"
            )
    header = [name or f"x{j + 1}" for j, name in enumerate(cells)]
    seen: dict[str, int] = {}
    for j, name in enumerate(header):
        if name in seen:
            raise DataError(
                f"{path}, line {line}: the header names columns {seen[name] + 1} and {j + 1} "
                f"both {name!r}; give every column its own name"
            )
        seen[name] = j
    return header, True


def _target_index(path: Path, names: list[str], target: str | int | None, header: bool) -> int:
    width = len(names)
    if width < 2:
        hint = "; cells are separated by commas" if ";" in names[0] or "\t" in names[0] else ""
        raise DataError(
            f"{path}: one column ({names[0]!r}) only: a data set needs a target and at least "
            f"one feature{hint}"
        )
    listing = f"the columns are {_listing(names)}" + ("" if header else " (the file has no header)")
    if target is None:
        return width - 1
    if isinstance(target, str) and target not in names:
        try:
            target = int(target)
        except ValueError:
            raise DataError(f"{path}: no column named {target!r}; {listing}") from None
    if isinstance(target, str):
        return names.index(target)
    if isinstance(target, bool) or not isinstance(target, int | np.integer):
        raise DataError(f"target must be a column name or index, got {target!r}; {listing}")
    if not -width <= target < width:
        raise DataError(
            f"{path}: no column {target}: the file has {width} columns, indices 0..{width - 1} "
            f"or -{width}..-1; {listing}"
        )
    return int(target) % width


def _parse_block(path: Path, text: str, line: int, names: Sequence[str]) -> np.ndarray:
    """The rows of a block of lines starting at line ``line``, shape (k, len(names))."""
    width = len(names)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            block = np.loadtxt(
                io.StringIO(text), dtype=np.float64, delimiter=",", comments=None, ndmin=2
            )
    except ValueError:
        return _parse_carefully(path, text, line, names)
    if block.shape[0] == 0:
        return np.empty((0, width))
    if block.shape[1] != width or not np.isfinite(block).all():
        return _parse_carefully(path, text, line, names)
    return block


def _parse_carefully(path: Path, text: str, line: int, names: Sequence[str]) -> np.ndarray:
    """Parses line by line; raises a DataError at the first bad line (k, len(names))."""
    width = len(names)
    rows: list[list[float]] = []
    for i, row in enumerate(text.split("\n")):
        if not row.strip():
            continue
        at = f"{path}, line {line + i}"
        cells = row.split(",")
        if not any(c.strip() for c in cells):
            raise DataError(
                f"{at}: every cell is empty ({_show(row)}); delete the line or fill in its values"
            )
        if len(cells) != width:
            hint = " (it ends with a comma)" if not cells[-1].strip() else ""
            raise DataError(
                f"{at}: {len(cells)} values, expected {width}{hint}; "
                f"the columns are {_listing(names)}"
            )
        rows.append([_cell(at, name, c) for name, c in zip(names, cells, strict=True)])
    return np.array(rows, dtype=np.float64).reshape(len(rows), width)


def _cell(at: str, name: str, cell: str) -> float:
    where = f"{at}, column {name!r}"
    text = cell.strip()
    if text.lower() in MISSING:
        raise DataError(f"{where}: missing value ({text!r}); fill it in or delete the line")
    value = _number(text)
    if value is None:
        hint = "; cells are separated by commas" if ";" in text or "\t" in text else ""
        raise DataError(f"{where}: {_show(text)} is not a number{hint}")
    if math.isinf(value):
        if text.lower().lstrip("+-") in ("inf", "infinity"):
            raise DataError(f"{where}: {text!r} is infinite; chainrule needs finite numbers")
        raise DataError(
            f"{where}: {_show(text)} is too large for a float64 (beyond ±1.8e308); "
            "rescale the column"
        )
    return value


def _number(text: str) -> float | None:
    """float(text) for an ASCII decimal number without ``_`` (as np.loadtxt reads), or None."""
    if not text.isascii() or "_" in text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _is_number(text: str) -> bool:
    return _number(text) is not None


def _column_buffer(path: Path, width: int, target: int, chunk_bytes: int) -> ColumnBuffer:
    """A ColumnBuffer with room for every row the file can hold, by its line breaks and size.

    With room made in advance, rows are written once, into their final place.
    """
    breaks, cr_last = 0, False
    try:
        if not path.is_file():  # a pipe cannot be read twice: the buffer grows instead
            return ColumnBuffer(width, target)
        size = path.stat().st_size
        with open(path, "rb") as f:
            while chunk := f.read(min(chunk_bytes, size + 1)):
                breaks += chunk.count(b"\n")
                if cr_last and chunk.startswith(b"\n"):
                    breaks -= 1
                if b"\r" in chunk:  # \r\n is one line break, a lone \r another
                    breaks += chunk.count(b"\r") - chunk.count(b"\r\n")
                cr_last = chunk.endswith(b"\r")
    except OSError:
        return ColumnBuffer(width, target)
    # A row takes at least 2 * width - 1 bytes ("1,2,3").
    rows = min(breaks + 1, size // (2 * width - 1) + 1)
    try:
        return ColumnBuffer(width, target, rows)
    except (MemoryError, ValueError):
        return ColumnBuffer(width, target)


def _show(text: str, limit: int = 40) -> str:
    if len(text) <= limit:
        return repr(text)
    return f"{text[:limit]!r}... ({len(text):,} characters)"


def _listing(names: Sequence[str], shown: int = 12) -> str:
    more = f", ... ({len(names) - shown} more)" if len(names) > shown else ""
    return ", ".join(names[:shown]) + more
