"""The parts of `tgpl backup` / `tgpl restore` on real SQLite files and a real nats-server: a database
copied while a writer is mid-transaction, the outbox sent again after the streams' cut, a stream
saved and restored with its consumer's position, and a backup refused when damaged or too new.
(tests/e2e/test_backup_restore.py runs the commands on the whole system.)"""

import json
import sqlite3
import uuid
from datetime import timedelta

import nats
import pytest
import sqlalchemy as sa

from deploy.backup import BackupError, backup, copy_sqlite, database_revision, migrations_of, read_manifest, restore, \
    unpublish_since
from deploy.jetstream_snapshots import restore_stream, snapshot_stream, stream_consumers
from services.reporting.adapters import tables as reporting_tables
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head
from services.runtime.unit_of_work import utcnow
from tests import harness

pytestmark = pytest.mark.integration

SERVICES = ("intake", "assignment", "evaluation", "reporting")


async def migrated(path, service: str) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await upgrade_to_head(engine, migrations_of(service).dir)
    finally:
        await engine.dispose()


async def test_a_database_copied_mid_write_holds_what_was_committed_and_sends_the_outbox_after_the_cut_again(tmp_path):
    source, copy = tmp_path / "reporting.db", tmp_path / "copy" / "reporting.db"
    copy.parent.mkdir()
    await migrated(source, "reporting")
    cut = utcnow()
    outbox = reporting_tables.messaging.outbox
    engine = sa.create_engine(f"sqlite:///{source}")
    with engine.begin() as conn:
        for msg_id, published in (("before", cut - timedelta(seconds=10)), ("after", cut + timedelta(seconds=1)),
                                  ("waiting", None)):
            conn.execute(sa.insert(outbox).values(msg_id=msg_id, subject="tgpl.reports.adhoc", payload="{}", headers={},
                                                  created_at=cut - timedelta(seconds=20), published_at=published))
    engine.dispose()
    writer = sqlite3.connect(source, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("BEGIN IMMEDIATE")  # a service in the middle of a transaction while the backup runs
    writer.execute("INSERT INTO outbox (msg_id, subject, payload, headers, created_at) "
                   "VALUES ('uncommitted', 's', '{}', '{}', '2026-01-01 00:00:00.000000')")
    try:
        copy_sqlite(source, copy)
    finally:
        writer.execute("ROLLBACK")
        writer.close()
    assert unpublish_since(copy, "reporting", cut) == 1
    engine = sa.create_engine(f"sqlite:///{copy}")
    with engine.connect() as conn:
        rows = dict(conn.execute(sa.select(outbox.c.msg_id, outbox.c.published_at)).all())
    engine.dispose()
    assert set(rows) == {"before", "after", "waiting"}  # the writer's uncommitted row is not in the copy
    assert rows["before"] is not None and rows["after"] is None and rows["waiting"] is None
    assert database_revision(copy) == migrations_of("reporting").get_current_head()
    assert sorted(p.name for p in copy.parent.iterdir()) == ["reporting.db"]  # one file, no -wal beside it
    assert copy.stat().st_mode & 0o077 == 0


async def test_a_stream_saved_while_in_use_comes_back_with_its_messages_and_consumer_position(nats_url, tmp_path):
    name = f"TGPL_TEST_{uuid.uuid4().hex[:8].upper()}"
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        await js.add_stream(name=name, subjects=[f"{name.lower()}.>"])
        for n in range(300):
            await js.publish(f"{name.lower()}.x", json.dumps({"n": n}).encode() * 20, headers={"Nats-Msg-Id": f"m-{n}"})
        pull = await js.pull_subscribe(f"{name.lower()}.x", durable="reader-v1", stream=name)
        for message in await pull.fetch(40, timeout=5):
            await message.ack_sync()
        saved = await snapshot_stream(nc, name, tmp_path / name)
        assert saved.state["messages"] == 300 and saved.consumers == ["reader-v1"] and saved.bytes > 0
        await js.publish(f"{name.lower()}.x", b"after the snapshot")  # not in it
        await pull.unsubscribe()
        await js.delete_stream(name)

        state = await restore_stream(nc, tmp_path / name)
        assert (state["messages"], state["last_seq"]) == (300, 300)
        assert await stream_consumers(nc, name) == ["reader-v1"]
        info = await js.consumer_info(name, "reader-v1")
        assert info.ack_floor.stream_seq == 40 and info.num_pending == 260
        message = await js.get_msg(name, 300)
        assert json.loads(message.data[:len(message.data) // 20]) == {"n": 299}
        assert message.headers["Nats-Msg-Id"] == "m-299"
        with pytest.raises(Exception, match="already in use|exist"):  # a restore never overwrites a stream
            await restore_stream(nc, tmp_path / name)
    finally:
        try:
            await js.delete_stream(name)
        finally:
            await nc.close()


async def test_a_damaged_backup_or_one_made_by_a_newer_tgpl_is_refused_before_anything_is_written(
        jetstream, nats_url, tmp_path, monkeypatch):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    monkeypatch.setenv("TGPL_DATA_DIR", str(data_dir))
    for service in SERVICES:
        monkeypatch.delenv(f"TGPL_{service.upper()}_DATABASE_URL", raising=False)
        await migrated(data_dir / f"{service}.db", service)
    await harness.publish(jetstream, "tgpl.inbound.referral", b'{"a notice": 1}', "n-1")
    lines: list[str] = []
    manifest = await backup(tmp_path / "backup", data_dir=data_dir, nats_url=nats_url, login={}, say=lines.append)
    assert manifest["streams"]["TGPL_INBOUND"]["messages"] == 1 and len(lines) == 9
    assert read_manifest(tmp_path / "backup")["databases"]["intake"]["alembic_revision"] == \
        migrations_of("intake").get_current_head()
    with pytest.raises(BackupError, match="not empty"):
        await backup(tmp_path / "backup", data_dir=data_dir, nats_url=nats_url, login={}, say=lines.append)

    target = tmp_path / "restored"
    monkeypatch.setenv("TGPL_DATA_DIR", str(target))
    written = (tmp_path / "backup" / "manifest.json").read_text()
    newer = json.loads(written)
    newer["databases"]["evaluation"]["alembic_revision"] = "9999_from_the_future"
    (tmp_path / "backup" / "manifest.json").write_text(json.dumps(newer))
    with pytest.raises(BackupError, match="newer tgpl"):
        await restore(tmp_path / "backup", data_dir=target, force=False, ports={}, say=lines.append)
    (tmp_path / "backup" / "manifest.json").write_text(written)
    with (tmp_path / "backup" / "databases" / "reporting.db").open("r+b") as damaged:
        damaged.seek(5000)
        byte = damaged.read(1)
        damaged.seek(5000)
        damaged.write(bytes([byte[0] ^ 0xFF]))  # one byte changed is enough
    with pytest.raises(BackupError, match="reporting.db is missing or damaged"):
        await restore(tmp_path / "backup", data_dir=target, force=False, ports={}, say=lines.append)
    assert not target.exists()
