"""Fixtures of core's tests."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="module")
def documents_app():
    """An app context with core.documents wired and no database behind it: for tests that
    only render documents."""
    import core.documents as documents
    from core import create_app

    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    documents.init_app(app)
    with app.app_context():
        yield app
