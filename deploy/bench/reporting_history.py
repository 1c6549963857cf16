"""A seeded synthetic history of a legal aid center, as the events reporting reads, in time order.

The center of the demo (`deploy/demo/data/center.json`: a head office and three branches over 58
communes; `agencies.json`: 24 procedural agencies) with `officers` officers and contract lawyers
(a fifth of them leaders), over `years` years of business time ending at `until`. Volumes grow
from year to year and dip around Tết; inside a month, cases arrive on working days in office
hours. Each case brings what it brings in real life:

- how it came: an agency's notice (police, procuracy, court, detention facility; a criminal
  matter may come back as a notice at the next stage, linked to the same case), or a walk-in,
  phone, postal or electronic request (civil, land, family, labour, administrative... matters,
  advice or representation as well as proceedings);
- notices sent late (after 12 h for an arrest or custody, 24 h otherwise), notices of people who
  did not ask for legal aid (entitled ones are missed beneficiaries, as are some late ones),
  corrected notices (revision 2), rejected notices, refused requests;
- its assignment (all officers as scored candidates, as assignment publishes them), a few
  reassignments, leaders' overrides and approved requests; its closing with an outcome after a
  duration that depends on field and form; for a sample of closed cases an evaluation, failed
  criteria raising corrective actions that are mostly closed later;
- the roster: every officer registered at the start, again every 1 January with the year's
  target, and reviewed once a year (an event reporting ignores, as it ignores linked notices).

Events are built with the real event classes (validated) and come out in business-time order
(`History.__iter__`); nothing happens after `until`, so recent cases are still open. `Tally`
counts what was generated per local month, to check figures against.
"""

from __future__ import annotations

import heapq
import json
import random
from bisect import bisect_left
from collections import Counter, deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from itertools import accumulate
from pathlib import Path

from shared import events as ev
from shared.vocabulary import AgencyKind, AidForm, CaseField, Gender, ProceduralStatus, RequestChannel

DATA = Path(__file__).resolve().parents[1] / "demo" / "data"
#: Vietnam's offset; Asia/Ho_Chi_Minh has had no other since 1975 (reports use the zone itself).
VN = timezone(timedelta(hours=7))
DAY = 86400.0
RULE = "least-weighted-load-vs-target/v2"
#: Tally keys besides event types: notices sent late, cases' first assignments.
LATE, FIRST_ASSIGNMENT = "late_notice", "first_assignment"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Thanh", "Minh", "Ngọc", "Đức", "Hữu", "Thu", "Quốc", "Hoài"]
GIVEN = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Hải", "Hạnh", "Hùng", "Khoa", "Lan", "Linh", "Long", "Mai",
         "Nam", "Nga", "Phong", "Phương", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Vy", "Yến"]

#: Share of the cases that reach the center by each channel.
CHANNELS = {RequestChannel.AGENCY_NOTICE: 0.62, RequestChannel.WALK_IN: 0.22, RequestChannel.PHONE: 0.05,
            RequestChannel.POSTAL: 0.04, RequestChannel.ELECTRONIC: 0.07}
#: Fields of the cases that come as requests (notices are criminal, courts send some others).
REQUEST_FIELDS = {CaseField.CIVIL: 0.30, CaseField.LAND: 0.16, CaseField.MARRIAGE_FAMILY: 0.15,
                  CaseField.CRIMINAL: 0.12, CaseField.ADMINISTRATIVE: 0.10, CaseField.LABOUR: 0.08,
                  CaseField.OTHER: 0.09}
REQUEST_FORMS = {AidForm.ADVICE: 0.45, AidForm.PROCEEDINGS: 0.40, AidForm.REPRESENTATION: 0.15}
COURT_FIELDS = {CaseField.CRIMINAL: 0.80, CaseField.CIVIL: 0.10, CaseField.ADMINISTRATIVE: 0.05,
                CaseField.MARRIAGE_FAMILY: 0.05}
STATUSES = {
    AgencyKind.POLICE: {ProceduralStatus.ARRESTED: 0.35, ProceduralStatus.HELD_IN_CUSTODY: 0.25,
                        ProceduralStatus.SUSPECT: 0.30, ProceduralStatus.VICTIM: 0.10},
    AgencyKind.DETENTION_FACILITY: {ProceduralStatus.HELD_IN_CUSTODY: 1.0},
    AgencyKind.PROCURACY: {ProceduralStatus.SUSPECT: 0.40, ProceduralStatus.DEFENDANT: 0.45,
                           ProceduralStatus.VICTIM: 0.15},
    AgencyKind.COURT: {ProceduralStatus.DEFENDANT: 0.70, ProceduralStatus.VICTIM: 0.15,
                       ProceduralStatus.INVOLVED_PARTY: 0.15},
}
STAGES = {AgencyKind.POLICE: "investigation", AgencyKind.DETENTION_FACILITY: "detention",
          AgencyKind.PROCURACY: "prosecution", AgencyKind.COURT: "trial"}
#: How much of the notices each kind of agency sends.
AGENCY_KINDS = {AgencyKind.POLICE: 0.45, AgencyKind.PROCURACY: 0.20, AgencyKind.COURT: 0.25,
                AgencyKind.DETENTION_FACILITY: 0.10}
ACCUSED_GROUPS = {"accused_near_poor": 0.25, "poor_household": 0.22, "ethnic_minority_hardship_area": 0.20,
                  "accused_aged_16_18": 0.10, "child": 0.06, "disabled": 0.05, "revolutionary_merit": 0.04,
                  "martyr_relative": 0.03, "hiv": 0.02, "elderly": 0.03}
VICTIM_GROUPS = {"victim_aged_16_18": 0.30, "child": 0.25, "domestic_violence_victim": 0.25,
                 "trafficking_victim": 0.10, "poor_household": 0.10}
REQUEST_GROUPS = {"poor_household": 0.33, "ethnic_minority_hardship_area": 0.22, "elderly": 0.10,
                  "revolutionary_merit": 0.08, "disabled": 0.08, "child": 0.05, "martyr_relative": 0.04,
                  "domestic_violence_victim": 0.04, "agent_orange_victim": 0.03, "hiv": 0.01,
                  "accused_near_poor": 0.02}
WEIGHTS = {CaseField.LAND: 1.2, CaseField.MARRIAGE_FAMILY: 0.8, CaseField.OTHER: 0.8}
#: Tết makes January and February quieter; the end of the year busier.
SEASON = [0.88, 0.72, 1.02, 1.0, 1.03, 1.0, 0.98, 1.02, 1.0, 1.04, 1.06, 1.08]
GROWTH = 1.07  # a year's volume over the previous year's
OUTCOMES = {"completed": 0.88, "terminated": 0.08, "transferred": 0.04}
RESULTS = {CaseField.CRIMINAL: ["charge_reduced", "sentence_reduced", "rights_protected"],
           CaseField.CIVIL: ["claim_won", "settled", "advice_given"]}
RATINGS = {"meets": 0.72, "very_good": 0.20, "fails": 0.08}
METHODS = {"appraisal": 0.70, "council": 0.10, "result": 0.20}
CRITERIA = ["documents_complete", "deadline_met", "legal_basis_correct", "beneficiary_informed"]
MISSED_REASONS_TEXT = {
    "did_not_ask": "Người thuộc diện được trợ giúp pháp lý nhưng chưa có yêu cầu; cần liên hệ để giải thích quyền.",
    "request_passed_late": "Cơ quan tiến hành tố tụng chuyển yêu cầu quá thời hạn luật định.",
    "not_accepted_in_time": "Trung tâm chưa thụ lý yêu cầu trong thời hạn.",
}


_VARIANT = {c: "89ab"[int(c, 16) % 4] for c in "0123456789abcdef"}


class Pick:
    """A seeded weighted choice among fixed options (cumulative weights, bisect)."""

    __slots__ = ("options", "cum", "total")

    def __init__(self, weights: dict) -> None:
        self.options = list(weights)
        self.cum = list(accumulate(weights.values()))
        self.total = self.cum[-1]

    def __call__(self, rng: random.Random):
        return self.options[bisect_left(self.cum, rng.random() * self.total)]


@dataclass(frozen=True)
class Officer:
    officer_id: str
    full_name: str
    branch_code: str
    is_leader: bool
    fields: tuple[CaseField, ...]
    quota_target: int
    appointed_on: date


@dataclass(frozen=True)
class Center:
    """The reference data a history is drawn over."""

    branches: list[dict]  # center.json's branches (code, name, communes)
    agencies: list[dict]  # agencies.json's agencies (code, kind, name)
    officers: list[Officer]

    @property
    def communes(self) -> dict[str, str]:
        """Commune code -> the branch serving it."""
        return {c["code"]: b["code"] for b in self.branches for c in b["communes"]}


def load_center(seed: int, officers: int = 30) -> Center:
    """The demo center's branches and agencies with `officers` invented officers (a fifth leaders)."""
    center = json.loads((DATA / "center.json").read_text(encoding="utf-8"))
    agencies = json.loads((DATA / "agencies.json").read_text(encoding="utf-8"))["agencies"]
    rng = random.Random(seed * 7919 + 1)
    branches = [b["code"] for b in center["branches"]]
    roster = []
    all_fields = list(CaseField)
    for i in range(officers):
        branch = branches[0] if i < max(1, officers // 4 + 2) else branches[1 + (i % (len(branches) - 1))]
        leader = i % 5 == 0
        fields = {CaseField.CRIMINAL, CaseField.CIVIL} | set(rng.sample(all_fields, 3))
        roster.append(Officer(
            officer_id=f"TGV-{i + 1:03d}",
            full_name=f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}",
            branch_code=branch, is_leader=leader, fields=tuple(f for f in all_fields if f in fields),
            quota_target=rng.choice([8, 10, 12]) if leader else rng.choice([18, 20, 22, 24]),
            appointed_on=date(rng.randint(2005, 2019), rng.randint(1, 12), rng.randint(1, 28))))
    return Center(center["branches"], agencies, roster)


@dataclass
class Tally:
    """What a history generated, by event type and local month of its business time (as reporting
    counts it: a notice by its latest revision's sending time, a rejection by its arrival)."""

    by_month: Counter = field(default_factory=Counter)  # (type, "YYYY-MM") -> events
    events: Counter = field(default_factory=Counter)  # type -> events
    cases: int = 0

    def count(self, kind: str, start: date, end: date) -> int:
        """How many of a kind happened in the whole months from start to end (inclusive)."""
        first, last = (start.year, start.month), (end.year, end.month)
        return sum(n for (k, month), n in self.by_month.items()
                   if k == kind and first <= (int(month[:4]), int(month[5:])) <= last)


def _month(moment: datetime) -> str:
    local = moment.astimezone(VN)
    return f"{local.year:04d}-{local.month:02d}"


def history_start(until: date, years: int) -> date:
    """The first day of a history of `years` years ending at `until`."""
    return date(until.year - years, until.month, 1)


def month_starts(start: date, until: date) -> list[date]:
    """The first day of every month from start's to the one before until's."""
    months, day = [], start.replace(day=1)
    while day < until:
        months.append(day)
        day = (day + timedelta(days=32)).replace(day=1)
    return months


class History:
    """`cases` cases over `years` years ending at `until` (local midnight), drawn from a seed.

    Iterating yields the events in business-time order (a case's later events wait in a heap
    until their time comes); `tally` is complete once the iteration ends. Iterate once.
    """

    def __init__(self, center: Center, *, cases: int, until: date, years: int = 6, seed: int = 1) -> None:
        self.center = center
        self.cases = cases
        self.until = until
        self.start = history_start(until, years)
        self.end = datetime.combine(until, datetime.min.time(), tzinfo=VN)
        self.seed = seed
        self.tally = Tally()
        self._rng = random.Random(seed)
        self._heap: list[tuple[float, int, ev.Event]] = []
        self._seq = 0
        self._persons: deque[str] = deque(maxlen=20_000)
        self._register = Counter()
        self._corrected: dict[str, str] = {}  # notice_key -> month of its first revision
        self._prepare()

    # --- reference and pickers -----------------------------------------------------------------

    def _prepare(self) -> None:
        rng = random.Random(self.seed * 31 + 7)
        self._commune_branch = self.center.communes
        # Communes differ in size: a log-normal weight each (the head office's wards are larger).
        self._commune = Pick({code: rng.lognormvariate(0, 0.6) * (1.6 if branch == "HQ" else 1.0)
                              for code, branch in self._commune_branch.items()})
        by_kind: dict[AgencyKind, dict[str, float]] = {}
        for a in self.center.agencies:
            provincial = a["code"].endswith("-GL") and "KV" not in a["code"]
            weight = (3.0 if provincial else 1.0) * rng.uniform(0.6, 1.4)
            by_kind.setdefault(AgencyKind(a["kind"]), {})[a["code"]] = weight
        self._agency_of_kind = {kind: Pick(codes) for kind, codes in by_kind.items()}
        self._agency_kind = Pick(AGENCY_KINDS)
        self._status = {kind: Pick(w) for kind, w in STATUSES.items()}
        self._channel = Pick(CHANNELS)
        self._request_field = Pick(REQUEST_FIELDS)
        self._request_form = Pick(REQUEST_FORMS)
        self._court_field = Pick(COURT_FIELDS)
        self._accused_group = Pick(ACCUSED_GROUPS)
        self._victim_group = Pick(VICTIM_GROUPS)
        self._request_group = Pick(REQUEST_GROUPS)
        self._outcome = Pick(OUTCOMES)
        self._rating = Pick(RATINGS)
        self._method = Pick(METHODS)
        officers = self.center.officers
        self._leaders = [o for o in officers if o.is_leader]
        # Who may take a case of a field in a branch (leaders half as often); the head office otherwise.
        self._eligible: dict[tuple[str, CaseField], Pick] = {}
        for branch in {b["code"] for b in self.center.branches}:
            for f in CaseField:
                names = {o: (0.5 if o.is_leader else 1.0) for o in officers
                         if o.branch_code == branch and f in o.fields}
                names = names or {o: 1.0 for o in officers if f in o.fields} or {o: 1.0 for o in officers}
                self._eligible[(branch, f)] = Pick(names)
        # Every decision lists every officer as a candidate (as assignment publishes it); a few
        # variants per branch, shared between events (frozen models), keep generation cheap.
        self._candidates: dict[str, list[list[ev.CandidateScore]]] = {}
        for branch in {b["code"] for b in self.center.branches}:
            variants = []
            for _ in range(6):
                scores = []
                for o in officers:
                    reason = None
                    if o.branch_code != branch:
                        reason = "locality"
                    elif rng.random() < 0.08:
                        reason = rng.choice(["absence", "field", "conflict_of_interest"])
                    load = round(rng.uniform(0, 40), 2)
                    target = round(o.quota_target * rng.uniform(0.8, 1.0), 2)
                    scores.append(ev.CandidateScore(
                        officer_id=o.officer_id, eligible=reason is None, excluded_by=reason, load=load, target=target,
                        score=None if reason else round((load + 1) / target, 4), is_leader=o.is_leader,
                        on_duty=rng.random() < 0.1))
                variants.append(scores)
            self._candidates[branch] = variants

    def _id(self) -> str:
        """A random UUID (version 4) from the seed."""
        h = "%032x" % self._rng.getrandbits(128)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{_VARIANT[h[16]]}{h[17:20]}-{h[20:]}"

    def _person(self) -> str:
        if self._persons and self._rng.random() < 0.08:  # someone helped before comes back
            return self._persons[int(self._rng.random() * len(self._persons))]
        person = self._id()
        self._persons.append(person)
        return person

    def _gender(self, criminal: bool) -> Gender:
        x = self._rng.random()
        if x < 0.01:
            return Gender.OTHER if x < 0.004 else Gender.UNKNOWN
        return Gender.MALE if x < (0.85 if criminal else 0.46) else Gender.FEMALE

    def _groups(self, pick: Pick) -> list[str]:
        groups = {pick(self._rng)}
        if self._rng.random() < 0.15:
            groups.add(pick(self._rng))
        return sorted(groups)

    # --- time ----------------------------------------------------------------------------------

    def _arrivals(self) -> Iterator[float]:
        """The cases' arrival instants (POSIX seconds), in order: per month by volume, working days."""
        months = month_starts(self.start, self.until)
        weights = [GROWTH ** (i / 12) * SEASON[m.month - 1] * self._rng.uniform(0.93, 1.07)
                   for i, m in enumerate(months)]
        total = sum(weights)
        done, acc = 0, 0.0
        for month, weight in zip(months, weights):
            acc += weight
            count = round(self.cases * acc / total) - done
            done += count
            following = (month + timedelta(days=32)).replace(day=1)
            days = [month + timedelta(days=i) for i in range((following - month).days) if
                    (month + timedelta(days=i)).weekday() < 5]
            bases = [datetime(d.year, d.month, d.day, 7, 30, tzinfo=VN).timestamp() for d in days]
            instants = sorted(self._rng.choice(bases) + self._rng.random() * 9.5 * 3600 for _ in range(count))
            yield from instants

    def _at(self, ts: float) -> datetime:
        return datetime.fromtimestamp(ts, VN)

    def _emit(self, ts: float, event: ev.Event) -> None:
        if ts < self.end.timestamp():
            self._seq += 1
            heapq.heappush(self._heap, (ts, self._seq, event))

    # --- the history ---------------------------------------------------------------------------

    def __iter__(self) -> Iterator[ev.Event]:
        yield from self._roster_events()
        for ts in self._arrivals():
            while self._heap and self._heap[0][0] <= ts:
                yield self._counted(heapq.heappop(self._heap)[2])
            self._case(ts)
        while self._heap:
            yield self._counted(heapq.heappop(self._heap)[2])

    def _counted(self, event: ev.Event) -> ev.Event:
        by_month = self.tally.by_month
        self.tally.events[event.type] += 1
        if isinstance(event, ev.NoticeReceived):
            month = _month(event.sent_at)
            if event.revision > 1:  # the corrected notice replaces the first: it counts once, by its own time
                first = self._corrected.pop(event.notice_key)
                by_month[(event.type, first)] -= 1
                by_month[(LATE, first)] -= event.late
            by_month[(LATE, month)] += event.late
        elif isinstance(event, ev.NoticeRejected):
            month = _month(event.received_at)
        else:
            month = _month(event.occurred_at)
            if isinstance(event, ev.CaseAssigned) and event.kind == "initial":
                by_month[(FIRST_ASSIGNMENT, month)] += 1
        by_month[(event.type, month)] += 1
        return event

    def _roster_events(self) -> Iterator[ev.Event]:
        """Every officer registered before the history starts, then again each 1 January with the
        year's target, and reviewed each year."""
        for year in range(self.start.year, self.until.year + 1):
            as_of = datetime(year, 1, 1, 0, 5, tzinfo=VN) if year > self.start.year else \
                datetime.combine(self.start - timedelta(days=1), datetime.min.time(), tzinfo=VN)
            for o in self.center.officers:
                event = ev.OfficerRegistered(
                    officer_id=o.officer_id, full_name=o.full_name, branch_code=o.branch_code, is_leader=o.is_leader,
                    leader_role="deputy_director" if o.is_leader else None, fields=list(o.fields),
                    appointed_on=o.appointed_on, quota_target=o.quota_target, version=1 + year - self.start.year,
                    changed_by="reference-data", yearly_target=float(o.quota_target), target_year=year,
                    band_floors={"meets": o.quota_target * 1.0, "good": o.quota_target * 1.2,
                                 "very_good": o.quota_target * 1.5},
                    occurred_at=as_of, producer="assignment", event_id=self._id())
                if year == self.start.year:
                    yield self._counted(event)
                else:
                    self._emit(as_of.timestamp(), event)
                    review_at = datetime(year, 1, 15, 9, 0, tzinfo=VN)
                    self._emit(review_at.timestamp(), ev.OfficerReviewed(
                        review_id=self._id(), officer_id=o.officer_id, year=year - 1, band="meets",
                        proceedings_cases=o.quota_target, target=float(o.quota_target),
                        explanation=["Đạt chỉ tiêu vụ việc tham gia tố tụng."], occurred_at=review_at,
                        producer="evaluation", event_id=self._id()))

    def _case(self, ts: float) -> None:
        """One person reaching the center at `ts`: the notice or request, the case and what follows."""
        rng = self._rng
        self.tally.cases += 1
        channel = self._channel(rng)
        commune = self._commune(rng) if rng.random() > 0.005 else None
        branch = self._commune_branch.get(commune) if commune else None
        person = self._person()
        if channel is RequestChannel.AGENCY_NOTICE:
            kind = self._agency_kind(rng)
            agency = self._agency_of_kind[kind](rng)
            status = self._status[kind](rng)
            field_ = self._court_field(rng) if kind is AgencyKind.COURT else CaseField.CRIMINAL
            victim = status is ProceduralStatus.VICTIM
            groups = self._groups(self._victim_group if victim else self._accused_group)
            gender = self._gender(field_ is CaseField.CRIMINAL and not victim)
            notice = self._notice(ts - rng.uniform(600, 5400), agency, kind, status, field_, commune, gender, groups,
                                  person, wants=True)
            if notice is None:  # rejected, sent again correct a little later
                notice = self._notice(ts - rng.uniform(60, 500), agency, kind, status, field_, commune, gender, groups,
                                      person, wants=True, retry=True)
            notice_key, stage, form = notice.notice_key, STAGES[kind], AidForm.PROCEEDINGS
            self._extra_notices(ts, kind, commune)
        else:
            agency = notice_key = status = None
            kind = None
            field_ = self._request_field(rng)
            form = AidForm.PROCEEDINGS if field_ is CaseField.CRIMINAL else self._request_form(rng)
            groups = self._groups(self._request_group)
            gender = self._gender(field_ is CaseField.CRIMINAL)
            stage = "request"
        if rng.random() < 0.03:  # refused in writing on a legal ground: no case
            self._emit(ts, ev.RequestRefused(
                request_id=self._id(), agency_code=agency, ground=rng.choice(["not_eligible", "outside_scope",
                                                                              "already_helped", "withdrawn"]),
                reason="Không thuộc diện người được trợ giúp pháp lý theo Điều 7 Luật Trợ giúp pháp lý.",
                occurred_at=self._at(ts), producer="intake", event_id=self._id()))
            return
        case_id = self._id()
        at = self._at(ts)
        self._register[at.year] += 1
        opened = ev.CaseOpened(
            case_id=case_id, register_no=f"{at.year}/{self._register[at.year]:06d}", channel=channel,
            notice_key=notice_key, agency_code=agency, field=field_, commune_code=commune, branch_code=branch,
            gender=gender, groups=groups, procedural_status=status, urgent=status in (
                ProceduralStatus.ARRESTED, ProceduralStatus.HELD_IN_CUSTODY), stage=stage,
            agency_case_ref=f"{rng.randint(1, 999)}/{at.year}/HS" if notice_key else None, person_id=person,
            form=form, occurred_at=at, producer="intake", event_id=self._id())
        self._emit(ts, opened)
        self._follow(ts, opened, kind)

    def _notice(self, sent: float, agency: str, kind: AgencyKind, status: ProceduralStatus, field_: CaseField,
                commune: str | None, gender: Gender, groups: list[str], person: str, *, wants: bool,
                retry: bool = False) -> ev.NoticeReceived | None:
        """An agency's notice sent at `sent` (None when it was rejected instead)."""
        rng = self._rng
        if not retry and rng.random() < 0.015:
            self._emit(sent + 2, ev.NoticeRejected(
                rejection_id=self._id(), agency_code=agency if rng.random() < 0.9 else None,
                notice_id=f"TB-{rng.randint(1, 99999):05d}", received_at=self._at(sent + 2),
                errors=[{"field": "person.birth_date", "message": "Ngày sinh không hợp lệ.", "code": "invalid"}],
                occurred_at=self._at(sent + 2), producer="intake", event_id=self._id()))
            return None
        deadline = 12 if status in (ProceduralStatus.ARRESTED, ProceduralStatus.HELD_IN_CUSTODY) else 24
        late = rng.random() < 0.07
        received = sent - 3600 * (rng.uniform(deadline + 1, deadline * 4) if late else rng.uniform(0.5, deadline - 0.5))
        key = f"{agency}:TB-{self._id()[:13]}"
        entitled = rng.random() < 0.8
        notice = ev.NoticeReceived(
            notice_key=key, revision=1, agency_code=agency, agency_kind=kind, agency_known=True,
            sent_at=self._at(sent), request_received_at=self._at(received), procedural_status=status,
            wants_legal_aid=wants, field=field_, commune_code=commune, commune_known=commune is not None,
            gender=gender, claimed_groups=groups, late=late, deadline_hours=deadline, person_id=person,
            established_groups=groups if entitled else [], entitled=entitled, occurred_at=self._at(sent + 30),
            producer="intake", event_id=self._id())
        self._emit(sent + 30, notice)
        if rng.random() < 0.01:  # the agency corrects its notice: revision 2 replaces it
            self._corrected[key] = _month(notice.sent_at)
            self._emit(sent + 7200, notice.model_copy(update=dict(
                revision=2, sent_at=self._at(sent + 7200), occurred_at=self._at(sent + 7230), event_id=self._id())))
        if late and rng.random() < 0.3:
            self._missed(sent + 60, key, person, agency, "request_passed_late", groups)
        return notice

    def _extra_notices(self, ts: float, kind: AgencyKind, commune: str | None) -> None:
        """Notices about people who did not ask for legal aid (the entitled ones are missed)."""
        rng = self._rng
        if rng.random() < 0.15:
            agency = self._agency_of_kind[kind](rng)
            status = self._status[kind](rng)
            groups = self._groups(self._accused_group)
            person = self._person()
            notice = self._notice(ts + rng.uniform(0, 3 * DAY), agency, kind, status, CaseField.CRIMINAL, commune,
                                  self._gender(True), groups, person, wants=False)
            if notice is not None and notice.entitled:
                self._missed(notice.sent_at.timestamp() + 60, notice.notice_key, person, agency, "did_not_ask", groups)

    def _missed(self, at: float, key: str, person: str, agency: str, reason: str, groups: list[str]) -> None:
        self._emit(at, ev.MissedBeneficiaryDetected(
            missed_id=self._id(), notice_key=key, person_id=person, agency_code=agency, reason=reason, groups=groups,
            explanation=MISSED_REASONS_TEXT[reason], occurred_at=self._at(at), producer="intake", event_id=self._id()))

    def _decision(self, ts: float, case: ev.CaseOpened, officer: Officer, kind: str, previous: str | None = None,
                  by: str | None = None) -> ev.CaseAssigned:
        branch = case.branch_code or "HQ"
        reason = (f"{officer.full_name} có điểm thấp nhất trong {self._rng.randint(3, 9)} người đủ điều kiện: "
                  f"tải {self._rng.uniform(2, 30):.2f} + 1,00 (vụ này) trên chỉ tiêu {officer.quota_target},00.")
        return ev.CaseAssigned(
            case_id=case.case_id, officer_id=officer.officer_id, is_leader=officer.is_leader, branch_code=branch,
            rule=RULE, reason=reason, candidates=self._candidates.get(branch, self._candidates["HQ"])[
                int(self._rng.random() * 6)], kind=kind, decided_by=by, previous_officer_id=previous,
            weight=WEIGHTS.get(case.field, 1.0), occurred_at=self._at(ts), producer="assignment",
            correlation_id=case.correlation_id, causation_id=case.event_id, event_id=self._id())

    def _follow(self, ts: float, case: ev.CaseOpened, kind: AgencyKind | None) -> None:
        """The case's assignment, reassignments, later notices, closing and evaluation."""
        rng = self._rng
        eligible = self._eligible[(case.branch_code or "HQ", case.field)]
        officer = eligible(rng)
        at = ts + rng.uniform(5, 600)
        self._emit(at, self._decision(at, case, officer, "initial"))
        if case.form is AidForm.ADVICE:
            duration = rng.uniform(0.2, 15) * DAY
        elif case.field is CaseField.CRIMINAL:
            duration = rng.uniform(25, 300) * DAY
        else:
            duration = rng.uniform(15, 150) * DAY
        closed = ts + duration
        x = rng.random()
        if x < 0.06:  # declined or replaced, a leader's override, an officer's approved request
            when = at + rng.uniform(0.5, min(20.0, duration / DAY / 2)) * DAY
            other = eligible(rng)
            if other.officer_id != officer.officer_id:
                change, by = ("reassignment", None) if x < 0.04 else \
                    ("override", rng.choice(self._leaders).officer_id) if x < 0.055 else ("approved_request", None)
                if change == "approved_request":
                    by = rng.choice(self._leaders).officer_id
                self._emit(when, self._decision(when, case, other, change, officer.officer_id, by))
                officer = other
        if kind in (AgencyKind.POLICE, AgencyKind.PROCURACY) and rng.random() < 0.25:
            # The matter moves on: the next agency's notice continues the same case.
            nxt = AgencyKind.PROCURACY if kind is AgencyKind.POLICE else AgencyKind.COURT
            when = ts + rng.uniform(0.2, 0.8) * duration
            agency = self._agency_of_kind[nxt](rng)
            status = ProceduralStatus.DEFENDANT if nxt is AgencyKind.COURT else ProceduralStatus.SUSPECT
            notice = self._notice(when, agency, nxt, status, CaseField.CRIMINAL, case.commune_code, case.gender,
                                  list(case.groups), case.person_id, wants=True)
            if notice is not None:
                self._emit(when + 60, ev.CaseNoticeLinked(
                    case_id=case.case_id, matter_id=case.case_id, notice_key=notice.notice_key, agency_code=agency,
                    stage=STAGES[nxt], rule="same_agency_case_ref", occurred_at=self._at(when + 60),
                    producer="intake", event_id=self._id()))
        outcome = self._outcome(rng)
        self._emit(closed, ev.CaseClosed(
            case_id=case.case_id, outcome=outcome, officer_id=officer.officer_id, form=case.form, field=case.field,
            result=rng.choice(RESULTS.get(case.field, ["advice_given"])) if outcome == "completed" else None,
            ground="beneficiary_withdrew" if outcome == "terminated" else None,
            note="Đã hoàn thành vụ việc, lưu hồ sơ.", closed_by=officer.officer_id, occurred_at=self._at(closed),
            producer="intake", event_id=self._id()))
        if closed < self.end.timestamp() and rng.random() < 0.15:  # the yearly plan's sample
            self._evaluate(closed + rng.uniform(10, 90) * DAY, case, officer)
        if rng.random() < 0.002:  # the center itself missed the acceptance deadline
            self._missed(ts + 5 * DAY, case.notice_key or f"REQ:{case.case_id}", case.person_id, "",
                         "not_accepted_in_time", list(case.groups))

    def _evaluate(self, ts: float, case: ev.CaseOpened, officer: Officer) -> None:
        rng = self._rng
        rating = self._rating(rng)
        evaluation = self._id()
        failed = rng.sample(CRITERIA, rng.randint(1, 2)) if rating == "fails" else []
        self._emit(ts, ev.CaseEvaluated(
            case_id=case.case_id, officer_id=officer.officer_id, method=self._method(rng), rating=rating,
            successful=rating != "fails", evaluation_id=evaluation, year=self._at(ts).year, effective=rating != "fails",
            evaluator="danhgia", rules_version="evaluation-rules-v1",
            criteria=[ev.CriterionScore(code=c, score=0 if c in failed else 2, max_score=2, passed=c not in failed)
                      for c in CRITERIA], occurred_at=self._at(ts), producer="evaluation", event_id=self._id()))
        for criterion in failed:
            action = self._id()
            due = self._at(ts + 30 * DAY).date()
            self._emit(ts + 60, ev.CorrectiveActionRaised(
                action_id=action, case_id=case.case_id, evaluation_id=evaluation, criterion=criterion,
                officer_id=officer.officer_id, due_on=due, required_evidence="Bản sao hồ sơ đã bổ sung.",
                raised_by="danhgia", occurred_at=self._at(ts + 60), producer="evaluation", event_id=self._id()))
            if rng.random() < 0.85:
                done = ts + rng.uniform(5, 45) * DAY
                self._emit(done, ev.CorrectiveActionClosed(
                    action_id=action, case_id=case.case_id, criterion=criterion, officer_id=officer.officer_id,
                    closed_by=self._leaders[0].officer_id, note="Đã kiểm tra, đạt.", late=done > ts + 30 * DAY,
                    occurred_at=self._at(done), producer="evaluation", event_id=self._id()))


def events_per_case(center: Center, *, until: date, years: int, seed: int, sample: int = 20_000) -> float:
    """How many events a case brings on average in such a history (from a sample of it)."""
    history = History(center, cases=sample, until=until, years=years, seed=seed)
    return sum(1 for _ in history) / sample


# --- generation in a second process -------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """What to generate (picklable): a history, optionally cut at `limit` events, optionally also
    written as messages (subject, headers, JSON) to `messages` (a deploy.bench.reporting_io.MessageFile path)."""

    seed: int
    officers: int
    cases: int
    until: date
    years: int
    history_seed: int
    limit: int | None = None
    messages: str | None = None
    batch: int = 20_000


def produce(spec: Spec, queue) -> None:
    """Run in a child process: generate the history, project each event with reporting's own
    projections and put them on the queue in batches, as ("batch", [(writes, times)], cases so
    far, events so far) with writes as (table name, row, update, newer); then ("end", tally,
    message count, message bytes)."""
    from itertools import islice

    from deploy.bench.reporting_io import MessageFile
    from services.reporting.service_layer.projections import PROJECTIONS
    from shared.subjects import subject_of

    try:
        history = History(load_center(spec.seed, spec.officers), cases=spec.cases, until=spec.until,
                          years=spec.years, seed=spec.history_seed)
        events = islice(history, spec.limit) if spec.limit is not None else iter(history)
        out = MessageFile(Path(spec.messages)) if spec.messages else None
        pending, count = [], 0
        if out:
            out.__enter__()
        for event in events:
            count += 1
            if out:
                out.add(subject_of(type(event)), {"Nats-Msg-Id": event.event_id, "tgpl-event-type": event.type,
                                                  "tgpl-correlation-id": event.correlation_id},
                        event.model_dump_json().encode())
            project = PROJECTIONS.get(type(event))
            if project is None:
                continue
            projection = project(event)
            pending.append(([(w.table.name, w.row, w.update, w.newer) for w in projection.writes], projection.times))
            if len(pending) >= spec.batch:
                queue.put(("batch", pending, history.tally.cases, count))
                pending = []
        if out:
            out.__exit__(None, None, None)
        queue.put(("batch", pending, history.tally.cases, count))
        queue.put(("end", history.tally, out.count if out else 0, out.bytes if out else 0))
    except BaseException as exc:  # the parent must not wait for ever
        queue.put(("error", f"{type(exc).__name__}: {exc}", 0, 0))
        raise
