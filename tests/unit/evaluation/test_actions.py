"""Corrective actions: raised only by failed criteria; open -> submitted -> closed, or sent back;
overdue after the due day; late when closed after it."""

from datetime import date, datetime, timedelta, timezone
from itertools import count

import pytest

from services.evaluation.domain.actions import ActionRequest, CorrectiveAction, count_actions, raise_actions
from services.evaluation.domain.errors import Invalid, Refused
from services.evaluation.domain.rules import load_rules
from services.evaluation.domain.scoring import rate

RULES = load_rules()
APPRAISAL = RULES.methods["appraisal"]
AT = datetime(2026, 11, 20, 9, 0, tzinfo=timezone(timedelta(hours=7)))
TODAY = date(2026, 11, 20)
FAILED = rate(APPRAISAL, {c.code: c.max_score for c in APPRAISAL.criteria} | {"file_complete": 2, "client_meetings": 1},
              RULES)


def raise_(*requests: ActionRequest, performer: str | None = "TGV-1"):
    ids = count(1)
    return raise_actions(list(requests), rating=FAILED, case_id="c-1", evaluation_id="e-1", performer_id=performer,
                         today=TODAY, default_days=30, by="danhgia", at=AT, new_id=lambda: f"a-{next(ids)}")


def action(due_on: date = date(2026, 12, 20)) -> CorrectiveAction:
    return raise_(ActionRequest("file_complete", "Bổ sung văn bản cử người thực hiện vào hồ sơ", due_on))[0]


def test_a_failed_criterion_raises_an_action_owned_by_the_performer_due_in_30_days():
    [raised] = raise_(ActionRequest("file_complete", "Bổ sung giấy tờ chứng minh thuộc diện"))
    assert (raised.action_id, raised.owner_officer_id, raised.due_on, raised.status) == (
        "a-1", "TGV-1", date(2026, 12, 20), "open")
    assert raised.history[0].status == "open" and raised.raised_by == "danhgia"


def test_an_owner_and_a_due_day_may_be_given():
    [raised] = raise_(ActionRequest("client_meetings", "Biên bản làm việc", date(2026, 11, 20), "TGV-7"))
    assert (raised.owner_officer_id, raised.due_on) == ("TGV-7", date(2026, 11, 20))


@pytest.mark.parametrize("requests, field", [
    ([ActionRequest("legal_argument", "Sửa bản luận cứ")], "actions[0].criterion"),
    ([ActionRequest("file_complete", "Bổ sung"), ActionRequest("file_complete", "Lần nữa")], "actions[1].criterion"),
    ([ActionRequest("file_complete", "Bổ sung", date(2026, 11, 19))], "actions[0].due_on"),
])
def test_only_failed_criteria_raise_once_with_a_due_day_not_in_the_past(requests, field):
    with pytest.raises(Invalid) as refused:
        raise_(*requests)
    assert refused.value.field == field


def test_an_action_needs_an_owner():
    with pytest.raises(Invalid) as refused:
        raise_(ActionRequest("file_complete", "Bổ sung"), performer=None)
    assert refused.value.field == "actions[0].owner_officer_id"


def test_the_lifecycle_open_submitted_closed_on_time():
    a = action()
    a.submit("Đã bổ sung văn bản cử người thực hiện số 12/QĐ-TGPL", "tgv", AT)
    assert (a.status, a.evidence) == ("submitted", "Đã bổ sung văn bản cử người thực hiện số 12/QĐ-TGPL")
    a.close("Đã kiểm tra hồ sơ", "lanhdao", AT, date(2026, 12, 20))
    assert (a.status, a.late, a.closed_by) == ("closed", False, "lanhdao")
    assert [s.status for s in a.history] == ["open", "submitted", "closed"]


def test_closing_after_the_due_day_is_late():
    a = action()
    a.submit("Đã bổ sung", "tgv", AT)
    a.close("Xác nhận", "lanhdao", AT, date(2026, 12, 21))
    assert a.late is True


def test_a_leader_sends_it_back_and_the_owner_reports_again():
    a = action()
    a.submit("Đã bổ sung một phần", "tgv", AT)
    a.reopen("Chưa có chữ ký của Giám đốc", "lanhdao", AT)
    assert a.status == "open"
    a.submit("Đã bổ sung đủ", "tgv", AT)
    assert a.status == "submitted" and a.evidence == "Đã bổ sung đủ"


def test_what_the_lifecycle_refuses():
    a = action()
    with pytest.raises(Refused):
        a.close("Chưa có báo cáo", "lanhdao", AT, TODAY)
    with pytest.raises(Refused):
        a.reopen("Không có gì để trả lại", "lanhdao", AT)
    a.submit("Đã bổ sung", "tgv", AT)
    a.close("Xác nhận", "lanhdao", AT, TODAY)
    for change in (lambda: a.submit("Lần nữa", "tgv", AT), lambda: a.close("Lần nữa", "lanhdao", AT, TODAY),
                   lambda: a.reopen("Mở lại", "lanhdao", AT)):
        with pytest.raises(Refused):
            change()


def test_overdue_means_not_closed_after_the_due_day():
    a = action(due_on=date(2026, 12, 20))
    assert not a.is_overdue(date(2026, 12, 20)) and a.is_overdue(date(2026, 12, 21))
    a.submit("Đã bổ sung", "tgv", AT)
    assert a.is_overdue(date(2026, 12, 21)), "a report waiting for verification is still not closed"
    a.close("Xác nhận", "lanhdao", AT, date(2026, 12, 22))
    assert not a.is_overdue(date(2027, 1, 1))


def test_counts_by_officer_and_criterion():
    late, on_time, waiting = action(date(2026, 11, 25)), action(date(2026, 12, 31)), action(date(2026, 11, 21))
    late.submit("x", "tgv", AT)
    late.close("x", "lanhdao", AT, date(2026, 11, 30))
    waiting.submit("x", "tgv", AT)
    waiting.owner_officer_id = "TGV-2"
    waiting.criterion = "client_meetings"
    counts = count_actions([late, on_time, waiting], date(2026, 12, 1))
    assert {k: counts[k] for k in ("open", "submitted", "overdue", "closed", "closed_late")} == {
        "open": 2, "submitted": 1, "overdue": 1, "closed": 1, "closed_late": 1}
    assert counts["by_officer"]["TGV-1"] == {"open": 1, "submitted": 0, "overdue": 0, "closed": 1, "closed_late": 1}
    assert counts["by_officer"]["TGV-2"]["overdue"] == 1
    assert counts["by_criterion"]["client_meetings"]["open"] == 1 and counts["as_of"] == date(2026, 12, 1)
