"""change of performer applications

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-26 21:20:11.028515
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('performer_change_requested_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('performer_change_reason', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('performer_change_due', sa.DateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('performer_change_due')
        batch_op.drop_column('performer_change_reason')
        batch_op.drop_column('performer_change_requested_at')

