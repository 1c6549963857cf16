"""read models for the province reports, the council, coverage and dashboards

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 01:24:10.559311

The facts gain details the older rows never had (form of aid, groups of notices, holders of
cases...), so the fact tables are emptied here: reporting's consumers get new durable names in
the same release and read the streams from their start again. Issued reports are kept; their
months are marked dirty, so a report whose figures come out different gets a new revision.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


FACT_TABLES = ("rm_notices", "rm_missed", "rm_rejections", "rm_cases", "rm_refusals", "rm_assignments",
               "rm_closures", "rm_evaluations", "rm_corrective_actions", "rm_officers")


def upgrade() -> None:
    op.create_table('rm_agencies',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=True),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('rm_branches',
    sa.Column('code', sa.String(length=32), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('rm_communes',
    sa.Column('code', sa.String(length=5), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('branch_code', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('rm_decisions',
    sa.Column('event_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('officer_id', sa.String(length=32), nullable=False),
    sa.Column('kind', sa.String(length=32), nullable=False),
    sa.Column('is_leader', sa.Boolean(), nullable=False),
    sa.Column('decided_by', sa.String(length=64), nullable=True),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('event_id')
    )
    with op.batch_alter_table('rm_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_rm_decisions_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_rm_decisions_officer_id'), ['officer_id'], unique=False)

    op.create_table('rm_dirty_months',
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('marks', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('month')
    )
    op.create_table('rm_meta',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.add_column(sa.Column('generated_at', sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table('rm_assignments', schema=None) as batch_op:
        batch_op.add_column(sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('weight', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.alter_column('officer_id',
               existing_type=sa.VARCHAR(length=32),
               nullable=True)
        batch_op.alter_column('at',
               existing_type=sa.DateTime(timezone=True),
               nullable=True)
        batch_op.create_index('ix_rm_assignments_held', ['closed_at', 'at', 'officer_id'], unique=False)

    with op.batch_alter_table('rm_cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('branch_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('person_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('channel', sa.String(length=32), nullable=True))

    with op.batch_alter_table('rm_closures', schema=None) as batch_op:
        batch_op.add_column(sa.Column('outcome', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('officer_id', sa.String(length=32), nullable=True))

    with op.batch_alter_table('rm_evaluations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('officer_id', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('rating', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('method', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('successful', sa.Boolean(), nullable=True))
        batch_op.create_index(batch_op.f('ix_rm_evaluations_officer_id'), ['officer_id'], unique=False)

    with op.batch_alter_table('rm_missed', schema=None) as batch_op:
        batch_op.add_column(sa.Column('notice_key', sa.String(length=140), nullable=True))
        batch_op.add_column(sa.Column('person_id', sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column('groups', sa.JSON(), nullable=True))

    with op.batch_alter_table('rm_notices', schema=None) as batch_op:
        batch_op.add_column(sa.Column('commune_code', sa.String(length=5), nullable=True))
        batch_op.add_column(sa.Column('field', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('gender', sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column('groups', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('entitled', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('person_id', sa.String(length=36), nullable=True))

    with op.batch_alter_table('rm_officers', schema=None) as batch_op:
        batch_op.add_column(sa.Column('branch_code', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('yearly_target', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('target_year', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('as_of', sa.DateTime(timezone=True), nullable=True))

    for table in FACT_TABLES:
        op.execute(f"DELETE FROM {table}")


def downgrade() -> None:
    with op.batch_alter_table('rm_officers', schema=None) as batch_op:
        batch_op.drop_column('as_of')
        batch_op.drop_column('target_year')
        batch_op.drop_column('yearly_target')
        batch_op.drop_column('branch_code')

    with op.batch_alter_table('rm_notices', schema=None) as batch_op:
        batch_op.drop_column('person_id')
        batch_op.drop_column('entitled')
        batch_op.drop_column('groups')
        batch_op.drop_column('gender')
        batch_op.drop_column('field')
        batch_op.drop_column('commune_code')

    with op.batch_alter_table('rm_missed', schema=None) as batch_op:
        batch_op.drop_column('groups')
        batch_op.drop_column('person_id')
        batch_op.drop_column('notice_key')

    with op.batch_alter_table('rm_evaluations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_evaluations_officer_id'))
        batch_op.drop_column('successful')
        batch_op.drop_column('method')
        batch_op.drop_column('rating')
        batch_op.drop_column('officer_id')

    with op.batch_alter_table('rm_closures', schema=None) as batch_op:
        batch_op.drop_column('officer_id')
        batch_op.drop_column('outcome')

    with op.batch_alter_table('rm_cases', schema=None) as batch_op:
        batch_op.drop_column('channel')
        batch_op.drop_column('person_id')
        batch_op.drop_column('branch_code')
        batch_op.drop_column('form')

    with op.batch_alter_table('rm_assignments', schema=None) as batch_op:
        batch_op.drop_index('ix_rm_assignments_held')
        batch_op.alter_column('at',
               existing_type=sa.DateTime(timezone=True),
               nullable=False)
        batch_op.alter_column('officer_id',
               existing_type=sa.VARCHAR(length=32),
               nullable=False)
        batch_op.drop_column('closed_at')
        batch_op.drop_column('weight')
        batch_op.drop_column('decided_at')

    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_column('generated_at')

    op.drop_table('rm_meta')
    op.drop_table('rm_dirty_months')
    with op.batch_alter_table('rm_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_rm_decisions_officer_id'))
        batch_op.drop_index(batch_op.f('ix_rm_decisions_at'))

    op.drop_table('rm_decisions')
    op.drop_table('rm_communes')
    op.drop_table('rm_branches')
    op.drop_table('rm_agencies')
