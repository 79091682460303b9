"""The import graph runs one way: core <- solvers, geo <- dispatch <- scenarios <- cli.

Checked on the source (every ``import`` and ``from ... import`` in each package, lazy
ones inside functions included) and, for ``geo``, on what importing it really loads.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import core.errors
import geo.errors
import solvers.errors

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("core", "solvers", "geo", "dispatch", "scenarios", "benchmarks")
TOP_LEVEL = frozenset({*PACKAGES, "cli"})

# What each package may import of the engine besides itself.
ALLOWED: dict[str, frozenset[str]] = {
    "core": frozenset(),
    "solvers": frozenset({"core"}),
    "geo": frozenset({"core"}),
    "dispatch": frozenset({"core", "solvers", "geo"}),
    "scenarios": frozenset({"core", "solvers", "geo", "dispatch"}),
}


def _engine_imports(path: Path) -> set[str]:
    """Top-level engine packages a module imports (relative imports stay inside)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        else:
            continue
        found.update(n.split(".")[0] for n in names if n.split(".")[0] in TOP_LEVEL)
    return found


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_package_imports_only_lower_layers(package: str) -> None:
    files = sorted((ROOT / package).rglob("*.py"))
    assert files, f"no modules found in {package}/"
    broken = {
        str(path.relative_to(ROOT)): sorted(bad)
        for path in files
        if (bad := _engine_imports(path) - ALLOWED[package] - {package})
    }
    assert broken == {}


def test_engine_imports_sees_lazy_and_dotted_imports(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import numpy\nimport solvers.solve\n"
        "def f():\n    from dispatch.plan import Plan\n    from . import sibling\n",
        encoding="utf-8",
    )
    assert _engine_imports(module) == {"solvers", "dispatch"}


def test_import_geo_loads_neither_solvers_nor_ortools() -> None:
    code = (
        "import geo, sys; "
        "assert 'ortools' not in sys.modules, 'ortools loaded'; "
        "bad = sorted(m for m in sys.modules if m == 'solvers' or m.startswith('solvers.')); "
        "assert not bad, bad"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_errors_are_one_class_hierarchy_across_packages() -> None:
    assert solvers.errors.InvalidInputError is core.errors.InvalidInputError
    assert geo.errors.InvalidInputError is core.errors.InvalidInputError
    assert solvers.errors.EngineError is geo.errors.EngineError is core.errors.EngineError
    assert issubclass(geo.errors.OsmReadError, solvers.errors.InvalidInputError)
