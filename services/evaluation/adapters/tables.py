"""Evaluation's own tables."""

import sqlalchemy as sa

from services.runtime.database import UtcDateTime
from services.runtime.messaging_tables import messaging_tables

metadata = sa.MetaData()
messaging = messaging_tables(metadata)

register = sa.Table(
    "register", metadata,
    sa.Column("case_id", sa.String(36), primary_key=True),
    sa.Column("officer_id", sa.String(32), nullable=True, index=True),
    sa.Column("assigned_at", UtcDateTime(), nullable=True),
    sa.Column("closed_at", UtcDateTime(), nullable=True),
    sa.Column("outcome", sa.String(64), nullable=True),
    sa.Column("status", sa.String(32), nullable=False),
)
