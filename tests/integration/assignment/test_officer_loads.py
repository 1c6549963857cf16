"""Migration 0008 of assignment: each officer's cases and weighted load by quota year (the local year a
case was opened), summed once from the cases already decided. On SQLite and PostgreSQL."""

from datetime import datetime, timezone

import pytest
import sqlalchemy as sa

from services.assignment.adapters import tables as t
from services.assignment.bootstrap import MIGRATIONS
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to, upgrade_to_head

pytestmark = pytest.mark.integration


def case(n: int, officer_id: str | None, opened_at: datetime, weight: float = 1.0) -> dict:
    return dict(case_id=f"case-{n}", field="criminal", branch_code="CN-PC", urgent=False, opened_at=opened_at,
                officer_id=officer_id, decided_at=opened_at, rule="balance", reason="", candidates=[],
                weight=weight, kind="initial")


async def test_migration_0008_sums_the_loads_of_the_cases_decided_before_it(database_url):
    engine = create_engine(await database_url("assignment"))
    try:
        await upgrade_to(engine, MIGRATIONS, "0007")
        async with engine.begin() as conn:
            await conn.execute(sa.insert(t.cases), [
                case(1, "PC-A", datetime(2026, 3, 1, 2, tzinfo=timezone.utc), weight=1.2),
                # 18:00 UTC on 31 December is 01:00 on 1 January in Vietnam: the new quota year
                case(2, "PC-A", datetime(2025, 12, 31, 18, tzinfo=timezone.utc)),
                case(3, "PC-A", datetime(2025, 12, 31, 16, tzinfo=timezone.utc)),
                case(4, "PC-B", datetime(2026, 7, 9, 9, tzinfo=timezone.utc), weight=0.5),
                case(5, None, datetime(2026, 7, 9, 9, tzinfo=timezone.utc)),
            ])
        await upgrade_to_head(engine, MIGRATIONS)
        async with engine.connect() as conn:
            rows = (await conn.execute(sa.select(t.officer_loads).order_by(
                t.officer_loads.c.officer_id, t.officer_loads.c.quota_year))).all()
    finally:
        await engine.dispose()
    assert [tuple(r) for r in rows] == [("PC-A", 2025, 1, 1.0), ("PC-A", 2026, 2, pytest.approx(2.2)),
                                        ("PC-B", 2026, 1, 0.5)]
