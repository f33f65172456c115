"""The apps stand in layers (DESIGN §2): an app imports only apps below it, and `common`
and `villages` import no app above them. A forbidden import, even inside a function,
fails here."""

from __future__ import annotations

import ast
import re
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


# --- Templates: the pages an app renders name no app above it either ----------------------

TEMPLATES = ROOT / "templates"
# what a template names: a url of an app's namespace, or another app's template
NAMED = re.compile(r"""\{%\s*url\s+['"](\w+):|\{%\s*(?:include|extends)\s+['"](\w+)/""")


def _template_layer(path: Path) -> str:
    """templates/<app>/… is the app's; the base pages, shared partials (includes/) and
    the login pages stand on the ground floor with villages."""
    top = path.relative_to(TEMPLATES).parts[0]
    return top if top in LAYERS else "villages"


def _template_violations(root: Path) -> list[str]:
    out = []
    for path in sorted(root.rglob("*.html")):
        layer = _template_layer(path) if root == TEMPLATES else path.parent.name
        above = set(LAYERS[LAYERS.index(layer) + 1 :])
        named = {a or b for a, b in NAMED.findall(path.read_text(encoding="utf-8"))}
        if bad := named & above:
            out.append(f"{path.relative_to(root)} names {', '.join(sorted(bad))}")
    return out


def test_no_template_names_an_app_above_its_own():
    """The public household page and the village board compose the apps' public panels
    from the registry; a link to an app above (the market's link back to the board, the
    breadcrumb's link to a household) goes through the registry or the object's URL."""
    assert _template_violations(TEMPLATES) == []


def test_the_template_check_sees_a_url_and_an_include(tmp_path):
    app = tmp_path / "households"
    app.mkdir()
    (app / "page.html").write_text(
        "{% url 'notices:board' code %}{% include \"points/_panel.html\" %}"
        "{% url 'villages:staff_list' %}{% include 'households/_x.html' %}"
    )
    assert _template_violations(tmp_path) == ["households/page.html names notices, points"]


# --- Notifications: a service of the ground floor, called alike by every app -------------------


def test_notifications_go_through_the_ground_floors_service():
    """Every app tells staff through villages.notifications.notify; only notices, which
    keeps the inbox, knows the inbox's models and functions."""
    out = []
    for layer in LAYERS:
        if layer == "notices":
            continue
        for path in sorted((ROOT / layer).rglob("*.py")):
            if "tests" in path.parts:
                continue
            text = path.read_text(encoding="utf-8")
            if re.search(r"from notices[.\w]* import|import notices", text):
                out.append(str(path.relative_to(ROOT)))
    assert out == []


# --- No import cycles inside an app either ---------------------------------------------------


def _module_graph(root: Path) -> dict[str, set[str]]:
    """Each module of the apps (tests and migrations aside) → the modules it imports, at
    the top or inside a function alike."""
    modules = {}
    for layer in [*LAYERS, *TOP]:
        for path in (root / layer).rglob("*.py"):
            if {"tests", "migrations"} & set(path.parts):
                continue
            name = ".".join(path.relative_to(root).with_suffix("").parts)
            modules[name.removesuffix(".__init__")] = path
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found = {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found = {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
            else:
                continue
            graph[name] |= {other for other in found if other in modules and other != name}
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for other in sorted(graph[node]):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                other = stack.pop()
                group.append(other)
                if other == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_a_cycle():
    """A service queues its task by name (common.queue.enqueue) and the registry is told
    the roles it describes: no import inside a function is needed to break a cycle."""
    assert _cycles(_module_graph(ROOT)) == []


def test_the_cycle_check_finds_a_late_import(tmp_path, monkeypatch):
    package = tmp_path / "households"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "services.py").write_text("def f():\n    from households.tasks import t\n")
    (package / "tasks.py").write_text("from households import services\n")
    monkeypatch.setattr(f"{__name__}.LAYERS", ["households"])
    monkeypatch.setattr(f"{__name__}.TOP", set())
    assert _cycles(_module_graph(tmp_path)) == [["households.services", "households.tasks"]]
