"""assignment history and exclusions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 21:44:30.678495
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('assignment_history',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('assignment_history', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assignment_history_case_id'), ['case_id'], unique=False)

    # Decisions made before this migration become the first entry of each case's history.
    op.execute("INSERT INTO assignment_history (case_id, officer_id, decided_at, kind, rule, reason) "
               "SELECT case_id, officer_id, decided_at, 'initial', rule, reason FROM cases")
    op.create_table('case_exclusions',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('why', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('case_id', 'officer_id')
    )


def downgrade() -> None:
    op.drop_table('case_exclusions')
    with op.batch_alter_table('assignment_history', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assignment_history_case_id'))

    op.drop_table('assignment_history')
