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
