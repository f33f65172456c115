"""The apps stand in layers (DESIGN §2): an app imports only apps below it, and `common`
and `villages` import no app above them. A forbidden import, even inside a function,
fails here."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
# lowest first; each may import those before it
LAYERS = ["common", "villages", "households", "grid", "points", "notices", "monitoring"]
TOP = {"config"}  # the project: composes every app, imported by none


def _imported_packages(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


def _violations(layer: str) -> list[str]:
    above = set(LAYERS[LAYERS.index(layer) + 1 :]) | TOP
    out = []
    for path in sorted((ROOT / layer).rglob("*.py")):
        bad = _imported_packages(path) & above
        if bad:
            out.append(f"{path.relative_to(ROOT)} imports {', '.join(sorted(bad))}")
    return out


@pytest.mark.parametrize("layer", LAYERS)
def test_no_app_imports_an_app_above_it(layer):
    assert _violations(layer) == []


def test_the_check_sees_an_import_inside_a_function(tmp_path, monkeypatch):
    """The check itself: a late import of an app above is caught like a top-level one."""
    package = tmp_path / "villages"
    package.mkdir()
    (package / "late.py").write_text("def f():\n    from households.models import Household\n")
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    assert _violations("villages") == ["villages/late.py imports households"]
