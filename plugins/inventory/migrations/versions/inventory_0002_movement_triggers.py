"""inventory: the database refuses changing stock movements

Stock is the sum of the movements, so a movement is never updated nor deleted: a mistake
is corrected by a new movement. The ORM already refuses (models._refuse_movement_change);
these triggers make the database refuse too, whatever code writes.

* PostgreSQL: a plpgsql function raising an exception, run BEFORE UPDATE OR DELETE of each
  row. (The test suite empties tables under ``session_replication_role = replica``, which
  skips ordinary triggers.)
* SQLite: one trigger refusing UPDATE only. SQLite has no way to switch triggers off for a
  session, and the test suite empties tables with DELETE, so on SQLite deletes are refused
  by the ORM only.

Revision ID: inventory_0002
Revises: inventory_0001
Create Date: 2026-11-22 01:20:00

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "inventory_0002"
down_revision = "inventory_0001"
branch_labels = None
depends_on = None

MESSAGE = "stock movements are never changed: post a new movement instead"


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"""
            CREATE FUNCTION inventory_refuse_movement_change() RETURNS trigger
            LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
            END;
            $$
        """)
        op.execute("""
            CREATE TRIGGER inventory_stock_movement_immutable
            BEFORE UPDATE OR DELETE ON inventory_stock_movement
            FOR EACH ROW EXECUTE FUNCTION inventory_refuse_movement_change()
        """)
    elif dialect == "sqlite":
        op.execute(f"""
            CREATE TRIGGER inventory_stock_movement_no_update
            BEFORE UPDATE ON inventory_stock_movement
            BEGIN
                SELECT RAISE(ABORT, '{MESSAGE}');
            END
        """)


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS inventory_stock_movement_immutable "
                   "ON inventory_stock_movement")
        op.execute("DROP FUNCTION IF EXISTS inventory_refuse_movement_change()")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS inventory_stock_movement_no_update")
