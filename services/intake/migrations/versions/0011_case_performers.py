"""case performers: every officer who performs or performed a case

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29 10:05:00.000000

Filled from assignment's decisions from now on. What intake already knows is carried over: each case's
current performer, and the officers whose staff account declined a case through the case page (the
audit log says so). Earlier performers replaced by a leader before this migration are not known here.
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_performers',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('since', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('case_id', 'officer_id')
    )
    with op.batch_alter_table('case_performers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_performers_officer_id'), ['officer_id'], unique=False)

    op.execute("INSERT INTO case_performers (case_id, officer_id, since) "
               "SELECT case_id, officer_id, COALESCE(assigned_at, opened_at) FROM cases "
               "WHERE officer_id IS NOT NULL")
    op.execute("INSERT INTO case_performers (case_id, officer_id, since) "
               "SELECT a.subject, u.officer_id, MIN(a.at) FROM audit_log a "
               "JOIN staff_users u ON u.username = a.username "
               "JOIN cases c ON c.case_id = a.subject "
               "WHERE a.action = 'assignment_decline' AND u.officer_id IS NOT NULL "
               "AND NOT EXISTS (SELECT 1 FROM case_performers p "
               "WHERE p.case_id = a.subject AND p.officer_id = u.officer_id) "
               "GROUP BY a.subject, u.officer_id")


def downgrade() -> None:
    with op.batch_alter_table('case_performers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_performers_officer_id'))

    op.drop_table('case_performers')
