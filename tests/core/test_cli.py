"""The ``ctc`` command line, invoked on the test app through Flask's CLI runner."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from core.cli import cli
from core.extensions import db
from core.tenancy import Center
from tests.conftest import Factory, login
from tests.core.throwaway.fixtures import fast_hashing  # noqa: F401
from tests.core.throwaway.others import BarePlugin

pytestmark = pytest.mark.usefixtures("fast_hashing")

BUILT_IN = ("postal", "training", "inventory", "dcc")
PASSWORD = "a-long-cli-password"


def run(app, *args, ok=True):
    result = app.test_cli_runner().invoke(cli, list(args))
    if ok:
        assert result.exit_code == 0, f"ctc {' '.join(args)}: {result.output}{result.exception!r}"
    else:
        assert result.exit_code != 0, f"ctc {' '.join(args)} should fail: {result.output}"
    return result.output


def counts(app) -> dict[str, int]:
    with app.app_context():
        with db.engine.connect() as conn:
            existing = set(sa.inspect(conn).get_table_names())
            return {
                t.name: conn.scalar(sa.select(sa.func.count()).select_from(t))
                for t in db.metadata.sorted_tables if t.name in existing
            }


def test_centers_create_and_list(app):
    out = run(app, "centers", "create", "--code", "kp-01", "--name-en", "Kampot CTC",
              "--name-km", "មជ្ឈមណ្ឌលកំពត", "--province", "7", "--phone", "033 932 123")
    assert "KP-01" in out
    out = run(app, "centers", "list")
    assert "KP-01" in out and "Kampot CTC" in out and "មជ្ឈមណ្ឌលកំពត" in out and "Kampot" in out
    out = run(app, "centers", "create", "--code", "KP-01", "--name-en", "x", "--name-km", "x",
              "--province", "07", ok=False)
    assert "KP-01" in out and "exists" in out
    out = run(app, "centers", "create", "--code", "ZZ-01", "--name-en", "x", "--name-km", "x",
              "--province", "99", ok=False)
    assert "province" in out


def test_users_create_list_set_password_and_grant(app):
    from core.auth.models import User

    Factory(app).center("US-01")
    out = run(app, "users", "create", "vanna", "--password", PASSWORD, "--full-name",
              "Vanna Chea", "--center", "US-01", "--role", "clerk")
    assert "vanna" in out
    run(app, "users", "create", "root", "--password", PASSWORD, "--deployer")
    out = run(app, "users", "list")
    assert "vanna" in out and "clerk@US-01" in out and "[deployer]" in out
    out = run(app, "users", "create", "vanna", "--password", PASSWORD, ok=False)
    assert "taken" in out
    out = run(app, "users", "create", "short", "--password", "short", ok=False)
    assert "10 characters" in out

    run(app, "users", "set-password", "vanna", "--password", "another-long-password")
    with app.app_context():
        user = db.session.execute(db.select(User).filter_by(username="vanna")).scalar_one()
        assert user.check_password("another-long-password")
    login(app.test_client(), "vanna", "another-long-password")
    assert "no user" in run(app, "users", "set-password", "ghost", "--password", PASSWORD,
                            ok=False)

    out = run(app, "users", "grant", "vanna", "--center", "us-01", "--role", "manager")
    assert "manager" in out
    assert "manager@US-01" in run(app, "users", "list")
    assert "no role" in run(app, "users", "grant", "vanna", "--center", "US-01", "--role",
                            "emperor", ok=False)
    assert "no center" in run(app, "users", "grant", "vanna", "--center", "XX-99", "--role",
                              "clerk", ok=False)


def test_plugins_list_shows_the_four_plugins_with_their_state(app):
    out = run(app, "plugins", "list")
    for name in BUILT_IN:
        assert name in out
    Factory(app).center("PL-01")
    run(app, "plugins", "disable", _leaf(app), "--center", "PL-01")
    out = run(app, "plugins", "list", "--center", "PL-01")
    lines = {line.split()[0]: line.split()[1] for line in out.splitlines() if line.strip()}
    assert set(BUILT_IN) <= set(lines)
    assert lines[_leaf(app)] == "off"
    assert all(lines[n] == "on" for n in BUILT_IN if n != _leaf(app))
    assert "no center" in run(app, "plugins", "list", "--center", "NOPE", ok=False)


def _leaf(app) -> str:
    """A built-in plugin no other plugin requires."""
    reg = app.extensions["ctc"]
    return next(n for n in BUILT_IN if not reg.dependents(n))


def test_plugins_enable_and_disable(app):
    Factory(app).center("PL-02")
    name = _leaf(app)
    assert f"disabled at PL-02: {name}" in run(app, "plugins", "disable", name, "--center",
                                               "pl-02")
    assert "already" in run(app, "plugins", "disable", name, "--center", "PL-02")
    assert name in run(app, "plugins", "enable", name, "--center", "PL-02")
    assert "no plugin named" in run(app, "plugins", "enable", "nope", "--center", "PL-02",
                                    ok=False)


def test_plugins_disable_refusal_names_the_dependent(make_app):
    app = make_app(CTC_EXTRA_PLUGINS=[BarePlugin("base_x"),
                                      BarePlugin("needs_x", requires=("base_x",))])
    Factory(app).center("PL-03")
    out = run(app, "plugins", "disable", "base_x", "--center", "PL-03", ok=False)
    assert "needs_x" in out
    run(app, "plugins", "disable", "needs_x", "--center", "PL-03")
    run(app, "plugins", "disable", "base_x", "--center", "PL-03")
    assert "base_x, needs_x" in run(app, "plugins", "enable", "needs_x", "--center", "PL-03")


def test_demo_if_empty_then_demo_twice_creates_nothing_twice(app):
    out = run(app, "demo", "--if-empty")  # an empty database: loads
    assert "demo data loaded" in out and "admin" in out
    first = counts(app)
    assert first["center"] == 2 and first["user_account"] >= 2
    out = run(app, "demo", "--if-empty")  # not empty any more: only prints the logins
    assert "demo data loaded" not in out and "admin" in out
    assert counts(app) == first
    assert "demo data loaded" in run(app, "demo")  # loads again, finds everything there
    second = counts(app)
    assert second == first, {t: (first[t], second[t]) for t in first if first[t] != second[t]}
    login(app.test_client(), "admin", "admin-demo-2026")  # the printed login works


def test_demo_if_empty_leaves_a_real_installation_alone(app):
    Factory(app).center("RL-01")
    run(app, "demo", "--if-empty")
    with app.app_context():
        codes = set(db.session.execute(db.select(Center.code)).scalars())
    assert codes == {"RL-01"}


def test_roles_sync_creates_the_builtin_roles_and_grants(make_app):
    from core.auth.models import Role

    app = make_app()
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Role)) == 0
    assert "synchronised" in run(app, "roles", "sync")
    run(app, "roles", "sync")  # idempotent
    with app.app_context():
        roles = {r.code: r for r in db.session.execute(db.select(Role)).scalars()}
        assert set(roles) >= {"manager", "clerk", "trainer", "lab_officer", "moderator"}
        assert roles["manager"].permissions == set(app.extensions["ctc"].permissions)
    out = run(app, "roles", "list")
    assert "manager" in out and "core.view_audit" in out


def test_the_group_lists_its_commands(app):
    out = run(app, "--help")
    for command in ("db", "plugins", "centers", "users", "demo", "roles", "run", "shell"):
        assert command in out


def test_plugin_commands_belong_to_their_app(make_app):
    from tests.core.throwaway.fixtures import installed

    plain = make_app()
    run(plain, "plugins", "list")
    with installed(make_app) as app:
        assert "0 throwaway notes" in run(app, "throwaway-count")
        assert "throwaway-count" in run(app, "--help")
        assert "throwaway-count" not in run(plain, "--help")
        run(plain, "throwaway-count", ok=False)
