"""Assignment's own tables. No other service reads them."""

import sqlalchemy as sa

from services.runtime.database import UtcDateTime
from services.runtime.messaging_tables import messaging_tables

metadata = sa.MetaData()
messaging = messaging_tables(metadata)

branches = sa.Table(
    "branches", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("is_head_office", sa.Boolean, nullable=False),
)

officers = sa.Table(
    "officers", metadata,
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("branch_code", sa.String(32), nullable=False),
    sa.Column("leader_role", sa.String(32), nullable=True),
    sa.Column("fields", sa.JSON, nullable=False),
    sa.Column("appointed_on", sa.Date, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("absences", sa.JSON, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
)

cases = sa.Table(
    "cases", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("branch_code", sa.String(32), nullable=True),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("officer_id", sa.String(32), nullable=True, index=True),
    sa.Column("decided_at", UtcDateTime(), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("candidates", sa.JSON, nullable=False),
)

history = sa.Table(
    "assignment_history", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("officer_id", sa.String(32), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
)

exclusions = sa.Table(
    "case_exclusions", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("why", sa.String(32), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
)
