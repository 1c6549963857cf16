"""Intake's own tables. No other service reads them."""

import sqlalchemy as sa

from services.runtime.database import UtcDateTime
from services.runtime.messaging_tables import messaging_tables
from shared.vocabulary import AidForm

metadata = sa.MetaData()
messaging = messaging_tables(metadata)

branches = sa.Table(
    "branches", metadata,
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("is_head_office", sa.Boolean, nullable=False, default=False),
)

communes = sa.Table(
    "communes", metadata,
    sa.Column("code", sa.String(5), primary_key=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("branch_code", sa.String(32), nullable=False),
    sa.Column("former_district", sa.String(100), nullable=True),
)

agencies = sa.Table(
    "agencies", metadata,
    sa.Column("code", sa.String(64), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
)

notices = sa.Table(
    "notices", metadata,
    sa.Column("agency_code", sa.String(64), primary_key=True),
    sa.Column("notice_id", sa.String(64), primary_key=True),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("agency_kind", sa.String(32), nullable=False),
    sa.Column("agency_name", sa.String(255), nullable=False),
    sa.Column("agency_known", sa.Boolean, nullable=False),
    sa.Column("sent_at", UtcDateTime(), nullable=False),
    sa.Column("request_received_at", UtcDateTime(), nullable=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("late", sa.Boolean, nullable=False),
    sa.Column("wants_legal_aid", sa.Boolean, nullable=False),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("commune_code", sa.String(5), nullable=True),
    sa.Column("commune_known", sa.Boolean, nullable=False),
    sa.Column("body", sa.JSON, nullable=False),
    sa.Column("stale_deliveries", sa.Integer, nullable=False, default=0),
    sa.Column("case_id", sa.String(36), nullable=True),
    sa.Column("person_id", sa.String(36), nullable=True, index=True),
    sa.Column("matter_id", sa.String(36), nullable=True),
    sa.Column("eligibility", sa.JSON, nullable=True),
)

rejected_notices = sa.Table(
    "rejected_notices", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("message_key", sa.String(300), nullable=False, unique=True),
    sa.Column("agency_code", sa.String(64), nullable=True),
    sa.Column("notice_id", sa.String(64), nullable=True),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("errors", sa.JSON, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
)

# Every referral message as it arrived (valid, rejected or a stale revision), kept for the
# retention so `tgpl republish` can put it back on the stream with its original Nats-Msg-Id.
inbound_messages = sa.Table(
    "inbound_messages", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_key", sa.String(300), nullable=False, unique=True),
    sa.Column("msg_id", sa.String(300), nullable=True),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("headers", sa.JSON, nullable=False),
    sa.Column("payload", sa.LargeBinary, nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False, index=True),
)

register_counters = sa.Table(
    "register_counters", metadata,
    sa.Column("year", sa.Integer, primary_key=True),
    sa.Column("last_no", sa.Integer, nullable=False),
)

cases = sa.Table(
    "cases", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("register_no", sa.String(32), nullable=False, unique=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("opened_at", UtcDateTime(), nullable=False),
    sa.Column("notice_agency_code", sa.String(64), nullable=True),
    sa.Column("notice_id", sa.String(64), nullable=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=True),
    sa.Column("gender", sa.String(16), nullable=False),
    sa.Column("national_id", sa.String(12), nullable=True),
    sa.Column("commune_code", sa.String(5), nullable=True),
    sa.Column("branch_code", sa.String(32), nullable=True),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("summary", sa.Text, nullable=False, default=""),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("urgent", sa.Boolean, nullable=False),
    sa.Column("status", sa.String(32), nullable=False),
    # read model of assignment's decisions, learnt from its events
    sa.Column("officer_id", sa.String(32), nullable=True),
    sa.Column("assigned_at", UtcDateTime(), nullable=True),
    sa.Column("assignment_reason", sa.Text, nullable=True),
    sa.Column("person_id", sa.String(36), nullable=True, index=True),
    sa.Column("matter_id", sa.String(36), nullable=True),
    sa.Column("name_key", sa.String(200), nullable=True),
    sa.Column("assignment_due", UtcDateTime(), nullable=True),
    # the beneficiary's application to change the performer (Law Art. 33: answer within 3 working days)
    sa.Column("performer_change_requested_at", UtcDateTime(), nullable=True),
    sa.Column("performer_change_reason", sa.Text, nullable=True),
    sa.Column("performer_change_due", UtcDateTime(), nullable=True),
    sa.Column("form", sa.String(32), nullable=False, server_default=AidForm.PROCEEDINGS.value),
    # the performer's closing record (completed with a result, terminated on a ground, or transferred)
    sa.Column("closure_outcome", sa.String(32), nullable=True),
    sa.Column("closure_result", sa.String(64), nullable=True),
    sa.Column("closure_ground", sa.String(64), nullable=True),
    sa.Column("transferred_to", sa.String(255), nullable=True),
    sa.Column("closure_note", sa.Text, nullable=True),
    sa.Column("closed_on", sa.Date, nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("closed_by", sa.String(64), nullable=True),
    # The register's order and filters (migration 0012): each index starts with a filter, continues in
    # register order and carries the other filter columns, so a page at any depth is one index walk. Names
    # are searched by word through a GIN index (PostgreSQL) or the FTS5 table case_names kept by triggers
    # (SQLite; a batch "move and copy" of this table must create them again and rebuild case_names).
    sa.Index("ix_cases_register", "opened_at", "register_no", "status", "branch_code", "field", "officer_id",
             "name_key"),
    sa.Index("ix_cases_register_status", "status", "opened_at", "register_no", "branch_code", "field",
             "officer_id", "name_key"),
    sa.Index("ix_cases_register_branch", "branch_code", "opened_at", "register_no", "status", "field",
             "officer_id", "name_key"),
    sa.Index("ix_cases_register_field", "field", "opened_at", "register_no", "status", "branch_code",
             "officer_id", "name_key"),
    sa.Index("ix_cases_register_officer", "officer_id", "opened_at", "register_no", "status", "branch_code",
             "field", "name_key"),
    sa.Index("ix_cases_notice", "notice_agency_code", "notice_id"),  # a corrected notice finds its case
)

case_progress = sa.Table(
    "case_progress", metadata,
    sa.Column("note_id", sa.String(36), primary_key=True),
    sa.Column("case_id", sa.String(36), nullable=False, index=True),
    sa.Column("done_on", sa.Date, nullable=False),
    sa.Column("text", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(64), nullable=False),
    sa.Column("recorded_at", UtcDateTime(), nullable=False),
)

#: Every officer who performs or performed a case (read model of assignment's decisions): an officer
#: sees the person data of these cases only (StaffUser.sees_person_in).
case_performers = sa.Table(
    "case_performers", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("officer_id", sa.String(32), primary_key=True, index=True),
    sa.Column("since", UtcDateTime(), nullable=False),
)

officers = sa.Table(
    "officers", metadata,
    sa.Column("officer_id", sa.String(32), primary_key=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("branch_code", sa.String(32), nullable=False),
    sa.Column("is_leader", sa.Boolean, nullable=False),
)

staff_users = sa.Table(
    "staff_users", metadata,
    sa.Column("username", sa.String(64), primary_key=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("roles", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("officer_id", sa.String(32), nullable=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

staff_sessions = sa.Table(
    "staff_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("last_seen_at", UtcDateTime(), nullable=False),
    sa.Column("expires_at", UtcDateTime(), nullable=False),
)

#: Who read or changed what. The database refuses UPDATE and DELETE on it (triggers of migration 0010).
audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime(), nullable=False, index=True),
    sa.Column("username", sa.String(64), nullable=False, index=True),
    sa.Column("action", sa.String(64), nullable=False, index=True),
    sa.Column("subject", sa.String(200), nullable=True, index=True),
    sa.Column("detail", sa.JSON, nullable=False),
)

persons = sa.Table(
    "persons", metadata,
    sa.Column("person_id", sa.String(36), primary_key=True),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=True),
    sa.Column("national_id", sa.String(12), nullable=True, index=True),
    sa.Column("commune_code", sa.String(5), nullable=True),
    sa.Column("gender", sa.String(16), nullable=False),
    sa.Column("created_at", UtcDateTime(), nullable=False),
)

person_keys = sa.Table(
    "person_keys", metadata,
    sa.Column("key", sa.String(250), primary_key=True),
    sa.Column("person_id", sa.String(36), primary_key=True),
)

matters = sa.Table(
    "matters", metadata,
    sa.Column("matter_id", sa.String(36), primary_key=True),
    sa.Column("person_id", sa.String(36), nullable=False, index=True),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("closed", sa.Boolean, nullable=False),
    sa.Column("case_id", sa.String(36), nullable=True),
)

matter_refs = sa.Table(
    "matter_refs", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("matter_id", sa.String(36), nullable=False, index=True),
    sa.Column("agency_kind", sa.String(32), nullable=False),
    sa.Column("agency_code", sa.String(64), nullable=False),
    sa.Column("agency_case_ref", sa.String(64), nullable=False),
    sa.Column("notice_key", sa.String(140), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False),
    sa.Column("summary", sa.Text, nullable=True),
)

duplicate_reviews = sa.Table(
    "duplicate_reviews", metadata,
    sa.Column("review_id", sa.String(36), primary_key=True),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("candidate_person_id", sa.String(36), nullable=False),
    sa.Column("notice_key", sa.String(140), nullable=False),
    sa.Column("score", sa.Float, nullable=False),
    sa.Column("rule", sa.String(64), nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("created_at", UtcDateTime(), nullable=False),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
)

missed_beneficiaries = sa.Table(
    "missed_beneficiaries", metadata,
    sa.Column("missed_id", sa.String(36), primary_key=True),
    sa.Column("notice_key", sa.String(140), nullable=False, unique=True),
    sa.Column("person_id", sa.String(36), nullable=False),
    sa.Column("agency_code", sa.String(64), nullable=False),
    sa.Column("reason", sa.String(64), nullable=False),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("groups", sa.JSON, nullable=False),
    sa.Column("detected_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("status", sa.String(16), nullable=False, index=True),
    sa.Column("outcome", sa.Text, nullable=True),
    sa.Column("closed_by", sa.String(64), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
)

requests = sa.Table(
    "requests", metadata,
    sa.Column("request_id", sa.String(36), primary_key=True),
    sa.Column("channel", sa.String(32), nullable=False),
    sa.Column("received_at", UtcDateTime(), nullable=False, index=True),
    sa.Column("received_by", sa.String(64), nullable=False),
    sa.Column("full_name", sa.String(200), nullable=False),
    sa.Column("birth_date", sa.Date, nullable=True),
    sa.Column("gender", sa.String(16), nullable=False),
    sa.Column("national_id", sa.String(12), nullable=True),
    sa.Column("commune_code", sa.String(5), nullable=True),
    sa.Column("ethnicity", sa.String(64), nullable=True),
    sa.Column("procedural_status", sa.String(32), nullable=True),
    sa.Column("field", sa.String(32), nullable=False),
    sa.Column("summary", sa.Text, nullable=False),
    sa.Column("trial_date", sa.Date, nullable=True),
    sa.Column("limitation_date", sa.Date, nullable=True),
    sa.Column("claimed_groups", sa.JSON, nullable=False),
    sa.Column("documents", sa.JSON, nullable=False),
    sa.Column("eligibility", sa.JSON, nullable=True),
    sa.Column("status", sa.String(32), nullable=False, index=True),
    sa.Column("acceptance_due", UtcDateTime(), nullable=True),
    sa.Column("refusal_ground", sa.String(4), nullable=True),
    sa.Column("decision_reason", sa.Text, nullable=True),
    sa.Column("decided_by", sa.String(64), nullable=True),
    sa.Column("decided_at", UtcDateTime(), nullable=True),
    sa.Column("person_id", sa.String(36), nullable=True),
    sa.Column("case_id", sa.String(36), nullable=True),
    sa.Column("opposing_parties", sa.JSON, nullable=True),
    sa.Column("form", sa.String(32), nullable=False, server_default=AidForm.PROCEEDINGS.value),
)
