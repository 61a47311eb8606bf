"""Every installed plugin's Khmer catalogue covers every message of its sources."""

from importlib import import_module
from importlib.metadata import entry_points
from pathlib import Path

import pytest

from tests.catalogues import catalogue_problems, km_po

PLUGINS = sorted(ep.name for ep in entry_points(group="ctc.plugins"))


def _root(name: str) -> Path:
    return Path(import_module(f"plugins.{name}").__file__).parent


# Messages a plugin raises from its services and translates in its views with _(str(exc)),
# which extraction cannot see; and msgids that are the same in both languages.
EXTRA = {"dcc": lambda: __import__("tests.plugins.dcc.test_translations",
                                   fromlist=["service_messages"]).service_messages()}
SAME_IN_KHMER = {"dcc": {"DCC"}, "postal": {"S10"}}


@pytest.mark.parametrize("name", PLUGINS)
def test_every_message_has_a_khmer_translation(name):
    root = _root(name)
    assert km_po(root).exists(), f"plugins/{name} has no Khmer catalogue"
    extra = EXTRA[name]() if name in EXTRA else ()
    problems = catalogue_problems(root, extra=extra, not_khmer_ok=SAME_IN_KHMER.get(name, ()))
    assert problems == [], "\n".join(problems)
