"""Projections are idempotent and commutative on the real databases: the same events in any order,
applied once or twice, one per transaction or all in one batch, leave the same rows."""

import functools
import random

import pytest
import sqlalchemy as sa

from services.reporting.adapters import tables as t
from services.reporting.adapters.repositories import FACT_TABLES
from services.reporting.bootstrap import MIGRATIONS
from services.reporting.service_layer.projections import PROJECTIONS, apply
from services.reporting.service_layer.unit_of_work import ReportingUnitOfWork
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head
from tests.integration.reporting.test_province_reports import october

pytestmark = pytest.mark.integration


async def _rows(database_url, name: str, batches: list[list]) -> dict:
    engine = create_engine(await database_url(name))
    try:
        await upgrade_to_head(engine, MIGRATIONS)
        uow = functools.partial(ReportingUnitOfWork, engine, t.messaging, None)
        for batch in batches:
            async with uow() as work:
                await apply(work.conn, [PROJECTIONS[type(e)](e) for e in batch], work.tz)
                await work.commit()
        async with engine.connect() as conn:
            return {table.name: sorted(map(repr, (await conn.execute(sa.select(table))).all()))
                    for table in FACT_TABLES + (t.rm_dirty_months,) if table is not t.rm_dirty_months} | {
                "dirty": sorted(r.month for r in (await conn.execute(sa.select(t.rm_dirty_months))).all())}
    finally:
        await engine.dispose()


async def test_any_order_any_batching_twice_gives_the_same_rows(database_url, db_backend):
    events, _ = october()
    one_by_one = await _rows(database_url, "forward", [[e] for e in events])
    shuffled = events * 2
    random.Random(7).shuffle(shuffled)
    assert await _rows(database_url, "shuffled", [shuffled[i:i + 5] for i in range(0, len(shuffled), 5)]) == one_by_one
    assert await _rows(database_url, "reversed", [events[::-1], events]) == one_by_one
    assert one_by_one["rm_notices"] and one_by_one["rm_assignments"] and one_by_one["rm_corrective_actions"]
