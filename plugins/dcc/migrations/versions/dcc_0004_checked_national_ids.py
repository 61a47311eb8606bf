"""dcc: training certificates match only contacts the registry has proven

* ``dcc_member.national_id_checked_at`` / ``national_id_checked_by_id``: when and by whom a
  moderator compared the member's national ID with their ID card. Only a checked national
  ID matches training certificates; a checked number belongs to one member (a partial
  unique index). No existing ID counts as checked: members typed them.
* Existing national IDs are written as the training plugin writes a trainee's (upper case,
  no spaces), so a check and a certificate compare the same text.
* ``dcc_credential_notice``: certificates announced for a national ID not checked yet,
  kept until the check turns them into credentials. Credentials added before this revision
  stay as they are.

Revision ID: dcc_0004
Revises: dcc_0003
Create Date: 2026-11-22 08:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dcc_0004'
down_revision = 'dcc_0003'
branch_labels = None
depends_on = None

CHECKED = "national_id_checked_at IS NOT NULL"


def upgrade():
    with op.batch_alter_table('dcc_member', schema=None) as batch_op:
        batch_op.add_column(sa.Column('national_id_checked_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('national_id_checked_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f('fk_dcc_member_national_id_checked_by_id_user_account'),
            'user_account', ['national_id_checked_by_id'], ['id'])
    op.execute("UPDATE dcc_member SET national_id = REPLACE(UPPER(TRIM(national_id)), ' ', '') "
               "WHERE national_id <> REPLACE(UPPER(TRIM(national_id)), ' ', '')")
    where = sa.text(CHECKED)
    op.create_index('uq_dcc_member_national_id_checked', 'dcc_member', ['national_id'],
                    unique=True, sqlite_where=where, postgresql_where=where)

    op.create_table('dcc_credential_notice',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('national_id', sa.String(length=32), nullable=False),
    sa.Column('source_center_id', sa.Integer(), nullable=True),
    sa.Column('number', sa.String(length=64), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('title_km', sa.String(length=300), nullable=False),
    sa.Column('course_code', sa.String(length=64), nullable=False),
    sa.Column('hours', sa.Integer(), nullable=True),
    sa.Column('issued_on', sa.Date(), nullable=True),
    sa.Column('received_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['dcc_member.id'], name=op.f('fk_dcc_credential_notice_member_id_dcc_member')),
    sa.ForeignKeyConstraint(['source_center_id'], ['center.id'], name=op.f('fk_dcc_credential_notice_source_center_id_center')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dcc_credential_notice')),
    sa.UniqueConstraint('member_id', 'code', name=op.f('uq_dcc_credential_notice_member_id_code'))
    )
    with op.batch_alter_table('dcc_credential_notice', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_dcc_credential_notice_member_id'), ['member_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_dcc_credential_notice_national_id'), ['national_id'], unique=False)


def downgrade():
    with op.batch_alter_table('dcc_credential_notice', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_dcc_credential_notice_national_id'))
        batch_op.drop_index(batch_op.f('ix_dcc_credential_notice_member_id'))

    op.drop_table('dcc_credential_notice')
    op.drop_index('uq_dcc_member_national_id_checked', table_name='dcc_member')
    with op.batch_alter_table('dcc_member', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_dcc_member_national_id_checked_by_id_user_account'),
            type_='foreignkey')
        batch_op.drop_column('national_id_checked_by_id')
        batch_op.drop_column('national_id_checked_at')
