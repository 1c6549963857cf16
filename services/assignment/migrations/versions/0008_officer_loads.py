"""officer loads by quota year, kept with each decision instead of summed from the year's cases

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 23:40:00.000000
"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa

from services.assignment.domain.rules import LOCAL_TZ
from services.runtime.database import UtcDateTime


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    loads = op.create_table(
        'officer_loads',
        sa.Column('officer_id', sa.String(length=32), nullable=False),
        sa.Column('quota_year', sa.Integer(), nullable=False),
        sa.Column('cases', sa.Integer(), nullable=False),
        sa.Column('load', sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint('officer_id', 'quota_year'),
    )
    cases = sa.table('cases', sa.column('officer_id', sa.String), sa.column('opened_at', UtcDateTime()),
                     sa.column('weight', sa.Float))
    totals: dict[tuple[str, int], list] = defaultdict(lambda: [0, 0.0])
    rows = op.get_bind().execute(
        sa.select(cases.c.officer_id, cases.c.opened_at, cases.c.weight).where(cases.c.officer_id.is_not(None))
        .execution_options(yield_per=10_000))
    for officer_id, opened_at, weight in rows:
        total = totals[(officer_id, opened_at.astimezone(LOCAL_TZ).year)]
        total[0] += 1
        total[1] += weight
    if totals:
        op.bulk_insert(loads, [{'officer_id': officer_id, 'quota_year': year, 'cases': n, 'load': load}
                               for (officer_id, year), (n, load) in sorted(totals.items())])


def downgrade() -> None:
    op.drop_table('officer_loads')
