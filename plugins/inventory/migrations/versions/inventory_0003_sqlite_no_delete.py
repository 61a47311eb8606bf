"""inventory: SQLite refuses deleting stock movements too

inventory_0002 made PostgreSQL refuse UPDATE and DELETE of stock movements and SQLite
refuse UPDATE only, because the test-suite emptied tables with DELETE. The suite now
drops and re-creates SQLite's triggers around its DELETEs (tests/conftest.py), so SQLite
refuses DELETE as well.

Revision ID: inventory_0003
Revises: inventory_0002
Create Date: 2026-11-22 03:30:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "inventory_0003"
down_revision = "inventory_0002"
branch_labels = None
depends_on = None

MESSAGE = "stock movements are never changed: post a new movement instead"


def upgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"""
            CREATE TRIGGER inventory_stock_movement_no_delete
            BEFORE DELETE ON inventory_stock_movement
            BEGIN
                SELECT RAISE(ABORT, '{MESSAGE}');
            END
        """)


def downgrade():
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS inventory_stock_movement_no_delete")
