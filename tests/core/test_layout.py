"""The layout rules of docs/architecture.md, checked so they stay true."""

import ast
import re
from importlib.metadata import entry_points

import pytest

from tests.conftest import PROJECT_DIR

PLUGIN_NAMES = sorted(ep.name for ep in entry_points(group="ctc.plugins"))
CORE_SOURCES = [
    p for p in (PROJECT_DIR / "core").rglob("*")
    if p.suffix in {".py", ".html", ".js", ".css"} and "translations" not in p.parts
]


def test_the_four_built_in_plugins_are_entry_points():
    assert {"postal", "training", "inventory", "dcc"} <= set(PLUGIN_NAMES)


@pytest.mark.parametrize("name", PLUGIN_NAMES)
def test_core_knows_no_plugin_by_name(name):
    pattern = re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE)
    offenders = [
        str(p.relative_to(PROJECT_DIR)) for p in CORE_SOURCES
        if pattern.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == [], f"core mentions the plugin {name!r} in {offenders}"


@pytest.mark.parametrize("name", PLUGIN_NAMES)
def test_plugin_init_only_wires(name):
    """``__init__.py`` holds the manifest and hook implementations, nothing else."""
    tree = ast.parse((PROJECT_DIR / "plugins" / name / "__init__.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom, ast.Expr)):
            continue
        if isinstance(node, ast.Assign):
            continue  # MANIFEST and constants
        if isinstance(node, ast.FunctionDef):
            decorators = {ast.unparse(d) for d in node.decorator_list}
            assert decorators & {"hookimpl", "hookimpl()"} or node.name.startswith("_"), (
                f"plugins/{name}/__init__.py defines {node.name}, which is not a hook"
            )
            continue
        pytest.fail(f"plugins/{name}/__init__.py holds a {type(node).__name__}: move it by role")
