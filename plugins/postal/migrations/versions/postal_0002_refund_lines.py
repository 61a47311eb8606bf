"""postal: a void's or refund's lines point to the sale lines they give back

Partial refunds give back some lines, or part of a line's quantity; what is left to refund
on a sale line is its quantity less the quantities of the lines pointing to it. Existing
voids and refunds (always of a whole sale, lines copied in order) are linked line by line.

SQLite cannot add a constraint to an existing table, but it takes a REFERENCES clause on a
new column (``inline_references``); PostgreSQL gets the named constraint.

Revision ID: postal_0002
Revises: postal_0001
Create Date: 2026-11-23 10:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "postal_0002"
down_revision = "postal_0001"
branch_labels = None
depends_on = None


def upgrade():
    sqlite = op.get_bind().dialect.name == "sqlite"
    op.add_column("postal_sale_line", sa.Column(
        "original_line_id", sa.Integer(),
        sa.ForeignKey("postal_sale_line.id",
                      name=op.f("fk_postal_sale_line_original_line_id_postal_sale_line")),
        nullable=True), inline_references=sqlite)
    op.create_index(op.f("ix_postal_sale_line_original_line_id"), "postal_sale_line",
                    ["original_line_id"], unique=False)
    _link_existing_reversals()


def _link_existing_reversals():
    bind = op.get_bind()
    sale = sa.table("postal_sale", sa.column("id"), sa.column("original_id"))
    line = sa.table("postal_sale_line", sa.column("id"), sa.column("sale_id"),
                    sa.column("original_line_id"))
    pairs = bind.execute(sa.select(sale.c.id, sale.c.original_id).where(
        sale.c.original_id.is_not(None))).all()
    for reversal_id, original_id in pairs:
        ids = {}
        for sale_id in (reversal_id, original_id):
            ids[sale_id] = bind.execute(sa.select(line.c.id).where(
                line.c.sale_id == sale_id).order_by(line.c.id)).scalars().all()
        for mine, theirs in zip(ids[reversal_id], ids[original_id]):
            bind.execute(sa.update(line).where(line.c.id == mine).values(
                original_line_id=theirs))


def downgrade():
    op.drop_index(op.f("ix_postal_sale_line_original_line_id"), table_name="postal_sale_line")
    if op.get_bind().dialect.name == "sqlite":
        with op.batch_alter_table("postal_sale_line") as batch_op:
            batch_op.drop_column("original_line_id")
    else:
        op.drop_constraint(op.f("fk_postal_sale_line_original_line_id_postal_sale_line"),
                           "postal_sale_line", type_="foreignkey")
        op.drop_column("postal_sale_line", "original_line_id")
