"""persons, matters, duplicate reviews, missed beneficiaries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 20:34:27.367067
"""
from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('duplicate_reviews',
    sa.Column('review_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('candidate_person_id', sa.String(length=36), nullable=False),
    sa.Column('notice_key', sa.String(length=140), nullable=False),
    sa.Column('score', sa.Float(), nullable=False),
    sa.Column('rule', sa.String(length=64), nullable=False),
    sa.Column('reasons', sa.JSON(), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('review_id')
    )
    with op.batch_alter_table('duplicate_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_duplicate_reviews_status'), ['status'], unique=False)

    op.create_table('matter_refs',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('matter_id', sa.String(length=36), nullable=False),
    sa.Column('agency_kind', sa.String(length=32), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('agency_case_ref', sa.String(length=64), nullable=False),
    sa.Column('notice_key', sa.String(length=140), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('summary', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    with op.batch_alter_table('matter_refs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matter_refs_matter_id'), ['matter_id'], unique=False)

    op.create_table('matters',
    sa.Column('matter_id', sa.String(length=36), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('field', sa.String(length=32), nullable=False),
    sa.Column('closed', sa.Boolean(), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=True),
    sa.PrimaryKeyConstraint('matter_id')
    )
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_matters_person_id'), ['person_id'], unique=False)

    op.create_table('missed_beneficiaries',
    sa.Column('missed_id', sa.String(length=36), nullable=False),
    sa.Column('notice_key', sa.String(length=140), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('agency_code', sa.String(length=64), nullable=False),
    sa.Column('reason', sa.String(length=64), nullable=False),
    sa.Column('explanation', sa.Text(), nullable=False),
    sa.Column('groups', sa.JSON(), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('outcome', sa.Text(), nullable=True),
    sa.Column('closed_by', sa.String(length=64), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('missed_id'),
    sa.UniqueConstraint('notice_key')
    )
    with op.batch_alter_table('missed_beneficiaries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_missed_beneficiaries_detected_at'), ['detected_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_missed_beneficiaries_status'), ['status'], unique=False)

    op.create_table('person_keys',
    sa.Column('key', sa.String(length=250), nullable=False),
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.PrimaryKeyConstraint('key', 'person_id')
    )
    op.create_table('persons',
    sa.Column('person_id', sa.String(length=36), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('birth_date', sa.Date(), nullable=True),
    sa.Column('national_id', sa.String(length=12), nullable=True),
    sa.Column('commune_code', sa.String(length=5), nullable=True),
    sa.Column('gender', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('person_id')
    )
    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_persons_national_id'), ['national_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('matter_id', sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f('ix_cases_person_id'), ['person_id'], unique=False)

    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('matter_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('eligibility', sa.JSON(), nullable=True))
        batch_op.create_index(batch_op.f('ix_notices_person_id'), ['person_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('notices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notices_person_id'))
        batch_op.drop_column('eligibility')
        batch_op.drop_column('matter_id')
        batch_op.drop_column('person_id')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cases_person_id'))
        batch_op.drop_column('matter_id')
        batch_op.drop_column('person_id')

    with op.batch_alter_table('persons', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_persons_national_id'))

    op.drop_table('persons')
    op.drop_table('person_keys')
    with op.batch_alter_table('missed_beneficiaries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_missed_beneficiaries_status'))
        batch_op.drop_index(batch_op.f('ix_missed_beneficiaries_detected_at'))

    op.drop_table('missed_beneficiaries')
    with op.batch_alter_table('matters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matters_person_id'))

    op.drop_table('matters')
    with op.batch_alter_table('matter_refs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_matter_refs_matter_id'))

    op.drop_table('matter_refs')
    with op.batch_alter_table('duplicate_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_duplicate_reviews_status'))

    op.drop_table('duplicate_reviews')
