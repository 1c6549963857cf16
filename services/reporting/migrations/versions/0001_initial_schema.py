"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 20:05:46.992943
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
    op.create_table('reports',
    sa.Column('report_id', sa.String(length=100), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('report_id')
    )
    op.create_table('rm_assignments',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('rm_assignments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_assignments_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rm_assignments_officer_id'), ['officer_id'], unique=False)

    op.create_table('rm_cases',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.Column('gender', sa.String(length=16), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('rm_cases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_cases_opened_at'), ['opened_at'], unique=False)

    op.create_table('rm_closures',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('rm_closures', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_closures_at'), ['at'], unique=False)

    op.create_table('rm_evaluations',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('rm_evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_evaluations_at'), ['at'], unique=False)

    op.create_table('rm_notices',
    sa.Column('notice_key', sa.String(length=140), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('wants_legal_aid', sa.Boolean(), nullable=False),
    sa.Column('claims_group', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('notice_key')
    )
    with op.batch_alter_table('rm_notices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_notices_sent_at'), ['sent_at'], unique=False)

    op.create_table('rm_officers',
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('is_leader', sa.Boolean(), nullable=False),
    sa.Column('quota_target', sa.Integer(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('officer_id')
    )
    op.create_table('rm_refusals',
    sa.Column('request_id', sa.String(length=64), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('request_id')
    )
    with op.batch_alter_table('rm_refusals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_refusals_at'), ['at'], unique=False)

    op.create_table('rm_rejections',
    sa.Column('rejection_id', sa.String(length=36), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('rejection_id')
    )
    with op.batch_alter_table('rm_rejections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_rejections_at'), ['at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('rm_rejections', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_rejections_at'))

    op.drop_table('rm_rejections')
    with op.batch_alter_table('rm_refusals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_refusals_at'))

    op.drop_table('rm_refusals')
    op.drop_table('rm_officers')
    with op.batch_alter_table('rm_notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_notices_sent_at'))

    op.drop_table('rm_notices')
    with op.batch_alter_table('rm_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_evaluations_at'))

    op.drop_table('rm_evaluations')
    with op.batch_alter_table('rm_closures', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_closures_at'))

    op.drop_table('rm_closures')
    with op.batch_alter_table('rm_cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_cases_opened_at'))

    op.drop_table('rm_cases')
    with op.batch_alter_table('rm_assignments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_assignments_officer_id'))
        batch_op.drop_index(batch_op.f('ix_rm_assignments_at'))

    op.drop_table('rm_assignments')
    op.drop_table('reports')
    drop_messaging_tables(op)
