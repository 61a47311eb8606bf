"""Plugin discovery, manifests, dependency order, per-center switches and hook proxies.

Built-in plugins are found through the same entry-point group as third-party ones
(``ctc.plugins``). Everything that can be wrong with the set of plugins - a duplicate name,
a hook that matches no spec, a missing requirement, a requirement cycle - fails at start-up
with a message that names the culprit.
"""

from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any

import pluggy
from flask import current_app, g, has_request_context
from flask_babel import lazy_gettext as _l

from core import hookspecs

ENTRY_POINT_GROUP = "ctc.plugins"


class PluginError(RuntimeError):
    """The installed plugins cannot start together; the message names the culprit."""


class PluginDependencyError(ValueError):
    """A per-center switch would break a requirement between plugins (a lazy translation)."""


@dataclass(frozen=True)
class Manifest:
    name: str
    title_en: str
    title_km: str
    version: str
    summary: str = ""
    requires: tuple[str, ...] = ()
    default_enabled: bool = True

    def title(self, locale: str | None = None) -> str:
        return self.title_km if (locale or "en").startswith("km") else self.title_en


@dataclass(frozen=True)
class MenuItem:
    """An entry of the navigation bar. ``endpoint`` is a Flask endpoint name.

    With ``permission`` set, core shows the entry only to users who hold it at the center.
    """

    label: Any
    endpoint: str
    icon: str = ""
    order: int = 100
    params: dict = field(default_factory=dict)
    permission: str | None = None


@dataclass(frozen=True)
class Widget:
    """A dashboard card rendered from ``template`` with ``context``."""

    title: Any
    template: str
    context: dict = field(default_factory=dict)
    order: int = 100


class PluginRegistry:
    """The installed plugins of one app: the pluggy manager plus what core learnt at start-up."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager("ctc")
        self.pm.add_hookspecs(hookspecs)
        self.manifests: dict[str, Manifest] = {}
        self.order: list[str] = []  # dependency order: requirements first
        self.models: dict[str, list[type]] = {}
        self.permissions: dict[str, Any] = {}  # code -> Permission
        self.permission_plugin: dict[str, str | None] = {}  # code -> plugin name (None: core)
        self.blueprint_plugin: dict[str, str] = {}  # blueprint name -> plugin name
        self.jobs: dict[str, Any] = {}
        self.document_dirs: list[str] = []
        self.migration_dirs: list[str] = []
        self._subset_cache: dict[tuple[str, frozenset[str]], Any] = {}

    # -- loading ---------------------------------------------------------------------

    def register(self, plugin: object, name: str) -> None:
        if name in self.manifests or self.pm.get_plugin(name) is not None:
            raise PluginError(f"two plugins are both named {name!r}; plugin names must be unique")
        try:
            self.pm.register(plugin, name=name)
        except ValueError as exc:  # pluggy: the same object registered twice
            raise PluginError(f"plugin {name!r} could not be registered: {exc}") from exc
        impls = [i for i in self.pm.hook.ctc_manifest.get_hookimpls() if i.plugin is plugin]
        if not impls:
            raise PluginError(f"plugin {name!r} has no ctc_manifest hook: every plugin needs one")
        manifest = impls[0].function()
        if not isinstance(manifest, Manifest):
            raise PluginError(f"plugin {name!r}: ctc_manifest must return core.plugins.Manifest")
        if manifest.name != name:
            raise PluginError(
                f"plugin registered as {name!r} declares the name {manifest.name!r} in its manifest"
            )
        self.manifests[name] = manifest

    def load(self, extra: list | tuple = (), disabled_entry_points: list | tuple = ()) -> None:
        for ep in _installed_entry_points():
            if ep.name in disabled_entry_points:
                continue
            try:
                module = ep.load()
            except Exception as exc:
                raise PluginError(f"plugin {ep.name!r} ({ep.value}) failed to import: {exc}") from exc
            self.register(module, ep.name)
        for plugin in extra:
            if isinstance(plugin, str):
                plugin = importlib.import_module(plugin)
            name = _declared_name(plugin)
            self.register(plugin, name)
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError as exc:
            raise PluginError(f"unknown hook: {exc} (every hook must match a spec in core/hookspecs.py)") from exc
        self.order = dependency_order(self.manifests)

    # -- queries ---------------------------------------------------------------------

    def plugin_object(self, name: str) -> object:
        return self.pm.get_plugin(name)

    def call_each(self, hook_name: str, **kwargs):
        """Call a start-up hook once per plugin, in dependency order: yield (plugin name, result)."""
        hook = getattr(self.pm.hook, hook_name)
        by_plugin = {self.pm.get_name(i.plugin): i for i in hook.get_hookimpls()}
        for name in self.order:
            impl = by_plugin.get(name)
            if impl is None:
                continue
            args = {k: kwargs[k] for k in impl.argnames if k in kwargs}
            result = impl.function(**args)
            if result is not None:
                yield name, result

    def subset_hooks(self, disabled: frozenset[str]) -> HookProxy:
        return HookProxy(self, disabled)

    def subset_caller(self, hook_name: str, disabled: frozenset[str]):
        key = (hook_name, disabled)
        caller = self._subset_cache.get(key)
        if caller is None:
            if disabled:
                remove = [self.pm.get_plugin(n) for n in disabled if self.pm.get_plugin(n)]
                caller = self.pm.subset_hook_caller(hook_name, remove_plugins=remove)
            else:
                caller = getattr(self.pm.hook, hook_name)
            self._subset_cache[key] = caller
        return caller

    def requirement_closure(self, name: str) -> list[str]:
        """The plugin and everything it requires, transitively, requirements first."""
        seen: list[str] = []

        def visit(n: str) -> None:
            for req in self.manifests[n].requires:
                visit(req)
            if n not in seen:
                seen.append(n)

        visit(name)
        return seen

    def dependents(self, name: str) -> list[str]:
        return [n for n, m in self.manifests.items() if name in m.requires]


class HookProxy:
    """``g.hooks``: the hooks as the current center sees them (its disabled plugins left out)."""

    def __init__(self, registry: PluginRegistry, disabled: frozenset[str]) -> None:
        self._registry = registry
        self._disabled = disabled

    def __getattr__(self, hook_name: str):
        if not hook_name.startswith("ctc_"):
            raise AttributeError(hook_name)
        return self._registry.subset_caller(hook_name, self._disabled)


@functools.cache
def _installed_entry_points() -> tuple:
    """The ``ctc.plugins`` entry points; scanning every distribution costs ~0.1 s, once is enough."""
    return tuple(entry_points(group=ENTRY_POINT_GROUP))


def _declared_name(plugin: object) -> str:
    manifest_fn = getattr(plugin, "ctc_manifest", None)
    if manifest_fn is None:
        raise PluginError(f"{plugin!r} has no ctc_manifest hook: every plugin needs one")
    return manifest_fn().name


def dependency_order(manifests: dict[str, Manifest]) -> list[str]:
    """Topological order, requirements first; unknown requirements and cycles are errors."""
    for name, manifest in manifests.items():
        for req in manifest.requires:
            if req not in manifests:
                raise PluginError(
                    f"plugin {name!r} requires {req!r}, which is not installed"
                )
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(name: str, path: list[str]) -> None:
        if state.get(name) == "done":
            return
        if state.get(name) == "visiting":
            cycle = " -> ".join([*path[path.index(name):], name])
            raise PluginError(f"plugin requirements form a cycle: {cycle}")
        state[name] = "visiting"
        for req in manifests[name].requires:
            visit(req, [*path, name])
        state[name] = "done"
        order.append(name)

    for name in sorted(manifests):
        visit(name, [])
    return order


def registry() -> PluginRegistry:
    return current_app.extensions["ctc"]


# -- per-center enablement ------------------------------------------------------------


def enabled_plugins(center) -> set[str]:
    """Names of the plugins switched on for ``center`` (defaults for plugins never toggled)."""
    from core.extensions import db
    from core.tenancy import CenterPlugin

    reg = registry()
    if center is None:
        return set()
    cache = g.setdefault("_ctc_enabled", {}) if has_request_context() else {}
    if center.id in cache:
        return cache[center.id]
    rows = {
        row.plugin: row.enabled
        for row in db.session.execute(
            db.select(CenterPlugin).where(CenterPlugin.center_id == center.id)
        ).scalars()
    }
    names = {
        name for name, manifest in reg.manifests.items()
        if rows.get(name, manifest.default_enabled)
    }
    cache[center.id] = names
    return names


def plugin_enabled(name: str, center) -> bool:
    return name in enabled_plugins(center)


def plugin_enabled_anywhere(name: str) -> bool:
    """Whether ``name`` is on at one active center at least: the plugin's national pages
    (views marked ``centerless`` or checked by the plugin) exist only then."""
    from core.extensions import db
    from core.tenancy import Center

    cache = g.setdefault("_ctc_enabled_anywhere", {}) if has_request_context() else {}
    if name not in cache:
        centers = db.session.execute(db.select(Center).where(Center.active.is_(True))).scalars()
        cache[name] = any(plugin_enabled(name, c) for c in centers)
    return cache[name]


def _forget_cache(center) -> None:
    if has_request_context():
        g.pop("_ctc_enabled", None)
        g.pop("_ctc_enabled_anywhere", None)


def set_plugin_enabled(center, name: str, enabled: bool, *, session=None) -> list[str]:
    """Switch ``name`` on or off for ``center``; return the plugins whose state changed.

    Enabling switches on what the plugin requires; disabling is refused while an enabled
    plugin requires it. Data is never touched: only the switch rows change. Each change is
    audited, and ``ctc_center_plugin_toggled`` runs in the caller's transaction, which the
    caller commits.
    """
    from core import audit
    from core.extensions import db
    from core.tenancy import CenterPlugin

    reg = registry()
    session = session or db.session
    if name not in reg.manifests:
        raise PluginDependencyError(_l("no plugin named %(name)s is installed", name=repr(name)))
    current = enabled_plugins(center)
    if enabled:
        targets = [n for n in reg.requirement_closure(name) if n not in current]
    else:
        blocking = sorted(d for d in reg.dependents(name) if d in current)
        if blocking:
            raise PluginDependencyError(_l(
                "cannot disable %(name)s: %(blocking)s requires it; disable that first",
                name=repr(name), blocking=", ".join(blocking)))
        targets = [name] if name in current else []
    for target in targets:
        row = session.execute(
            db.select(CenterPlugin).where(
                CenterPlugin.center_id == center.id, CenterPlugin.plugin == target
            )
        ).scalar_one_or_none()
        if row is None:
            row = CenterPlugin(center_id=center.id, plugin=target)
            session.add(row)
        row.enabled = enabled
    session.flush()
    for target in targets:
        audit.record("plugin_" + ("enabled" if enabled else "disabled"), center_id=center.id,
                     object_type="center_plugin", object_id=target,
                     changes={"plugin": target, "enabled": enabled}, session=session)
    _forget_cache(center)
    for target in targets:
        reg.pm.hook.ctc_center_plugin_toggled(center=center, plugin=target, enabled=enabled)
    return targets


def hooks_for(center):
    """The per-request hook proxy for ``center``: disabled plugins are left out."""
    reg = registry()
    disabled = frozenset(set(reg.manifests) - enabled_plugins(center))
    return reg.subset_hooks(disabled)


def hooks():
    """``g.hooks`` for the current request's center (all plugins off when there is none)."""
    if "hooks" not in g:
        from core.tenancy import current_center

        g.hooks = hooks_for(current_center())
    return g.hooks


