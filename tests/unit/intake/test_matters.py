"""The same matter across agencies: stages, history, and when a notice continues a matter."""

from datetime import datetime, timedelta, timezone

from services.intake.domain.matters import (
    DEFAULT_MATTER_WINDOW,
    Matter,
    MatterRef,
    Stage,
    same_matter,
)
from shared.vocabulary import AgencyKind

ICT = timezone(timedelta(hours=7))
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=ICT)

POLICE_REF = "45/2026/HS"
PROCURACY_REF = "12/2026/VKS-HS"
COURT_REF = "88/2026/HSST"


def _ref(kind: AgencyKind, case_ref: str, at: datetime, summary: str | None = "Trộm cắp tài sản") -> MatterRef:
    return MatterRef(agency_kind=kind, agency_code=f"{kind.value}-GL", agency_case_ref=case_ref,
                     notice_key=f"{kind.value}-GL:{case_ref}:1", received_at=at, summary=summary)


def _matter(*refs: MatterRef, closed: bool = False) -> Matter:
    return Matter(matter_id="m-1", person_id="p-1", field="criminal", refs=list(refs), closed=closed)


def _link(matter: Matter, kind: AgencyKind, case_ref: str, at: datetime, *, field="criminal", person_same=True,
          summary: str | None = "Trộm cắp tài sản", **kwargs):
    return same_matter(matter, person_same, field, kind, case_ref, summary, at, **kwargs)


# --- stages ------------------------------------------------------------------------------------------


def test_each_agency_has_its_stage_and_label():
    assert [Stage.of_agency(kind) for kind in AgencyKind] == [
        Stage.INVESTIGATION, Stage.PROSECUTION, Stage.TRIAL, Stage.DETENTION]
    assert Stage.of_agency("court") is Stage.TRIAL
    assert Stage.INVESTIGATION.label_vi == "Điều tra (công an)"
    assert Stage.PROSECUTION.label_vi == "Truy tố (viện kiểm sát)"
    assert Stage.TRIAL.label_vi == "Xét xử (tòa án)"
    assert Stage.DETENTION.label_vi == "Tạm giữ, tạm giam (cơ sở giam giữ)"


def test_stages_are_ordered_police_procuracy_court_and_detention_is_unranked():
    assert Stage.INVESTIGATION.rank < Stage.PROSECUTION.rank < Stage.TRIAL.rank
    assert Stage.DETENTION.rank is None


def test_matter_stage_is_the_furthest_seen():
    assert _matter().stage is None
    assert _matter(_ref(AgencyKind.DETENTION_FACILITY, "TG-1", T0)).stage is Stage.DETENTION
    matter = _matter(_ref(AgencyKind.PROCURACY, PROCURACY_REF, T0),
                     _ref(AgencyKind.DETENTION_FACILITY, "TG-1", T0 + timedelta(days=2)),
                     _ref(AgencyKind.POLICE, POLICE_REF, T0 - timedelta(days=5)))
    assert matter.stage is Stage.PROSECUTION
    assert matter.last_received_at == T0 + timedelta(days=2)


# --- one matter through three agencies ---------------------------------------------------------------


def test_police_procuracy_court_is_one_matter_with_three_stages():
    matter = _matter(_ref(AgencyKind.POLICE, POLICE_REF, T0))

    to_procuracy = _link(matter, AgencyKind.PROCURACY, PROCURACY_REF, T0 + timedelta(days=60))
    assert to_procuracy.continues is True
    assert to_procuracy.rule == "matter.next_stage.v1"
    assert to_procuracy.reasons_vi == ["Chuyển giai đoạn: Điều tra (công an) → Truy tố (viện kiểm sát)"]
    matter.add_ref(_ref(AgencyKind.PROCURACY, PROCURACY_REF, T0 + timedelta(days=60)))

    to_court = _link(matter, AgencyKind.COURT, COURT_REF, T0 + timedelta(days=120))
    assert to_court.continues is True
    assert to_court.rule == "matter.next_stage.v1"
    matter.add_ref(_ref(AgencyKind.COURT, COURT_REF, T0 + timedelta(days=120)))

    assert matter.stage is Stage.TRIAL
    history = matter.history()
    assert [entry.stage_label_vi for entry in history] == [
        "Điều tra (công an)", "Truy tố (viện kiểm sát)", "Xét xử (tòa án)"]
    assert [entry.ref.agency_case_ref for entry in history] == [POLICE_REF, PROCURACY_REF, COURT_REF]


def test_history_is_in_time_order_whatever_the_arrival_order():
    matter = _matter(_ref(AgencyKind.COURT, COURT_REF, T0 + timedelta(days=9)),
                     _ref(AgencyKind.POLICE, POLICE_REF, T0),
                     _ref(AgencyKind.PROCURACY, PROCURACY_REF, T0 + timedelta(days=3)))
    assert [entry.stage for entry in matter.history()] == [Stage.INVESTIGATION, Stage.PROSECUTION, Stage.TRIAL]


def test_a_second_notice_at_the_same_stage_continues():
    matter = _matter(_ref(AgencyKind.POLICE, POLICE_REF, T0))
    link = _link(matter, AgencyKind.POLICE, "46/2026/HS", T0 + timedelta(days=1))
    assert link.continues is True
    assert link.rule == "matter.same_stage.v1"


# --- a new matter ------------------------------------------------------------------------------------


def test_another_person_is_a_new_matter():
    link = _link(_matter(_ref(AgencyKind.POLICE, POLICE_REF, T0)), AgencyKind.PROCURACY, POLICE_REF,
                 T0 + timedelta(days=1), person_same=False)
    assert link.continues is False
    assert link.rule == "matter.other_person.v1"
    assert link.reasons_vi == ["Khác người được trợ giúp"]


def test_a_different_field_is_a_new_matter():
    link = _link(_matter(_ref(AgencyKind.POLICE, POLICE_REF, T0)), AgencyKind.COURT, COURT_REF,
                 T0 + timedelta(days=1), field="civil")
    assert link.continues is False
    assert link.rule == "matter.other_field.v1"
    assert link.reasons_vi == ["Khác lĩnh vực pháp luật"]


def test_a_closed_matter_is_not_continued_even_with_its_own_case_ref():
    matter = _matter(_ref(AgencyKind.POLICE, POLICE_REF, T0), closed=True)
    for kind, case_ref in ((AgencyKind.PROCURACY, PROCURACY_REF), (AgencyKind.POLICE, POLICE_REF)):
        link = _link(matter, kind, case_ref, T0 + timedelta(days=1))
        assert link.continues is False, kind
        assert link.rule == "matter.closed.v1", kind
        assert link.reasons_vi == ["Vụ việc trước đã kết thúc"], kind


def test_going_back_from_court_to_police_is_a_new_matter():
    matter = _matter(_ref(AgencyKind.POLICE, POLICE_REF, T0),
                     _ref(AgencyKind.COURT, COURT_REF, T0 + timedelta(days=90)))
    link = _link(matter, AgencyKind.POLICE, "77/2026/HS", T0 + timedelta(days=100))
    assert link.continues is False
    assert link.rule == "matter.backwards.v1"
    assert link.reasons_vi == ["Giai đoạn lùi: Xét xử (tòa án) → Điều tra (công an); vụ việc mới"]


def test_going_back_is_continued_when_the_case_ref_is_known():
    matter = _matter(_ref(AgencyKind.POLICE, POLICE_REF, T0),
                     _ref(AgencyKind.COURT, COURT_REF, T0 + timedelta(days=90)))
    police_again = _link(matter, AgencyKind.POLICE, POLICE_REF, T0 + timedelta(days=100))
    assert police_again.continues is True
    assert police_again.rule == "matter.resend.v1"
    procuracy_citing_police = _link(matter, AgencyKind.PROCURACY, POLICE_REF, T0 + timedelta(days=100))
    assert procuracy_citing_police.continues is True
    assert procuracy_citing_police.rule == "matter.case_ref.v1"
    assert procuracy_citing_police.reasons_vi == [
        "Số hồ sơ 45/2026/HS trùng với thông báo của Điều tra (công an)"]


def test_an_earlier_stage_delivered_late_still_belongs_to_the_matter():
    matter = _matter(_ref(AgencyKind.PROCURACY, PROCURACY_REF, T0 + timedelta(days=30)))
    link = _link(matter, AgencyKind.POLICE, POLICE_REF, T0)
    assert link.continues is True
    assert link.rule == "matter.late_notice.v1"


# --- resend and window -------------------------------------------------------------------------------


def test_a_resend_with_the_same_case_ref_continues():
    matter = _matter(_ref(AgencyKind.PROCURACY, PROCURACY_REF, T0))
    link = _link(matter, AgencyKind.PROCURACY, " 12/2026/vks-hs ", T0 + timedelta(days=2))
    assert link.continues is True
    assert link.rule == "matter.resend.v1"
    assert link.reasons_vi == ["Cùng cơ quan, cùng số hồ sơ 12/2026/VKS-HS: gửi lại hoặc cập nhật"]


def test_the_window_runs_from_the_latest_notice():
    matter = _matter(_ref(AgencyKind.POLICE, POLICE_REF, T0),
                     _ref(AgencyKind.POLICE, "46/2026/HS", T0 + timedelta(days=30)))
    assert DEFAULT_MATTER_WINDOW == timedelta(days=365)
    on_the_day = _link(matter, AgencyKind.PROCURACY, PROCURACY_REF, T0 + timedelta(days=30 + 365))
    assert on_the_day.continues is True
    expired = _link(matter, AgencyKind.PROCURACY, PROCURACY_REF, T0 + timedelta(days=30 + 365, seconds=1))
    assert expired.continues is False
    assert expired.rule == "matter.window_expired.v1"
    assert expired.reasons_vi == ["Quá 365 ngày kể từ thông báo gần nhất"]


def test_the_window_is_configuration():
    matter = _matter(_ref(AgencyKind.POLICE, POLICE_REF, T0))
    link = _link(matter, AgencyKind.PROCURACY, PROCURACY_REF, T0 + timedelta(days=31), window=timedelta(days=30))
    assert link.continues is False
    assert link.reasons_vi == ["Quá 30 ngày kể từ thông báo gần nhất"]


def test_a_known_case_ref_continues_after_the_window():
    matter = _matter(_ref(AgencyKind.COURT, COURT_REF, T0))
    link = _link(matter, AgencyKind.COURT, COURT_REF, T0 + timedelta(days=500))
    assert link.continues is True
    assert link.rule == "matter.resend.v1"


# --- detention and summaries -------------------------------------------------------------------------


def test_a_detention_notice_continues_at_any_stage_without_moving_it():
    matter = _matter(_ref(AgencyKind.COURT, COURT_REF, T0))
    link = _link(matter, AgencyKind.DETENTION_FACILITY, "TG-9", T0 + timedelta(days=3))
    assert link.continues is True
    assert link.rule == "matter.same_stage.v1"
    matter.add_ref(_ref(AgencyKind.DETENTION_FACILITY, "TG-9", T0 + timedelta(days=3)))
    assert matter.stage is Stage.TRIAL
    after_detention = _link(_matter(_ref(AgencyKind.DETENTION_FACILITY, "TG-9", T0)), AgencyKind.POLICE, POLICE_REF,
                            T0 + timedelta(days=1))
    assert after_detention.continues is True


def test_a_changed_summary_is_shown_but_does_not_split_the_matter():
    matter = _matter(_ref(AgencyKind.POLICE, POLICE_REF, T0, summary="Trộm cắp tài sản"))
    link = _link(matter, AgencyKind.PROCURACY, PROCURACY_REF, T0 + timedelta(days=40), summary="Cướp tài sản")
    assert link.continues is True
    assert link.reasons_vi[-1] == "Tóm tắt khác lần trước: “Trộm cắp tài sản” → “Cướp tài sản”"
    unchanged = _link(matter, AgencyKind.PROCURACY, PROCURACY_REF, T0 + timedelta(days=40), summary=None)
    assert len(unchanged.reasons_vi) == 1
