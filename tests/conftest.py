"""Shared fixtures.

The database is the one named by ``CTC_TEST_DATABASE_URL`` (``.ci/run`` creates a fresh
PostgreSQL database for each run) or, without it, a SQLite file in a temporary folder. It
is migrated once per session with the real migrations (``ctc db upgrade``), and emptied
after every test. Every test gets a fresh app, hence a fresh plugin manager.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from core import create_app
from core.extensions import db

TEST_DB_URL = os.environ.get("CTC_TEST_DATABASE_URL", "")

# Apps built by the tests keep their files (uploads, stored documents) in a throw-away
# instance folder, never in the checkout's instance/.
os.environ.setdefault("CTC_INSTANCE_PATH", tempfile.mkdtemp(prefix="ctc-test-instance-"))
ON_POSTGRES = TEST_DB_URL.startswith("postgres")

DEFAULT_PASSWORD = "correct-horse-battery"


def base_config(db_url: str, **extra) -> dict:
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret-key-that-is-long-enough-1234",
        "SQLALCHEMY_DATABASE_URI": db_url,
        "WTF_CSRF_ENABLED": False,
        "SESSION_COOKIE_SECURE": False,
        "REMEMBER_COOKIE_SECURE": False,
        "RATELIMIT_ENABLED": True,
        "SERVER_NAME": None,
        # Still salted and hashed, but cheap: the suite signs in hundreds of times.
        "CTC_PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
    }
    config.update(extra)
    return config


@pytest.fixture(scope="session")
def db_url(tmp_path_factory) -> str:
    if TEST_DB_URL:
        return TEST_DB_URL
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite3")


@pytest.fixture(scope="session")
def migrated(db_url):
    """Bring the test database to every branch's head once per session."""
    import flask_migrate

    app = create_app(base_config(db_url))
    with app.app_context():
        if ON_POSTGRES:
            _drop_everything(db.engine)
        flask_migrate.upgrade(revision="heads")
        db.engine.dispose()
    return db_url


def _drop_everything(engine) -> None:
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA public CASCADE"))
        conn.execute(sa.text("CREATE SCHEMA public"))


def _empty_tables(engine) -> None:
    """Delete every row the test wrote.

    On PostgreSQL, ``session_replication_role = replica`` switches off the foreign-key and
    audit triggers for this transaction only, so rows go in any order (on SQLite the
    append-only triggers are dropped and re-created in the same transaction); DELETE on ~70 mostly
    empty tables takes milliseconds where TRUNCATE took over a second. Then every sequence
    restarts at 1 in one statement, as TRUNCATE ... RESTART IDENTITY did (SQLite reuses ids
    of emptied tables by itself).
    """
    with engine.begin() as conn:
        existing = set(sa.inspect(conn).get_table_names())
        names = [t.name for t in reversed(db.metadata.sorted_tables) if t.name in existing]
        triggers = []
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        else:  # SQLite cannot switch triggers off: drop the append-only ones, put them back
            triggers = conn.execute(sa.text(
                "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")).all()
            for name, _sql in triggers:
                conn.execute(sa.text(f'DROP TRIGGER "{name}"'))
        for name in names:
            conn.execute(sa.text(f'DELETE FROM "{name}"'))  # noqa: S608 - our own table names
        for _name, sql in triggers:
            conn.execute(sa.text(sql))
        if engine.dialect.name == "postgresql":
            conn.execute(sa.text(
                "SELECT setval(c.oid, 1, false) FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            ))


@pytest.fixture
def make_app(migrated):
    """Build apps on the test database; each is torn down (tables emptied) after the test."""
    apps = []

    def factory(**config):
        app = create_app(base_config(migrated, **config))
        apps.append(app)
        return app

    yield factory
    for app in apps:
        with app.app_context():
            db.session.remove()
    if apps:
        with apps[0].app_context():
            _empty_tables(db.engine)
    for app in apps:
        with app.app_context():
            db.engine.dispose()


@pytest.fixture
def app(make_app):
    app = make_app()
    with app.app_context():
        from core.auth.permissions import sync_builtin_roles

        sync_builtin_roles()
        db.session.commit()
    return app


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def app_ctx(app):
    with app.app_context():
        yield app


class Factory:
    """Creates centers and users through core's services, committed."""

    def __init__(self, app):
        self.app = app

    def center(self, code="AA-01", **kw):
        from core import services

        with self.app.app_context():
            center = services.create_center(
                code=code, name_en=kw.get("name_en", f"Center {code}"),
                name_km=kw.get("name_km", f"មជ្ឈមណ្ឌល {code}"),
                province_code=kw.get("province_code", "12"),
            )
            db.session.commit()
            return center.id

    def user(self, username, *, center_id=None, role="manager", deployer=False,
             password=DEFAULT_PASSWORD):
        from core import services
        from core.tenancy import Center

        with self.app.app_context():
            user = services.create_user(username=username, password=password,
                                        full_name=username.title(), is_deployer=deployer)
            if center_id is not None and role:
                services.grant_role(user, db.session.get(Center, center_id), role)
            db.session.commit()
            return user.id


@pytest.fixture
def factory(app):
    return Factory(app)


def login(client, username, password=DEFAULT_PASSWORD, lang="en"):
    response = client.post("/login", data={"username": username, "password": password},
                           headers={"Accept-Language": lang})
    assert response.status_code == 302, f"login as {username} failed: {response.status_code}"
    return response


@pytest.fixture
def login_as(client):
    def do(username, password=DEFAULT_PASSWORD):
        return login(client, username, password)

    return do


CSRF_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"')


def csrf_token(html: str) -> str:
    match = CSRF_RE.search(html)
    assert match, "no CSRF token in the page"
    return match.group(1) or match.group(2)


PROJECT_DIR = Path(__file__).resolve().parent.parent
