"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 20:05:05.211836
"""
from alembic import op
import sqlalchemy as sa

from services.runtime.messaging_tables import create_messaging_tables, drop_messaging_tables


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_messaging_tables(op)
    op.create_table('register',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('outcome', sa.String(length=64), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('register', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_register_officer_id'), ['officer_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('register', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_register_officer_id'))

    op.drop_table('register')
    drop_messaging_tables(op)
