"""audit log append-only on SQLite too

PostgreSQL has refused UPDATE and DELETE of audit rows since core_0001 (a trigger); on
SQLite only the ORM refused. These triggers make SQLite refuse as well, whatever code
writes. (The test-suite empties tables by dropping and re-creating SQLite's triggers
around its DELETEs: tests/conftest.py.)

Revision ID: core_0004
Revises: core_0003
Create Date: 2026-11-22 03:30:00

"""
from alembic import op


# revision identifiers, used by Alembic.
revision = 'core_0004'
down_revision = 'core_0003'
branch_labels = None
depends_on = None

MESSAGE = "the audit trail is append-only"


def upgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("UPDATE", "DELETE"):
        op.execute(f"""
            CREATE TRIGGER audit_log_no_{event.lower()}
            BEFORE {event} ON audit_log
            BEGIN
                SELECT RAISE(ABORT, '{MESSAGE}');
            END
        """)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        return
    for event in ("update", "delete"):
        op.execute(f"DROP TRIGGER IF EXISTS audit_log_no_{event}")
