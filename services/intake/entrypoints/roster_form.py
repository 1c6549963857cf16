"""The roster entry form: what an administrator typed, checked field by field with Vietnamese
messages, turned into the body of assignment's `PUT /api/officers/{id}`; and back, a roster entry
as the form shows it. Times are typed in the center's local time."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date, datetime, tzinfo
from typing import Any

from services.intake.entrypoints import labels
from shared.vocabulary import CaseField

#: Empty rows offered under the filled ones, to add absences, shifts or relationships without JavaScript.
BLANK_ROWS = 2
#: The same limits as assignment's API, checked here to answer next to the field.
NAME_MAX, RELATION_MAX, NOTE_MAX, ID_MAX = 200, 100, 500, 32
_OFFICER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
#: Path words of the roster pages that cannot be an officer's id.
_RESERVED_IDS = frozenset({"new"})
_DATETIME_FORMATS = ("%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M")

#: (form field, key in the API record) of each kind of row.
ROWS = {
    "absences": (("absence_kind", "kind"), ("absence_start", "start"), ("absence_end", "end")),
    "duty": (("duty_start", "start"), ("duty_end", "end")),
    "relationships": (("rel_name", "full_name"), ("rel_national_id", "national_id"), ("rel_relation", "relation")),
}


def parse_day(raw: str) -> date | None:
    """A day typed as year-month-day (what date inputs send) or day/month/year."""
    for parse in (date.fromisoformat, lambda text: datetime.strptime(text, "%d/%m/%Y").date()):
        try:
            return parse(raw)
        except ValueError:
            continue
    return None


def parse_moment(raw: str, zone: tzinfo) -> datetime | None:
    """A moment typed in local time (what datetime-local inputs send), or with its own offset."""
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        moment = None
        for pattern in _DATETIME_FORMATS:
            try:
                moment = datetime.strptime(raw, pattern)
                break
            except ValueError:
                continue
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=zone)


def _text(form: Mapping[str, Any], name: str) -> str:
    value = form.get(name, "")
    return unicodedata.normalize("NFC", str(value or "")).strip()


def _many(form: Any, name: str) -> list[str]:
    values = form.getlist(name) if hasattr(form, "getlist") else form.get(name, [])
    values = [values] if isinstance(values, str) else values
    return [unicodedata.normalize("NFC", str(v or "")).strip() for v in values]


def _rows(form: Any, kind: str) -> list[dict[str, str]]:
    """The rows of one kind as typed, fully empty rows left out (that is how a row is removed)."""
    columns = ROWS[kind]
    lists = [_many(form, name) for name, _ in columns]
    # A select column (the kind of absence) is never empty; a row is empty when its typed cells are.
    typed = [i for i, (name, _) in enumerate(columns) if name != "absence_kind"]
    rows = []
    for n in range(max((len(v) for v in lists), default=0)):
        row = {key: (lists[i][n] if n < len(lists[i]) else "") for i, (_, key) in enumerate(columns)}
        if any(lists[i][n] if n < len(lists[i]) else "" for i in typed):
            rows.append(row)
    return rows


def form_values(form: Any) -> dict[str, Any]:
    """What the administrator typed, kept as typed to show the form again."""
    values: dict[str, Any] = {name: _text(form, name) for name in (
        "officer_id", "full_name", "branch_code", "leader_role", "kind", "appointed_on", "note", "expected_version")}
    values["fields"] = [f for f in _many(form, "fields") if f]
    values["active"] = _text(form, "active") == "on"
    for kind in ROWS:
        values[kind] = _rows(form, kind)
    return values


def parse_officer(values: Mapping[str, Any], zone: tzinfo, *, new: bool) -> tuple[dict[str, Any], dict[str, str]]:
    """The API body for the typed values (without `changed_by`), and every wrong field with its message."""
    errors: dict[str, str] = {}
    body: dict[str, Any] = {}
    if new:
        officer_id = values["officer_id"]
        if not officer_id:
            errors["officer_id"] = "Nhập mã người thực hiện (ví dụ TGV-027)."
        elif len(officer_id) > ID_MAX or not _OFFICER_ID.fullmatch(officer_id):
            errors["officer_id"] = (f"Mã chỉ gồm chữ cái không dấu, chữ số, dấu chấm, gạch nối hoặc gạch dưới, "
                                    f"tối đa {ID_MAX} ký tự.")
        elif officer_id.lower() in _RESERVED_IDS:
            errors["officer_id"] = "Mã này không dùng được; hãy chọn mã khác."
    full_name = " ".join(values["full_name"].split())
    if not full_name:
        errors["full_name"] = "Nhập họ và tên."
    elif len(full_name) > NAME_MAX:
        errors["full_name"] = f"Họ và tên dài quá {NAME_MAX} ký tự."
    body["full_name"] = full_name
    if not values["branch_code"]:
        errors["branch_code"] = "Chọn chi nhánh."
    body["branch_code"] = values["branch_code"]
    if values["leader_role"] and values["leader_role"] not in labels.LEADER_ROLE_LABELS:
        errors["leader_role"] = "Chức vụ không thuộc danh mục."
    body["leader_role"] = values["leader_role"] or None
    if values["kind"] not in labels.OFFICER_KIND_LABELS:
        errors["kind"] = "Chọn loại người thực hiện."
    body["kind"] = values["kind"]
    known = {f.value for f in CaseField}
    if not values["fields"]:
        errors["fields"] = "Chọn ít nhất một lĩnh vực."
    elif unknown := [f for f in values["fields"] if f not in known]:
        errors["fields"] = f"Lĩnh vực không thuộc danh mục: {', '.join(unknown)}."
    body["fields"] = [f.value for f in CaseField if f.value in values["fields"]]
    appointed = parse_day(values["appointed_on"]) if values["appointed_on"] else None
    if not values["appointed_on"]:
        errors["appointed_on"] = "Nhập ngày bổ nhiệm (hoặc ngày bắt đầu hợp đồng)."
    elif appointed is None:
        errors["appointed_on"] = "Ngày không hợp lệ: nhập theo dạng ngày/tháng/năm, ví dụ 05/09/2020."
    body["appointed_on"] = appointed.isoformat() if appointed else None
    body["active"] = bool(values["active"])
    body["absences"] = _absences(values["absences"], errors)
    body["duty"] = _duty(values["duty"], zone, errors)
    body["relationships"] = _relationships(values["relationships"], errors)
    note = values["note"]
    if len(note) > NOTE_MAX:
        errors["note"] = f"Ghi chú dài quá {NOTE_MAX} ký tự (hiện có {len(note)} ký tự)."
    body["note"] = note or None
    try:
        # A new entry expects none yet (0); an edit sends the version its form was opened on.
        body["expected_version"] = int(values["expected_version"] or (0 if new else ""))
    except ValueError:
        errors["expected_version"] = "Biểu mẫu đã cũ; hãy tải lại trang."
    return body, errors


def _absences(rows: Sequence[Mapping[str, str]], errors: dict[str, str]) -> list[dict]:
    found = []
    for n, row in enumerate(rows):
        if row["kind"] not in labels.ABSENCE_KIND_LABELS:
            errors[f"absences.{n}.kind"] = "Chọn loại vắng mặt."
        start, end = (_day(row[key], f"absences.{n}.{key}", errors) for key in ("start", "end"))
        if start and end and end < start:
            errors[f"absences.{n}.end"] = "Ngày kết thúc trước ngày bắt đầu."
        if start and end:
            found.append({"kind": row["kind"], "start": start.isoformat(), "end": end.isoformat()})
    return found


def _duty(rows: Sequence[Mapping[str, str]], zone: tzinfo, errors: dict[str, str]) -> list[dict]:
    found = []
    for n, row in enumerate(rows):
        start, end = (_moment(row[key], zone, f"duty.{n}.{key}", errors) for key in ("start", "end"))
        if start and end and end <= start:
            errors[f"duty.{n}.end"] = "Ca trực phải kết thúc sau khi bắt đầu."
        if start and end:
            found.append({"start": start.isoformat(), "end": end.isoformat()})
    return found


def _relationships(rows: Sequence[Mapping[str, str]], errors: dict[str, str]) -> list[dict]:
    found = []
    for n, row in enumerate(rows):
        name = " ".join(row["full_name"].split())
        national_id = re.sub(r"[\s.]", "", row["national_id"]) or None
        if not name:
            errors[f"relationships.{n}.full_name"] = "Nhập họ và tên người có quan hệ."
        elif len(name) > NAME_MAX:
            errors[f"relationships.{n}.full_name"] = f"Họ và tên dài quá {NAME_MAX} ký tự."
        if national_id is not None and not re.fullmatch(r"\d{12}", national_id):
            errors[f"relationships.{n}.national_id"] = "Số CCCD phải gồm đúng 12 chữ số."
        if len(row["relation"]) > RELATION_MAX:
            errors[f"relationships.{n}.relation"] = f"Quan hệ dài quá {RELATION_MAX} ký tự."
        found.append({"full_name": name, "national_id": national_id, "relation": row["relation"]})
    return found


def _day(raw: str, key: str, errors: dict[str, str]) -> date | None:
    if not raw:
        errors[key] = "Nhập ngày."
        return None
    parsed = parse_day(raw)
    if parsed is None:
        errors[key] = "Ngày không hợp lệ (ngày/tháng/năm)."
    return parsed


def _moment(raw: str, zone: tzinfo, key: str, errors: dict[str, str]) -> datetime | None:
    if not raw:
        errors[key] = "Nhập ngày giờ."
        return None
    parsed = parse_moment(raw, zone)
    if parsed is None:
        errors[key] = "Ngày giờ không hợp lệ (ví dụ 2026-03-01T07:30, giờ Việt Nam)."
    return parsed


def record_values(record: Mapping[str, Any], zone: tzinfo) -> dict[str, Any]:
    """A roster entry from the API as the form shows it (shift times in local time)."""

    def local(moment: str) -> str:
        return datetime.fromisoformat(moment).astimezone(zone).strftime("%Y-%m-%dT%H:%M")

    return {
        "officer_id": record["officer_id"], "full_name": record["full_name"], "branch_code": record["branch_code"],
        "leader_role": record.get("leader_role") or "", "kind": record.get("kind") or "legal_aid_officer",
        "appointed_on": record["appointed_on"], "active": bool(record.get("active", True)),
        "fields": list(record.get("fields") or []), "note": "", "expected_version": str(record.get("version", "")),
        "absences": [dict(a) for a in record.get("absences") or []],
        "duty": [{"start": local(d["start"]), "end": local(d["end"])} for d in record.get("duty") or []],
        "relationships": [{"full_name": r["full_name"], "national_id": r.get("national_id") or "",
                           "relation": r.get("relation") or ""} for r in record.get("relationships") or []],
    }


def new_values() -> dict[str, Any]:
    """An empty form for a new roster entry."""
    return {"officer_id": "", "full_name": "", "branch_code": "", "leader_role": "", "kind": "legal_aid_officer",
            "appointed_on": "", "active": True, "fields": [], "note": "", "expected_version": "0",
            "absences": [], "duty": [], "relationships": []}


def api_errors(problems: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """Assignment's schema errors (FastAPI's list) as form errors keyed like the form's ("absences.0.end")."""
    errors: dict[str, str] = {}
    for problem in problems:
        loc = [str(part) for part in problem.get("loc", ()) if part not in ("body", "path", "query")]
        message = str(problem.get("msg", ""))
        if message.startswith("Value error, "):
            message = message.removeprefix("Value error, ")
            message = message[:1].upper() + message[1:] + "."
        else:
            message = labels.ERROR_LABELS.get(str(problem.get("type", "")), message)
        errors.setdefault(".".join(loc) or "_form", message)
    return errors
