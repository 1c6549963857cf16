"""A seeded case register of the demo center, written into intake's own tables as intake writes them.

`fill` writes `cases` cases over `years` years ending now into a migrated intake database: the
demo center's branches and communes (`deploy/demo/data/center.json`), its agencies and its 26
officers (`officers.json`, as assignment's roster reaches intake's read model), and per case what
the register shows, filters, sorts and searches on:

- how it came (the channels' shares of `reporting_history.CHANNELS`): an agency's notice, built
  by the demo's own generator (`deploy/demo/simulate.py`: agency, field, person with a Vietnamese
  or Jrai/Bahnar name, birth date, CCCD, commune, claimed groups, late or on time), stored in
  `notices` with its body and linked to the case; notices of people who did not ask for legal aid
  are stored without a case, as intake keeps them. Or a request registered by staff (walk-in,
  phone, postal, electronic: civil, land, family... matters; advice, proceedings, representation);
- when: volumes growing from year to year, quieter around Tết; notices any day, requests on
  working days in office hours; register numbers per year in opening order (`register_no`);
- the branch of the person's commune (none for a missing or unknown commune);
- its performer: an officer of the branch who takes the field (leaders half as often; the head
  office otherwise), the reason in assignment's words, `case_performers` (a few reassigned);
- its state now: cases still waiting minutes after opening are open, a few find nobody; older
  ones are closed after a duration that depends on the form of aid, with an outcome.

Rows go in with SQLAlchemy Core executemany through intake's table definitions (the same column
types and JSON encoding as the service), in chunks, each chunk one transaction.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import random
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from deploy.bench.reporting_history import CHANNELS, OUTCOMES, REQUEST_FIELDS, REQUEST_FORMS, SEASON, Pick
from deploy.bench.reporting_io import take
from deploy.demo.simulate import _Sender, is_late  # the demo's own generator of people and notices
from services.intake.adapters import tables as t
from services.intake.domain.cases import CaseStatus, register_no
from services.intake.domain.matching import normalise_name
from services.intake.domain.rules import load_rules
from shared.vocabulary import AidForm, CaseField, RequestChannel

DATA = Path(__file__).resolve().parents[1] / "demo" / "data"
VN = timezone(timedelta(hours=7))
GROWTH = 1.10  # a year's volume over the previous year's
#: Notices come every day (fewer at weekends); requests on working days only.
NOTICE_WEEKDAY = [1.0, 1.0, 1.0, 1.0, 1.0, 0.45, 0.3]
REQUEST_WEEKDAY = [1.0, 1.0, 1.0, 1.0, 1.0, 0.0, 0.0]
REQUEST_SUMMARIES = {
    CaseField.CIVIL: ["Tranh chấp hợp đồng vay tài sản", "Tranh chấp thừa kế tài sản", "Đòi bồi thường thiệt hại"],
    CaseField.LAND: ["Tranh chấp quyền sử dụng đất", "Tranh chấp ranh giới thửa đất", "Thủ tục cấp giấy chứng nhận"],
    CaseField.MARRIAGE_FAMILY: ["Ly hôn, tranh chấp nuôi con", "Yêu cầu cấp dưỡng nuôi con", "Bạo lực gia đình"],
    CaseField.CRIMINAL: ["Bị hại trong vụ cố ý gây thương tích", "Tư vấn về tội trộm cắp tài sản"],
    CaseField.ADMINISTRATIVE: ["Khiếu nại quyết định thu hồi đất", "Khiếu nại quyết định xử phạt hành chính"],
    CaseField.LABOUR: ["Đòi tiền lương, bảo hiểm xã hội", "Bị đơn phương chấm dứt hợp đồng lao động"],
    CaseField.OTHER: ["Tư vấn chính sách người có công", "Tư vấn thủ tục hộ tịch"],
}
#: Days a case stays with its performer before it is closed, by form of aid (a floor plus an exponential).
DURATION_DAYS = {AidForm.ADVICE: (1, 8), AidForm.PROCEEDINGS: (30, 160), AidForm.REPRESENTATION: (15, 80)}
TERMINATION_GROUNDS = ["request_withdrawn", "beneficiary_died", "handled_elsewhere", "false_information_or_obstruction"]
TRANSFERRED_TO = ["Trung tâm Trợ giúp pháp lý nhà nước tỉnh Bình Định", "Văn phòng Luật sư Công Lý",
                  "Trung tâm Trợ giúp pháp lý nhà nước tỉnh Quảng Ngãi"]
UNSUITED = "Không có trợ giúp viên phù hợp tại {place}; chưa phân công được, chờ lãnh đạo Trung tâm giao việc."


def _vi(value: float) -> str:
    """A figure as assignment writes it in its reasons (two decimals, decimal comma)."""
    return f"{value:.2f}".replace(".", ",")


def _weighted_days(start: date, until: date, weekday: list[float]) -> tuple[list[date], list[float]]:
    """Every day from start to until with its cumulative weight (season, growth, day of the week)."""
    days, cum, total, day = [], [], 0.0, start
    while day <= until:
        total += SEASON[day.month - 1] * GROWTH ** ((day - start).days / 365.25) * weekday[day.weekday()]
        days.append(day)
        cum.append(total)
        day += timedelta(days=1)
    return days, cum


def _office_seconds(rng: random.Random) -> float:
    """A moment of office hours (7:30–11:30, 13:30–17:00), seconds after local midnight."""
    return rng.uniform(7.5, 11.5) * 3600 if rng.random() < 0.55 else rng.uniform(13.5, 17.0) * 3600


def _notice_seconds(rng: random.Random) -> float:
    """Agencies send mostly in the daytime, some at night (arrests)."""
    return rng.uniform(6.5, 21.0) * 3600 if rng.random() < 0.88 else rng.uniform(0, 24) * 3600


def opening_moments(rng: random.Random, cases: int, until: datetime, years: int) -> list[tuple[datetime, str]]:
    """(opened_at, channel) of every case, in opening order, none after `until`."""
    local_until = until.astimezone(VN)
    start = date(local_until.year - years, local_until.month, local_until.day) + timedelta(days=1)
    channel = Pick(CHANNELS)
    picked = Counter(channel(rng) for _ in range(cases))
    out: list[tuple[datetime, str]] = []
    for ch, n in picked.items():
        notice = ch == RequestChannel.AGENCY_NOTICE
        days, cum = _weighted_days(start, local_until.date(), NOTICE_WEEKDAY if notice else REQUEST_WEEKDAY)
        clock = _notice_seconds if notice else _office_seconds
        for day in rng.choices(days, cum_weights=cum, k=n):
            moment = datetime(day.year, day.month, day.day, tzinfo=VN) + timedelta(seconds=clock(rng))
            if moment > local_until:  # today, later than now
                moment = local_until - timedelta(seconds=rng.uniform(0, 6 * 3600))
            out.append((moment.astimezone(timezone.utc), ch.value))
    out.sort()
    return out


class Center:
    """The demo center as intake knows it: branches, communes, agencies, officers."""

    def __init__(self) -> None:
        center = json.loads((DATA / "center.json").read_text(encoding="utf-8"))
        self.branches = center["branches"]
        self.branch_names = {b["code"]: b["name"] for b in self.branches}
        self.commune_branch = {c["code"]: b["code"] for b in self.branches for c in b["communes"]}
        self.agencies = json.loads((DATA / "agencies.json").read_text(encoding="utf-8"))["agencies"]
        self.officers = [o for o in json.loads((DATA / "officers.json").read_text(encoding="utf-8"))["officers"]
                         if o.get("active", True)]
        by_id = {o["officer_id"]: o for o in self.officers}
        self.officer_names = {o["officer_id"]: o["full_name"] for o in self.officers}
        # Who takes a case of a field in a branch: the branch's officers of that field, leaders half as
        # often; the head office's when the branch has none (assignment's fallback).
        self.eligible: dict[tuple[str | None, str], Pick] = {}
        for branch in [None, *self.branch_names]:
            for f in CaseField:
                def who(code: str | None) -> dict[str, float]:
                    return {o["officer_id"]: 0.5 if o.get("leader_role") else 1.0 for o in self.officers
                            if o["branch_code"] == code and f.value in o["fields"]}
                chosen = who(branch) or who("HQ") or {o["officer_id"]: 1.0 for o in by_id.values()
                                                     if o["branch_code"] == "HQ"}
                self.eligible[(branch, f.value)] = Pick(chosen)

    def reference_rows(self) -> dict[sa.Table, list[dict]]:
        """What intake's start-up loads from the reference files, and the roster assignment announces."""
        return {
            t.branches: [{"code": b["code"], "name": b["name"], "is_head_office": bool(b.get("is_head_office"))}
                         for b in self.branches],
            t.communes: [{"code": c["code"], "name": c["name"], "branch_code": b["code"],
                          "former_district": c.get("former_district")} for b in self.branches for c in b["communes"]],
            t.agencies: [{"code": a["code"], "kind": a["kind"], "name": a["name"]} for a in self.agencies],
            t.officers: [{"officer_id": o["officer_id"], "full_name": o["full_name"], "branch_code": o["branch_code"],
                          "is_leader": bool(o.get("leader_role"))} for o in self.officers],
        }


class Register:
    """Draws the cases one by one in opening order; `tally` counts what was drawn."""

    def __init__(self, center: Center, rng: random.Random, until: datetime) -> None:
        self.center, self.rng, self.until = center, rng, until
        communes = list(center.commune_branch)
        self.sender = _Sender(rng, center.agencies, communes)
        self.request_field, self.request_form, self.outcome = Pick(REQUEST_FIELDS), Pick(REQUEST_FORMS), Pick(OUTCOMES)
        self.results = {form: [r.code if hasattr(r, "code") else r for r in codes]
                        for form, codes in load_rules().case_results.items()}
        self.numbers: Counter = Counter()
        self.tally: Counter = Counter()

    def case(self, opened_at: datetime, channel: str) -> tuple[dict, list[dict], list[dict]]:
        """One case row, its notices (with those of people who did not ask before it), its performers."""
        rng, notices = self.rng, []
        case_id = str(uuid.uuid4())
        if channel == RequestChannel.AGENCY_NOTICE:
            while True:
                body = self.sender.notice(opened_at, late_ratio=0.1)
                row = self._notice_row(body, opened_at)
                notices.append(row)
                if body["wants_legal_aid"]:
                    break
                self.tally["notices_without_case"] += 1
            row["case_id"] = case_id
            person, field, summary = body["person"], body["case"]["field"], body["case"]["summary"]
            groups, form, urgent = body["claimed_groups"], AidForm.PROCEEDINGS, True
            notice_key = (body["agency"]["code"], body["notice_id"])
        else:
            field = self.request_field(rng).value
            person, _ = self.sender.person("involved_party", opened_at.astimezone(VN).date())
            summary = rng.choice(REQUEST_SUMMARIES[CaseField(field)])
            groups = [g for g, p in (("poor_household", 0.35), ("ethnic_minority_hardship_area", 0.2),
                                     ("elderly", 0.12), ("disabled", 0.08), ("revolutionary_merit", 0.06))
                      if rng.random() < p] or ["poor_household"]
            form, urgent, notice_key = self.request_form(rng), rng.random() < 0.03, (None, None)
        year = opened_at.astimezone(VN).year
        self.numbers[year] += 1
        commune = person["commune_code"]
        branch = self.center.commune_branch.get(commune) if commune else None
        case = {
            "case_id": case_id, "register_no": register_no(year, self.numbers[year]), "channel": channel,
            "opened_at": opened_at, "notice_agency_code": notice_key[0], "notice_id": notice_key[1],
            "full_name": person["full_name"], "name_key": normalise_name(person["full_name"]),
            "birth_date": date.fromisoformat(person["birth_date"]) if person["birth_date"] else None,
            "gender": person["gender"], "national_id": person["national_id"], "commune_code": commune,
            "branch_code": branch, "field": field, "summary": summary, "groups": groups, "urgent": urgent,
            "person_id": str(uuid.uuid4()), "matter_id": str(uuid.uuid4()), "form": form.value,
            "assignment_due": opened_at + timedelta(days=3),
            "performer_change_requested_at": None, "performer_change_reason": None, "performer_change_due": None,
            "closure_outcome": None, "closure_result": None, "closure_ground": None, "transferred_to": None,
            "closure_note": None, "closed_on": None, "closed_at": None, "closed_by": None,
        }
        for row in notices:
            row["person_id"], row["matter_id"] = case["person_id"], None
        if notices:
            notices[-1]["matter_id"] = case["matter_id"]
        performers = self._assign(case, form)
        self.tally[f"status:{case['status']}"] += 1
        self.tally[f"channel:{channel}"] += 1
        return case, notices, performers

    def _notice_row(self, body: dict, received_at: datetime) -> dict:
        person = body["person"]
        groups = body["claimed_groups"]
        return {
            "agency_code": body["agency"]["code"], "notice_id": body["notice_id"], "revision": body["revision"],
            "agency_kind": body["agency"]["kind"], "agency_name": body["agency"]["name"], "agency_known": True,
            "sent_at": datetime.fromisoformat(body["sent_at"]),
            "request_received_at": (datetime.fromisoformat(body["request_received_at"])
                                    if body["request_received_at"] else None),
            "received_at": received_at, "late": is_late(body), "wants_legal_aid": body["wants_legal_aid"],
            "full_name": person["full_name"], "commune_code": person["commune_code"],
            "commune_known": person["commune_code"] in self.center.commune_branch, "body": body,
            "stale_deliveries": 0, "case_id": None, "person_id": None, "matter_id": None,
            "eligibility": {"on": received_at.astimezone(VN).date().isoformat(), "entitled": bool(groups),
                            "established": groups, "decided_by": groups[0] if groups else None,
                            "findings": [{"group": g, "status": "established", "rule": f"art7.{g}",
                                          "explanation": "Xác định theo thông báo của cơ quan tiến hành tố tụng.",
                                          "missing": []} for g in groups],
                            "missing_documents": []},
        }

    def _assign(self, case: dict, form: AidForm) -> list[dict]:
        """The case's performer and state now; its case_performers rows."""
        rng, opened_at = self.rng, case["opened_at"]
        age = self.until - opened_at
        place = self.center.branch_names.get(case["branch_code"] or "HQ")
        if age < timedelta(minutes=rng.uniform(2, 20)) or (age < timedelta(days=60) and rng.random() < 0.004):
            case.update(status=CaseStatus.OPEN, officer_id=None, assigned_at=None,
                        assignment_reason=UNSUITED.format(place=place) if age > timedelta(minutes=20) else None)
            return []
        officer = self.center.eligible[(case["branch_code"], case["field"])](rng)
        assigned_at = opened_at + timedelta(minutes=rng.uniform(0.2, 45))
        candidates = rng.randint(2, 9)
        load, weight, target = rng.randint(3, 28), rng.choice([1.0, 1.0, 1.5, 2.0]), rng.choice([18, 20, 22, 24])
        case.update(status=CaseStatus.ASSIGNED, officer_id=officer, assigned_at=assigned_at, assignment_reason=(
            ("Vụ việc khẩn cấp: giao cho người đang trực theo lịch trực. " if case["urgent"] else "")
            + f"{self.center.officer_names[officer]} có điểm thấp nhất trong {candidates} người đủ điều kiện tại "
            f"{place}: tải {_vi(load)} + {_vi(weight)} (vụ này) trên chỉ tiêu {_vi(target)}, "
            f"điểm {_vi((load + weight) / target)}."))
        performers = [{"case_id": case["case_id"], "officer_id": officer, "since": assigned_at}]
        if rng.random() < 0.02:  # reassigned once: the earlier performer keeps a part
            earlier = self.center.eligible[(case["branch_code"], case["field"])](rng)
            if earlier != officer:
                performers.insert(0, {"case_id": case["case_id"], "officer_id": earlier, "since": opened_at})
        floor, mean = DURATION_DAYS[form]
        closed_at = assigned_at + timedelta(days=floor + rng.expovariate(1 / mean))
        if closed_at < self.until and rng.random() > 0.01:  # a few old cases are never closed
            outcome = self.outcome(rng)
            case.update(status=CaseStatus.CLOSED, closure_outcome=outcome, closed_at=closed_at,
                        closed_on=closed_at.astimezone(VN).date(), closed_by=officer.lower(),
                        closure_note="Đã hoàn thành hồ sơ, lưu trữ theo quy định.")
            if outcome == "completed":
                case["closure_result"] = rng.choice(self.results[form])
            elif outcome == "terminated":
                case["closure_ground"] = rng.choice(TERMINATION_GROUNDS)
            else:
                case["transferred_to"] = rng.choice(TRANSFERRED_TO)
        return performers


@dataclass(frozen=True)
class Spec:
    """What to draw (picklable, for the generating process)."""

    cases: int
    until: datetime
    seed: int = 1
    years: int = 6
    chunk: int = 20_000


def produce(spec: Spec, queue) -> None:
    """Run in a child process: draw the register and put it on the queue in chunks, as
    ("chunk", {table name: rows}, cases so far), then ("end", tally, register numbers per year)."""
    try:
        rng = random.Random(spec.seed)
        moments = opening_moments(rng, spec.cases, spec.until, spec.years)
        register = Register(Center(), rng, spec.until)
        for start in range(0, len(moments), spec.chunk):
            chunk: dict[str, list[dict]] = {"cases": [], "notices": [], "case_performers": []}
            for opened_at, channel in moments[start:start + spec.chunk]:
                case, notices, performers = register.case(opened_at, channel)
                chunk["cases"].append(case)
                chunk["notices"] += notices
                chunk["case_performers"] += performers
            queue.put(("chunk", chunk, min(start + spec.chunk, len(moments))))
        queue.put(("end", register.tally, register.numbers))
    except BaseException as exc:  # the parent must not wait for ever
        queue.put(("error", f"{type(exc).__name__}: {exc}", None))
        raise




async def fill(engine: AsyncEngine, spec: Spec, progress: Callable[[int, int], None] | None = None) -> dict:
    """Write the reference data and the drawn cases (with notices and performers) into a migrated
    intake database, drawing in a second process while this one writes; what was written, how long it took."""
    began = time.perf_counter()
    sqlite = engine.dialect.name == "sqlite"
    async with engine.begin() as conn:
        for table, rows in Center().reference_rows().items():
            await conn.execute(sa.delete(table))
            await conn.execute(sa.insert(table), rows)
    context = multiprocessing.get_context("spawn")
    queue = context.Queue(maxsize=3)
    worker = context.Process(target=produce, args=(spec, queue), name="tgpl-bench-register", daemon=True)
    worker.start()
    written: Counter = Counter()
    try:
        while True:
            item = await asyncio.to_thread(take, queue, worker)
            if item[0] == "error":
                raise RuntimeError(f"drawing the register failed: {item[1]}")
            if item[0] == "end":
                _, tally, numbers = item
                break
            _, chunk, done = item
            async with engine.begin() as conn:
                if sqlite:  # a bulk load: a page cache large enough for the index updates
                    await conn.exec_driver_sql("PRAGMA cache_size=-400000")
                for name, rows in chunk.items():
                    if rows:
                        await conn.execute(sa.insert(t.metadata.tables[name]), rows)
                        written[name] += len(rows)
            if progress:
                progress(done, spec.cases)
    finally:
        worker.join(timeout=30)
        if worker.is_alive():
            worker.terminate()
    async with engine.begin() as conn:
        await conn.execute(sa.delete(t.register_counters))
        await conn.execute(sa.insert(t.register_counters),
                           [{"year": y, "last_no": n} for y, n in sorted(numbers.items())])
    return {"rows": dict(written), "cases": written["cases"], "seconds": round(time.perf_counter() - began, 1),
            "until": spec.until.isoformat(), "tally": dict(sorted(tally.items())),
            "per_year": {str(y): n for y, n in sorted(numbers.items())}}
