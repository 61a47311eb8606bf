"""Bare plugin objects for the engine's failure cases and the requirement tests.

A plugin object need not be a module: any object whose methods carry ``@core.hookimpl``
will do, as long as it has a ``ctc_manifest``.
"""

from __future__ import annotations

from core import hookimpl
from core.auth import Permission
from core.plugins import Manifest, MenuItem


class BarePlugin:
    def __init__(self, name: str, requires: tuple[str, ...] = (), *, permissions=(),
                 default_enabled: bool = True, menu_label: str | None = None) -> None:
        self.name = name
        self.requires = tuple(requires)
        self.permission_codes = tuple(permissions)
        self.default_enabled = default_enabled
        self.menu_label = menu_label
        self.toggles: list[tuple[str, str, bool]] = []

    def __repr__(self) -> str:
        return f"<BarePlugin {self.name}>"

    @hookimpl
    def ctc_manifest(self):
        return Manifest(name=self.name, title_en=self.name.title(), title_km="កម្មវិធី",
                        version="0.0.1", requires=self.requires,
                        default_enabled=self.default_enabled)

    @hookimpl
    def ctc_permissions(self):
        return [Permission(code, code) for code in self.permission_codes]

    @hookimpl
    def ctc_menu_items(self, center, user):
        if not self.menu_label:
            return []
        return [MenuItem(label=self.menu_label, endpoint="core.dashboard")]

    @hookimpl
    def ctc_center_plugin_toggled(self, center, plugin, enabled):
        self.toggles.append((center.code, plugin, enabled))


class UnknownHookPlugin(BarePlugin):
    @hookimpl
    def ctc_no_such_hook(self):
        return None


class RenamedPlugin(BarePlugin):
    """Its manifest names a plugin other than the one being registered."""

    @hookimpl
    def ctc_manifest(self):
        return Manifest(name="someone_else", title_en="X", title_km="X", version="0")


class NestedPlugin(BarePlugin):
    """Serves its pages from a blueprint nested in its own (Flask's nested blueprints)."""

    def __init__(self, name: str = "nested") -> None:
        super().__init__(name)
        from flask import Blueprint
        from flask_login import login_required

        outer = Blueprint(name, __name__, url_prefix=f"/{name}")
        inner = Blueprint("inner", __name__, url_prefix="/inner")

        @inner.route("/")
        @login_required
        def page():
            return "inner page"

        outer.register_blueprint(inner)
        self.blueprint = outer

    @hookimpl
    def ctc_blueprints(self):
        return [self.blueprint]
