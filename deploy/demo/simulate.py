"""Load generator behind `tgpl simulate`: referral notices (EXTERNAL.md §1) as agencies would send them.

Police, procuracy, courts and the detention facility of the demo data publish varied people, groups,
fields and communes; some notices are late, some resent, some corrected, a few malformed. The same
seed gives the same messages, so a demo or benchmark can be replayed.
"""

from __future__ import annotations

import asyncio
import functools
import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import nats

from services.intake.domain.rules import load_rules
from services.runtime.settings import server_list
from shared.subjects import INBOUND_REFERRAL
from shared.vocabulary import AgencyKind, BeneficiaryGroup as G, CaseField as F, Gender, ProceduralStatus as S

VN_TZ = timezone(timedelta(hours=7))
MSG_ID_HEADER = "Nats-Msg-Id"
MAX_IN_FLIGHT = 256

# Weighted (value, weight) choices, kept consistent with what each kind of agency actually handles.
_STATUSES = {
    AgencyKind.POLICE: [(S.ARRESTED, 3), (S.HELD_IN_CUSTODY, 2), (S.SUSPECT, 3), (S.VICTIM, 2), (S.WITNESS, 1)],
    AgencyKind.PROCURACY: [(S.DEFENDANT, 3), (S.SUSPECT, 3), (S.VICTIM, 2)],
    AgencyKind.COURT: [(S.DEFENDANT, 4), (S.VICTIM, 2), (S.INVOLVED_PARTY, 2)],
    AgencyKind.DETENTION_FACILITY: [(S.HELD_IN_CUSTODY, 1)],
}
_FIELDS = {
    AgencyKind.POLICE: [(F.CRIMINAL, 1)],
    AgencyKind.PROCURACY: [(F.CRIMINAL, 94), (F.CIVIL, 3), (F.ADMINISTRATIVE, 3)],
    AgencyKind.COURT: [(F.CRIMINAL, 45), (F.CIVIL, 14), (F.LAND, 12), (F.MARRIAGE_FAMILY, 16), (F.LABOUR, 6),
                       (F.ADMINISTRATIVE, 7)],
    AgencyKind.DETENTION_FACILITY: [(F.CRIMINAL, 1)],
}
# Outside criminal cases a court's party is a defendant (bị đơn) or an involved party; a procuracy's a defendant.
_NON_CRIMINAL_STATUSES = {AgencyKind.COURT: [S.DEFENDANT, S.INVOLVED_PARTY], AgencyKind.PROCURACY: [S.DEFENDANT]}
_ACCUSED = {S.ARRESTED, S.HELD_IN_CUSTODY, S.SUSPECT, S.DEFENDANT}
_CASE_REF_CODES = {F.CRIMINAL: "HS", F.CIVIL: "DS", F.LAND: "DS", F.MARRIAGE_FAMILY: "HNGĐ", F.LABOUR: "LĐ",
                   F.ADMINISTRATIVE: "HC", F.OTHER: "K"}
_SUMMARIES = {
    F.CRIMINAL: ["Trộm cắp tài sản", "Cố ý gây thương tích", "Lừa đảo chiếm đoạt tài sản", "Cướp giật tài sản",
                 "Mua bán trái phép chất ma túy", "Tàng trữ trái phép chất ma túy", "Đánh bạc", "Giết người",
                 "Vi phạm quy định về tham gia giao thông đường bộ", "Gây rối trật tự công cộng", "Mua bán người",
                 "Hành hạ ông bà, cha mẹ, vợ chồng, con cháu", "Cưỡng đoạt tài sản",
                 "Hủy hoại rừng", "Chống người thi hành công vụ"],
    F.CIVIL: ["Tranh chấp hợp đồng vay tài sản", "Đòi bồi thường thiệt hại ngoài hợp đồng", "Tranh chấp thừa kế tài sản"],
    F.LAND: ["Tranh chấp đất đai", "Tranh chấp quyền sử dụng đất", "Tranh chấp ranh giới thửa đất"],
    F.MARRIAGE_FAMILY: ["Ly hôn, tranh chấp nuôi con", "Yêu cầu cấp dưỡng nuôi con", "Ly hôn, chia tài sản chung"],
    F.LABOUR: ["Tranh chấp đơn phương chấm dứt hợp đồng lao động", "Đòi tiền lương, bảo hiểm xã hội"],
    F.ADMINISTRATIVE: ["Khiếu kiện quyết định thu hồi đất", "Khiếu kiện quyết định xử phạt vi phạm hành chính"],
}
# A victim of these offences is, as the summary says, in an Article 7 group.
_VICTIM_GROUPS = {"Mua bán người": G.TRAFFICKING_VICTIM,
                  "Hành hạ ông bà, cha mẹ, vợ chồng, con cháu": G.DOMESTIC_VIOLENCE_VICTIM}
# Groups claimed now and then regardless of age and status, with their probability.
_OCCASIONAL_GROUPS = [(G.POOR_HOUSEHOLD, 0.12), (G.DISABLED, 0.03), (G.REVOLUTIONARY_MERIT, 0.02),
                      (G.MARTYR_RELATIVE, 0.01), (G.AGENT_ORANGE_VICTIM, 0.01), (G.HIV, 0.01)]

_SURNAMES = [("Nguyễn", 30), ("Trần", 10), ("Lê", 9), ("Phạm", 7), ("Huỳnh", 5), ("Hoàng", 4), ("Phan", 4),
             ("Võ", 6), ("Vũ", 2), ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Hồ", 3), ("Ngô", 2), ("Dương", 1),
             ("Lý", 1), ("Đinh", 2), ("Đoàn", 1), ("Trương", 2), ("Lâm", 1), ("Mai", 1), ("Châu", 1), ("Tạ", 1)]
_MIDDLE = {Gender.MALE: ["Văn", "Hữu", "Đức", "Minh", "Quốc", "Thanh", "Công", "Xuân", "Ngọc", "Anh"],
           Gender.FEMALE: ["Thị", "Ngọc", "Thu", "Thanh", "Kim", "Mỹ", "Bích", "Thùy", "Phương", "Thị Kim"]}
_GIVEN = {Gender.MALE: ["An", "Bình", "Cường", "Dũng", "Hùng", "Khánh", "Long", "Nam", "Phúc", "Quang", "Sơn",
                        "Tài", "Thắng", "Trung", "Tuấn", "Vinh", "Hiếu", "Đạt", "Lộc", "Tâm", "Huy", "Khoa"],
          Gender.FEMALE: ["Anh", "Chi", "Dung", "Hà", "Hạnh", "Hoa", "Hương", "Lan", "Linh", "Mai", "Nga", "Ngân",
                          "Nhung", "Oanh", "Phượng", "Quyên", "Thảo", "Trang", "Tuyết", "Yến", "Vy", "Diễm"]}
# Gia Lai's Jrai and Bahnar people carry clan names; "H'" marks a Jrai woman's given name.
_MINORITY = [("Gia Rai", 5), ("Ba Na", 4), ("H'rê", 2), ("Chăm", 1), ("Hoa", 1)]
_CLANS = ["Rơ Mah", "Ksor", "Siu", "Rơ Châm", "Puih", "Nay", "Đinh", "Kpă"]
_MINORITY_GIVEN = {Gender.MALE: ["Blơ", "Thuyên", "Hmũi", "Kret", "Nhơn", "Dơk"],
                   Gender.FEMALE: ["H'Bla", "H'Linh", "H'Nga", "Nhiên", "H'Mai", "Hyơn"]}
_CCCD_PROVINCES = [("052", 6), ("064", 3), ("001", 1), ("079", 1), ("051", 1)]


@dataclass(frozen=True)
class GeneratedMessage:
    """One message as a sender would publish it, with what the generator knows about it."""

    data: bytes
    headers: dict[str, str]
    kind: str  # "valid", "duplicate", "revision" or "malformed"
    notice_key: str | None
    wants_legal_aid: bool | None
    late: bool | None


@dataclass
class SimulationSummary:
    """What `simulate` published."""

    sent: int = 0
    valid: int = 0
    duplicates: int = 0
    revisions: int = 0
    malformed: int = 0
    late: int = 0
    wants_legal_aid: int = 0
    distinct_notices: int = 0
    seconds: float = 0.0


def load_reference(data_dir: Path | None = None) -> tuple[list[dict], list[str]]:
    """The demo agencies and commune codes from agencies.json and center.json."""
    data_dir = data_dir or Path(__file__).parent / "data"
    agencies = json.loads((data_dir / "agencies.json").read_text(encoding="utf-8"))["agencies"]
    center = json.loads((data_dir / "center.json").read_text(encoding="utf-8"))
    communes = [c["code"] for branch in center["branches"] for c in branch["communes"]]
    return agencies, communes


@functools.cache
def _rules():
    return load_rules()


def deadline_of(status: str) -> timedelta:
    """The legal deadline from request to notice (intake's rule: 12 h detained, else 24 h)."""
    return timedelta(hours=_rules().notice_deadline_hours(S(status)))


def is_late(notice: dict) -> bool:
    """Whether a notice's sent_at lies beyond the deadline after its request_received_at."""
    if not notice.get("wants_legal_aid") or not notice.get("request_received_at"):
        return False
    gap = datetime.fromisoformat(notice["sent_at"]) - datetime.fromisoformat(notice["request_received_at"])
    return gap > deadline_of(notice["procedural_status"])


def _pick(rng: random.Random, weighted: list[tuple]) -> object:
    return rng.choices([v for v, _ in weighted], weights=[w for _, w in weighted])[0]


def _iso(moment: datetime) -> str:
    return moment.astimezone(VN_TZ).replace(microsecond=0).isoformat()


def _age(birth: date, today: date) -> int:
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


class _Sender:
    """The state of all simulated agencies: notice counters, which omit headers, what they already sent."""

    def __init__(self, rng: random.Random, agencies: list[dict], communes: list[str]) -> None:
        self.rng, self.agencies, self.communes = rng, agencies, communes
        self.counters = {a["code"]: rng.randint(100, 5000) for a in agencies}
        self.case_numbers = {a["code"]: rng.randint(1, 300) for a in agencies}
        # About one sender in ten cannot set NATS headers (EXTERNAL.md allows it).
        self.headerless = set(rng.sample([a["code"] for a in agencies], max(1, round(len(agencies) / 10))))
        known = set(communes)
        self.unknown_communes = [c for c in (f"{rng.randint(90000, 99999)}" for _ in range(20)) if c not in known]
        self.history: list[GeneratedMessage] = []  # sent valid notices and revisions, for resends
        self.bodies: dict[str, dict] = {}  # notice_key -> latest body, for corrections

    def headers(self, agency_code: str, notice_id: str, revision: int) -> dict[str, str]:
        return {} if agency_code in self.headerless else {MSG_ID_HEADER: f"{agency_code}:{notice_id}:{revision}"}

    def name(self, gender: str, ethnicity: str) -> str:
        rng = self.rng
        sex = gender if gender in (Gender.MALE, Gender.FEMALE) else rng.choice([Gender.MALE, Gender.FEMALE])
        if ethnicity in ("Gia Rai", "Ba Na"):
            return f"{rng.choice(_CLANS)} {rng.choice(_MINORITY_GIVEN[sex])}"
        return f"{_pick(rng, _SURNAMES)} {rng.choice(_MIDDLE[sex])} {rng.choice(_GIVEN[sex])}"

    def national_id(self, birth: date | None, gender: str) -> str:
        rng = self.rng
        year = birth.year if birth else rng.randint(1960, 2005)
        # CCCD layout: province, sex-and-century digit, two-digit birth year, six serial digits.
        sex_digit = (1 if gender == Gender.FEMALE else 0) + (2 if year >= 2000 else 0)
        return f"{_pick(rng, _CCCD_PROVINCES)}{sex_digit}{year % 100:02d}{rng.randint(0, 999999):06d}"

    def commune(self) -> str | None:
        roll = self.rng.random()
        if roll < 0.03:
            return None
        if roll < 0.04 and self.unknown_communes:
            return self.rng.choice(self.unknown_communes)
        return self.rng.choice(self.communes)

    def person(self, status: str, today: date) -> tuple[dict, int | None]:
        rng = self.rng
        accused = status in _ACCUSED
        gender = _pick(rng, [(Gender.MALE, 85 if accused else 48), (Gender.FEMALE, 15 if accused else 48),
                             (Gender.UNKNOWN, 1), (Gender.OTHER, 0.5)])
        band = _pick(rng, [("child", 8), ("minor", 10), ("adult", 72), ("elderly", 10)])
        years = {"child": rng.randint(14, 15) if accused else rng.randint(2, 15), "minor": rng.randint(16, 17),
                 "adult": rng.randint(18, 59), "elderly": rng.randint(60, 88)}[band]
        birth = date(today.year - years, 1, 1) + timedelta(days=rng.randint(0, 364))
        age = _age(birth, today)
        ethnicity = "Kinh" if rng.random() < 0.85 else _pick(rng, _MINORITY)
        id_chance = 0.85 if age >= 18 else 0.5 if age >= 14 else 0.05
        national_id = self.national_id(birth, gender) if rng.random() < id_chance else None
        if rng.random() < 0.05:  # some agencies do not know the birth date yet
            birth, age = None, None
        person = {"full_name": self.name(gender, ethnicity), "birth_date": birth.isoformat() if birth else None,
                  "gender": str(gender), "national_id": national_id, "commune_code": self.commune(),
                  "ethnicity": ethnicity if rng.random() < 0.9 else None}
        return person, age

    def groups(self, age: int | None, status: str, field: str, ethnicity: str | None, summary: str) -> list[str]:
        rng = self.rng
        found: list[G] = []
        # Senders usually, not always, claim what the age and status make obvious.
        if age is not None and rng.random() < 0.85:
            if age < 16:
                found.append(G.CHILD)
            elif age < 18 and status in _ACCUSED:
                found.append(G.ACCUSED_AGED_16_18)
            elif age < 18 and status == S.VICTIM and field == F.CRIMINAL:
                found.append(G.VICTIM_AGED_16_18)
            elif age >= 60 and rng.random() < 0.5:
                found.append(G.ELDERLY)
        if status == S.VICTIM and summary in _VICTIM_GROUPS and rng.random() < 0.7:
            found.append(_VICTIM_GROUPS[summary])
        if ethnicity not in (None, "Kinh") and rng.random() < 0.6:
            found.append(G.ETHNIC_MINORITY_HARDSHIP_AREA)
        if status in _ACCUSED and rng.random() < 0.05:
            found.append(G.ACCUSED_NEAR_POOR)
        found += [group for group, chance in _OCCASIONAL_GROUPS if rng.random() < chance]
        return [str(g) for g in dict.fromkeys(found)]

    def notice(self, ref: datetime, late_ratio: float) -> dict:
        rng = self.rng
        agency = rng.choice(self.agencies)
        kind = AgencyKind(agency["kind"])
        field = _pick(rng, _FIELDS[kind])
        status = _pick(rng, _STATUSES[kind]) if field == F.CRIMINAL else rng.choice(_NON_CRIMINAL_STATUSES[kind])
        summary = rng.choice(_SUMMARIES[field])
        today = ref.astimezone(VN_TZ).date()
        person, age = self.person(status, today)
        self.counters[agency["code"]] += 1
        self.case_numbers[agency["code"]] += rng.randint(0, 2)
        year = today.year
        sent_at = ref - timedelta(seconds=rng.randint(0, 15 * 60))
        wants = rng.random() < 0.7
        request_at = None
        if wants:
            limit = deadline_of(status).total_seconds()
            # Late notices overshoot the deadline clearly; on-time ones keep a margin.
            gap = (limit + rng.uniform(1200, 30 * 3600)) if rng.random() < late_ratio else rng.uniform(900, limit / 2)
            request_at = sent_at - timedelta(seconds=gap)
        trial = None
        if kind == AgencyKind.COURT and rng.random() < 0.5:  # only a court knows a trial date, once it is set
            trial = (today + timedelta(days=rng.randint(5, 60))).isoformat()
        return {
            "schema_version": 1,
            "notice_id": f"{agency['code'].replace('-', '')}-{year}-{self.counters[agency['code']]:06d}",
            "revision": 1,
            "agency": {"kind": str(kind), "code": agency["code"], "name": agency["name"]},
            "sent_at": _iso(sent_at),
            "request_received_at": _iso(request_at) if request_at else None,
            "person": person,
            "procedural_status": str(status),
            "wants_legal_aid": wants,
            "claimed_groups": self.groups(age, status, field, person["ethnicity"], summary),
            "case": {"agency_case_ref": f"{self.case_numbers[agency['code']]}/{year}/{_CASE_REF_CODES[field]}",
                     "field": str(field), "summary": summary, "trial_date": trial},
        }

    def valid(self, body: dict, kind: str) -> GeneratedMessage:
        key = f"{body['agency']['code']}:{body['notice_id']}"
        message = GeneratedMessage(
            data=_encode(body), headers=self.headers(body["agency"]["code"], body["notice_id"], body["revision"]),
            kind=kind, notice_key=key, wants_legal_aid=body["wants_legal_aid"], late=is_late(body))
        self.history.append(message)
        self.bodies[key] = body
        return message

    def duplicate(self) -> GeneratedMessage:
        # Resends follow soon after the original (a timeout, a retry), so pick among recent ones.
        original = self.rng.choice(self.history[-50:])
        return GeneratedMessage(original.data, dict(original.headers), "duplicate", original.notice_key,
                                original.wants_legal_aid, original.late)

    def revision(self, ref: datetime) -> GeneratedMessage:
        rng = self.rng
        key = rng.choice(list(dict.fromkeys(m.notice_key for m in self.history[-50:])))
        body = json.loads(json.dumps(self.bodies[key]))
        body["revision"] += 1
        previous = datetime.fromisoformat(body["sent_at"])
        body["sent_at"] = _iso(max(previous + timedelta(seconds=rng.randint(60, 300)),
                                   ref - timedelta(seconds=rng.randint(0, 120))))
        person = body["person"]
        correction = rng.choice(["summary", "national_id", "commune_code", "full_name"])
        if correction == "summary":
            body["case"]["summary"] = rng.choice(_SUMMARIES[F(body["case"]["field"])]) + " (bổ sung tình tiết)"
        elif correction == "national_id":
            birth = date.fromisoformat(person["birth_date"]) if person["birth_date"] else None
            person["national_id"] = self.national_id(birth, person["gender"])
        elif correction == "commune_code":
            person["commune_code"] = rng.choice(self.communes)
        else:
            person["full_name"] = self.name(person["gender"], person["ethnicity"] or "Kinh")
        return self.valid(body, "revision")

    def malformed(self, ref: datetime, variant: int) -> GeneratedMessage:
        body = self.notice(ref, 0.0)
        code, notice_id = body["agency"]["code"], body["notice_id"]
        headers = self.headers(code, notice_id, 1)
        if variant == 0:  # a legacy system posting its own line format
            person = body["person"]
            data = f"THONG BAO|{code}|{notice_id}|{person['full_name']}|{body['procedural_status']}".encode()
            return GeneratedMessage(data, headers, "malformed", None, None, None)
        if variant == 1:
            body = [body]
        elif variant == 2:
            del body["person"]
        elif variant == 3:
            body["person"]["national_id"] = self.national_id(None, body["person"]["gender"])[:11]
        elif variant == 4:
            body["agency"] = {"kind": "border_guard", "code": "BP-GL", "name": "Bộ đội Biên phòng tỉnh Gia Lai"}
            headers = {MSG_ID_HEADER: f"BP-GL:{notice_id}:1"}
        elif variant == 5:
            body["sent_at"] = _iso(ref + timedelta(days=1))
        else:
            body["wants_legal_aid"], body["request_received_at"] = True, None
        return GeneratedMessage(_encode(body), headers, "malformed", None, None, None)


def _encode(body: object) -> bytes:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


MALFORMED_VARIANTS = 7


def generate(count: int, *, seed: int = 1, now: datetime | None = None, agencies: list[dict] | None = None,
             communes: list[str] | None = None, duplicate_ratio: float = 0.05, revision_ratio: float = 0.02,
             malformed_ratio: float = 0.02, late_ratio: float = 0.1) -> Iterator[GeneratedMessage]:
    """Yield exactly `count` messages, the same ones for the same seed and `now` (late_ratio: of those wanting aid)."""
    if now is not None and now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    if agencies is None or communes is None:
        default_agencies, default_communes = load_reference()
        agencies, communes = agencies or default_agencies, communes or default_communes
    rng = random.Random(seed)
    sender = _Sender(rng, agencies, communes)
    malformed_sent = 0
    for _ in range(count):
        # Without a fixed `now` each notice is dated when generated, so a long paced run stays current.
        ref = now or datetime.now(VN_TZ)
        roll = rng.random()
        if roll < malformed_ratio:
            yield sender.malformed(ref, malformed_sent % MALFORMED_VARIANTS)
            malformed_sent += 1
        elif roll < malformed_ratio + duplicate_ratio and sender.history:
            yield sender.duplicate()
        elif roll < malformed_ratio + duplicate_ratio + revision_ratio and sender.history:
            yield sender.revision(ref)
        else:
            yield sender.valid(sender.notice(ref, late_ratio), "valid")


async def simulate(nats_url: str, *, rate: float, count: int, seed: int = 1,
                   progress: Callable[[int, int], None] | None = None,
                   connect: dict | None = None) -> SimulationSummary:
    """Publish `count` generated notices to JetStream at `rate` per second (<= 0: as fast as possible),
    connecting with `connect` (an agency identity's options, when the server asks for one)."""
    summary = SimulationSummary()
    keys: set[str] = set()
    failures: list[BaseException] = []
    slots = asyncio.Semaphore(MAX_IN_FLIGHT)
    pending: set[asyncio.Task] = set()
    loop = asyncio.get_running_loop()
    nc = await nats.connect(server_list(nats_url), **(connect or {}))
    js = nc.jetstream()

    async def publish(message: GeneratedMessage) -> None:
        try:
            await js.publish(INBOUND_REFERRAL, message.data, headers=message.headers or None)
            summary.sent += 1
        except Exception as exc:  # reported after the loop; one lost ack must stop the run, not hide
            failures.append(exc)
        finally:
            slots.release()

    started = loop.time()
    last_report = started
    try:
        for index, message in enumerate(generate(count, seed=seed)):
            if failures:
                break
            if rate > 0:
                # Pace against the start time, not the previous send, so drift does not accumulate.
                delay = started + index / rate - loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
            await slots.acquire()
            task = asyncio.create_task(publish(message))
            pending.add(task)
            task.add_done_callback(pending.discard)
            summary.valid += message.kind == "valid"
            summary.duplicates += message.kind == "duplicate"
            summary.revisions += message.kind == "revision"
            summary.malformed += message.kind == "malformed"
            if message.kind == "valid":  # a notice counts once, however often resent or corrected
                summary.late += bool(message.late)
                summary.wants_legal_aid += bool(message.wants_legal_aid)
            if message.notice_key:
                keys.add(message.notice_key)
            if progress and loop.time() - last_report >= 0.5:
                last_report = loop.time()
                progress(summary.sent, count)
        await asyncio.gather(*pending)
    finally:
        for task in pending:
            task.cancel()
        await nc.close()
    if failures:
        raise failures[0]
    summary.distinct_notices = len(keys)
    summary.seconds = loop.time() - started
    if progress:
        progress(summary.sent, count)
    return summary
