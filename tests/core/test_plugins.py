"""The plugin engine: discovery, manifests, start-up errors, and a throwaway plugin.

The throwaway plugin (tests/core/throwaway/) plugs in through hooks alone and adds a page,
a menu item, a permission and a table; core never names it.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

import pytest
import sqlalchemy as sa

import core.plugins
import tests.core.throwaway as throwaway
from core.extensions import db
from core.plugins import ENTRY_POINT_GROUP, Manifest, PluginError
from tests.conftest import PROJECT_DIR, login
from tests.core.throwaway.fixtures import (
    fast_hashing,  # noqa: F401
    installed,
    switch_off_others,
)
from tests.core.throwaway.others import BarePlugin, RenamedPlugin, UnknownHookPlugin

BUILT_IN = {"postal", "training", "inventory", "dcc"}

pytestmark = pytest.mark.usefixtures("fast_hashing")


# -- discovery ------------------------------------------------------------------------


def test_built_in_plugins_come_from_the_entry_point_group(app):
    eps = {ep.name: ep for ep in entry_points(group=ENTRY_POINT_GROUP)}
    assert BUILT_IN <= set(eps)
    reg = app.extensions["ctc"]
    for name in BUILT_IN:
        assert reg.plugin_object(name) is eps[name].load()
        manifest = reg.manifests[name]
        assert isinstance(manifest, Manifest)
        assert manifest.name == name
        assert manifest.title_en and manifest.title_km and manifest.version
        assert all(req in reg.manifests for req in manifest.requires)
    # requirements come before the plugins that need them
    for name in reg.order:
        for req in reg.manifests[name].requires:
            assert reg.order.index(req) < reg.order.index(name)


def add_entry_point(monkeypatch, name: str, value: str) -> None:
    """Pretend one more distribution declares a ``ctc.plugins`` entry point."""
    extra = EntryPoint(name=name, value=value, group=ENTRY_POINT_GROUP)
    real = tuple(entry_points(group=ENTRY_POINT_GROUP))
    if hasattr(core.plugins, "_installed_entry_points"):  # discovery cached per process
        monkeypatch.setattr(core.plugins, "_installed_entry_points", lambda: (*real, extra))
    else:
        monkeypatch.setattr(core.plugins, "entry_points", lambda group: [*real, extra])


def test_a_third_party_entry_point_is_discovered_like_the_built_ins(make_app, monkeypatch):
    add_entry_point(monkeypatch, "throwaway", "tests.core.throwaway")
    try:
        app = make_app()
        reg = app.extensions["ctc"]
        assert reg.plugin_object("throwaway") is throwaway
        assert BUILT_IN | {"throwaway"} <= set(reg.manifests)
    finally:
        from tests.core.throwaway import models

        models.forget()


def test_every_app_has_its_own_plugin_manager(make_app):
    first, second = make_app(), make_app(CTC_EXTRA_PLUGINS=[BarePlugin("solo")])
    assert first.extensions["ctc"].pm is not second.extensions["ctc"].pm
    assert "solo" in second.extensions["ctc"].manifests
    assert "solo" not in first.extensions["ctc"].manifests


def test_a_disabled_entry_point_is_not_loaded(app, make_app):
    reg = app.extensions["ctc"]
    leaf = next(n for n in sorted(BUILT_IN) if not reg.dependents(n))
    other = make_app(CTC_DISABLED_ENTRY_POINTS=[leaf])
    assert leaf not in other.extensions["ctc"].manifests
    assert not any(bp_plugin == leaf
                   for bp_plugin in other.extensions["ctc"].blueprint_plugin.values())
    assert set(BUILT_IN) - {leaf} <= set(other.extensions["ctc"].manifests)


# -- start-up errors name the culprit --------------------------------------------------


def test_duplicate_plugin_name_is_a_startup_error(make_app):
    with pytest.raises(PluginError, match="'postal'") as err:
        make_app(CTC_EXTRA_PLUGINS=[BarePlugin("postal")])
    assert "unique" in str(err.value) or "both named" in str(err.value)


def test_two_extra_plugins_with_one_name_are_a_startup_error(make_app):
    with pytest.raises(PluginError, match="'twin'"):
        make_app(CTC_EXTRA_PLUGINS=[BarePlugin("twin"), BarePlugin("twin")])


def test_hook_matching_no_spec_is_a_startup_error(make_app):
    with pytest.raises(PluginError) as err:
        make_app(CTC_EXTRA_PLUGINS=[UnknownHookPlugin("stray")])
    message = str(err.value)
    assert "ctc_no_such_hook" in message
    assert "stray" in message


def test_missing_requirement_is_a_startup_error(make_app):
    with pytest.raises(PluginError) as err:
        make_app(CTC_EXTRA_PLUGINS=[BarePlugin("needy", requires=("nowhere",))])
    assert "'needy'" in str(err.value) and "'nowhere'" in str(err.value)


def test_requirement_cycle_is_a_startup_error(make_app):
    with pytest.raises(PluginError, match="cycle") as err:
        make_app(CTC_EXTRA_PLUGINS=[
            BarePlugin("chicken", requires=("egg",)), BarePlugin("egg", requires=("chicken",)),
        ])
    assert "chicken" in str(err.value) and "egg" in str(err.value)


def test_manifest_naming_another_plugin_is_a_startup_error(make_app, monkeypatch):
    add_entry_point(monkeypatch, "renamed", "tests.core.throwaway")
    with pytest.raises(PluginError) as err:
        make_app()
    assert "'renamed'" in str(err.value) and "'throwaway'" in str(err.value)


def test_registering_under_another_name_is_refused():
    reg = core.plugins.PluginRegistry()
    with pytest.raises(PluginError) as err:
        reg.register(RenamedPlugin("renamed"), "renamed")
    assert "'renamed'" in str(err.value) and "'someone_else'" in str(err.value)


def test_permission_outside_the_plugin_namespace_is_a_startup_error(make_app):
    with pytest.raises(PluginError) as err:
        make_app(CTC_EXTRA_PLUGINS=[BarePlugin("greedy", permissions=("postal.sell_more",))])
    assert "'greedy'" in str(err.value) and "postal.sell_more" in str(err.value)


def test_permission_declared_twice_is_a_startup_error(make_app):
    with pytest.raises(PluginError, match="greedy.x"):
        make_app(CTC_EXTRA_PLUGINS=[BarePlugin("greedy", permissions=("greedy.x", "greedy.x"))])


def test_plugin_without_manifest_is_a_startup_error(make_app):
    class Nameless:
        pass

    with pytest.raises(PluginError, match="ctc_manifest"):
        make_app(CTC_EXTRA_PLUGINS=[Nameless()])


# -- the throwaway plugin adds a page, a menu item, a permission and a table -------------


@pytest.fixture
def throwaway_app(make_app):
    with installed(make_app) as app:
        yield app


def test_throwaway_plugin_adds_a_table(throwaway_app):
    with throwaway_app.app_context():
        assert "throwaway_note" in sa.inspect(db.engine).get_table_names()
        reg = throwaway_app.extensions["ctc"]
        assert [m.__tablename__ for m in reg.models["throwaway"]] == ["throwaway_note"]
        assert any(d.endswith("migrations") and "throwaway" in d for d in reg.migration_dirs)


def test_throwaway_plugin_adds_a_permission_granted_to_managers(throwaway_app):
    from core.auth.models import Role

    with throwaway_app.app_context():
        reg = throwaway_app.extensions["ctc"]
        assert reg.permissions["throwaway.use"].code == "throwaway.use"
        assert reg.permission_plugin["throwaway.use"] == "throwaway"
        roles = {r.code: r for r in db.session.execute(db.select(Role)).scalars()}
        assert "throwaway.use" in roles["manager"].permissions
        assert "throwaway.use" in roles["clerk"].permissions
        assert "throwaway.use" not in roles["judge"].permissions


def test_throwaway_plugin_adds_a_page_and_a_menu_item(throwaway_app):
    from core.tenancy import Center
    from tests.conftest import Factory

    factory = Factory(throwaway_app)
    on = factory.center("TA-01")
    off = factory.center("TB-01")
    factory.user("tuser", center_id=on, role="manager")
    factory.user("offuser", center_id=off, role="manager")
    factory.user("judge", center_id=on, role="judge")
    switch_off_others(throwaway_app, on, off)
    with throwaway_app.app_context():
        from core.plugins import set_plugin_enabled

        set_plugin_enabled(db.session.get(Center, off), "throwaway", False)
        db.session.commit()

    client = throwaway_app.test_client()
    login(client, "tuser")
    page = client.get("/throwaway/")
    assert page.status_code == 200 and b"Throwaway notes" in page.data
    nav = client.get("/").get_data(as_text=True)
    assert 'href="/throwaway/"' in nav and "Throwaway notes" in nav
    assert "Throwaway widget of TA-01" in nav

    other = throwaway_app.test_client()
    login(other, "offuser")
    assert other.get("/throwaway/").status_code == 404
    nav = other.get("/").get_data(as_text=True)
    assert "Throwaway notes" not in nav and "Throwaway widget" not in nav

    judge = throwaway_app.test_client()
    login(judge, "judge")
    assert judge.get("/throwaway/").status_code == 403
    assert "Throwaway notes" not in judge.get("/").get_data(as_text=True)


def test_apps_without_the_throwaway_plugin_do_not_see_it(throwaway_app, make_app):
    plain = make_app()
    assert "throwaway" not in plain.extensions["ctc"].manifests
    assert "throwaway.use" not in plain.extensions["ctc"].permissions
    assert plain.test_client().get("/throwaway/").status_code == 404
    # Another app built since must not change where the throwaway app finds its revisions.
    with throwaway_app.app_context():
        import flask_migrate

        flask_migrate.upgrade(revision="heads")
        assert "throwaway_note" in sa.inspect(db.engine).get_table_names()


def test_core_never_names_the_throwaway_plugin():
    offenders = [
        str(path.relative_to(PROJECT_DIR))
        for path in (PROJECT_DIR / "core").rglob("*")
        if path.is_file() and path.suffix in {".py", ".html", ".cfg", ".txt", ".po"}
        and "throwaway" in path.read_text(encoding="utf-8", errors="replace")
    ]
    assert offenders == []


def test_the_throwaway_plugin_leaves_nothing_behind(make_app):
    with installed(make_app) as app:
        assert "throwaway_note" in db.metadata.tables
    assert "throwaway_note" not in db.metadata.tables
    with app.app_context():
        assert "throwaway_note" not in sa.inspect(db.engine).get_table_names()
        heads = db.session.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
        assert not any(h.startswith("throwaway") for h in heads)
