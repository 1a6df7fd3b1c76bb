"""Running a learner's backward function, and finding where it computes each gradient.

The lines are found by reading the function's source (never by running it
again): the ``return`` of a dict, ``grads["W1"] = ...`` assignments and
``dict(W1=...)`` calls give, for each key, the expression of its gradient;
a plain name is followed to its last assignment before the return.
"""

from __future__ import annotations

import ast
import inspect
import sys
import textwrap
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import FrameType
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Raised:
    """The learner's function failed: what it raised, where, and what it was given."""

    error: str
    line: int | None
    source: str | None
    given: str


def call(
    backward: Callable[..., Any],
    params: Mapping[str, np.ndarray],
    X: np.ndarray,
    y: np.ndarray,
    executed: set[int] | None = None,
) -> Any:
    """``backward(params, X, y)`` on copies, or a :class:`Raised`.

    When ``executed`` is given, the lines of ``backward``'s own body that ran
    are added to it (so that of two assignments in two branches, the one that
    ran is named).
    """
    given = (
        "params "
        + ", ".join(f"{k} {v.shape}" for k, v in params.items())
        + f"; X {X.shape}; y {y.shape}"
    )
    code = getattr(backward, "__code__", None)
    previous = sys.gettrace()

    def tracer(frame: FrameType, event: str, arg: Any) -> Any:
        if frame.f_code is not code or executed is None:
            return None

        def lines(frame: FrameType, event: str, arg: Any) -> Any:
            if event == "line":
                executed.add(frame.f_lineno)
            return lines

        return lines

    try:
        if executed is not None and code is not None:
            sys.settrace(tracer)
        with np.errstate(all="ignore"):
            return backward({k: v.copy() for k, v in params.items()}, X.copy(), y.copy())
    except Exception as e:  # the learner's code may raise anything
        line, source = _failing_line(backward, e)
        return Raised(f"{type(e).__name__}: {e}", line, source, given)
    finally:
        if executed is not None and code is not None:
            sys.settrace(previous)


def _failing_line(backward: Callable[..., Any], e: Exception) -> tuple[int | None, str | None]:
    filename = getattr(getattr(backward, "__code__", None), "co_filename", None)
    found: tuple[int | None, str | None] = (None, None)
    for frame in traceback.extract_tb(e.__traceback__):
        if frame.filename == filename:
            found = (frame.lineno, (frame.line or "").strip() or None)
    return found


def gradient_lines(
    backward: Callable[..., Any], executed: set[int] | None = None
) -> dict[str, tuple[int, str]]:
    """Key -> (line in the source file, text of that line), for the keys it can find.

    ``executed`` (lines of the file that ran) restricts the assignments
    considered to those that ran, when it is not empty.
    """
    try:
        lines, first = inspect.getsourcelines(backward)
    except (OSError, TypeError):
        return {}
    try:
        tree = ast.parse(textwrap.dedent("".join(lines)))
    except SyntaxError:
        return {}
    functions = [n for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    if not functions:
        return {}
    ran = {n - first + 1 for n in executed} if executed else None
    found = _Finder(functions[0], ran).keys()

    def text(n: int) -> str:
        return lines[n - 1].strip() if 0 < n <= len(lines) else ""

    return {k: (n + first - 1, text(n)) for k, n in found.items()}


class _Finder:
    """Reads one function's body for the line of each returned key."""

    def __init__(
        self, function: ast.FunctionDef | ast.AsyncFunctionDef, ran: set[int] | None
    ) -> None:
        self.nodes = [
            n
            for n in ast.walk(function)
            if not isinstance(n, ast.Lambda)
            and getattr(n, "lineno", None) is not None
            and (ran is None or not isinstance(n, ast.stmt) or n.lineno in ran)
        ]

    def keys(self) -> dict[str, int]:
        returns = [n for n in self.nodes if isinstance(n, ast.Return) and n.value is not None]
        if not returns:
            return {}
        ret = returns[-1]
        assert ret.value is not None
        return self._entries(ret.value, ret.lineno)

    def _entries(self, value: ast.expr, before: int) -> dict[str, int]:
        if isinstance(value, ast.Dict):
            return {
                k.value: self._line_of(v, before)
                for k, v in zip(value.keys, value.values, strict=True)
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
            }
        if isinstance(value, ast.Call) and getattr(value.func, "id", None) == "dict":
            return {kw.arg: self._line_of(kw.value, before) for kw in value.keywords if kw.arg}
        if isinstance(value, ast.Name):
            out: dict[str, int] = {}
            assigned = self._assignment(value.id, before)
            if assigned is not None:
                out.update(self._entries(assigned.value, assigned.lineno))
            for n in self.nodes:
                if isinstance(n, ast.Assign) and n.lineno < before:
                    for t in n.targets:
                        if (
                            isinstance(t, ast.Subscript)
                            and isinstance(t.value, ast.Name)
                            and t.value.id == value.id
                            and isinstance(t.slice, ast.Constant)
                            and isinstance(t.slice.value, str)
                        ):
                            out[t.slice.value] = self._line_of(n.value, n.lineno)
            return out
        return {}

    def _assignment(self, name: str, before: int) -> ast.Assign | None:
        last = None
        for n in self.nodes:
            if (
                isinstance(n, ast.Assign)
                and n.lineno < before
                and any(isinstance(t, ast.Name) and t.id == name for t in n.targets)
                and (last is None or n.lineno > last.lineno)
            ):
                last = n
        return last

    def _line_of(self, value: ast.expr, before: int) -> int:
        """The line computing ``value``: a name is followed to its last assignment."""
        if isinstance(value, ast.Name):
            assigned = self._assignment(value.id, before)
            if assigned is not None:
                return assigned.lineno
        return value.lineno
