"""postal: a tracking event for every item already voided or refunded

Voids and refunds now write a ``voided`` or ``refunded`` tracking event for each item they
cancel, so the public tracking page shows the item was cancelled at the counter. Items
cancelled before (status ``voided``/``refunded``, set when their whole line was given
back) had no such event: each gets one now, dated and signed as the void or refund that
cancelled it (its receipt number as the note, its clerk, the center's name as the office).
No column changes; the same statements on SQLite and PostgreSQL.

Downgrade keeps the events: tracking history is never removed, and the previous code
shows these kinds as they are.

Revision ID: postal_0003
Revises: postal_0002
Create Date: 2026-11-22 08:00:00

"""
from datetime import datetime, timezone

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "postal_0003"
down_revision = "postal_0002"
branch_labels = None
depends_on = None

REVERSAL = {"voided": "void", "refunded": "refund"}


def upgrade():
    backfill(op.get_bind())


def backfill(bind) -> int:
    """Write the missing events; returns how many (idempotent: a second run writes none)."""
    item = sa.table("postal_item", sa.column("id"), sa.column("center_id"),
                    sa.column("status"), sa.column("sale_line_id"))
    event = sa.table("postal_tracking_event", sa.column("id"), sa.column("center_id"),
                     sa.column("item_id"), sa.column("kind"), sa.column("at"),
                     sa.column("office"), sa.column("note"), sa.column("user_id"))
    line = sa.table("postal_sale_line", sa.column("id"), sa.column("sale_id"),
                    sa.column("original_line_id"))
    sale = sa.table("postal_sale", sa.column("id"), sa.column("kind"), sa.column("number"),
                    sa.column("created_at"), sa.column("clerk_id"))
    center = sa.table("center", sa.column("id"), sa.column("name_en"))
    has_event = sa.select(event.c.id).where(event.c.item_id == item.c.id,
                                            event.c.kind == item.c.status).exists()
    missing = bind.execute(
        sa.select(item.c.id, item.c.center_id, item.c.status, item.c.sale_line_id,
                  center.c.name_en)
        .join(center, center.c.id == item.c.center_id)
        .where(item.c.status.in_(tuple(REVERSAL)), ~has_event)
        .order_by(item.c.id)).all()
    for item_id, center_id, status, sale_line_id, office in missing:
        reversal = bind.execute(
            sa.select(sale.c.number, sale.c.created_at, sale.c.clerk_id)
            .join(line, line.c.sale_id == sale.c.id)
            .where(line.c.original_line_id == sale_line_id, sale.c.kind == REVERSAL[status])
            .order_by(sale.c.created_at.desc(), sale.c.id.desc()).limit(1)).first()
        number, at, clerk_id = reversal or ("", None, None)
        bind.execute(sa.insert(event).values(
            center_id=center_id, item_id=item_id, kind=status, office=office or "",
            note=number, user_id=clerk_id,
            at=at or datetime.now(timezone.utc).replace(tzinfo=None)))
    return len(missing)


def downgrade():
    pass
