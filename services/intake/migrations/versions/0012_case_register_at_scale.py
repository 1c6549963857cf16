"""case register at scale: one index per filter in register order, names searched by word, cases by notice

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 21:00:00.000000

The register lists cases newest first (opened_at, then register_no), filtered by status, branch, field,
officer and opening date. Each filter gets an index that starts with it and continues in register
order, so a page at any depth is a walk along one index; the other filter columns and name_key follow,
so the remaining conditions are checked in the index without reading the case (ix_cases_opened_at,
ix_cases_status_opened_at and ix_cases_branch_opened_at are replaced, ix_cases_name_key goes).

A name search matches every word typed against the start of a word of the name (name_key). On
PostgreSQL a GIN index on to_tsvector('simple', name_key) answers it. On SQLite an FTS5 index
(case_names, external content: the cases table itself, keyed by its rowid) answers it, kept current by
triggers. A later migration that rebuilds cases on SQLite (a batch "move and copy") drops these
triggers with the old table and may renumber its rowids: it must create the triggers again and run
`INSERT INTO case_names(case_names) VALUES('rebuild')`.

A corrected notice updates the case it opened, found by the notice's key: ix_cases_notice (without it,
each correction read every case, 0.6 s at a million).
"""
from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

ORDER = ["opened_at", "register_no"]
FILTERS = ["status", "branch_code", "field", "officer_id"]
#: name -> the filter it starts with (None: the register order itself, and opening date ranges)
INDEXES = {"ix_cases_register": None, "ix_cases_register_status": "status",
           "ix_cases_register_branch": "branch_code", "ix_cases_register_field": "field",
           "ix_cases_register_officer": "officer_id"}

SQLITE_TRIGGERS = {
    "cases_name_insert": "AFTER INSERT ON cases BEGIN "
                         "INSERT INTO case_names(rowid, name_key) VALUES (new.rowid, new.name_key); END",
    "cases_name_delete": "AFTER DELETE ON cases BEGIN "
                         "INSERT INTO case_names(case_names, rowid, name_key) "
                         "VALUES ('delete', old.rowid, old.name_key); END",
    "cases_name_update": "AFTER UPDATE OF name_key ON cases BEGIN "
                         "INSERT INTO case_names(case_names, rowid, name_key) "
                         "VALUES ('delete', old.rowid, old.name_key); "
                         "INSERT INTO case_names(rowid, name_key) VALUES (new.rowid, new.name_key); END",
}


def _columns(lead: str | None) -> list[str]:
    return ([lead] if lead else []) + ORDER + [f for f in FILTERS if f != lead] + ["name_key"]


def upgrade() -> None:
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_opened_at')
        batch_op.drop_index('ix_cases_status_opened_at')
        batch_op.drop_index('ix_cases_branch_opened_at')
        batch_op.drop_index(batch_op.f('ix_cases_name_key'))
        for name, lead in INDEXES.items():
            batch_op.create_index(name, _columns(lead), unique=False)
        batch_op.create_index('ix_cases_notice', ['notice_agency_code', 'notice_id'], unique=False)

    if op.get_bind().dialect.name == "sqlite":
        # Prefixes of 1 to 6 letters are indexed: a Vietnamese syllable has at most 7, so a prefix query
        # never merges many terms; detail=none keeps no positions (no phrase queries are asked).
        op.execute("CREATE VIRTUAL TABLE case_names USING fts5(name_key, content='cases', content_rowid='rowid', "
                   "detail=none, prefix='1 2 3 4 5 6')")
        for name, body in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {body}")
        op.execute("INSERT INTO case_names(case_names) VALUES ('rebuild')")
    else:
        op.create_index('ix_cases_name_words', 'cases', [sa.text("to_tsvector('simple'::regconfig, name_key)")],
                        unique=False, postgresql_using='gin')


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
        op.execute("DROP TABLE case_names")
    else:
        op.drop_index('ix_cases_name_words', table_name='cases')
    with op.batch_alter_table('cases', schema=None) as batch_op:
        batch_op.drop_index('ix_cases_notice')
        for name in reversed(INDEXES):
            batch_op.drop_index(name)
        batch_op.create_index(batch_op.f('ix_cases_name_key'), ['name_key'], unique=False)
        batch_op.create_index('ix_cases_branch_opened_at', ['branch_code', 'opened_at'], unique=False)
        batch_op.create_index('ix_cases_status_opened_at', ['status', 'opened_at'], unique=False)
        batch_op.create_index('ix_cases_opened_at', ['opened_at'], unique=False)
