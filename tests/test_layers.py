"""The layer table of DESIGN.md: a module imports only from the layers below it."""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "chainrule"

# modules below every layer: any package may import them
BASE = {"files", "display"}

# every layer below the scikit-learn estimators and the command line
BELOW_THE_FRONT_ENDS = {
    "autodiff",
    "gradcheck",
    "optim",
    "models",
    "symbolic",
    "data",
    "train",
    "landscape",
    "exercises",
    "plot",
}

# package -> the chainrule packages it may import (besides BASE)
ALLOWED = {
    "autodiff": {"autodiff"},
    "gradcheck": {"gradcheck", "autodiff"},
    "optim": {"optim"},
    "models": {"models", "autodiff", "optim"},
    "symbolic": {"symbolic", "autodiff", "gradcheck", "optim", "models"},
    "data": {"data"},
    "train": {"train", "autodiff", "gradcheck", "optim", "models", "data", "symbolic"},
    "landscape": {"landscape", "autodiff", "gradcheck", "optim", "models", "data", "train"},
    "exercises": {
        "exercises",
        "autodiff",
        "gradcheck",
        "optim",
        "models",
        "symbolic",
        "data",
        "train",
        "landscape",
    },
    "plot": {"plot", "autodiff", "gradcheck", "optim", "models", "data", "train", "landscape"},
    "sklearn": {"sklearn", *BELOW_THE_FRONT_ENDS},
    "cli": {"cli", "app", *BELOW_THE_FRONT_ENDS},  # app: only cli/app_cmd.py, which starts it
    "app": {"app", *BELOW_THE_FRONT_ENDS},
}
THIRD_PARTY = {
    # scipy: only scipy.special.erf, imported on first use by vocabulary.erf
    "autodiff": {"numpy", "scipy"},
    "gradcheck": {"numpy"},
    "optim": {"numpy"},
    "models": {"numpy"},
    "exercises": {"numpy"},
}


def imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_layer_imports(package: str) -> None:
    for path in (SRC / package).rglob("*.py"):
        for name in imports(path):
            top = name.split(".")[0]
            if top == "chainrule":
                parts = name.split(".")
                if len(parts) > 1:
                    assert parts[1] in ALLOWED[package] | BASE, f"{path.name} imports {name}"
            elif package in THIRD_PARTY and top not in THIRD_PARTY[package]:
                import sys

                assert top in sys.stdlib_module_names, f"{path.name} imports {name}"


@pytest.mark.parametrize("module", sorted(BASE))
def test_base_modules_use_the_standard_library_only(module: str) -> None:
    import sys

    for name in imports(SRC / f"{module}.py"):
        assert name.split(".")[0] in sys.stdlib_module_names, f"{module}.py imports {name}"


def test_every_package_is_in_the_table() -> None:
    packages = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert packages <= set(ALLOWED)


def test_nothing_imports_the_app() -> None:
    for path in SRC.rglob("*.py"):
        if path.is_relative_to(SRC / "app") or path == SRC / "cli" / "app_cmd.py":
            continue
        names = imports(path)
        assert not any(n == "chainrule.app" or n.startswith("chainrule.app.") for n in names), path
