"""The tables every service owns for reliable messaging: outbox, processed messages, dead letters,
and the marks of what retention pruned.

Each service adds them to its own MetaData and creates them in its own migrations (the first one,
then the one adding retention).
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from services.runtime.database import UtcDateTime


@dataclass(frozen=True)
class MessagingTables:
    outbox: sa.Table
    processed: sa.Table
    dead_letters: sa.Table
    retention_marks: sa.Table


def _outbox_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("msg_id", sa.String(200), nullable=False, unique=True),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("payload", sa.Text, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime(), nullable=True),
    ]


def _processed_columns() -> list[sa.Column]:
    return [
        sa.Column("consumer", sa.String(100), primary_key=True),
        sa.Column("message_key", sa.String(300), primary_key=True),
        sa.Column("processed_at", UtcDateTime(), nullable=False),
    ]


def _dead_letter_columns() -> list[sa.Column]:
    return [
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("consumer", sa.String(100), nullable=False),
        sa.Column("subject", sa.String(200), nullable=False),
        sa.Column("message_key", sa.String(300), nullable=False),
        sa.Column("stream_seq", sa.BigInteger, nullable=True),
        sa.Column("deliveries", sa.Integer, nullable=False),
        sa.Column("headers", sa.JSON, nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("error", sa.Text, nullable=False),
        sa.Column("failed_at", UtcDateTime(), nullable=False),
        sa.Column("resolved_at", UtcDateTime(), nullable=True),
        sa.UniqueConstraint("consumer", "message_key", name="uq_dead_letters_consumer_key"),
    ]


def _retention_mark_columns() -> list[sa.Column]:
    # One row per pruned table: every row newer than `pruned_through` is still there.
    return [
        sa.Column("name", sa.String(100), primary_key=True),
        sa.Column("pruned_through", UtcDateTime(), nullable=False),
    ]


def messaging_tables(metadata: sa.MetaData) -> MessagingTables:
    """Add the messaging tables to a service's MetaData."""
    outbox = sa.Table("outbox", metadata, *_outbox_columns())
    sa.Index("ix_outbox_unpublished", outbox.c.id, sqlite_where=outbox.c.published_at.is_(None),
             postgresql_where=outbox.c.published_at.is_(None))
    # Retention prunes, and `tgpl republish` reads, by these times without a scan.
    sa.Index("ix_outbox_published_at", outbox.c.published_at)
    processed = sa.Table("processed_messages", metadata, *_processed_columns())
    sa.Index("ix_processed_messages_processed_at", processed.c.processed_at)
    dead_letters = sa.Table("dead_letters", metadata, *_dead_letter_columns())
    marks = sa.Table("retention_marks", metadata, *_retention_mark_columns())
    return MessagingTables(outbox=outbox, processed=processed, dead_letters=dead_letters, retention_marks=marks)


def create_messaging_tables(op) -> None:
    """Alembic operations creating the messaging tables (used by each service's first migration)."""
    op.create_table("outbox", *_outbox_columns())
    op.create_index(
        "ix_outbox_unpublished", "outbox", ["id"],
        sqlite_where=sa.text("published_at IS NULL"), postgresql_where=sa.text("published_at IS NULL"),
    )
    op.create_table("processed_messages", *_processed_columns())
    op.create_table("dead_letters", *_dead_letter_columns())


def create_retention_objects(op) -> None:
    """Alembic operations adding what retention needs to the messaging tables (a later migration)."""
    op.create_index("ix_outbox_published_at", "outbox", ["published_at"])
    op.create_index("ix_processed_messages_processed_at", "processed_messages", ["processed_at"])
    op.create_table("retention_marks", *_retention_mark_columns())


def drop_retention_objects(op) -> None:
    """Alembic operations undoing `create_retention_objects`."""
    op.drop_table("retention_marks")
    op.drop_index("ix_processed_messages_processed_at", table_name="processed_messages")
    op.drop_index("ix_outbox_published_at", table_name="outbox")


def drop_messaging_tables(op) -> None:
    """Alembic operations undoing `create_messaging_tables`."""
    op.drop_table("dead_letters")
    op.drop_table("processed_messages")
    op.drop_index("ix_outbox_unpublished", table_name="outbox")
    op.drop_table("outbox")
