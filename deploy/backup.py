"""`tgpl backup` and `tgpl restore`: the embedded setup (SQLite databases, JetStream streams and the
generated credentials) saved while it runs, and restored into an empty data dir.

Order, and why the copy is consistent (docs/operations.md, "Backup and restore"):

1. The streams first, each with its consumers (JetStream's snapshot API). A consumer acknowledges
   a message only after its service committed the change, so every position a snapshot holds is
   one the service's database, saved later, has already reached: after a restore a consumer gets
   again at most messages it already handled, and skips them by its processed-message rows.
2. Then the databases (SQLite's online backup API: one consistent read of each file).
3. In each database copy, the outbox rows published since the streams' snapshot began are marked
   unpublished again: their messages may be missing from the saved streams. After a restore the
   services' relays publish them again with their original `Nats-Msg-Id`; a consumer that already
   had one skips it.

A restore puts the files back, then restores each stream into the data dir's JetStream store with a
temporary nats-server, and checks each stream's messages and sequences against the manifest.
"""

from __future__ import annotations

import hashlib
import importlib
import json
import platform
import shutil
import sqlite3
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from importlib import metadata
from pathlib import Path

import sqlalchemy as sa
from alembic.script import ScriptDirectory
from alembic.util import CommandError
from sqlalchemy.engine import make_url

from deploy.jetstream_snapshots import DATA_FILE, META_FILE, restore_stream, snapshot_stream, stream_consumers
from deploy.local.credentials import CREDENTIALS_DIR, credentials_dir, load_identities, make_private_dir, \
    nats_credentials_file
from deploy.local.nats_identities import OPERATOR
from deploy.local.nats_server import EmbeddedNats, free_port, port_is_free, wait_for_jetstream
from deploy.republish import service_settings
from services.runtime.migrate import alembic_config
from services.runtime.settings import server_list
from shared.subjects import STREAMS

FORMAT = 1
MANIFEST = "manifest.json"
SERVICES = ("intake", "assignment", "evaluation", "reporting")
#: Outbox rows published this long before the snapshots began are sent again too: a copy costs
#: nothing (consumers skip it), a row missing from the streams would be lost downstream.
CUT_MARGIN = timedelta(seconds=2)

Say = Callable[[str], None]


class BackupError(Exception):
    """What stops a backup or a restore; the message says what to do."""


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        while block := data.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _private_copy(source: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)
    target.chmod(0o600)


def sqlite_path(service: str) -> Path:
    """The service's SQLite file, from its settings; BackupError when it uses another database."""
    url = make_url(service_settings(service).resolved_database_url())
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError(f"{service} uses {url.get_backend_name()}, not SQLite: tgpl backup covers the embedded "
                          "setup; back PostgreSQL up with pg_dump (docs/operations.md)")
    return Path(url.database).resolve()


def migrations_of(service: str) -> ScriptDirectory:
    """The service's Alembic history as this code has it."""
    package = Path(importlib.import_module(f"services.{service}").__file__).parent
    return ScriptDirectory.from_config(alembic_config(package / "migrations"))


def database_revision(path: Path) -> str | None:
    """The Alembic revision a SQLite file is at (None before any migration)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError:
        return None
    finally:
        conn.close()
    return row[0] if row else None


def copy_sqlite(source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database in use (one step of the online backup API, under one read
    transaction), left as a single file."""
    if not source.exists():
        raise BackupError(f"no database at {source} (is TGPL_DATA_DIR the running system's?)")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(dst)
        dst.execute("PRAGMA journal_mode=DELETE")  # no -wal file beside the copy; the service turns WAL on again
    finally:
        dst.close()
        src.close()
    target.chmod(0o600)


def unpublish_since(path: Path, service: str, cut: datetime) -> int:
    """Mark a database copy's outbox rows published at or after `cut` unpublished again; how many."""
    outbox = importlib.import_module(f"services.{service}.adapters.tables").messaging.outbox
    engine = sa.create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as conn:
            return conn.execute(sa.update(outbox).where(outbox.c.published_at >= cut).values(published_at=None)).rowcount
    finally:
        engine.dispose()


def _versions() -> dict[str, str]:
    def version(name: str) -> str | None:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            return None

    return {"tgpl": version("tgpl"), "python": platform.python_version(), "sqlite": sqlite3.sqlite_version,
            "nats-py": version("nats-py"), "sqlalchemy": version("sqlalchemy")}


# --- backup --------------------------------------------------------------------------------------

async def backup(out: Path, *, data_dir: Path, nats_url: str, login: dict[str, str], say: Say) -> dict:
    """Save the running system into `out` (a new directory, 0700); returns the manifest."""
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} exists and is not empty: name a new directory")
    databases = {service: sqlite_path(service) for service in SERVICES}
    for service, path in databases.items():
        if not path.exists():
            raise BackupError(f"{service}: no database at {path} (is TGPL_DATA_DIR the running system's?)")
    partial = out.with_name(out.name + ".partial")
    if partial.exists():
        shutil.rmtree(partial)
    make_private_dir(partial)
    try:
        manifest = await _write_backup(partial, databases, data_dir=data_dir, nats_url=nats_url, login=login, say=say)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)  # half a backup is no backup, and it holds personal data
        raise
    if out.exists():
        out.rmdir()
    partial.rename(out)
    return manifest


async def _write_backup(partial: Path, databases: dict[str, Path], *, data_dir: Path, nats_url: str,
                        login: dict[str, str], say: Say) -> dict:
    import nats

    manifest: dict = {"format": FORMAT, "created_at": None, "versions": _versions(),
                      "order": "streams, then databases (docs/operations.md, Backup and restore)",
                      "streams_started_at": None, "outbox_cut": None, "streams": {}, "databases": {},
                      "credentials": []}
    nc = await nats.connect(server_list(nats_url), name="tgpl-backup", max_reconnect_attempts=2, **login)
    try:
        server = nc.connected_server_version
        manifest["versions"]["nats-server"] = f"{server.major}.{server.minor}.{server.patch}"
        started = datetime.now(timezone.utc)
        manifest["streams_started_at"] = started.isoformat()
        for spec in STREAMS:
            saved = await snapshot_stream(nc, spec.name, partial / "streams" / spec.name)
            manifest["streams"][spec.name] = {
                "dir": f"streams/{spec.name}", "messages": saved.state["messages"],
                "first_seq": saved.state["first_seq"], "last_seq": saved.state["last_seq"],
                "consumers": sorted(saved.consumers), "bytes": saved.bytes,
                "files": {META_FILE: _sha256(partial / "streams" / spec.name / META_FILE), DATA_FILE: saved.sha256}}
            say(f"stream {spec.name}: {saved.state['messages']:,} messages (to sequence {saved.state['last_seq']:,}), "
                f"{len(saved.consumers)} consumers, {saved.bytes:,} bytes")
    finally:
        await nc.close()
    cut = started - CUT_MARGIN
    manifest["outbox_cut"] = cut.isoformat()
    for service, path in databases.items():
        target = partial / "databases" / f"{service}.db"
        target.parent.mkdir(exist_ok=True)
        copy_sqlite(path, target)
        again = unpublish_since(target, service, cut)
        revision = database_revision(target)
        manifest["databases"][service] = {"file": f"databases/{service}.db", "alembic_revision": revision,
                                          "outbox_to_publish_again": again, "bytes": target.stat().st_size,
                                          "sha256": _sha256(target)}
        say(f"database {service}: {target.stat().st_size:,} bytes, revision {revision}, {again} outbox rows to "
            "publish again after a restore")
    secrets = credentials_dir(data_dir)
    if secrets.is_dir():
        for path in sorted(p for p in secrets.iterdir() if p.is_file() and not p.name.startswith(".")):
            copied = partial / CREDENTIALS_DIR / path.name
            _private_copy(path, copied)
            manifest["credentials"].append({"file": f"{CREDENTIALS_DIR}/{path.name}", "sha256": _sha256(copied)})
        if manifest["credentials"]:
            (partial / CREDENTIALS_DIR).chmod(0o700)
            say(f"credentials: {', '.join(c['file'] for c in manifest['credentials'])}")
    manifest["created_at"] = datetime.now(timezone.utc).isoformat()
    (partial / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    (partial / MANIFEST).chmod(0o600)
    return manifest


# --- restore -------------------------------------------------------------------------------------

def read_manifest(directory: Path) -> dict:
    """The manifest of a backup, after checking every file it lists against its digest."""
    path = directory / MANIFEST
    if not path.is_file():
        raise BackupError(f"{directory} is not a tgpl backup (no {MANIFEST})")
    manifest = json.loads(path.read_text(encoding="utf-8"))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{directory}: backup format {manifest.get('format')!r}, this tgpl reads {FORMAT}")
    files = [(d["file"], d["sha256"]) for d in manifest["databases"].values()]
    files += [(c["file"], c["sha256"]) for c in manifest["credentials"]]
    files += [(f"{s['dir']}/{name}", digest) for s in manifest["streams"].values() for name, digest in s["files"].items()]
    for name, digest in files:
        if not (directory / name).is_file() or _sha256(directory / name) != digest:
            raise BackupError(f"{directory / name} is missing or damaged (its digest differs from the manifest)")
    missing = [service for service in SERVICES if service not in manifest["databases"]]
    if missing:
        raise BackupError(f"{directory}: the backup has no database of {', '.join(missing)}")
    return manifest


def _check_revisions(manifest: dict) -> None:
    for service, saved in manifest["databases"].items():
        revision = saved["alembic_revision"]
        try:
            known = revision is None or migrations_of(service).get_revision(revision) is not None
        except CommandError:  # "Can't locate revision"
            known = False
        if not known:
            raise BackupError(f"{service}'s database is at migration {revision}, which this tgpl does not know: "
                              "the backup was made by a newer tgpl; restore it with that version")


def _taken_ports(ports: dict[str, int]) -> list[str]:
    return [f"{name} {port}" for name, port in ports.items() if not port_is_free(port)]


def _set_aside(data_dir: Path, targets: list[Path], say: Say) -> Path | None:
    """Move what a forced restore replaces into `<data_dir>/replaced-<time>/` (kept, never deleted)."""
    present = [p for p in targets if p.exists()]
    if not present:
        return None
    aside = data_dir / f"replaced-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}"
    make_private_dir(aside)
    for path in present:
        path.rename(aside / path.name)
    say(f"moved what was there to {aside}")
    return aside


async def restore(directory: Path, *, data_dir: Path, force: bool, ports: dict[str, int], say: Say) -> dict:
    """Restore a backup into `data_dir`; returns what was restored. Refuses a non-empty data dir unless `force`."""
    manifest = read_manifest(directory)
    _check_revisions(manifest)
    databases = {service: sqlite_path(service) for service in SERVICES}
    targets = [*databases.values(), *(p.with_name(p.name + suffix) for p in databases.values() for suffix in ("-wal", "-shm")),
               data_dir / "nats", credentials_dir(data_dir)]
    occupied = (data_dir.exists() and any(data_dir.iterdir())) or any(p.exists() for p in targets)
    if occupied and not force:
        raise BackupError(f"{data_dir} is not empty: restore into an empty data dir (TGPL_DATA_DIR), or add --force "
                          "to replace its databases, streams and credentials (they are moved aside, not deleted)")
    if occupied:
        if taken := _taken_ports(ports):
            raise BackupError(f"ports in use ({', '.join(taken)}): stop the system (tgpl up) before a forced restore")
        _set_aside(data_dir, targets, say)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        for service, path in databases.items():
            _private_copy(directory / manifest["databases"][service]["file"], path)
            say(f"database {service}: {path}")
        for entry in manifest["credentials"]:
            make_private_dir(credentials_dir(data_dir))
            _private_copy(directory / entry["file"], data_dir / entry["file"])
        if manifest["credentials"]:
            say(f"credentials: {credentials_dir(data_dir)}")
        streams = await _restore_streams(directory, manifest, data_dir, say)
    except Exception as exc:
        raise BackupError(f"{exc}\n{data_dir} now holds part of the backup: fix the cause, then restore again with "
                          "--force") from exc
    return {"backup": str(directory), "created_at": manifest["created_at"], "data_dir": str(data_dir),
            "streams": streams,
            "databases": {s: {"file": str(p), "alembic_revision": manifest["databases"][s]["alembic_revision"],
                              "outbox_to_publish_again": manifest["databases"][s]["outbox_to_publish_again"]}
                          for s, p in databases.items()},
            "credentials": [e["file"] for e in manifest["credentials"]]}


async def _restore_streams(directory: Path, manifest: dict, data_dir: Path, say: Say) -> dict[str, dict]:
    """Each stream into the data dir's JetStream store, through a temporary nats-server on that store (configured
    as `tgpl up` configures its own, with the restored identities), checked against the manifest."""
    import nats

    found = load_identities(nats_credentials_file(data_dir))
    operator = found.find(OPERATOR) if found else None
    login = operator.connect_options() if operator else {}
    server = EmbeddedNats(free_port(), data_dir / "nats", identities=found.identities if found else None)
    server.start()
    restored: dict[str, dict] = {}
    try:
        await wait_for_jetstream(server.url, **login)
        nc = await nats.connect(server.url, name="tgpl-restore", max_reconnect_attempts=2, **login)
        try:
            for name, saved in manifest["streams"].items():
                state = await restore_stream(nc, directory / saved["dir"])
                consumers = sorted(await stream_consumers(nc, name))
                # An empty stream's first sequence reads 0 or last + 1, by how it was made: compare it only with messages.
                wanted = {k: saved[k] for k in ("messages", "last_seq", *(("first_seq",) if saved["messages"] else ()))}
                if {k: state[k] for k in wanted} != wanted or consumers != saved["consumers"]:
                    raise BackupError(f"stream {name} restored as {state} with consumers {consumers}, but the backup "
                                      f"holds {wanted} with {saved['consumers']}")
                restored[name] = {**wanted, "consumers": consumers}
                say(f"stream {name}: {state['messages']:,} messages (to sequence {state['last_seq']:,}), "
                    f"{len(consumers)} consumers")
        finally:
            await nc.close()
    finally:
        server.stop()
    return restored


def default_backup_dir() -> Path:
    """`tgpl-backup-<UTC time>` in the current directory."""
    return Path(f"tgpl-backup-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%SZ')}")
