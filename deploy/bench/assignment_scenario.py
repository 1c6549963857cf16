"""A seeded year of a legal aid center for the assignment benchmark: its roster and its cases.

Everything comes from one `random.Random(seed)`: officers with their seniority, fields, branch,
absences (leave, training, sickness, maternity), the branches' 24/7 duty roster and the
relationships officers declared; then cases over the year in time order, of mixed fields and
localities, urgent when the person is arrested or held in custody, with criminal matters that
have cases on both sides, spouses who both ask for aid, and people an officer is related to.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from services.assignment.domain.conflicts import CaseParties, Party, matter_key
from services.assignment.domain.quota import yearly_target
from services.assignment.domain.roster import Absence, DutyShift, Officer, Relationship
from services.assignment.domain.rules import AssignmentRules

LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
HEAD_OFFICE = "HQ"
BRANCHES = [(HEAD_OFFICE, "Trụ sở Trung tâm (Quy Nhơn)"), ("CN-AN", "Chi nhánh số 1 (An Nhơn)"),
            ("CN-PC", "Chi nhánh số 2 (Phù Cát)"), ("CN-HN", "Chi nhánh số 3 (Hoài Nhơn)"),
            ("CN-TS", "Chi nhánh số 4 (Tây Sơn)"), ("CN-PM", "Chi nhánh số 5 (Phù Mỹ)"),
            ("CN-HA", "Chi nhánh số 6 (Hoài Ân)"), ("CN-AL", "Chi nhánh số 7 (An Lão)")]
CASE_FIELDS = {"criminal": 60, "civil": 10, "land": 9, "marriage_family": 9, "administrative": 4, "labour": 3,
               "other": 5}
#: How often an officer takes each field besides criminal law.
OTHER_FIELDS = {"civil": 5, "land": 3, "marriage_family": 3, "administrative": 1.5, "labour": 1, "other": 1.5}
#: Procedural statuses of criminal cases; the first two need a lawyer within hours (urgent).
STATUSES = {"arrested": 12, "held_in_custody": 18, "suspect": 25, "defendant": 25, "victim": 20}
URGENT_STATUSES = ("arrested", "held_in_custody")
STAGES = {"arrested": ["investigation"], "held_in_custody": ["investigation", "detention"],
          "suspect": ["investigation", "prosecution"], "defendant": ["prosecution", "trial"],
          "victim": ["investigation", "prosecution", "trial"]}
#: The provincial police investigation agency: it sends cases from every locality.
PROVINCIAL_POLICE = "CSDT-TINH"
SURNAMES = {"Nguyễn": 38, "Trần": 11, "Lê": 9, "Phạm": 7, "Huỳnh": 5, "Võ": 5, "Phan": 4, "Đặng": 2, "Bùi": 2,
            "Đỗ": 1.5, "Hồ": 1.5, "Ngô": 1.5, "Dương": 1, "Đoàn": 1, "Trương": 1, "Lâm": 0.5, "Mai": 0.5, "Tô": 0.5}
MIDDLE = {"male": ["Văn", "Đức", "Minh", "Quốc", "Thanh", "Hữu", "Công", "Xuân", "Ngọc", "Tấn", "Đình", "Anh"],
          "female": ["Thị", "Ngọc", "Thu", "Kim", "Mỹ", "Hồng", "Thanh", "Thùy", "Bích", "Diệu", "Phương"]}
GIVEN = {"male": ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Huy", "Khang", "Khoa", "Lâm", "Long", "Minh",
                  "Nam", "Nghĩa", "Phong", "Phúc", "Quang", "Sơn", "Tài", "Thắng", "Thành", "Tiến", "Trung", "Tuấn",
                  "Việt", "Vinh", "Vũ", "Hoàng", "Lộc"],
         "female": ["Anh", "Châu", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Linh", "Loan",
                    "Mai", "My", "Nga", "Ngân", "Nhung", "Oanh", "Phượng", "Quyên", "Tâm", "Thảo", "Trang", "Trinh",
                    "Tuyết", "Uyên", "Vân", "Xuân", "Yến", "Hiền"]}
RELATIONS = ["vợ", "chồng", "anh ruột", "em ruột", "con", "cháu", "anh họ", "bạn thân"]
COMPANIES = ["Công ty TNHH Sản xuất Thương mại Hòa Phát Bình Định", "Công ty Cổ phần Gỗ Quy Nhơn",
             "Công ty TNHH May mặc Phù Cát", "Doanh nghiệp tư nhân Xây dựng Tân Phú"]
AUTHORITIES = ["Ủy ban nhân dân xã", "Ủy ban nhân dân phường", "Sở Tài nguyên và Môi trường"]


@dataclass(frozen=True)
class SimCase:
    """One case as the benchmark sees it: what the policy is told, and who the parties are."""

    case_id: str
    at: datetime
    field: str
    stage: str | None
    procedural_status: str | None
    branch_code: str | None
    agency_code: str
    urgent: bool
    weight: float
    parties: CaseParties


@dataclass(frozen=True)
class Scenario:
    """A center, its roster for the year and the year's cases in time order."""

    year: int
    head_office: str
    branch_names: dict[str, str]
    officers: list[Officer]
    targets: dict[str, float]
    cases: list[SimCase]
    favoured_agency: str = PROVINCIAL_POLICE


@dataclass
class _Matter:
    """A criminal matter: its agency references, the people on each side, and who of them has a case."""

    police: str
    keys: set[str]
    branch: str | None
    at: datetime
    people: dict[str, list[Party]] = field(default_factory=lambda: {"accused": [], "victim": []})
    aided: list[Party] = field(default_factory=list)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _name(rng: random.Random, gender: str) -> str:
    """A three- or four-word name (family, middle names, given name), family names as common as they are."""
    middle = rng.sample(MIDDLE[gender], 2 if rng.random() < 0.3 else 1)
    return " ".join([_pick(rng, SURNAMES), *middle, rng.choice(GIVEN[gender])])


def _person(rng: random.Random, year: int, id_share: float) -> Party:
    """A person with a 12-digit citizen ID (province, sex and century, birth year, serial) or none."""
    gender = rng.choice(("male", "female"))
    born = rng.randint(year - 75, year - 14)
    national_id = None
    if rng.random() < id_share:
        sex_century = (0 if born < 2000 else 2) + (gender == "female")
        national_id = f"052{sex_century}{born % 100:02d}{rng.randrange(10**6):06d}"
    return Party(_name(rng, gender), national_id)


def _working_day(rng: random.Random, year: int) -> date:
    day = date(year, 1, 1) + timedelta(days=rng.randrange(365))
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def _absences(rng: random.Random, year: int, maternity: bool) -> tuple[Absence, ...]:
    """Twelve days of annual leave in short spells, maybe training weeks, sickness or maternity."""
    spells: list[Absence] = []
    remaining = 12
    while remaining:
        days = min(remaining, rng.randint(1, 5))
        start = _working_day(rng, year)
        spells.append(Absence(start, start + timedelta(days=days - 1), "leave"))
        remaining -= days
    if rng.random() < 0.4:
        for _ in range(rng.randint(1, 2)):
            monday = _working_day(rng, year)
            monday -= timedelta(days=monday.weekday())
            spells.append(Absence(monday, monday + timedelta(days=4), "training"))
    if rng.random() < 0.2:
        start = _working_day(rng, year)
        spells.append(Absence(start, start + timedelta(days=rng.randint(2, 6)), "sick"))
    if maternity:
        start = date(year, 1, 1) + timedelta(days=rng.randrange(330))
        spells.append(Absence(start, start + timedelta(days=rng.randint(122, 183)), "maternity"))
    return tuple(sorted(spells, key=lambda a: a.start))


def _split(total: int, weights: list[float]) -> list[int]:
    """Split a count by weights, largest remainders first."""
    shares = [total * w / sum(weights) for w in weights]
    counts = [int(s) for s in shares]
    for i in sorted(range(len(shares)), key=lambda i: counts[i] - shares[i])[:total - sum(counts)]:
        counts[i] += 1
    return counts


def _roster(rng: random.Random, year: int, officers: int, leaders: int, branches: list[str]) -> list[Officer]:
    """Leaders (director and deputies at the head office, branch heads) and officers over the branches."""
    deputies = min(2, leaders - 1) if len(branches) > 1 else leaders - 1
    posts = [("director", HEAD_OFFICE)] + [("deputy_director", HEAD_OFFICE)] * deputies
    posts += [("branch_head", branches[1 + i % (len(branches) - 1)]) for i in range(leaders - 1 - deputies)]
    counts = _split(officers - leaders, [2.0] + [1.0] * (len(branches) - 1))
    posts += [(None, branch) for branch, n in zip(branches, counts) for _ in range(n)]
    maternity_count = max(1, round(0.07 * officers))
    specs = []
    for number, (role, branch) in enumerate(posts, start=1):
        gender = "female" if rng.random() < 0.55 else "male"
        years = rng.randint(8, 20) if role else rng.randint(1, 20)
        others = list(OTHER_FIELDS)
        fields = ["criminal"] if rng.random() < 0.85 else []
        wanted = rng.randint(2, 5)
        while len(fields) < wanted:
            pick = rng.choices(others, weights=[OTHER_FIELDS[f] for f in others])[0]
            others.remove(pick)
            fields.append(pick)
        specs.append(dict(officer_id=f"TGV-{number:03d}", full_name=_name(rng, gender), branch_code=branch,
                          fields=fields, leader_role=role, gender=gender,
                          appointed_on=date(year - years, rng.randint(1, 12), rng.randint(1, 28))))
    staff = [s for s in specs if not s["leader_role"]]
    at_head_office = [s for s in staff if s["branch_code"] == HEAD_OFFICE]
    if len(staff) >= 6 and at_head_office:
        rng.choice(at_head_office)["active"] = False
    mothers = [s for s in staff if s["gender"] == "female" and s.get("active", True)]
    for spec in rng.sample(mothers, min(maternity_count, len(mothers))):
        spec["maternity"] = True
    _cover(specs, branches)
    return [Officer(s["officer_id"], s["full_name"], s["branch_code"], tuple(s["fields"]), s["appointed_on"],
                    leader_role=s["leader_role"], active=s.get("active", True),
                    absences=_absences(rng, year, s.get("maternity", False)),
                    relationships=_relationships(rng, year)) for s in specs]


def _cover(specs: list[dict], branches: list[str]) -> None:
    """Every branch has two active officers for criminal law; the head office covers every field."""
    for branch in branches:
        people = [s for s in specs if s["branch_code"] == branch and s.get("active", True)
                  and s["leader_role"] != "director"]
        for spec in people[:2]:
            if "criminal" not in spec["fields"]:
                spec["fields"].insert(0, "criminal")
    head_office = [s for s in specs if s["branch_code"] == HEAD_OFFICE and s.get("active", True)]
    for case_field in CASE_FIELDS:
        if not any(case_field in s["fields"] for s in head_office):
            min(head_office, key=lambda s: len(s["fields"]))["fields"].append(case_field)


def _relationships(rng: random.Random, year: int) -> tuple[Relationship, ...]:
    if rng.random() >= 0.25:
        return ()
    people = [_person(rng, year, 0.6) for _ in range(rng.randint(1, 2))]
    return tuple(Relationship(p.full_name, p.national_id, rng.choice(RELATIONS)) for p in people)


def _with_duty(officers: list[Officer], year: int, branches: list[str]) -> list[Officer]:
    """Each branch's 24/7 duty roster: one criminal-law officer a day, 07:30 to 07:30, present that day."""
    shifts: dict[str, list[DutyShift]] = {o.officer_id: [] for o in officers}
    for branch in branches:
        pool = [o for o in officers if o.branch_code == branch and o.active and o.handles("criminal")
                and o.leader_role != "director"]
        turn = 0
        for offset in range(-1, 366):
            day = date(year, 1, 1) + timedelta(days=offset)
            present = [o for o in pool if not o.absent_on(day)]
            if not present:
                continue
            officer = min(present, key=lambda o: (pool.index(o) - turn) % len(pool))
            turn = pool.index(officer) + 1
            start = datetime.combine(day, time(7, 30), LOCAL_TZ)
            shifts[officer.officer_id].append(DutyShift(start, start + timedelta(days=1)))
    return [replace(o, duty=tuple(shifts[o.officer_id])) for o in officers]


def _moment(rng: random.Random, year: int, urgent: bool) -> datetime:
    """Arrests come at any hour of any day; other cases in office hours on working days."""
    if urgent:
        start = datetime(year, 1, 1, tzinfo=LOCAL_TZ)
        return start + timedelta(seconds=rng.randrange(365 * 24 * 3600))
    day = _working_day(rng, year)
    return datetime.combine(day, time(7, 30), LOCAL_TZ) + timedelta(minutes=rng.randrange(9 * 60 + 30))


def _cases(rng: random.Random, year: int, count: int, officers: list[Officer], targets: dict[str, float],
           branches: list[str], rules: AssignmentRules) -> list[SimCase]:
    """The year's cases in time order; a branch's share of cases follows its officers' targets, loosely."""
    capacity = [sum(targets[o.officer_id] for o in officers if o.branch_code == b and o.active)
                * rng.uniform(0.85, 1.2) for b in branches]
    drafts = []
    for _ in range(count):
        case_field = _pick(rng, CASE_FIELDS)
        status = _pick(rng, STATUSES) if case_field == "criminal" else None
        branch = None if rng.random() < 0.02 else rng.choices(branches, weights=capacity)[0]
        drafts.append((_moment(rng, year, status in URGENT_STATUSES), case_field, status, branch))
    drafts.sort(key=lambda d: d[0])
    related = [(o.branch_code, r) for o in officers for r in o.relationships]
    matters: list[_Matter] = []
    family: list[SimCase] = []
    cases = []
    for number, (at, case_field, status, branch) in enumerate(drafts, start=1):
        case_id = f"{number:05d}/{year}/TL"
        stage, agency = None, ""
        if status:
            stage = rng.choice(STAGES[status])
            agency, parties = _criminal(rng, year, at, status, stage, branch, matters, rules)
        elif case_field == "marriage_family" and family and rng.random() < 0.1:
            earlier = rng.choice(family[-20:])
            branch = earlier.branch_code
            parties = CaseParties(earlier.parties.opposing[0], (earlier.parties.beneficiary,))
        else:
            parties = CaseParties(_person(rng, year, 0.95), _counterparty(rng, year, case_field))
        if related and rng.random() < 0.015:
            local = [r for b, r in related if b == branch] or [r for _, r in related]
            person = rng.choice(local)
            parties = replace(parties, beneficiary=Party(person.full_name, person.national_id))
        case = SimCase(case_id, at, case_field, stage, status, branch, agency, status in URGENT_STATUSES,
                       rules.weight(case_field, stage), parties)
        if case_field == "marriage_family" and parties.opposing:
            family.append(case)
        cases.append(case)
    return cases


def _counterparty(rng: random.Random, year: int, case_field: str) -> tuple[Party, ...]:
    if case_field in ("civil", "land", "marriage_family"):
        return (_person(rng, year, 0.6),)
    if case_field == "labour":
        return (Party(rng.choice(COMPANIES)),)
    if case_field == "administrative":
        return (Party(rng.choice(AUTHORITIES)),)
    return ()


def _criminal(rng: random.Random, year: int, at: datetime, status: str, stage: str, branch: str | None,
              matters: list[_Matter], rules: AssignmentRules) -> tuple[str, CaseParties]:
    """Join a recent matter of the same locality (co-accused or the other side) or open a new one."""
    side = rules.side_of(status)
    other = "victim" if side == "accused" else "accused"
    recent = [m for m in matters[-60:] if m.branch == branch and (at - m.at).days <= 120]
    if recent and rng.random() < 0.15:
        matter = rng.choice(recent)
    else:
        police = PROVINCIAL_POLICE if rng.random() < 0.3 else f"CSDT-{branch or 'TINH'}"
        matter = _Matter(police, {matter_key(police, f"{len(matters) + 1}/{year}/CSĐT")}, branch, at)
        if side == "victim" or rng.random() < 0.7:
            matter.people[other].append(_person(rng, year, 0.9))
        matters.append(matter)
    # Later stages come from the regional procuracy or court, or the detention center, under their own number.
    agency = {"prosecution": f"VKS-KV-{branch or 'TINH'}", "trial": f"TAND-KV-{branch or 'TINH'}",
              "detention": "TTG-TINH"}.get(stage, matter.police)
    if agency != matter.police:
        matter.keys.add(matter_key(agency, f"{rng.randint(1, 400)}/{year}"))
    waiting = [p for p in matter.people[side] if p not in matter.aided]
    beneficiary = waiting[0] if waiting else _person(rng, year, 0.95)
    if beneficiary not in matter.people[side]:
        matter.people[side].append(beneficiary)
    matter.aided.append(beneficiary)
    return agency, CaseParties(beneficiary, tuple(matter.people[other]), frozenset(matter.keys), side)


def generate(rules: AssignmentRules, *, officers: int = 30, leaders: int = 6, branches: int = 5,
             cases: int = 2000, seed: int = 1, year: int = 2026) -> Scenario:
    """A seeded center of `officers` (`leaders` of them leaders) over `branches` with a year of cases."""
    if not 1 <= branches <= len(BRANCHES):
        raise ValueError(f"branches must be from 1 to {len(BRANCHES)}")
    if not 1 <= leaders < officers:
        raise ValueError("there must be at least one leader and more officers than leaders")
    rng = random.Random(seed)
    codes = [code for code, _ in BRANCHES[:branches]]
    roster = _with_duty(_roster(rng, year, officers, leaders, codes), year, codes)
    targets = {o.officer_id: yearly_target(o, year, rules).value for o in roster}
    return Scenario(year, HEAD_OFFICE, dict(BRANCHES[:branches]), roster, targets,
                    _cases(rng, year, cases, roster, targets, codes, rules))
