"""dcc_0003 on a database that already holds members: duplicates a race left behind are
resolved before the unique indexes go in."""

import flask_migrate
import sqlalchemy as sa

from core.extensions import db
from plugins.dcc.models import Member
from tests.core.test_migrations import (  # noqa: F401  fixtures used by name
    empty_app,
    empty_db_url,
    fresh_postgres_database,
)


def test_contact_indexes_keep_the_approved_or_newest_registration(empty_app):  # noqa: F811
    with empty_app.app_context():
        flask_migrate.upgrade(revision="dcc_0002")
        rows = [("a@example.com", "", "pending"), ("a@example.com", "", "pending"),
                ("b@example.com", "", "approved"), ("b@example.com", "", "pending"),
                ("", "+85512000111", "pending"), ("", "+85512000111", "rejected"),
                ("", "+85512000222", "approved"), ("", "+85512000333", "approved")]
        for email, phone, status in rows:
            db.session.add(Member(email=email, phone=phone, status=status, visibility={},
                                  pending_password_hash="hash"))
        db.session.commit()
        flask_migrate.upgrade(revision="heads")
        got = db.session.execute(sa.select(Member.id, Member.status, Member.pending_password_hash)
                                 .order_by(Member.id)).all()
        assert [(i, s) for i, s, _h in got] == [
            (1, "expired"), (2, "pending"), (3, "approved"), (4, "expired"),
            (5, "pending"), (6, "rejected"), (7, "approved"), (8, "approved")]
        assert got[0][2] == "" and got[1][2] == "hash"
        db.session.add(Member(email="a@example.com", status="pending", visibility={}))
        try:
            db.session.flush()
        except sa.exc.IntegrityError:
            db.session.rollback()
        else:
            raise AssertionError("the index let a second pending registration in")
