"""The case register beyond a few cases: its count capped and said in Vietnamese, each filter, a name
found by the start of its words (on both of SQLite's plans), deep pages in register order, and the name
index kept current by a corrected notice and built by migration 0012 over existing cases."""

import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from services.intake.adapters import register_queries
from services.intake.adapters import tables as t
from services.intake.bootstrap import MIGRATIONS
from services.intake.domain.matching import normalise_name
from services.runtime.database import create_engine
from services.runtime.migrate import upgrade_to, upgrade_to_head
from shared import subjects
from tests import harness

pytestmark = pytest.mark.integration

VN = timezone(timedelta(hours=7))
START = datetime(2025, 3, 1, 8, 0, tzinfo=VN)


def case_row(i: int, *, opened_at: datetime | None = None, full_name: str = "Nguyễn Văn An", **values) -> dict:
    """A case row as intake writes it (the register's columns; the rest empty)."""
    return {"case_id": str(uuid.uuid4()), "register_no": f"{i:05d}/2025/TL", "channel": "walk_in",
            "opened_at": opened_at or START + timedelta(minutes=i), "full_name": full_name,
            "name_key": normalise_name(full_name), "gender": "male", "field": "civil", "summary": "Tranh chấp đất",
            "groups": ["poor_household"], "urgent": False, "status": "closed", "branch_code": "HQ",
            "commune_code": "21583", "officer_id": None, "assignment_reason": None, **values}


async def add_cases(engine, rows: list[dict]) -> None:
    async with engine.begin() as conn:
        for start in range(0, len(rows), 2000):
            await conn.execute(sa.insert(t.cases), rows[start:start + 2000])


def register_order(rows: list[dict]) -> list[str]:
    """Register numbers newest first, as the register lists them."""
    return [r["register_no"] for r in sorted(rows, key=lambda r: (r["opened_at"], r["register_no"]), reverse=True)]


def text_of(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.text))


async def test_more_cases_than_the_cap_are_said_in_vietnamese_and_paged_through(intake_stack, db_backend):
    cap = register_queries.COUNT_CAP
    rows = [case_row(i) for i in range(cap + 30)]
    await add_cases(intake_stack.host.engine, rows)
    client = intake_stack.client

    page = await client.get("/cases")
    assert "Hơn 10.000 vụ việc, trang 1." in text_of(page) and "Trang sau" in page.text
    listed = (await client.get("/api/cases", params={"size": 500})).json()
    assert (listed["total"], listed["total_exact"], listed["pages"], listed["has_next"]) == (cap, False, None, True)
    # The last page lies beyond the cap: still reached, in register order, and it says it is the last.
    last = (await client.get("/api/cases", params={"size": 500, "page": 21})).json()
    assert [c["register_no"] for c in last["cases"]] == register_order(rows)[10_000:]
    assert (last["page"], last["has_next"]) == (21, False)
    middle = (await client.get("/api/cases", params={"size": 50, "page": 117})).json()
    assert [c["register_no"] for c in middle["cases"]] == register_order(rows)[5800:5850]

    beyond = await client.get("/cases", params={"page": 400})
    assert "Trang này không còn vụ việc nào" in text_of(beyond)
    # Under the cap the count is exact, with the number of pages.
    few = await client.get("/cases", params={"q": rows[7]["register_no"]})
    assert "1 vụ việc, trang 1/1." in text_of(few)


async def test_each_filter_narrows_the_register_in_register_order(intake_stack, db_backend):
    engine, client = intake_stack.host.engine, intake_stack.client
    async with engine.begin() as conn:
        await conn.execute(sa.insert(t.officers), [
            {"officer_id": "TGV-900", "full_name": "Phạm Thị Lọc", "branch_code": "CN-AN", "is_leader": False},
            {"officer_id": "TGV-901", "full_name": "Đỗ Văn Thử", "branch_code": "HQ", "is_leader": False}])
    values = [("closed", "HQ", "civil", "TGV-901"), ("assigned", "CN-AN", "land", "TGV-900"),
              ("open", "CN-AN", "criminal", None), ("assigned", "HQ", "land", "TGV-901")]
    rows = [case_row(i, status=s, branch_code=b, field=f, officer_id=o, opened_at=START + timedelta(hours=7 * i),
                     assignment_reason="Phân công để thử nghiệm" if o else None)
            for i, (s, b, f, o) in enumerate(values * 10)]
    # Local days bound the dates: opened at 23:30 on 10/3 (16:30 UTC) is on 10/3; at 00:10 on 11/3 is not.
    rows += [case_row(100, opened_at=datetime(2025, 3, 10, 23, 30, tzinfo=VN)),
             case_row(101, opened_at=datetime(2025, 3, 11, 0, 10, tzinfo=VN))]
    await add_cases(engine, rows)

    async def listed(**params) -> list[str]:
        found = (await client.get("/api/cases", params={"size": 500, **params})).json()
        assert found["total_exact"] and found["total"] == len(found["cases"])
        return [c["register_no"] for c in found["cases"]]

    def expected(keep) -> list[str]:
        return register_order([r for r in rows if keep(r)])

    assert await listed(status="assigned", branch="CN-AN") == expected(
        lambda r: r["status"] == "assigned" and r["branch_code"] == "CN-AN")
    assert await listed(field="land") == expected(lambda r: r["field"] == "land")
    assert await listed(officer="TGV-901", status="closed") == expected(
        lambda r: r.get("officer_id") == "TGV-901" and r["status"] == "closed")
    day = datetime(2025, 3, 10, tzinfo=VN)
    on_the_day = expected(lambda r: day <= r["opened_at"] < day + timedelta(days=1))
    assert rows[-2]["register_no"] in on_the_day and rows[-1]["register_no"] not in on_the_day
    assert await listed(opened_from="2025-03-10", opened_to="2025-03-10") == on_the_day
    assert await listed(opened_from="2025-03-05", opened_to="2025-03-08", field="land") == expected(
        lambda r: datetime(2025, 3, 5, tzinfo=VN) <= r["opened_at"] < datetime(2025, 3, 9, tzinfo=VN)
        and r["field"] == "land")

    page = await client.get("/cases", params={"officer": "TGV-900", "opened_from": "10/03/2025"})
    shown = expected(lambda r: r.get("officer_id") == "TGV-900" and r["opened_at"] >= day)
    assert f"{len(shown)} vụ việc, trang 1/1." in text_of(page)
    assert "Phạm Thị Lọc (TGV-900)" in page.text and 'type="date"' in page.text
    wrong = await client.get("/cases", params={"opened_to": "31/02/2025", "field": "criminal"})
    assert "Ngày “31/02/2025” không hợp lệ" in text_of(wrong)
    assert f"{len(expected(lambda r: r['field'] == 'criminal'))} vụ việc" in text_of(wrong)  # the rest applies
    assert (await client.get("/api/cases", params={"opened_to": "2025-02-31"})).status_code == 422
    # Days no datetime can hold in UTC (found by tests/e2e/test_api_fuzz.py) bound nothing.
    assert await listed(opened_from="0001-01-01", opened_to="9999-12-31") == await listed()
    assert "vụ việc" in text_of(await client.get("/cases", params={"opened_from": "01/01/0001"}))


NAMES = ["Nguyễn Văn Hùng", "Nguyễn Thị Hương", "Trần Hưng", "Ksor H'Bla", "Lê Nguyên Hùng", "Đặng Thị Ánh Tuyết",
         "Hồ Văn Sơn"]
SEARCHES = {
    "hung nguyen": {"Nguyễn Văn Hùng", "Lê Nguyên Hùng"},  # every word, in any order
    "Hùng": {"Nguyễn Văn Hùng", "Trần Hưng", "Lê Nguyên Hùng"},  # without diacritics Hùng and Hưng are one
    "ngu": {"Nguyễn Văn Hùng", "Nguyễn Thị Hương", "Lê Nguyên Hùng"},  # the start of a word
    "uyen": set(),  # not the middle of one
    "h'bla": {"Ksor H'Bla"},
    "dang thi anh": {"Đặng Thị Ánh Tuyết"},
    "Son ho van": {"Hồ Văn Sơn"},
}


async def test_a_name_is_found_by_the_start_of_its_words_whichever_index_leads(intake_stack, db_backend,
                                                                                monkeypatch):
    engine, client = intake_stack.host.engine, intake_stack.client
    await add_cases(engine, [case_row(i, full_name=name) for i, name in enumerate(NAMES * 3)])

    async def found(q: str) -> set[str]:
        listed = (await client.get("/api/cases", params={"q": q, "size": 500})).json()
        assert listed["total"] == len(listed["cases"])
        return {c["full_name"] for c in listed["cases"]}

    for q, names in SEARCHES.items():
        assert await found(q) == names, q
    if db_backend == "sqlite":
        # Common names are checked along the register's own index instead of the FTS5 one: same answers.
        monkeypatch.setattr(register_queries, "FTS_LEADS_UP_TO", 0)
        for q, names in SEARCHES.items():
            assert await found(q) == names, q


async def test_a_corrected_name_is_found_and_the_old_one_no_longer(intake_stack, jetstream, db_backend):
    client = intake_stack.client
    first = harness.make_notice(person__full_name="Rơ Mah Blơ")
    second = {**first, "revision": 2, "person": {**first["person"], "full_name": "Rơ Châm Thuyên"}}
    for notice in (first, second):
        await harness.publish(jetstream, subjects.INBOUND_REFERRAL, notice, harness.msg_id_of(notice))

    async def corrected():
        found = (await client.get("/api/cases", params={"q": "ro cham thuyen"})).json()["cases"]
        return found or None

    assert [c["notice_id"] for c in await harness.eventually(corrected)] == [first["notice_id"]]
    assert (await client.get("/api/cases", params={"q": "Blơ"})).json()["total"] == 0


async def test_migration_0012_indexes_the_names_of_existing_cases(database_url, db_backend):
    engine = create_engine(await database_url("intake"))
    try:
        await upgrade_to(engine, MIGRATIONS, "0011")
        await add_cases(engine, [case_row(i, full_name=name) for i, name in enumerate(NAMES)])
        await upgrade_to_head(engine, MIGRATIONS)
        await add_cases(engine, [case_row(50, full_name="Nguyễn Hùng Mới")])

        page = await register_queries.list_cases(engine, status=None, branch=None, page=1, size=50, search="hung")
        assert {r["full_name"] for r in page.rows} == {"Nguyễn Văn Hùng", "Trần Hưng", "Lê Nguyên Hùng",
                                                       "Nguyễn Hùng Mới"}
        if db_backend == "sqlite":
            async with engine.begin() as conn:  # the FTS5 index agrees with the cases it indexes
                await conn.exec_driver_sql("INSERT INTO case_names(case_names, rank) VALUES ('integrity-check', 1)")
    finally:
        await engine.dispose()
