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
    sa.Column("duty", sa.JSON, nullable=True),
    sa.Column("relationships", sa.JSON, nullable=True),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("announced_year", sa.Integer, nullable=True),  # the quota year of the last OfficerRegistered
)

#: Every version of every roster entry: who changed it, when and why.
officer_versions = sa.Table(
    "officer_versions", metadata,
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("snapshot", sa.JSON, nullable=False),
    sa.Column("changed_by", sa.String(64), nullable=False),
    sa.Column("changed_at", UtcDateTime(), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
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
    sa.Column("weight", sa.Float, nullable=False, server_default="1"),
    sa.Column("stage", sa.String(32), nullable=True),
    sa.Column("agency_code", sa.String(64), nullable=True, index=True),
    sa.Column("parties", sa.JSON, nullable=True),
    sa.Column("kind", sa.String(32), nullable=False, server_default="initial"),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
)

#: Keys under which a case's parties and matter are found (conflict of interest): `matter:...`,
#: `id:<CCCD>`, `person:<id>`, `name:<folded name>`.
case_keys = sa.Table(
    "case_party_keys", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("key", sa.String(300), primary_key=True),
    sa.Index("ix_case_party_keys_key", "key"),
)

#: Officers' requests to take a case, each approved or rejected by a leader with a reason.
take_requests = sa.Table(
    "take_requests", metadata,
    sa.Column("request_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("officer_id", sa.String(32), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("requested_by", sa.String(64), nullable=False),
    sa.Column("requested_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
    sa.Column("decision_reason", sa.Text, nullable=True),
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
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("candidates", sa.JSON, nullable=True),
)

exclusions = sa.Table(
    "case_exclusions", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("why", sa.String(32), nullable=False),
    sa.Column("at", UtcDateTime(), nullable=False),
)

#: Each officer's cases and weighted load by quota year (the local year the case was opened), kept in
#: the transaction of every decision that changes them, so a decision reads its standing without
#: summing the year's cases.
officer_loads = sa.Table(
    "officer_loads", metadata,
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("quota_year", sa.Integer, primary_key=True),
    sa.Column("cases", sa.Integer, nullable=False),
    sa.Column("load", sa.Float, nullable=False),
)
