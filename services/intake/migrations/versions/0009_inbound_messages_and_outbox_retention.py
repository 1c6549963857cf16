"""inbound messages kept on receipt; outbox retention (indexes, marks of what was pruned)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 10:00:00.000000
"""
from alembic import op
import sqlalchemy as sa

from services.runtime.messaging_tables import create_retention_objects, drop_retention_objects


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_retention_objects(op)
    op.create_table('inbound_messages',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('message_key', sa.String(length=300), nullable=False),
    sa.Column('msg_id', sa.String(length=300), nullable=True),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('headers', sa.JSON(), nullable=False),
    sa.Column('payload', sa.LargeBinary(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('message_key')
    )
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_inbound_messages_received_at'), ['received_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('inbound_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_inbound_messages_received_at'))
    op.drop_table('inbound_messages')
    drop_retention_objects(op)
