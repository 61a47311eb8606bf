"""Installing the throwaway plugin in a test app: build, migrate its branch, clean up."""

from __future__ import annotations

from contextlib import contextmanager

import flask_migrate
import pytest

import tests.core.throwaway as throwaway
from core.auth.permissions import sync_builtin_roles
from core.extensions import db
from tests.core.throwaway import models


@contextmanager
def installed(make_app, *others, **config):
    """An app with the throwaway plugin (and ``others``), its table migrated.

    Afterwards the throwaway branch is downgraded (its table dropped) and its model
    forgotten, so the schema and the metadata are core's and the real plugins' again.
    """
    throwaway.MENU_CALLS.clear()
    throwaway.TOGGLES.clear()
    app = make_app(CTC_EXTRA_PLUGINS=[throwaway, *others], **config)
    try:
        with app.app_context():
            flask_migrate.upgrade(revision="heads")
            sync_builtin_roles()
            db.session.commit()
        yield app
    finally:
        with app.app_context():
            db.session.remove()
            flask_migrate.downgrade(revision="throwaway@base")
        models.forget()


def switch_off_others(app, *center_ids, keep=("throwaway",)) -> None:
    """Switch every plugin but ``keep`` off at these centers (data rows, as a deployer would).

    The throwaway tests then see core and the throwaway plugin alone, whatever state the
    built-in plugins' screens are in.
    """
    from core.tenancy import CenterPlugin

    with app.app_context():
        names = set(app.extensions["ctc"].manifests) - set(keep)
        for center_id in center_ids:
            rows = db.session.execute(
                db.select(CenterPlugin).where(CenterPlugin.center_id == center_id)
            ).scalars()
            seen = set()
            for row in rows:
                seen.add(row.plugin)
                if row.plugin in names:
                    row.enabled = False
            for name in names - seen:
                db.session.add(CenterPlugin(center_id=center_id, plugin=name, enabled=False))
        db.session.commit()


@pytest.fixture
def fast_hashing(monkeypatch):
    """Hash test passwords with few pbkdf2 rounds: scrypt's cost is the point in
    production and a tenth of a second per user in the tests. test_auth checks the real
    default."""
    from functools import partial

    from werkzeug.security import generate_password_hash

    import core.auth.models

    monkeypatch.setattr(core.auth.models, "generate_password_hash",
                        partial(generate_password_hash, method="pbkdf2:sha256:1000"))
