"""opposing parties on requests

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-27 22:40:27.288279
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('opposing_parties', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_column('opposing_parties')

