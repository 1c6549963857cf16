"""Benchmark: the staff case register at 100,000 cases (SQLite, this machine).

`python -m deploy.bench.register_page [--cases N]` prints the median time of a register page
for the common filters. A benchmark, never a timed test.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa

from services.intake.adapters import tables as t
from services.intake.adapters.register_queries import list_cases
from services.intake.bootstrap import MIGRATIONS
from services.intake.domain.matching import normalise_name
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to_head

NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê Hoàng Cường", "Phạm Thị Dung", "Hồ Văn Sơn", "Đặng Thị Ánh Tuyết"]
QUERIES = [("first page", {}), ("page 500", {"page": 500}), ("status + branch", {"status": "open", "branch": "CN-AN"}),
           ("name search", {"search": "hoang cuong"}), ("number search", {"search": "054321"})]


async def run(cases: int) -> None:
    """Fill a fresh intake database with `cases` cases and time the register's queries."""
    engine = create_engine(f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'intake.db'}")
    await upgrade_to_head(engine, MIGRATIONS)
    rng, start = random.Random(1), datetime(2026, 1, 1, tzinfo=timezone.utc)
    rows = []
    for i in range(cases):
        name = f"{rng.choice(NAMES)} {i}"
        rows.append(dict(case_id=str(uuid.uuid4()), register_no=f"{i:06d}/2026/TL", channel="agency_notice",
                         opened_at=start + timedelta(minutes=i), full_name=name, name_key=normalise_name(name),
                         gender="male", field="criminal", summary="", groups=[], urgent=True,
                         status=rng.choice(["open", "assigned"]), branch_code=rng.choice(["HQ", "CN-AN", "CN-PC"]),
                         commune_code="21583"))
    async with engine.begin() as conn:
        await conn.execute(sa.insert(t.cases), rows)
    print(f"case register, {cases:,} cases, median of 7 runs")
    for label, changes in QUERIES:
        args = {"status": None, "branch": None, "page": 1, "size": 50, **changes}
        times = []
        for _ in range(7):
            begin = time.perf_counter()
            page = await list_cases(engine, **args)
            times.append(time.perf_counter() - begin)
        print(f"  {label:<16} {statistics.median(times) * 1000:7.1f} ms   ({page.total:,} matching)")
    await engine.dispose()


def main() -> None:
    """Parse the arguments and run the benchmark."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=100_000)
    asyncio.run(run(parser.parse_args().cases))


if __name__ == "__main__":
    main()
