"""``import chainrule as cr`` reaches every layer, lazily."""

from __future__ import annotations

import subprocess
import sys
import types

import pytest

import chainrule as cr

LAYERS = (
    "autodiff",
    "data",
    "exercises",
    "landscape",
    "models",
    "optim",
    "plot",
    "symbolic",
    "train",
)


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_is_an_attribute(name: str) -> None:
    module = getattr(cr, name)
    assert isinstance(module, types.ModuleType) and module.__name__ == f"chainrule.{name}"


def test_the_functions_people_reach_for() -> None:
    assert cr.data.moons().n_features == 2
    assert callable(cr.fit) and callable(cr.derive) and callable(cr.models.load)
    assert cr.Tensor is cr.autodiff.Tensor
    assert cr.DivergenceError.__module__ == "chainrule.train.fit"
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = cr.nope  # type: ignore[attr-defined]
    assert set(LAYERS) <= set(dir(cr))


def test_gradcheck_stays_the_function_after_its_module_is_imported() -> None:
    import chainrule.gradcheck.check  # noqa: F401

    assert callable(cr.gradcheck) and not isinstance(cr.gradcheck, types.ModuleType)


def test_import_loads_no_layer() -> None:
    code = (
        "import sys, chainrule; print(sorted(m for m in sys.modules"
        " if m.startswith('chainrule') or m in ('numpy', 'matplotlib', 'sklearn')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['chainrule']"
