"""`TGPL_NATS_URL` may list a cluster's nodes separated by commas; the commands take it as the services do."""

from __future__ import annotations

import pytest

from deploy.demo.simulate import simulate
from deploy.local.nats_server import free_port
from shared import subjects

pytestmark = pytest.mark.integration


async def test_a_server_list_with_a_dead_node_still_reaches_the_live_one(jetstream, nats_url):
    dead = f"nats://127.0.0.1:{free_port()}"
    summary = await simulate(f"{dead}, {nats_url}", rate=0, count=5)
    assert summary.sent == 5
    assert (await jetstream.stream_info(subjects.INBOUND_STREAM.name)).state.messages == 5
