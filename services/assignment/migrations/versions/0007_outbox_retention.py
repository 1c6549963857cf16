"""outbox retention: indexes to prune and republish by time, marks of what was pruned

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 10:00:00.000000
"""
from alembic import op

from services.runtime.messaging_tables import create_retention_objects, drop_retention_objects


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_retention_objects(op)


def downgrade() -> None:
    drop_retention_objects(op)
