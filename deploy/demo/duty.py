"""A demo duty roster: one officer per branch on 24-hour duty from 07:30 each day, for the next two weeks.

Real centers publish their duty roster at least 5 working days ahead (DOMAIN.md); the demo writes
it through the assignment API as an administrator would, so each change is a versioned roster edit.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import httpx

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SHIFT_START = time(7, 30)
CHANGED_BY = "demo-duty-rota"


def rota(officers: list[dict], first_day: date, days: int) -> dict[str, list[dict]]:
    """Shifts per officer: each day, the next active criminal-law officer of each branch in turn."""
    by_branch: dict[str, list[dict]] = defaultdict(list)
    for officer in sorted(officers, key=lambda o: o["officer_id"]):
        if officer["active"] and "criminal" in officer["fields"]:
            by_branch[officer["branch_code"]].append(officer)
    shifts: dict[str, list[dict]] = defaultdict(list)
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        start = datetime.combine(day, SHIFT_START, LOCAL_TZ)
        for members in by_branch.values():
            officer = members[(day.toordinal()) % len(members)]
            shifts[officer["officer_id"]].append({"start": start.isoformat(),
                                                  "end": (start + timedelta(days=1)).isoformat()})
    return shifts


async def publish_duty_roster(client: httpx.AsyncClient, days: int = 14, today: date | None = None) -> int:
    """Put the rota on the roster through the assignment API (keeping shifts already there).

    Returns the number of officers whose entry changed.
    """
    today = today or datetime.now(LOCAL_TZ).date()
    # Yesterday's shift runs until 07:30 today: start there so that this very moment is covered.
    first_day = today - timedelta(days=1)
    changed = 0
    officers = (await client.get("/api/officers")).json()
    for officer_id, new_shifts in rota(officers, first_day, days + 1).items():
        entry = (await client.get(f"/api/officers/{officer_id}")).json()
        kept = [s for s in entry["duty"] if s not in new_shifts]
        body = {k: entry[k] for k in ("full_name", "kind", "branch_code", "leader_role", "fields", "appointed_on",
                                      "active", "absences", "relationships")}
        body |= {"duty": kept + new_shifts, "changed_by": CHANGED_BY, "expected_version": entry["version"],
                 "note": f"Lịch trực {first_day:%d/%m/%Y} – {today + timedelta(days=days - 1):%d/%m/%Y}"}
        response = await client.put(f"/api/officers/{officer_id}", json=body)
        response.raise_for_status()
        changed += response.json()["changed"]
    return changed
