"""A JetStream stream saved and restored through the server's own API, while it runs.

nats-py has no helper for these calls, so they are made here as nats-server (2.10 to 2.15) and
the `nats` CLI (jsm.go) make them:

- Snapshot: a request on `$JS.API.STREAM.SNAPSHOT.<stream>` names a deliver subject; the server
  answers with the stream's config and state, then sends the snapshot (an s2-compressed tar of
  the stream's store, with its consumers' state) to that subject in chunks. Each chunk carries a
  reply subject to acknowledge it (the server keeps a window of unacknowledged bytes and gives up
  when acks stop), and the end is an empty message with status 204 (another status is an error).
- Restore: a request on `$JS.API.STREAM.RESTORE.<stream>` with that config and state (the stream
  must not exist) is answered with a subject to send the chunks to, each as a request the server
  acknowledges; an empty request ends it, and its answer is the restored stream's info.

The files are the ones `nats stream backup` writes (`backup.json`, `stream.tar.s2`), so `nats
stream restore <dir>` can restore a stream of a `tgpl backup` on a cluster as well.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from nats.aio.client import Client as NatsClient
from nats.aio.msg import Msg

META_FILE = "backup.json"
DATA_FILE = "stream.tar.s2"
CHUNK_BYTES = 128 * 1024


class SnapshotFailed(Exception):
    """The server refused or broke off a snapshot or a restore."""


@dataclass(frozen=True)
class SavedStream:
    """What a snapshot wrote: the stream's state when it was taken, and the data file's size and digest."""

    name: str
    state: dict
    consumers: list[str]
    bytes: int
    sha256: str


def _api_error(answer: dict) -> str | None:
    error = answer.get("error")
    return f"{error.get('description', error)} (code {error.get('err_code', error.get('code'))})" if error else None


async def snapshot_stream(nc: NatsClient, name: str, directory: Path, *, idle_timeout_s: float = 30.0) -> SavedStream:
    """Save one stream, with its consumers, into `directory` (created)."""
    directory.mkdir(parents=True)
    loop = asyncio.get_running_loop()
    done: asyncio.Future = loop.create_future()
    digest, size, last_chunk = hashlib.sha256(), 0, [loop.time()]
    out = (directory / DATA_FILE).open("wb")

    async def on_chunk(msg: Msg) -> None:
        nonlocal size
        if done.done():
            return
        last_chunk[0] = loop.time()
        if not msg.data:
            status = (msg.headers or {}).get("Status")
            if status in (None, "204"):
                done.set_result(None)
            else:
                done.set_exception(SnapshotFailed(f"{name}: the server broke off the snapshot: {status} "
                                                  f"{(msg.headers or {}).get('Description', '')}".rstrip()))
            return
        out.write(msg.data)
        digest.update(msg.data)
        size += len(msg.data)
        if msg.reply:
            await nc.publish(msg.reply, b"")  # the ack that lets the server send on

    inbox = nc.new_inbox()
    subscription = await nc.subscribe(inbox, cb=on_chunk)
    try:
        request = {"deliver_subject": inbox, "no_consumers": False, "chunk_size": CHUNK_BYTES, "jsck": False}
        answer = json.loads((await nc.request(f"$JS.API.STREAM.SNAPSHOT.{name}", json.dumps(request).encode(),
                                              timeout=10)).data)
        if error := _api_error(answer):
            raise SnapshotFailed(f"{name}: the server refused the snapshot: {error}")
        while not done.done():
            await asyncio.wait({done}, timeout=1.0)
            if not done.done() and loop.time() - last_chunk[0] > idle_timeout_s:
                raise SnapshotFailed(f"{name}: no snapshot data for {idle_timeout_s:.0f} s")
        done.result()
    finally:
        await subscription.unsubscribe()
        out.close()
    (directory / META_FILE).write_text(json.dumps({"config": answer["config"], "state": answer["state"]}, indent=2),
                                       encoding="utf-8")
    consumers = await stream_consumers(nc, name)
    return SavedStream(name=name, state=answer["state"], consumers=consumers, bytes=size, sha256=digest.hexdigest())


async def stream_consumers(nc: NatsClient, stream: str) -> list[str]:
    """The names of a stream's consumers."""
    answer = json.loads((await nc.request(f"$JS.API.CONSUMER.NAMES.{stream}", b"{}", timeout=10)).data)
    if error := _api_error(answer):
        raise SnapshotFailed(f"{stream}: cannot list its consumers: {error}")
    return sorted(answer.get("consumers") or [])


async def restore_stream(nc: NatsClient, directory: Path, *, final_timeout_s: float = 600.0) -> dict:
    """Restore the stream saved in `directory` (it must not exist on the server); returns its state."""
    meta = json.loads((directory / META_FILE).read_text(encoding="utf-8"))
    name = meta["config"]["name"]
    answer = json.loads((await nc.request(f"$JS.API.STREAM.RESTORE.{name}", json.dumps(
        {"config": meta["config"], "state": meta["state"]}).encode(), timeout=10)).data)
    if error := _api_error(answer):
        raise SnapshotFailed(f"{name}: the server refused the restore: {error}")
    deliver = answer["deliver_subject"]
    with (directory / DATA_FILE).open("rb") as data:
        while chunk := data.read(CHUNK_BYTES):
            ack = await nc.request(deliver, chunk, timeout=10)
            if ack.data:  # "-ERR '...'": the server stopped taking the data
                raise SnapshotFailed(f"{name}: the server broke off the restore: {ack.data.decode(errors='replace')}")
    final = json.loads((await nc.request(deliver, b"", timeout=final_timeout_s)).data)
    if error := _api_error(final):
        raise SnapshotFailed(f"{name}: the restore failed: {error}")
    return final["state"]
