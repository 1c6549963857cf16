"""corrective actions from evaluation events

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27 23:17:36.944021
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('rm_corrective_actions',
    sa.Column('action_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('criterion', sa.String(length=64), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=True),
    sa.PrimaryKeyConstraint('action_id')
    )
    with op.batch_alter_table('rm_corrective_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_corrective_actions_criterion'), ['criterion'], unique=False)
        batch_op.create_index(batch_op.f('ix_rm_corrective_actions_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_rm_corrective_actions_raised_at'), ['raised_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rm_corrective_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_corrective_actions_raised_at'))
        batch_op.drop_index(batch_op.f('ix_rm_corrective_actions_officer_id'))
        batch_op.drop_index(batch_op.f('ix_rm_corrective_actions_criterion'))

    op.drop_table('rm_corrective_actions')
