"""The case page's timeline: everything that happened to a case, who did it and why."""

from __future__ import annotations

from collections.abc import Callable

from services.intake.domain.matters import Stage


def timeline(case: dict, local: Callable, audit: list[dict]) -> list[dict]:
    """Events of a case in time order, each with when, what, who and why (Vietnamese)."""
    items = []
    for ref in case.get("refs", []):
        stage = Stage.of_agency(ref["agency_kind"])
        items.append({"at": ref["received_at"], "what": f"Thông báo của cơ quan tố tụng — {stage.label_vi}",
                      "who": ref["agency_code"], "why": f"Số vụ việc của cơ quan: {ref['agency_case_ref']}"})
    items.append({"at": case["opened_at"], "what": f"Thụ lý, số {case['register_no']}", "who": "Hệ thống",
                  "why": "Thông báo của cơ quan tố tụng được thụ lý ngay" if case.get("urgent") else ""})
    if case.get("assigned_at"):
        items.append({"at": case["assigned_at"], "what": "Phân công người thực hiện",
                      "who": case.get("officer_name") or case.get("officer_id"), "why": case.get("assignment_reason")})
    elif case.get("assignment_reason"):
        items.append({"at": case["opened_at"], "what": "Chưa phân công được", "who": "Hệ thống",
                      "why": case["assignment_reason"]})
    if case.get("performer_change_requested_at"):
        items.append({"at": case["performer_change_requested_at"], "what": "Đề nghị thay đổi người thực hiện",
                      "who": "Người được trợ giúp", "why": case.get("performer_change_reason")})
    for entry in audit:
        items.append({"at": entry["at"], "what": _AUDIT_ACTIONS.get(entry["action"], entry["action"]),
                      "who": entry["username"], "why": ""})
    items.sort(key=lambda item: item["at"])
    for item in items:
        item["local"] = local(item["at"])
    return items


_AUDIT_ACTIONS = {"view_case": "Xem hồ sơ vụ việc",
                  "request_performer_change": "Ghi nhận đề nghị thay đổi người thực hiện",
                  "assignment_override": "Lãnh đạo giao vụ việc cho người khác",
                  "assignment_decline": "Người thực hiện từ chối vụ việc (xung đột lợi ích)",
                  "assignment_take_request": "Đề nghị nhận vụ việc",
                  "assignment_decide_take_request": "Lãnh đạo quyết định đề nghị nhận vụ việc",
                  "record_case_progress": "Ghi nhận tiến độ thực hiện vụ việc",
                  "close_case": "Kết thúc vụ việc"}
