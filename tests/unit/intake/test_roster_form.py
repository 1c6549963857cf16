"""The roster entry form: typed values to assignment's API body, and every mistake in Vietnamese."""

from zoneinfo import ZoneInfo

from services.intake.entrypoints.roster_form import api_errors, form_values, parse_officer, record_values

ZONE = ZoneInfo("Asia/Ho_Chi_Minh")


class Form(dict):
    """A submitted form: several values per name, as a browser sends it."""

    def get(self, key, default=None):
        values = super().get(key)
        return values[0] if values else default

    def getlist(self, key):
        return list(super().get(key, []))


def typed(**changes) -> Form:
    form = Form(officer_id=["TGV-100"], full_name=["  Lê   Thị Mai "], branch_code=["CN-PC"], leader_role=[""],
                kind=["legal_aid_officer"], appointed_on=["01/02/2026"], active=["on"], note=["Bổ nhiệm"],
                expected_version=["3"], fields=["civil", "criminal"],
                absence_kind=["training", "leave"], absence_start=["2026-09-07", ""], absence_end=["2026-09-18", ""],
                duty_start=["2026-09-01T07:30", ""], duty_end=["2026-09-01T19:30", ""],
                rel_name=["Trần Văn Hòa", ""], rel_national_id=["052 200 001 234", ""], rel_relation=["anh rể", ""])
    form.update(changes)
    return form


def test_a_well_typed_entry_becomes_the_api_body_with_local_times_and_blank_rows_dropped():
    body, errors = parse_officer(form_values(typed()), ZONE, new=True)
    assert errors == {}
    assert body == {
        "full_name": "Lê Thị Mai", "branch_code": "CN-PC", "leader_role": None, "kind": "legal_aid_officer",
        "fields": ["criminal", "civil"], "appointed_on": "2026-02-01", "active": True,
        "absences": [{"kind": "training", "start": "2026-09-07", "end": "2026-09-18"}],
        "duty": [{"start": "2026-09-01T07:30:00+07:00", "end": "2026-09-01T19:30:00+07:00"}],
        "relationships": [{"full_name": "Trần Văn Hòa", "national_id": "052200001234", "relation": "anh rể"}],
        "note": "Bổ nhiệm", "expected_version": 3}


def test_every_mistake_is_named_on_its_field_and_row():
    values = form_values(typed(officer_id=["new"], full_name=[" "], fields=[], appointed_on=["31/02/2026"],
                               absence_start=["2026-09-18", "2026-10-01"], absence_end=["2026-09-07", ""],
                               duty_end=["2026-09-01T07:00", ""], rel_national_id=["123", ""], active=[]))
    _, errors = parse_officer(values, ZONE, new=True)
    assert errors == {
        "officer_id": "Mã này không dùng được; hãy chọn mã khác.",
        "full_name": "Nhập họ và tên.",
        "fields": "Chọn ít nhất một lĩnh vực.",
        "appointed_on": "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 05/09/2020.",
        "absences.0.end": "Ngày kết thúc trước ngày bắt đầu.",
        "absences.1.end": "Nhập ngày.",
        "duty.0.end": "Ca trực phải kết thúc sau khi bắt đầu.",
        "relationships.0.national_id": "Số CCCD phải gồm đúng 12 chữ số.",
    }
    assert values["active"] is False and values["absences"][1]["start"] == "2026-10-01"  # kept as typed


def test_a_stored_entry_shows_its_shifts_in_local_time_and_round_trips():
    record = {"officer_id": "TGV-004", "full_name": "Nguyễn Kim Yến", "branch_code": "HQ", "leader_role": None,
              "kind": "legal_aid_officer", "fields": ["criminal"], "appointed_on": "2020-05-01", "active": True,
              "absences": [{"start": "2026-09-07", "end": "2026-09-18", "kind": "training"}],
              "duty": [{"start": "2026-09-01T00:30:00+00:00", "end": "2026-09-01T12:30:00+00:00"}],
              "relationships": [], "version": 2}
    values = record_values(record, ZONE)
    assert values["duty"] == [{"start": "2026-09-01T07:30", "end": "2026-09-01T19:30"}]
    assert values["expected_version"] == "2"
    form = Form({k: [v] for k, v in values.items() if isinstance(v, str)},
                fields=values["fields"], active=["on"], absence_kind=["training"], absence_start=["2026-09-07"],
                absence_end=["2026-09-18"], duty_start=["2026-09-01T07:30"], duty_end=["2026-09-01T19:30"])
    body, errors = parse_officer(form_values(form), ZONE, new=False)
    assert errors == {} and body["duty"] == [{"start": "2026-09-01T07:30:00+07:00", "end": "2026-09-01T19:30:00+07:00"}]


def test_the_api_schema_errors_are_worded_per_field():
    problems = [
        {"type": "value_error", "loc": ["body", "absences", 0], "msg": "Value error, ngày kết thúc trước ngày bắt đầu"},
        {"type": "string_pattern_mismatch", "loc": ["body", "relationships", 1, "national_id"], "msg": "..."},
        {"type": "strange", "loc": ["body"], "msg": "Something else"},
    ]
    assert api_errors(problems) == {"absences.0": "Ngày kết thúc trước ngày bắt đầu.",
                                    "relationships.1.national_id": "Sai định dạng", "_form": "Something else"}
