"""national sequences: gapless series with no center

Revision ID: core_0003
Revises: core_0002
Create Date: 2026-11-22 03:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'core_0003'
down_revision = 'core_0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('sequence_national',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('series', sa.String(length=64), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('next_value', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sequence_national')),
    sa.UniqueConstraint('series', 'year', name=op.f('uq_sequence_national_series_year'))
    )


def downgrade():
    op.drop_table('sequence_national')
