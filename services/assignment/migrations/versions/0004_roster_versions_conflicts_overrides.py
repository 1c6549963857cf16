"""roster versions, conflicts, overrides and take requests

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27 22:35:24.266958
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_party_keys',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('key', sa.String(length=300), nullable=False),
    sa.PrimaryKeyConstraint('case_id', 'key')
    )
    with op.batch_alter_table('case_party_keys', schema=None) as batch_op:
        batch_op.create_index('ix_case_party_keys_key', ['key'], unique=False)

    op.create_table('officer_versions',
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('snapshot', sa.JSON(), nullable=False),
    sa.Column('changed_by', sa.String(length=64), nullable=False),
    sa.Column('changed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('officer_id', 'version')
    )
    op.create_table('take_requests',
    sa.Column('request_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('requested_by', sa.String(length=64), nullable=False),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('request_id')
    )
    with op.batch_alter_table('take_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_take_requests_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('assignment_history', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('candidates', sa.JSON(), nullable=True))

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('weight', sa.Float(), server_default='1', nullable=False))
        batch_op.add_column(sa.Column('stage', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('agency_code', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('parties', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('kind', sa.String(length=32), server_default='initial', nullable=False))
        batch_op.add_column(sa.Column('decided_by', sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_agency_code'), ['agency_code'], unique=False)

    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('duty', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('relationships', sa.JSON(), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('officers', schema=None) as batch_op:
        batch_op.drop_column('relationships')
        batch_op.drop_column('duty')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_agency_code'))
        batch_op.drop_column('decided_by')
        batch_op.drop_column('kind')
        batch_op.drop_column('parties')
        batch_op.drop_column('agency_code')
        batch_op.drop_column('stage')
        batch_op.drop_column('weight')

    with op.batch_alter_table('assignment_history', schema=None) as batch_op:
        batch_op.drop_column('candidates')
        batch_op.drop_column('decided_by')

    with op.batch_alter_table('take_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_take_requests_case_id'))

    op.drop_table('take_requests')
    op.drop_table('officer_versions')
    with op.batch_alter_table('case_party_keys', schema=None) as batch_op:
        batch_op.drop_index('ix_case_party_keys_key')

    op.drop_table('case_party_keys')
