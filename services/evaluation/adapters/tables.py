"""Evaluation's own tables. No other service reads them."""

import sqlalchemy as sa

from services.runtime.database import UtcDateTime
from services.runtime.messaging_tables import messaging_tables

metadata = sa.MetaData()
messaging = messaging_tables(metadata)

#: Every case as evaluation learns it from intake and assignment.
register = sa.Table(
    "register", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("register_no", sa.String(64), nullable=True),
    sa.Column("field", sa.String(32), nullable=True),
    sa.Column("form", sa.String(32), nullable=True),
    sa.Column("officer_id", sa.String(32), nullable=True, index=True),
    sa.Column("assigned_at", UtcDateTime(), nullable=True),
    sa.Column("opened_at", UtcDateTime(), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True, index=True),
    sa.Column("outcome", sa.String(64), nullable=True),
    sa.Column("result", sa.String(64), nullable=True),
    sa.Column("ground", sa.String(64), nullable=True),
    sa.Column("closed_by", sa.String(64), nullable=True),
    sa.Column("closing_officer_id", sa.String(32), nullable=True),
)

#: Every officer who ever held a case (assigned, declined, replaced, closing): independence.
case_officers = sa.Table(
    "case_officers", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("first_seen_at", UtcDateTime(), nullable=False),
)

officers = sa.Table(
    "officers", metadata,
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("branch_code", sa.String(32), nullable=True),
    sa.Column("is_leader", sa.Boolean, nullable=False),
    sa.Column("leader_role", sa.String(32), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

#: What assignment published for an officer's quota year: target and band floors (latest version).
officer_targets = sa.Table(
    "officer_targets", metadata,
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("yearly_target", sa.Float, nullable=True),
    sa.Column("band_floors", sa.JSON, nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("registered_at", UtcDateTime(), nullable=False),
)

complaints = sa.Table(
    "complaints", metadata,
    sa.Column("complaint_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(64), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
)

plans = sa.Table(
    "plans", metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),
    sa.Column("seed", sa.String(64), nullable=False),
    sa.Column("sample_percent", sa.Float, nullable=False),
    sa.Column("min_per_officer", sa.Integer, nullable=False),
    sa.Column("rules_version", sa.String(64), nullable=False),
    sa.Column("created_by", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

#: A case is in one plan at most (the unique case_id).
plan_items = sa.Table(
    "plan_items", metadata,
    sa.Column("year", sa.Integer, nullable=False, index=True),
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("officer_id", sa.String(32), nullable=True),
    sa.Column("reason", sa.String(32), nullable=False),
)

#: A case is evaluated once (the unique case_id).
evaluations = sa.Table(
    "evaluations", metadata,
    sa.Column("evaluation_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, unique=True),
    sa.Column("method", sa.String(32), nullable=False),
    sa.Column("evaluator", sa.String(64), nullable=False),
    sa.Column("evaluator_officer_id", sa.String(32), nullable=True),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("rules_version", sa.String(64), nullable=False),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("scores", sa.JSON, nullable=False),
    sa.Column("successful", sa.Boolean, nullable=True),
    sa.Column("effective", sa.Boolean, nullable=True),
    sa.Column("explanations", sa.JSON, nullable=False),
    sa.Column("rating", sa.String(32), nullable=True),
    sa.Column("finalized_at", UtcDateTime(), nullable=True),
    sa.Column("year", sa.Integer, nullable=True),
    sa.Column("officer_id", sa.String(32), nullable=True, index=True),
)

corrective_actions = sa.Table(
    "corrective_actions", metadata,
    sa.Column("action_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False),
    sa.Column("evaluation_id", sa.String(36), nullable=False, index=True),
    sa.Column("criterion", sa.String(64), nullable=False, index=True),
    sa.Column("owner_officer_id", sa.String(32), nullable=False, index=True),
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("required_evidence", sa.Text, nullable=False),
    sa.Column("raised_by", sa.String(64), nullable=False),
    sa.Column("raised_at", UtcDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("evidence", sa.Text, nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("closed_by", sa.String(64), nullable=True),
    sa.Column("late", sa.Boolean, nullable=True),
    sa.Column("history", sa.JSON, nullable=False),
    sa.Column("correlation_id", sa.String(64), nullable=True),
)

#: Evaluator–officer pairs that may not meet in an evaluation.
conflicts = sa.Table(
    "conflicts", metadata,
    sa.Column("evaluator_officer_id", sa.String(32), primary_key=True),
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("declared_by", sa.String(64), nullable=False),
    sa.Column("declared_at", UtcDateTime(), nullable=False),
)

#: Reviews a leader recorded (each one published as evaluation.officer_reviewed).
reviews = sa.Table(
    "reviews", metadata,
    sa.Column("review_id", sa.String(36), primary_key=True),
    sa.Column("officer_id", sa.String(32), nullable=False, index=True),
    sa.Column("year", sa.Integer, nullable=False, index=True),
    sa.Column("band", sa.String(16), nullable=True),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("recorded_by", sa.String(64), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
)
