"""case register search and assignment deadline

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-26 21:04:04.456191
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('name_key', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('assignment_due', sa.DateTime(timezone=True), nullable=True))
        batch_op.create_index('ix_cases_branch_opened_at', ['branch_code', 'opened_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_cases_name_key'), ['name_key'], unique=False)
        batch_op.create_index('ix_cases_status_opened_at', ['status', 'opened_at'], unique=False)

    # Existing cases become searchable too.
    from services.intake.domain.matching import normalise_name

    conn = op.get_bind()
    cases = sa.table("cases", sa.column("case_id"), sa.column("full_name"), sa.column("name_key"))
    for case_id, full_name in conn.execute(sa.select(cases.c.case_id, cases.c.full_name)).all():
        conn.execute(cases.update().where(cases.c.case_id == case_id).values(name_key=normalise_name(full_name)))



def downgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_status_opened_at')
        batch_op.drop_index(batch_op.f('ix_cases_name_key'))
        batch_op.drop_index('ix_cases_branch_opened_at')
        batch_op.drop_column('assignment_due')
        batch_op.drop_column('name_key')

