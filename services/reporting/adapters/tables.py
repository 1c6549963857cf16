"""Reporting's read models, built only from events, and the reports it issued."""

import sqlalchemy as sa

from services.runtime.database import UtcDateTime
from services.runtime.messaging_tables import messaging_tables

metadata = sa.MetaData()
messaging = messaging_tables(metadata)

TS = UtcDateTime()

rm_notices = sa.Table(
    "rm_notices", metadata,
    sa.Column("notice_key", sa.String(140), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("agency_code", sa.String(64), nullable=False),
    sa.Column("sent_at", TS, nullable=False, index=True),
    sa.Column("late", sa.Boolean, nullable=False),
    sa.Column("wants_legal_aid", sa.Boolean, nullable=False),
)

rm_missed = sa.Table(
    "rm_missed", metadata,
    sa.Column("missed_id", sa.String(36), primary_key=True),
    sa.Column("agency_code", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("at", TS, nullable=False, index=True),
)

rm_rejections = sa.Table(
    "rm_rejections", metadata,
    sa.Column("rejection_id", sa.String(36), primary_key=True),
    sa.Column("agency_code", sa.String(64), nullable=True),
    sa.Column("at", TS, nullable=False, index=True),
)

rm_cases = sa.Table(
    "rm_cases", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("opened_at", TS, nullable=False, index=True),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("commune_code", sa.String(5), nullable=True),
    sa.Column("gender", sa.String(16), nullable=False),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("agency_code", sa.String(64), nullable=True),
)

rm_refusals = sa.Table(
    "rm_refusals", metadata,
    sa.Column("request_id", sa.String(64), primary_key=True),
    sa.Column("agency_code", sa.String(64), nullable=True),
    sa.Column("at", TS, nullable=False, index=True),
)

rm_assignments = sa.Table(
    "rm_assignments", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("officer_id", sa.String(32), nullable=False, index=True),
    sa.Column("at", TS, nullable=False, index=True),
)

rm_closures = sa.Table(
    "rm_closures", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("at", TS, nullable=False, index=True),
)

rm_evaluations = sa.Table(
    "rm_evaluations", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("at", TS, nullable=False, index=True),
)

#: Corrective actions raised by evaluations and, once a leader verified them, their closing.
rm_corrective_actions = sa.Table(
    "rm_corrective_actions", metadata,
    sa.Column("action_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("criterion", sa.String(64), nullable=False, index=True),
    sa.Column("officer_id", sa.String(32), nullable=True, index=True),
    sa.Column("due_on", sa.Date, nullable=True),
    sa.Column("raised_at", TS, nullable=True, index=True),
    sa.Column("closed_at", TS, nullable=True),
    sa.Column("late", sa.Boolean, nullable=True),
)

rm_officers = sa.Table(
    "rm_officers", metadata,
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("is_leader", sa.Boolean, nullable=False),
    sa.Column("quota_target", sa.Integer, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
)

reports = sa.Table(
    "reports", metadata,
    sa.Column("report_id", sa.String(100), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
)
