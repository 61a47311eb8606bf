"""dcc: national certificate numbers move to core's national sequences

The DCC kept its own gapless counter (dcc_counter) because core.sequences could only
number a center's series. Core now has national series (sequence_national): the counts
move there unchanged (the next number stays the next number) and dcc_counter goes.

Revision ID: dcc_0002
Revises: dcc_0001
Create Date: 2026-11-22 03:12:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'dcc_0002'
down_revision = 'dcc_0001'
branch_labels = None
depends_on = 'core_0003'


def upgrade():
    op.execute(
        "INSERT INTO sequence_national (series, year, next_value) "
        "SELECT series, year, last + 1 FROM dcc_counter"
    )
    op.drop_table('dcc_counter')


def downgrade():
    op.create_table('dcc_counter',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_dcc_counter')),
    sa.UniqueConstraint('series', 'year', name=op.f('uq_dcc_counter_series_year'))
    )
    op.execute(
        "INSERT INTO dcc_counter (series, year, last) "
        "SELECT series, year, next_value - 1 FROM sequence_national "
        "WHERE series = 'dcc-certificate'"
    )
    op.execute("DELETE FROM sequence_national WHERE series = 'dcc-certificate'")
