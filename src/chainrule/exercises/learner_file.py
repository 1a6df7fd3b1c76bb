"""Checking the backward pass in a learner's own file, run in a child process with a time limit.

A learner's file is code that may loop forever, print, exit or crash the
interpreter; it runs in a fresh Python process (``python -m
chainrule.exercises.learner_file``) that writes the report as JSON to a file
of the parent's choosing, and is stopped when the time limit passes.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import traceback
from pathlib import Path
from typing import Any

from chainrule.exercises.report import BackwardReport, Finding
from chainrule.models import registry

NO_FUNCTION = 97  # the child's exit status when the file defines no such function


class LearnerTimeoutError(Exception):
    """The learner's file did not finish within the time limit."""


def check_file(
    path: str | Path,
    model: str,
    *,
    seed: int = 0,
    function: str = "backward",
    timeout: float = 30.0,
) -> BackwardReport:
    """:func:`~chainrule.exercises.check_backward` on the function ``function`` of a file.

    Args:
        path: a Python file that defines ``backward(params, X, y) -> dict``.
        model: a registry name.
        seed: seeds the random problems.
        function: the name of the function in the file.
        timeout: seconds the file may run (loading it and every call), > 0.

    Returns:
        The report. A file that raises while it loads gives a report whose
        findings are all of kind ``error``, naming the exception and its line.

    Raises:
        ValueError: an unknown model, a path that is no file, a file that
            defines no ``function``, a timeout that is not a positive number.
        LearnerTimeoutError: the file ran past ``timeout`` seconds and was stopped.
    """
    registry.get(model)
    file = Path(path)
    if not file.is_file():
        raise ValueError(f"{str(file)!r} is not a file: give the learner's .py file")
    if not (isinstance(timeout, int | float) and 0 < timeout < float("inf")):
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if not function.isidentifier():
        raise ValueError(f"function must be a Python name, got {function!r}")
    env = dict(os.environ)
    package_root = str(Path(__file__).resolve().parents[2])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "report.json"
        command = [sys.executable, "-m", "chainrule.exercises.learner_file"]
        command += [str(file.resolve()), model, str(seed), function, str(out)]
        try:
            done = subprocess.run(
                command, env=env, capture_output=True, text=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired:
            raise LearnerTimeoutError(
                f"{file} was stopped after {timeout:g} s: it did not finish. Does a loop "
                "never end (a while whose condition stays true)? Run it by hand to see where"
            ) from None
        if done.returncode == NO_FUNCTION:
            raise ValueError(
                f"{file} defines no function {function}: define "
                f"{function}(params, X, y) returning a dict of gradients"
            )
        if not out.is_file():
            tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise ValueError(
                f"{file} stopped the Python process running it (exit status "
                f"{done.returncode}): {tail[0]}"
            )
        return _from_dict(json.loads(out.read_text(encoding="utf-8")))


def _from_dict(data: dict[str, Any]) -> BackwardReport:
    findings = tuple(
        Finding(**(f | {"also": tuple(f["also"]), "relative_error": _number(f["relative_error"])}))
        for f in data["findings"]
    )
    return BackwardReport(
        data["model"], findings, tuple(data["problems"]), data["equations"], tuple(data["notes"])
    )


def _number(x: float | None) -> float:
    return float("inf") if x is None else float(x)


def _load_failure(model: str, error: BaseException, path: str) -> BackwardReport:
    from chainrule.exercises.problems import make_problems

    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == path]
    line = getattr(error, "lineno", None) if isinstance(error, SyntaxError) else None
    source = getattr(error, "text", None) if isinstance(error, SyntaxError) else None
    if frames:
        line, source = frames[-1].lineno, frames[-1].line
    where = f" at line {line}" if line else ""
    message = f"running the file raised {type(error).__name__}: {error}{where}."
    first = make_problems(model)[0]
    findings = tuple(
        Finding(name, "error", float("inf"), message, line, (source or "").strip() or None)
        for name in first.params
    )
    return BackwardReport(first.model.name, findings, (first.describe(),))


def _main(path: str, model: str, seed: str, function: str, out: str) -> int:
    import runpy

    from chainrule.exercises.check import check_backward

    sys.path.insert(0, str(Path(path).parent))
    sys.argv = [path]
    try:
        namespace = runpy.run_path(path, run_name="__learner__")
    except BaseException as e:  # the learner's file may raise anything, even SystemExit
        report = _load_failure(model, e, path)
    else:
        backward = namespace.get(function)
        if not callable(backward):
            return NO_FUNCTION
        report = check_backward(model, backward, seed=int(seed))
    data = report.as_dict() | {"equations": report.equations}
    Path(out).write_text(json.dumps(data), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(_main(*sys.argv[1:]))
