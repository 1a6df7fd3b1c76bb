"""The notebooks in notebooks/ run top to bottom, and are committed clean.

Each notebook is executed by nbclient in a fresh IPython kernel whose working
directory is a temporary folder, so nothing it writes lands in the repository;
the kernel imports the same chainrule as these tests. Every notebook teaches
with figures, so each must show at least one inline PNG. The time each takes
is reported (``record_property`` and the captured output), never asserted.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import chainrule

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
CELL_TIMEOUT_S = 300  # a stuck cell fails the test instead of hanging it
# the course, in order: one notebook per part of the seeds
COURSE = [
    "01_gradient_descent_from_scratch.ipynb",
    "02_seed000_four_networks.ipynb",
    "03_seed003_classifiers.ipynb",
    "04_seed001_delta_rule.ipynb",
    "05_optimizers_on_landscapes.ipynb",
    "06_filter_normalized_slices.ipynb",
]


def test_the_course_is_there() -> None:
    assert [p.name for p in NOTEBOOKS] == COURSE


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_committed_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, f"{path.name} has no code cell"
    for i, cell in enumerate(code):
        assert cell.outputs == [], f"{path.name}: code cell {i} has outputs; clear them"
        assert cell.execution_count is None, f"{path.name}: code cell {i} has an execution count"


def _kernel_env() -> dict[str, str]:
    """The test's environment, with this chainrule first on the kernel's path."""
    env = dict(os.environ)
    src = str(Path(chainrule.__file__).resolve().parent.parent)
    env["PYTHONPATH"] = os.pathsep.join([src, *filter(None, [env.get("PYTHONPATH")])])
    env.pop("MPLBACKEND", None)  # the kernel's own default: inline figures
    return env


def _files(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if ".ipynb_checkpoints" not in p.parts}


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs(path: Path, tmp_path: Path, record_property: pytest.RecordProperty) -> None:
    nb = nbformat.read(path, as_version=4)
    before = _files(ROOT / "notebooks")
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute(env=_kernel_env(), cwd=str(tmp_path))
    seconds = time.perf_counter() - start
    record_property("seconds", round(seconds, 2))
    print(f"{path.name}: {seconds:.1f} s")

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    errors = [o for o in outputs if o.output_type == "error"]
    assert not errors, errors
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name} showed no inline figure"
    assert _files(ROOT / "notebooks") == before, "the notebook wrote into the repository"
