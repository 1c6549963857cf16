"""form of aid, case progress and closure

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-27 23:11:34.313982
"""
from alembic import op
import sqlalchemy as sa


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_progress',
    sa.Column('note_id', sa.String(length=36), nullable=False),
    sa.Column('case_id', sa.String(length=36), nullable=False),
    sa.Column('done_on', sa.Date(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('recorded_by', sa.String(length=64), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('note_id')
    )
    with op.batch_alter_table('case_progress', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_progress_case_id'), ['case_id'], unique=False)

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form', sa.String(length=32), server_default='proceedings', nullable=False))
        batch_op.add_column(sa.Column('closure_outcome', sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column('closure_result', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('closure_ground', sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column('transferred_to', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('closure_note', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('closed_on', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('closed_by', sa.String(length=64), nullable=True))

    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.add_column(sa.Column('form', sa.String(length=32), server_default='proceedings', nullable=False))



def downgrade() -> None:
    with op.batch_alter_table('requests', schema=None) as batch_op:
        batch_op.drop_column('form')

    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_column('closed_by')
        batch_op.drop_column('closed_at')
        batch_op.drop_column('closed_on')
        batch_op.drop_column('closure_note')
        batch_op.drop_column('transferred_to')
        batch_op.drop_column('closure_ground')
        batch_op.drop_column('closure_result')
        batch_op.drop_column('closure_outcome')
        batch_op.drop_column('form')

    with op.batch_alter_table('case_progress', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_progress_case_id'))

    op.drop_table('case_progress')
