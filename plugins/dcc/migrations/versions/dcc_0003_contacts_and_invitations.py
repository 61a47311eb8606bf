"""dcc: one holder per contact; team mates by invitation

* A member's email address or phone number is held only while the registration is pending
  or approved: a partial unique index per contact (PostgreSQL and SQLite both take
  ``WHERE``). Rejected, expired and deleted records keep their row but hold nothing, so the
  contact can register again. Before the indexes, any duplicate left by two registrations
  racing each other (the old check was in Python only) is resolved: an approved record
  keeps the contact, else the newest pending one; the other pending ones are expired.
* ``dcc_entry_invitation``: the contacts a team lead invited; the members holding them
  accept or decline. Existing team mates stay members of their teams as they are.

Revision ID: dcc_0003
Revises: dcc_0002
Create Date: 2026-11-23 12:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dcc_0003'
down_revision = 'dcc_0002'
branch_labels = None
depends_on = None

HELD = "status IN ('pending', 'approved') AND {column} <> ''"


def _expire_duplicates(column: str) -> None:
    bind = op.get_bind()
    member = sa.table("dcc_member", sa.column("id"), sa.column("status"), sa.column(column),
                      sa.column("pending_password_hash"))
    held = sa.and_(member.c.status.in_(("pending", "approved")), member.c[column] != "")
    values = bind.execute(sa.select(member.c[column]).where(held).group_by(member.c[column])
                          .having(sa.func.count() > 1)).scalars().all()
    for value in values:
        rows = bind.execute(sa.select(member.c.id, member.c.status).where(
            held, member.c[column] == value)).all()
        approved = [r.id for r in rows if r.status == "approved"]
        keep = approved[0] if approved else max(r.id for r in rows)
        bind.execute(sa.update(member).where(
            held, member.c[column] == value, member.c.id != keep,
            member.c.status == "pending").values(status="expired", pending_password_hash=""))


def upgrade():
    for column in ("email", "phone"):
        _expire_duplicates(column)
        where = sa.text(HELD.format(column=column))
        op.create_index(f"uq_dcc_member_{column}_held", "dcc_member", [column], unique=True,
                        sqlite_where=where, postgresql_where=where)

    op.create_table('dcc_entry_invitation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('entry_id', sa.Integer(), nullable=False),
    sa.Column('competition_id', sa.Integer(), nullable=False),
    sa.Column('contact', sa.String(length=200), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('answered_at', sa.DateTime(), nullable=True),
    sa.Column('center_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['center_id'], ['center.id'], name=op.f('fk_dcc_entry_invitation_center_id_center')),
    sa.ForeignKeyConstraint(['competition_id'], ['dcc_competition.id'], name=op.f('fk_dcc_entry_invitation_competition_id_dcc_competition')),
    sa.ForeignKeyConstraint(['entry_id'], ['dcc_entry.id'], name=op.f('fk_dcc_entry_invitation_entry_id_dcc_entry')),
    sa.ForeignKeyConstraint(['member_id'], ['dcc_member.id'], name=op.f('fk_dcc_entry_invitation_member_id_dcc_member')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dcc_entry_invitation'))
    )
    with op.batch_alter_table('dcc_entry_invitation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dcc_entry_invitation_center_id'), ['center_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dcc_entry_invitation_competition_id'), ['competition_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dcc_entry_invitation_contact'), ['contact'], unique=False)
        batch_op.create_index(batch_op.f('ix_dcc_entry_invitation_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dcc_entry_invitation_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dcc_entry_invitation_status'), ['status'], unique=False)


def downgrade():
    with op.batch_alter_table('dcc_entry_invitation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dcc_entry_invitation_status'))
        batch_op.drop_index(batch_op.f('ix_dcc_entry_invitation_member_id'))
        batch_op.drop_index(batch_op.f('ix_dcc_entry_invitation_entry_id'))
        batch_op.drop_index(batch_op.f('ix_dcc_entry_invitation_contact'))
        batch_op.drop_index(batch_op.f('ix_dcc_entry_invitation_competition_id'))
        batch_op.drop_index(batch_op.f('ix_dcc_entry_invitation_center_id'))

    op.drop_table('dcc_entry_invitation')
    for column in ("phone", "email"):
        op.drop_index(f"uq_dcc_member_{column}_held", table_name="dcc_member")
    # Expired registrations keep their status: the code before this revision counts every
    # member but a deleted one as holding its contact, as it did for rejected ones.
