"""Declares tgpl's JetStream streams from their one definition in `shared.subjects`."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError

from shared.subjects import STREAMS, StreamSpec


def stream_config(spec: StreamSpec, replicas: int | None = None) -> StreamConfig:
    """The nats-py configuration of a stream spec."""
    return StreamConfig(
        name=spec.name,
        subjects=list(spec.subjects),
        description=spec.description,
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        discard=DiscardPolicy.OLD,
        duplicate_window=spec.duplicate_window_s,
        max_age=(spec.max_age_days * 86400) if spec.max_age_days else None,
        num_replicas=replicas or spec.replicas,
    )


async def ensure_streams(js: JetStreamContext, specs: tuple[StreamSpec, ...] = STREAMS, replicas: int | None = None) -> list[str]:
    """Create missing streams and bring existing ones to their definition; idempotent."""
    done = []
    for spec in specs:
        config = stream_config(spec, replicas)
        try:
            await js.stream_info(spec.name)
        except NotFoundError:
            await js.add_stream(config)
            done.append(f"{spec.name}: created")
            continue
        await js.update_stream(config)
        done.append(f"{spec.name}: up to date")
    return done
