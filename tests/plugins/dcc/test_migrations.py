"""dcc_0003 on a database that already holds members: duplicates a race left behind are
resolved before the unique indexes go in. dcc_0004: national IDs written as training
writes them, none counted as checked."""

from datetime import datetime

import flask_migrate
import sqlalchemy as sa

from core.extensions import db
from plugins.dcc.models import Member
from tests.core.test_migrations import (  # noqa: F401  fixtures used by name
    empty_app,
    empty_db_url,
    fresh_postgres_database,
)

FILLED = {"listed": False, "rejection_reason": "", "name_km": "", "name_en": "",
          "sex": "", "province_code": "", "category": "other", "organisation_name": "",
          "job_title": "", "experience": "", "education": "", "links": "", "national_id": "",
          "pending_password_hash": "hash", "created_at": datetime(2026, 11, 1)}
MEMBER_0002 = sa.table("dcc_member", *(sa.column(name) for name in (
    "token", "email", "phone", "status", *FILLED)), sa.column("visibility", sa.JSON))


def insert_members(rows: list[dict]) -> None:
    """Members with the columns dcc_member had up to dcc_0003 (the model has more since)."""
    with db.engine.begin() as conn:
        conn.execute(sa.insert(MEMBER_0002), [
            {**FILLED, "token": f"token-{n}", "email": "", "phone": "", "visibility": {}, **row}
            for n, row in enumerate(rows)])


def test_contact_indexes_keep_the_approved_or_newest_registration(empty_app):  # noqa: F811
    with empty_app.app_context():
        flask_migrate.upgrade(revision="dcc_0002")
        rows = [("a@example.com", "", "pending"), ("a@example.com", "", "pending"),
                ("b@example.com", "", "approved"), ("b@example.com", "", "pending"),
                ("", "+85512000111", "pending"), ("", "+85512000111", "rejected"),
                ("", "+85512000222", "approved"), ("", "+85512000333", "approved")]
        insert_members([{"email": email, "phone": phone, "status": status}
                        for email, phone, status in rows])
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


def test_national_ids_are_normalised_and_none_is_checked(empty_app):  # noqa: F811
    with empty_app.app_context():
        flask_migrate.upgrade(revision="dcc_0003")
        insert_members([{"email": "n1@example.com", "status": "approved",
                         "national_id": " kh 0001 "},
                        {"email": "n2@example.com", "status": "approved",
                         "national_id": "kh 0001"}])
        flask_migrate.upgrade(revision="heads")
        got = db.session.execute(sa.select(Member.national_id, Member.national_id_checked_at)
                                 .order_by(Member.id)).all()
        assert got == [("KH0001", None), ("KH0001", None)]  # two typed it: neither checked
