"""missed beneficiaries from intake's events

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 20:39:50.540519
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rm_missed',
    sa.Column('missed_id', sa.String(length=36), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('missed_id')
    )
    with op.batch_alter_table('rm_missed', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_missed_at'), ['at'], unique=False)

    with op.batch_alter_table('rm_notices', schema=None) as batch_op:
        batch_op.drop_column('claims_group')



def downgrade() -> None:
    with op.batch_alter_table('rm_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('claims_group', sa.BOOLEAN(), nullable=False))

    with op.batch_alter_table('rm_missed', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_missed_at'))

    op.drop_table('rm_missed')
