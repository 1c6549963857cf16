"""Vietnamese labels for codes shown to staff."""

FIELD_LABELS = {
    "criminal": "Hình sự",
    "civil": "Dân sự",
    "administrative": "Hành chính",
    "labour": "Lao động",
    "land": "Đất đai",
    "marriage_family": "Hôn nhân và gia đình",
    "other": "Khác",
}

GENDER_LABELS = {"male": "Nam", "female": "Nữ", "other": "Khác", "unknown": "Không rõ"}

STATUS_LABELS = {"open": "Đã thụ lý, chờ phân công", "assigned": "Đã phân công", "closed": "Đã kết thúc"}

CHANNEL_LABELS = {
    "agency_notice": "Thông báo của cơ quan tố tụng",
    "walk_in": "Trực tiếp",
    "phone": "Điện thoại",
    "postal": "Bưu chính",
    "electronic": "Điện tử",
}

SERVICE_LABELS = {
    "intake": "Tiếp nhận",
    "assignment": "Phân công",
    "evaluation": "Đánh giá chất lượng",
    "reporting": "Báo cáo",
}

#: What staff read for each kind of contract error (the English message stays for integrators).
ERROR_LABELS = {
    "missing": "Thiếu thông tin bắt buộc",
    "json_invalid": "Nội dung không phải JSON UTF-8 hợp lệ",
    "not_an_object": "Thông báo phải là một đối tượng JSON",
    "string_pattern_mismatch": "Sai định dạng",
    "enum": "Giá trị không thuộc danh mục cho phép",
    "literal_error": "Giá trị không được chấp nhận",
    "string_too_short": "Không được để trống",
    "string_too_long": "Quá dài",
    "string_type": "Phải là chuỗi ký tự",
    "bool_type": "Phải là true hoặc false",
    "int_type": "Phải là số nguyên",
    "greater_than_equal": "Giá trị quá nhỏ",
    "list_type": "Phải là một danh sách",
    "model_type": "Phải là một đối tượng",
    "dict_type": "Phải là một đối tượng",
    "date_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD)",
    "date_from_datetime_parsing": "Ngày không hợp lệ (định dạng YYYY-MM-DD)",
    "datetime_parsing": "Thời điểm không hợp lệ (ISO 8601, có múi giờ)",
    "datetime_from_date_parsing": "Thời điểm không hợp lệ (ISO 8601, có múi giờ)",
    "timezone_aware": "Thời điểm phải có múi giờ (ví dụ +07:00)",
    "name_letters": "Họ tên chỉ gồm chữ cái (có dấu), khoảng trắng, dấu gạch nối hoặc dấu nháy",
    "sent_at_in_future": "Thời điểm gửi ở tương lai (quá 10 phút)",
    "request_time_required": "Thiếu thời điểm người bị buộc tội yêu cầu trợ giúp (request_received_at)",
}


def error_label(error: dict) -> str:
    """The Vietnamese description of a contract error, or its English message when unmapped."""
    return ERROR_LABELS.get(error.get("code") or "", error.get("message", ""))


# --- assignment (codes of the assignment service's API) --------------------------------------------

DECISION_KIND_LABELS = {
    "initial": "Theo quy tắc",
    "override": "Lãnh đạo giao khác đề xuất",
    "approved_request": "Duyệt đề nghị nhận vụ việc",
    "reassignment": "Phân công lại",
}

EXCLUSION_LABELS = {
    "declined": "Đã từ chối thực hiện (xung đột lợi ích)",
    "replaced_on_request": "Bị thay đổi theo đề nghị của người được trợ giúp",
}

TAKE_REQUEST_STATUS_LABELS = {"pending": "Chờ duyệt", "approved": "Đã duyệt", "rejected": "Không duyệt"}

LEADER_ROLE_LABELS = {"director": "Giám đốc", "deputy_director": "Phó Giám đốc", "branch_head": "Trưởng chi nhánh"}

OFFICER_KIND_LABELS = {"legal_aid_officer": "Trợ giúp viên pháp lý", "contract_lawyer": "Luật sư ký hợp đồng"}

ABSENCE_KIND_LABELS = {
    "leave": "Nghỉ phép",
    "training": "Đào tạo, bồi dưỡng",
    "maternity": "Nghỉ thai sản",
    "sick": "Nghỉ ốm",
}


# --- evaluation (codes of the evaluation service's API) --------------------------------------------

#: Why a case is in the yearly evaluation plan.
PLAN_REASON_LABELS = {
    "sample": "Mẫu ngẫu nhiên",
    "complaint": "Có khiếu nại",
    "failed_before": "Lần đánh giá trước không đạt",
}

EVALUATION_STATUS_LABELS = {
    "pending": "Chưa đánh giá",
    "draft": "Đang đánh giá",
    "explanation_requested": "Chờ người thực hiện giải trình",
    "explained": "Đã giải trình",
    "final": "Đã hoàn thành",
}

#: Used when the rules in force carry no Vietnamese label of their own.
EVALUATION_METHOD_LABELS = {
    "appraisal": "Thẩm định hồ sơ vụ việc",
    "council": "Đánh giá bởi Hội đồng",
    "result": "Đánh giá theo kết quả",
}

RATING_LABELS = {"very_good": "Tốt", "meets": "Đạt chất lượng", "fails": "Không đạt chất lượng"}

ACTION_STATUS_LABELS = {
    "open": "Đang khắc phục",
    "overdue": "Quá hạn",
    "submitted": "Đã báo cáo khắc phục, chờ xác nhận",
    "closed": "Đã đóng",
}

#: Officer review bands (Official Letter 5008/BTP-TGPL).
BAND_LABELS = {
    "below": "Chưa đạt định mức",
    "meets": "Đạt định mức",
    "good": "Khá",
    "very_good": "Tốt",
}

# --- the case file: forms of aid and how a case ends ------------------------------------------------

AID_FORM_LABELS = {
    "proceedings": "Tham gia tố tụng",
    "advice": "Tư vấn pháp luật",
    "representation": "Đại diện ngoài tố tụng",
}

OUTCOME_LABELS = {
    "completed": "Kết thúc, có kết quả",
    "terminated": "Chấm dứt thực hiện trợ giúp pháp lý",
    "transferred": "Chuyển cho tổ chức khác",
}

# --- reporting (codes of the reporting service's API) ------------------------------------------------

REPORT_KIND_LABELS = {
    "monthly": "Báo cáo tháng",
    "quarterly": "Báo cáo quý",
    "yearly": "Báo cáo năm",
    "adhoc": "Báo cáo theo yêu cầu",
}

#: The totals of a period, in the order the overview lists them.
REPORT_TOTAL_LABELS = {
    "notices_received": "Thông báo của cơ quan tiến hành tố tụng đã nhận",
    "late_notices": "Thông báo chuyển quá thời hạn",
    "notices_rejected": "Thông báo bị từ chối do sai quy cách",
    "cases_opened": "Vụ việc đã thụ lý",
    "requests_refused": "Yêu cầu bị từ chối thụ lý",
    "cases_assigned": "Vụ việc đã phân công người thực hiện",
    "cases_closed": "Vụ việc đã kết thúc",
    "cases_evaluated": "Vụ việc đã đánh giá chất lượng",
    "missed_beneficiaries": "Người được trợ giúp bị bỏ sót",
}

MISSED_REASON_LABELS = {
    "did_not_ask": "Thuộc diện được trợ giúp nhưng chưa yêu cầu",
    "request_passed_late": "Cơ quan tố tụng chuyển yêu cầu quá thời hạn",
    "not_accepted_in_time": "Trung tâm chưa thụ lý kịp thời hạn",
}

WORKLOAD_GROUP_LABELS = {"leaders": "Lãnh đạo", "others": "Người thực hiện khác"}

#: What each audit log action means, for the audit search page (an unknown action shows its code).
AUDIT_ACTION_LABELS = {
    "log_in": "Đăng nhập",
    "view_inbox": "Xem việc cần làm",
    "list_cases": "Xem sổ thụ lý",
    "view_case": "Xem hồ sơ vụ việc",
    "request_performer_change": "Ghi nhận đề nghị thay đổi người thực hiện",
    "list_missed": "Xem danh sách người bị bỏ sót",
    "close_missed": "Ghi nhận kết quả theo dõi người bị bỏ sót",
    "list_duplicates": "Xem hồ sơ nghi trùng",
    "decide_duplicate": "Xác nhận hồ sơ nghi trùng",
    "list_flagged_notices": "Xem thông báo có mã chưa có trong danh mục",
    "map_commune": "Bổ sung mã xã vào danh mục",
    "map_agency": "Bổ sung cơ quan vào danh mục",
    "list_rejected_notices": "Xem thông báo không hợp lệ",
    "view_dead_letters": "Xem tin nhắn lỗi",
    "register_request": "Tiếp nhận yêu cầu",
    "list_requests": "Xem danh sách yêu cầu",
    "view_request": "Xem yêu cầu",
    "accept_request": "Thụ lý yêu cầu",
    "mark_papers_missing": "Yêu cầu bổ sung giấy tờ",
    "refuse_request": "Từ chối yêu cầu",
    "print_refusal": "In văn bản từ chối",
    "assignment_override": "Lãnh đạo giao vụ việc cho người khác",
    "assignment_decline": "Người thực hiện từ chối vụ việc",
    "assignment_take_request": "Đề nghị nhận vụ việc",
    "assignment_decide_take_request": "Lãnh đạo quyết định đề nghị nhận vụ việc",
    "view_assignment_oversight": "Xem giám sát phân công",
    "record_case_progress": "Ghi nhận tiến độ vụ việc",
    "close_case": "Kết thúc vụ việc",
    "view_roster_entry": "Xem hồ sơ người thực hiện",
    "save_roster_entry": "Sửa hồ sơ người thực hiện",
    "evaluation_draw_plan": "Lập kế hoạch đánh giá",
    "evaluation_record_complaint": "Ghi nhận khiếu nại",
    "evaluation_open": "Mở phiếu đánh giá",
    "evaluation_save_scores": "Lưu điểm đánh giá",
    "evaluation_finalize": "Hoàn thành đánh giá",
    "evaluation_request_explanation": "Đề nghị giải trình",
    "evaluation_explain": "Giải trình",
    "corrective_action_evidence": "Nộp minh chứng khắc phục",
    "corrective_action_close": "Đóng biện pháp khắc phục",
    "corrective_action_reopen": "Mở lại biện pháp khắc phục",
    "view_officer_reviews": "Xem kết quả công tác năm",
    "view_officer_review": "Xem kết quả công tác của một người",
    "record_officer_review": "Ghi nhận kết quả công tác năm",
    "export_report_table": "Tải bảng số liệu báo cáo",
    "search_audit": "Tra cứu nhật ký truy cập",
}
