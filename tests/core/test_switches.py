"""Per-center switches: enablement is data, requirements are respected, nothing is lost.

Two throwaway plugins: ``throwaway`` (a page, a menu item, a widget, a permission, a table)
and ``throwaway_addon``, which requires it.
"""

from __future__ import annotations

import html
import re

import pytest

import tests.core.throwaway as throwaway
from core.cli import cli
from core.extensions import db
from core.plugins import PluginDependencyError, enabled_plugins, set_plugin_enabled
from core.tenancy import Center, CenterPlugin
from tests.conftest import Factory, login
from tests.core.throwaway.fixtures import (
    fast_hashing,  # noqa: F401
    installed,
    switch_off_others,
)
from tests.core.throwaway.models import note_model
from tests.core.throwaway.others import BarePlugin

KEEP = ("throwaway", "throwaway_addon")

pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def addon():
    return BarePlugin("throwaway_addon", requires=("throwaway",), menu_label="Addon entry")


@pytest.fixture
def env(make_app, addon):
    """The app with both throwaway plugins, centers ON-01 and OFF-01, a manager at each."""
    with installed(make_app, addon) as app:
        factory = Factory(app)
        on, off = factory.center("ON-01"), factory.center("OFF-01")
        factory.user("onuser", center_id=on, role="manager")
        factory.user("offuser", center_id=off, role="manager")
        factory.user("root", deployer=True)
        switch_off_others(app, on, off, keep=KEEP)
        yield app, on, off


def _set(app, center_id, name, enabled):
    with app.app_context():
        changed = set_plugin_enabled(db.session.get(Center, center_id), name, enabled)
        db.session.commit()
        return changed


def _state(app, center_id):
    with app.app_context():
        return enabled_plugins(db.session.get(Center, center_id)) & set(KEEP)


def _client(app, username):
    client = app.test_client()
    login(client, username)
    return client


def test_enablement_is_data(env):
    app, on, off = env
    with app.app_context():
        rows = {
            row.plugin: row.enabled
            for row in db.session.execute(
                db.select(CenterPlugin).where(CenterPlugin.center_id == on)
            ).scalars()
        }
    # every installed plugin has its switch row from the moment the center is created
    assert set(app.extensions["ctc"].manifests) <= set(rows)
    assert rows["throwaway"] is True
    _set(app, on, "throwaway_addon", False)
    with app.app_context():
        row = db.session.execute(
            db.select(CenterPlugin).filter_by(center_id=on, plugin="throwaway_addon")
        ).scalar_one()
        assert row.enabled is False
    assert _state(app, on) == {"throwaway"}
    assert _state(app, off) == set(KEEP)  # the other center is untouched


def test_enabling_pulls_in_requirements(env):
    app, on, _off = env
    _set(app, on, "throwaway_addon", False)
    _set(app, on, "throwaway", False)
    assert _state(app, on) == set()
    changed = _set(app, on, "throwaway_addon", True)
    assert changed == ["throwaway", "throwaway_addon"]
    assert _state(app, on) == set(KEEP)


def test_disabling_a_required_plugin_is_refused_by_the_service(env):
    app, on, _off = env
    with app.app_context(), pytest.raises(PluginDependencyError, match="throwaway_addon"):
        set_plugin_enabled(db.session.get(Center, on), "throwaway", False)
    assert _state(app, on) == set(KEEP)


def test_disabling_a_required_plugin_is_refused_by_the_cli(env):
    app, _on, _off = env
    result = app.test_cli_runner().invoke(cli, ["plugins", "disable", "throwaway",
                                                "--center", "ON-01"])
    assert result.exit_code != 0
    assert "throwaway_addon" in result.output
    on = _center_id(app, "ON-01")
    assert _state(app, on) == set(KEEP)


def test_disabling_a_required_plugin_is_refused_in_the_ui(env):
    app, on, _off = env
    root = _client(app, "root")
    page = root.post(f"/admin/centers/{on}/plugins/throwaway", data={"enabled": "0"},
                     headers={"Accept-Language": "en"}, follow_redirects=True)
    assert page.status_code == 200
    alerts = re.findall(r'<div class="alert[^>]*>(.*?)<button', page.get_data(as_text=True), re.S)
    alerts = [html.unescape(a).strip() for a in alerts]
    assert any("throwaway_addon requires it" in a and "'throwaway'" in a for a in alerts), alerts
    assert _state(app, on) == set(KEEP)
    # and the order that is allowed works from the UI
    root.post(f"/admin/centers/{on}/plugins/throwaway_addon", data={"enabled": "0"})
    root.post(f"/admin/centers/{on}/plugins/throwaway", data={"enabled": "0"})
    assert _state(app, on) == set()
    root.post(f"/admin/centers/{on}/plugins/throwaway_addon", data={"enabled": "1"})
    assert _state(app, on) == set(KEEP)


def _center_id(app, code):
    with app.app_context():
        return db.session.execute(db.select(Center.id).filter_by(code=code)).scalar_one()


def test_disabled_plugin_urls_answer_404_at_that_center_only(env):
    app, _on, off = env
    _set(app, off, "throwaway_addon", False)
    _set(app, off, "throwaway", False)
    with app.app_context():
        Note = note_model()  # noqa: N806
        note_on = Note(center_id=_center_id(app, "ON-01"), text="on note")
        note_off = Note(center_id=off, text="off note")
        db.session.add_all([note_on, note_off])
        db.session.commit()
        ids = note_on.id, note_off.id
    on_client, off_client = _client(app, "onuser"), _client(app, "offuser")
    assert on_client.get("/throwaway/").status_code == 200
    assert on_client.get(f"/throwaway/{ids[0]}").status_code == 200
    assert off_client.get("/throwaway/").status_code == 404
    assert off_client.get(f"/throwaway/{ids[1]}").status_code == 404


def test_menus_widgets_and_permissions_vanish_where_disabled(env):
    from core.auth.models import User
    from core.auth.permissions import user_permissions

    app, on, off = env
    _set(app, off, "throwaway_addon", False)
    _set(app, off, "throwaway", False)
    on_page = _client(app, "onuser").get("/").get_data(as_text=True)
    off_page = _client(app, "offuser").get("/").get_data(as_text=True)
    for text in ("Throwaway notes", "Addon entry", "Throwaway widget"):
        assert text in on_page
        assert text not in off_page
    with app.test_request_context():
        on_user = db.session.execute(db.select(User).filter_by(username="onuser")).scalar_one()
        off_user = db.session.execute(db.select(User).filter_by(username="offuser")).scalar_one()
        assert "throwaway.use" in user_permissions(on_user, db.session.get(Center, on))
        assert "throwaway.use" not in user_permissions(off_user, db.session.get(Center, off))
        # the role still holds the grant: switching back on gives it back
        assert "throwaway.use" in off_user.roles_at(db.session.get(Center, off))[0].permissions


def test_per_request_hooks_use_subset_hook_caller_and_never_unregister(env, monkeypatch):
    app, _on, off = env
    _set(app, off, "throwaway_addon", False)
    pm = app.extensions["ctc"].pm
    plugins_before = set(pm.get_plugins())
    subset_calls = []
    real_subset = pm.subset_hook_caller

    def spy_subset(name, remove_plugins):
        subset_calls.append((name, {pm.get_name(p) for p in remove_plugins}))
        return real_subset(name, remove_plugins)

    def forbidden(*args, **kwargs):
        raise AssertionError("the shared registry must not change per request")

    monkeypatch.setattr(pm, "subset_hook_caller", spy_subset)
    monkeypatch.setattr(pm, "unregister", forbidden)
    monkeypatch.setattr(pm, "set_blocked", forbidden)
    app.extensions["ctc"]._subset_cache.clear()
    throwaway.MENU_CALLS.clear()

    off_client, on_client = _client(app, "offuser"), _client(app, "onuser")
    assert "Addon entry" not in off_client.get("/").get_data(as_text=True)
    assert "Addon entry" in on_client.get("/").get_data(as_text=True)
    _set(app, off, "throwaway", False)
    off_client.get("/")

    assert set(pm.get_plugins()) == plugins_before
    assert ("ctc_menu_items", {"throwaway_addon"} | _builtins(app)) in subset_calls
    assert any(name == "ctc_menu_items" and "throwaway" in removed
               for name, removed in subset_calls)
    assert "ON-01" in throwaway.MENU_CALLS
    # the menu hook ran at OFF-01 only while the throwaway plugin was on there
    assert throwaway.MENU_CALLS.count("OFF-01") == 1


def _builtins(app):
    return set(app.extensions["ctc"].manifests) - set(KEEP)


def test_toggling_calls_the_toggled_hook_of_every_plugin(env, addon):
    app, on, _off = env
    throwaway.TOGGLES.clear()
    _set(app, on, "throwaway_addon", False)
    _set(app, on, "throwaway", False)
    expected_off = [("ON-01", "throwaway_addon", False), ("ON-01", "throwaway", False)]
    assert throwaway.TOGGLES == expected_off
    # the addon hears about its own switch, though it is off by then
    assert addon.toggles[-2:] == expected_off
    throwaway.TOGGLES.clear()
    _set(app, on, "throwaway_addon", True)
    assert throwaway.TOGGLES == [("ON-01", "throwaway", True), ("ON-01", "throwaway_addon", True)]
    throwaway.TOGGLES.clear()
    assert _set(app, on, "throwaway", True) == []  # already on: nothing changes, no event
    assert throwaway.TOGGLES == []


def test_disabling_and_re_enabling_loses_nothing(env):
    app, on, _off = env
    with app.app_context():
        Note = note_model()  # noqa: N806
        db.session.add_all([Note(center_id=on, text=f"note {i}") for i in range(3)])
        db.session.commit()
    client = _client(app, "onuser")
    before = client.get("/throwaway/").get_data(as_text=True)
    assert all(f"note {i}" in before for i in range(3))

    _set(app, on, "throwaway_addon", False)
    _set(app, on, "throwaway", False)
    assert client.get("/throwaway/").status_code == 404
    with app.app_context():
        assert db.session.query(note_model()).filter_by(center_id=on).count() == 3

    result = app.test_cli_runner().invoke(cli, ["plugins", "enable", "throwaway_addon",
                                                "--center", "ON-01"])
    assert result.exit_code == 0, result.output
    after = client.get("/throwaway/")
    assert after.status_code == 200
    assert all(f"note {i}" in after.get_data(as_text=True) for i in range(3))


def test_nested_blueprints_of_a_disabled_plugin_answer_404_too(make_app):
    from tests.core.throwaway.others import NestedPlugin

    app = make_app(CTC_EXTRA_PLUGINS=[NestedPlugin()])
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        db.session.commit()
    factory = Factory(app)
    on, off = factory.center("NB-01"), factory.center("NB-02")
    factory.user("onuser", center_id=on, role="manager")
    factory.user("offuser", center_id=off, role="manager")
    _set(app, off, "nested", False)
    assert _client(app, "onuser").get("/nested/inner/").status_code == 200
    assert _client(app, "offuser").get("/nested/inner/").status_code == 404
    assert app.test_client().get("/nested/inner/").status_code == 302  # anonymous: login


def test_every_page_of_the_built_in_plugins_is_404_where_they_are_off(app):
    """Generic over the installed plugins: with all of them off at a center, every one of
    their non-public URLs answers 404 there, whatever its arguments."""
    from werkzeug.routing import AnyConverter, IntegerConverter

    reg = app.extensions["ctc"]
    factory = Factory(app)
    off = factory.center("AO-01")
    factory.user("offuser", center_id=off, role="manager")
    for name in reversed(reg.order):  # dependents first
        _set(app, off, name, False)
    client = _client(app, "offuser")
    adapter = app.url_map.bind("localhost")
    problems, checked = [], 0
    for rule in app.url_map.iter_rules():
        top = rule.endpoint.split(".")[0]
        if top not in reg.blueprint_plugin or rule.endpoint.endswith(".static"):
            continue
        if getattr(app.view_functions[rule.endpoint], "ctc_public", False):
            continue
        values = {}
        for arg in rule.arguments:
            converter = rule._converters.get(arg)
            values[arg] = (1 if isinstance(converter, IntegerConverter)
                           else sorted(converter.items)[0] if isinstance(converter, AnyConverter)
                           else "x")
        for method in ("GET", "POST"):
            if method in rule.methods:
                url = adapter.build(rule.endpoint, values, method=method)
                status = client.open(url, method=method, data={}).status_code
                checked += 1
                if status != 404:
                    problems.append(f"{method} {url} ({rule.endpoint}): {status}")
    assert checked > 0
    assert not problems, "pages of plugins switched off still answer:\n" + "\n".join(problems)
