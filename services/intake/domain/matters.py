"""The same matter across agencies: police, procuracy and court notices about one case.

A criminal matter moves from the police (investigation) to the procuracy (prosecution) to
the court (trial), and each agency sends its own notice with its own case number. Counting
those as three cases would triple the figures and split the file between officers, so a
notice that continues an open matter of the same person adds a stage to it instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from shared.vocabulary import AgencyKind

#: How long after its latest notice an open matter still takes in a new agency's notice.
DEFAULT_MATTER_WINDOW = timedelta(days=365)


class Stage(StrEnum):
    INVESTIGATION = "investigation"
    PROSECUTION = "prosecution"
    TRIAL = "trial"
    DETENTION = "detention"

    @classmethod
    def of_agency(cls, kind: AgencyKind | str) -> Stage:
        """The procedural stage an agency's notice belongs to."""
        return _STAGE_OF_AGENCY[AgencyKind(kind)]

    @property
    def label_vi(self) -> str:
        """The stage as staff read it."""
        return _STAGE_LABELS[self]

    @property
    def rank(self) -> int | None:
        """Order along police -> procuracy -> court; None for detention, which runs alongside any stage."""
        return _STAGE_RANK.get(self)


_STAGE_OF_AGENCY = {
    AgencyKind.POLICE: Stage.INVESTIGATION,
    AgencyKind.PROCURACY: Stage.PROSECUTION,
    AgencyKind.COURT: Stage.TRIAL,
    AgencyKind.DETENTION_FACILITY: Stage.DETENTION,
}
_STAGE_LABELS = {
    Stage.INVESTIGATION: "Điều tra (công an)",
    Stage.PROSECUTION: "Truy tố (viện kiểm sát)",
    Stage.TRIAL: "Xét xử (tòa án)",
    Stage.DETENTION: "Tạm giữ, tạm giam (cơ sở giam giữ)",
}
# A custody house or detention camp holds people before trial as well as during it
# (Law on Legal Aid Art. 31(3)), so its notice says nothing about how far the case has got.
_STAGE_RANK = {Stage.INVESTIGATION: 1, Stage.PROSECUTION: 2, Stage.TRIAL: 3}


def _same_case_ref(a: str, b: str) -> bool:
    return a.strip().casefold() == b.strip().casefold()


@dataclass(frozen=True)
class MatterRef:
    """One agency's notice in a matter, with the agency's own case number.

    `received_at` orders the history; the notice's own time (its `sent_at`) is the better
    value, so that a notice delivered late still takes its place in the sequence.
    """

    agency_kind: AgencyKind
    agency_code: str
    agency_case_ref: str
    notice_key: str
    received_at: datetime
    summary: str | None = None

    @property
    def stage(self) -> Stage:
        """The stage of the agency that sent this notice."""
        return Stage.of_agency(self.agency_kind)


@dataclass(frozen=True)
class HistoryEntry:
    """A line of a matter's history as shown to staff."""

    stage: Stage
    stage_label_vi: str
    ref: MatterRef


@dataclass
class Matter:
    """One legal matter of one person, seen by one or more agencies in turn."""

    matter_id: str
    person_id: str
    field: str
    refs: list[MatterRef] = field(default_factory=list)
    closed: bool = False

    @property
    def stage(self) -> Stage | None:
        """The furthest procedural stage seen; detention only when nothing else was seen."""
        stages = [ref.stage for ref in self.refs]
        ranked = [stage for stage in stages if stage.rank is not None]
        if ranked:
            return max(ranked, key=lambda stage: stage.rank)
        return stages[0] if stages else None

    @property
    def last_received_at(self) -> datetime | None:
        """When the latest notice of this matter came in."""
        return max((ref.received_at for ref in self.refs), default=None)

    def history(self) -> list[HistoryEntry]:
        """The matter's notices in time order, each with its stage label; equal times keep arrival order."""
        ordered = sorted(self.refs, key=lambda ref: ref.received_at)
        return [HistoryEntry(ref.stage, ref.stage.label_vi, ref) for ref in ordered]

    def add_ref(self, ref: MatterRef) -> None:
        """Attach a notice that `same_matter` found to continue this matter."""
        self.refs.append(ref)


@dataclass(frozen=True)
class MatterLink:
    """Whether a new notice continues a matter, with the rule and the reasons shown to staff."""

    continues: bool
    rule: str
    reasons_vi: list[str]


def same_matter(matter: Matter, person_same: bool, field: str, agency_kind: AgencyKind | str,
                agency_case_ref: str, summary: str | None, received_at: datetime, *,
                window: timedelta = DEFAULT_MATTER_WINDOW) -> MatterLink:
    """Decide whether a new notice continues this matter or starts a new one.

    In order: another person, another field, or a closed matter -> new. The agency's case
    number already in the matter -> continues (a resend or update; no window, the number
    identifies the case). A stage earlier than one already reached by an earlier notice
    (court, then police) -> new. More than `window` after the latest notice -> new.
    Otherwise (same or later stage, or detention) -> continues.
    """
    if not person_same:
        return MatterLink(False, "matter.other_person.v1", ["Khác người được trợ giúp"])
    if str(field) != str(matter.field):
        return MatterLink(False, "matter.other_field.v1", ["Khác lĩnh vực pháp luật"])
    if matter.closed:
        return MatterLink(False, "matter.closed.v1", ["Vụ việc trước đã kết thúc"])

    kind = AgencyKind(agency_kind)
    stage = Stage.of_agency(kind)
    notes = _summary_notes(matter, summary)
    for ref in matter.refs:
        if _same_case_ref(ref.agency_case_ref, agency_case_ref):
            if ref.agency_kind == kind:
                return MatterLink(True, "matter.resend.v1",
                                  [f"Cùng cơ quan, cùng số hồ sơ {ref.agency_case_ref}: gửi lại hoặc cập nhật"]
                                  + notes)
            return MatterLink(True, "matter.case_ref.v1",
                              [f"Số hồ sơ {agency_case_ref} trùng với thông báo của {ref.stage.label_vi}"]
                              + notes)

    if stage.rank is not None:
        # Only a later stage reached *before* this notice makes it a step back; an earlier
        # notice delivered late still belongs to the matter.
        ahead = [ref for ref in matter.refs
                 if ref.stage.rank is not None and ref.stage.rank > stage.rank and ref.received_at <= received_at]
        if ahead:
            furthest = max(ahead, key=lambda ref: ref.stage.rank).stage
            return MatterLink(False, "matter.backwards.v1",
                              [f"Giai đoạn lùi: {furthest.label_vi} → {stage.label_vi}; vụ việc mới"])

    last = matter.last_received_at
    if last is not None and received_at - last > window:
        return MatterLink(False, "matter.window_expired.v1",
                          [f"Quá {window.days} ngày kể từ thông báo gần nhất"])

    current = matter.stage
    if current is None or current == stage or stage.rank is None or current.rank is None:
        reason = f"Cùng người, cùng lĩnh vực, vụ việc đang mở: thêm thông báo giai đoạn {stage.label_vi}"
        return MatterLink(True, "matter.same_stage.v1", [reason] + notes)
    if stage.rank > current.rank:
        return MatterLink(True, "matter.next_stage.v1",
                          [f"Chuyển giai đoạn: {current.label_vi} → {stage.label_vi}"] + notes)
    # Earlier than the furthest stage but that stage came later in time: a late delivery.
    return MatterLink(True, "matter.late_notice.v1",
                      [f"Thông báo giai đoạn {stage.label_vi} đến muộn, xếp vào lịch sử vụ việc"] + notes)


def _summary_notes(matter: Matter, summary: str | None) -> list[str]:
    # Informational only: charges are often requalified between stages (theft becoming
    # robbery), so a different summary must not split the matter; staff just see it.
    latest = max((ref for ref in matter.refs if ref.summary), key=lambda ref: ref.received_at, default=None)
    if latest is None or not summary or not summary.strip():
        return []
    if latest.summary.strip().casefold() == summary.strip().casefold():
        return []
    return [f"Tóm tắt khác lần trước: “{latest.summary}” → “{summary}”"]
