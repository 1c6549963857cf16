"""The intake service running against the test's nats-server and database, with a logged-in client."""

from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI

from services.intake.adapters.accounts import Accounts
from services.intake.bootstrap import build
from services.intake.config import IntakeSettings
from services.intake.entrypoints.web import build_accounts, build_web
from services.runtime.host import ServiceHost
from tests import harness


@dataclass
class IntakeStack:
    host: ServiceHost
    app: FastAPI
    accounts: Accounts
    client: httpx.AsyncClient


@pytest.fixture
async def intake_stack(jetstream, nats_url, database_url, tmp_path) -> IntakeStack:
    settings = IntakeSettings(nats_url=nats_url, database_url=await database_url("intake"), data_dir=tmp_path,
                              reference_dir=harness.reference_dir_without_staff(tmp_path), retry_delays_s=[0.2])
    host = build(settings)
    async with harness.running(host):
        web = build_web(host.engine, settings)
        web.state.uow, web.state.policy = host.uow, host.policy
        app, accounts = host.asgi(web), build_accounts(host.engine, settings)
        client = await harness.staff_client(app, accounts, roles=("clerk", "leader"))
        yield IntakeStack(host, app, accounts, client)
