"""Every hook is documented: a docstring in core/hookspecs.py and a section in docs/plugins.md.

As Datasette's tests/test_docs.py does, so a new hook cannot land undocumented.
"""

import inspect
import re

import pytest

from core import hookspecs
from tests.conftest import PROJECT_DIR

HOOKS = sorted(
    name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
    if hasattr(fn, "ctc_spec")
)
DOC = (PROJECT_DIR / "docs" / "plugins.md").read_text(encoding="utf-8")
SECTIONS = set(re.findall(r"^### (ctc_\w+)", DOC, flags=re.MULTILINE))


def test_hooks_are_found():
    assert "ctc_manifest" in HOOKS and len(HOOKS) >= 12


@pytest.mark.parametrize("name", HOOKS)
def test_hook_is_prefixed_and_has_a_docstring(name):
    assert name.startswith("ctc_")
    doc = inspect.getdoc(getattr(hookspecs, name)) or ""
    assert len(doc) > 40, f"{name} needs a docstring saying its arguments, result and when it runs"


@pytest.mark.parametrize("name", HOOKS)
def test_hook_has_a_section_in_docs_plugins_md(name):
    assert name in SECTIONS, f"docs/plugins.md has no '### {name}' section"


def test_docs_name_no_hook_that_does_not_exist():
    assert SECTIONS <= set(HOOKS), f"documented but not specified: {sorted(SECTIONS - set(HOOKS))}"


def test_every_module_function_in_hookspecs_is_a_spec():
    plain = [
        name for name, fn in inspect.getmembers(hookspecs, inspect.isfunction)
        if fn.__module__ == hookspecs.__name__ and not hasattr(fn, "ctc_spec")
    ]
    assert plain == [], f"functions in core/hookspecs.py without @hookspec: {plain}"
