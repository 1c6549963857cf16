"""plans, evaluations, corrective actions, reviews

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27 23:14:22.108197
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_officers',
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('case_id', 'officer_id')
    )
    op.create_table('complaints',
    sa.Column('complaint_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('complaint_id')
    )
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_complaints_case_id'), ['case_id'], unique=False)

    op.create_table('conflicts',
    sa.Column('evaluator_officer_id', sa.String(length=32), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('declared_by', sa.String(length=64), nullable=False),
    sa.Column('declared_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('evaluator_officer_id', 'officer_id')
    )
    op.create_table('corrective_actions',
    sa.Column('action_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('evaluation_id', sa.String(length=36), nullable=False),
    sa.Column('criterion', sa.String(length=64), nullable=False),
    sa.Column('owner_officer_id', sa.String(length=32), nullable=False),
    sa.Column('due_on', sa.Date(), nullable=False),
    sa.Column('required_evidence', sa.Text(), nullable=False),
    sa.Column('raised_by', sa.String(length=64), nullable=False),
    sa.Column('raised_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('evidence', sa.Text(), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('late', sa.Boolean(), nullable=True),
    sa.Column('history', sa.JSON(), nullable=False),
    sa.Column('correlation_id', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('action_id')
    )
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_corrective_actions_criterion'), ['criterion'], unique=False)
        batch_op.create_index(batch_op.f('ix_corrective_actions_evaluation_id'), ['evaluation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corrective_actions_owner_officer_id'), ['owner_officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_corrective_actions_status'), ['status'], unique=False)

    op.create_table('evaluations',
    sa.Column('evaluation_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('method', sa.String(length=32), nullable=False),
    sa.Column('evaluator', sa.String(length=64), nullable=False),
    sa.Column('evaluator_officer_id', sa.String(length=32), nullable=True),
    sa.Column('opened_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('rules_version', sa.String(length=64), nullable=False),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('scores', sa.JSON(), nullable=False),
    sa.Column('successful', sa.Boolean(), nullable=True),
    sa.Column('effective', sa.Boolean(), nullable=True),
    sa.Column('explanations', sa.JSON(), nullable=False),
    sa.Column('rating', sa.String(length=32), nullable=True),
    sa.Column('finalized_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('officer_id', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('evaluation_id'),
    sa.UniqueConstraint('case_id')
    )
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_evaluations_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_evaluations_status'), ['status'], unique=False)

    op.create_table('officer_targets',
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('yearly_target', sa.Float(), nullable=True),
    sa.Column('band_floors', sa.JSON(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('officer_id', 'year')
    )
    op.create_table('officers',
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('branch_code', sa.String(length=32), nullable=True),
    sa.Column('is_leader', sa.Boolean(), nullable=False),
    sa.Column('leader_role', sa.String(length=32), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('officer_id')
    )
    op.create_table('plan_items',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=True),
    sa.Column('reason', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('case_id')
    )
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_items_year'), ['year'], unique=False)

    op.create_table('plans',
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('ends_on', sa.Date(), nullable=False),
    sa.Column('seed', sa.String(length=64), nullable=False),
    sa.Column('sample_percent', sa.Float(), nullable=False),
    sa.Column('min_per_officer', sa.Integer(), nullable=False),
    sa.Column('rules_version', sa.String(length=64), nullable=False),
    sa.Column('created_by', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('year')
    )
    op.create_table('reviews',
    sa.Column('review_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('band', sa.String(length=16), nullable=True),
    sa.Column('body', sa.JSON(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('review_id')
    )
    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reviews_officer_id'), ['officer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reviews_year'), ['year'], unique=False)

    with op.batch_alter_table('register', schema=None) as batch_op:
        batch_op.add_column(sa.Column('register_no', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('field', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('form', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('opened_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('result', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('ground', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('closing_officer_id', sa.String(length=32), nullable=True))
        batch_op.create_index(batch_op.f('ix_register_closed_at'), ['closed_at'], unique=False)
        batch_op.drop_column('status')



def downgrade() -> None:
    with op.batch_alter_table('register', schema=None) as batch_op:
        batch_op.add_column(sa.Column('status', sa.VARCHAR(length=32), nullable=False, server_default='in_progress'))
        batch_op.drop_index(batch_op.f('ix_register_closed_at'))
        batch_op.drop_column('closing_officer_id')
        batch_op.drop_column('closed_by')
        batch_op.drop_column('ground')
        batch_op.drop_column('result')
        batch_op.drop_column('opened_at')
        batch_op.drop_column('form')
        batch_op.drop_column('field')
        batch_op.drop_column('register_no')

    with op.batch_alter_table('reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reviews_year'))
        batch_op.drop_index(batch_op.f('ix_reviews_officer_id'))

    op.drop_table('reviews')
    op.drop_table('plans')
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_items_year'))

    op.drop_table('plan_items')
    op.drop_table('officers')
    op.drop_table('officer_targets')
    with op.batch_alter_table('evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_evaluations_status'))
        batch_op.drop_index(batch_op.f('ix_evaluations_officer_id'))

    op.drop_table('evaluations')
    with op.batch_alter_table('corrective_actions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_corrective_actions_status'))
        batch_op.drop_index(batch_op.f('ix_corrective_actions_owner_officer_id'))
        batch_op.drop_index(batch_op.f('ix_corrective_actions_evaluation_id'))
        batch_op.drop_index(batch_op.f('ix_corrective_actions_criterion'))

    op.drop_table('corrective_actions')
    op.drop_table('conflicts')
    with op.batch_alter_table('complaints', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_complaints_case_id'))

    op.drop_table('complaints')
    op.drop_table('case_officers')
