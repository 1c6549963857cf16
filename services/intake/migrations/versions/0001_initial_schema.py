"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-26 20:03:44.367615
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
    op.create_table('agencies',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('branches',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('is_head_office', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('cases',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('register_no', sa.String(length=32), nullable=False),
    sa.Column('channel', sa.String(length=32), nullable=False),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('notice_agency_code', sa.String(length=64), nullable=True),
    sa.Column('notice_id', sa.String(length=64), nullable=True),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('gender', sa.String(length=16), nullable=False),
    sa.Column('national_id', sa.String(length=12), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.Column('branch_code', sa.String(length=32), nullable=True),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('urgent', sa.Boolean(), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=True),
    sa.Column('assigned_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('assignment_reason', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('case_id'),
    sa.UniqueConstraint('register_no')
    )
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.create_index('ix_cases_opened_at', ['opened_at'], unique=False)

    op.create_table('communes',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=255), nullable=False),
    sa.Column('branch_code', sa.String(length=32), nullable=False),
    sa.Column('former_district', sa.String(length=100), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('notices',
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('notice_id', sa.String(length=64), nullable=False),
    sa.Column('revision', sa.Integer(), nullable=False),
    sa.Column('agency_kind', sa.String(length=32), nullable=False),
    sa.Column('agency_name', sa.String(length=255), nullable=False),
    sa.Column('agency_known', sa.Boolean(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('request_received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('late', sa.Boolean(), nullable=False),
    sa.Column('wants_legal_aid', sa.Boolean(), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.Column('commune_known', sa.Boolean(), nullable=False),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('stale_deliveries', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('agency_code', 'notice_id')
    )
    op.create_table('officers',
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('branch_code', sa.String(length=32), nullable=False),
    sa.Column('is_leader', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('officer_id')
    )
    op.create_table('register_counters',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('last_no', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('rejected_notices',
    sa.Column('id', sa.String(length=36), nullable=False),
    sa.Column('message_key', sa.String(length=300), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=True),
    sa.Column('notice_id', sa.String(length=64), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('errors', sa.JSON(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_key')
    )


def downgrade() -> None:
    op.drop_table('rejected_notices')
    op.drop_table('register_counters')
    op.drop_table('officers')
    op.drop_table('notices')
    op.drop_table('communes')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_opened_at')

    op.drop_table('cases')
    op.drop_table('branches')
    op.drop_table('agencies')
    drop_messaging_tables(op)
