"""throwaway: notes

Revision ID: throwaway_0001
Revises:
Create Date: 2026-11-21 23:50:00

"""

import sqlalchemy as sa
from alembic import op

revision = "throwaway_0001"
down_revision = None
branch_labels = ("throwaway",)
depends_on = "core_0001"


def upgrade():
    op.create_table(
        "throwaway_note",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("center_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(["center_id"], ["center.id"],
                                name=op.f("fk_throwaway_note_center_id_center")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throwaway_note")),
    )
    with op.batch_alter_table("throwaway_note") as batch_op:
        batch_op.create_index(batch_op.f("ix_throwaway_note_center_id"), ["center_id"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("throwaway_note") as batch_op:
        batch_op.drop_index(batch_op.f("ix_throwaway_note_center_id"))
    op.drop_table("throwaway_note")
