"""The quality evaluation forms: what staff typed, checked field by field with Vietnamese messages,
turned into the bodies of evaluation's API; and the evaluation year a day falls in. No I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from services.intake.adapters.evaluation_api import ActionRequest, CriterionScore
from services.intake.entrypoints.roster_form import parse_day

#: The evaluation year starts on this month-day when the rules do not say (1 November, DOMAIN.md).
DEFAULT_YEAR_START = "11-01"
DEFAULT_ACTION_DAYS = 30
TEXT_MAX = 2000
NOTE_MAX = 1000
TEXT_MIN = 5
SEED_MAX = 64  # the service's limit

_YES_NO = {"": None, "yes": True, "no": False}


def _text(form: Mapping[str, Any], name: str) -> str:
    return unicodedata.normalize("NFC", str(form.get(name, "") or "")).strip()


def _month_day(year_start: str | None) -> tuple[int, int]:
    month, day = (int(part) for part in (year_start or DEFAULT_YEAR_START).split("-"))
    return month, day


def evaluation_year(day: date, year_start: str | None = DEFAULT_YEAR_START) -> int:
    """The evaluation year containing `day`, named by the year it ends in (1/11/2025–31/10/2026 is 2026)."""
    month, first = _month_day(year_start)
    return day.year + 1 if (day.month, day.day) >= (month, first) else day.year


def year_bounds(year: int, year_start: str | None = DEFAULT_YEAR_START) -> tuple[date, date]:
    """The first and last day of evaluation year `year`."""
    month, first = _month_day(year_start)
    start = date(year - 1, month, first)
    return start, date(year, month, first) - timedelta(days=1)


def parse_year(raw: str, default: int) -> int | None:
    """A year typed in a form or a query (blank: the default), None when not a plausible year."""
    raw = raw.strip()
    if not raw:
        return default
    return int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else None


def required_text(raw: str, what: str, limit: int = TEXT_MAX) -> str | None:
    """The Vietnamese message for a text that must be written, or None when it is fine."""
    if not raw.strip():
        return f"Cần ghi {what}."
    if len(raw.strip()) < TEXT_MIN:
        return f"Cần ghi rõ {what} (ít nhất {TEXT_MIN} ký tự)."
    if len(raw) > limit:
        return f"Nội dung dài quá {limit} ký tự (hiện có {len(raw)} ký tự)."
    return None


# --- the plan --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanDraw:
    """The plan form checked: what to send, or the message of each wrong field."""

    values: dict[str, str]
    year: int | None = None
    sample_percent: float | None = None
    seed: str | None = None
    errors: dict[str, str] = field(default_factory=dict)


def parse_plan(form: Mapping[str, Any]) -> PlanDraw:
    """The year, optional sample percentage (decimal comma allowed) and optional seed (the one recorded on an
    earlier plan, to draw it again) of a plan draw."""
    values = {name: _text(form, name) for name in ("year", "sample_percent", "seed")}
    errors: dict[str, str] = {}
    year = parse_year(values["year"], 0) if values["year"] else None
    if not year:
        errors["year"] = "Năm đánh giá không hợp lệ (ví dụ 2026)."
    percent = None
    if values["sample_percent"]:
        try:
            percent = float(values["sample_percent"].replace(",", "."))
        except ValueError:
            percent = None
        if percent is None or not 0 < percent <= 100:
            errors["sample_percent"] = "Tỷ lệ chọn mẫu là một số lớn hơn 0 và không quá 100 (ví dụ 10 hoặc 12,5)."
            percent = None
    seed = values["seed"] or None
    if seed is not None and (len(seed) > SEED_MAX or any(ch.isspace() for ch in seed)):
        errors["seed"] = (f"Hạt giống là một dãy số hoặc chữ viết liền, tối đa {SEED_MAX} ký tự "
                          "(để trống để hệ thống tự chọn).")
        seed = None
    return PlanDraw(values, year, percent, seed, errors)


REGISTER_NO = re.compile(r"\d{1,5}/\d{4}/TL", re.IGNORECASE)


def normalise_case_reference(raw: str) -> str:
    """A case typed by its register number (zero-padded as the register prints it) or its id."""
    text = raw.strip()
    if REGISTER_NO.fullmatch(text):
        number, year, _ = text.split("/")
        return f"{int(number):05d}/{year}/TL"
    return text


# --- the evaluation checklist ------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreSheet:
    """The checklist form checked: each criterion's score and note, the flags, and every mistake."""

    values: dict[str, str]
    criteria: list[CriterionScore]
    successful: bool | None
    effective: bool | None
    errors: dict[str, str] = field(default_factory=dict)


def parse_scores(form: Mapping[str, Any], criteria: Sequence[Mapping[str, Any]]) -> ScoreSheet:
    """Scores typed per criterion (blank: not scored yet; else a whole number 0..max), notes (kept with
    a score) and the successful/effective flags ("", "yes", "no")."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    scored: list[CriterionScore] = []
    for criterion in criteria:
        code, top = criterion["code"], int(criterion["max_score"])
        raw, note = _text(form, f"score:{code}"), _text(form, f"note:{code}")
        values[f"score:{code}"], values[f"note:{code}"] = raw, note
        score = None
        if raw:
            if re.fullmatch(r"\d+", raw) and int(raw) <= top:
                score = int(raw)
            else:
                errors[f"score:{code}"] = f"Điểm là số nguyên từ 0 đến {top}."
        if len(note) > NOTE_MAX:
            errors[f"note:{code}"] = f"Ghi chú dài quá {NOTE_MAX} ký tự (hiện có {len(note)} ký tự)."
        elif note and not raw:
            # The service keeps a note with its score only: a note alone would be lost.
            errors[f"score:{code}"] = "Nhập điểm của tiêu chí này để lưu ghi chú."
        if score is not None:
            scored.append(CriterionScore(code, score, note or None))
    flags: dict[str, bool | None] = {}
    for name, what in (("successful", "thành công"), ("effective", "hiệu quả")):
        values[name] = _text(form, name)
        if values[name] not in _YES_NO:
            errors[name] = f"Chọn vụ việc có {what} hay không."
        flags[name] = _YES_NO.get(values[name])
    return ScoreSheet(values, scored, flags["successful"], flags["effective"], errors)


def failing(criteria: Sequence[Mapping[str, Any]], scores: Mapping[str, int | None]) -> list[str]:
    """Codes of the criteria whose score is below their pass score (unscored ones are not failing yet)."""
    return [c["code"] for c in criteria
            if scores.get(c["code"]) is not None and scores[c["code"]] < int(c.get("pass_score") or 0)]


# --- corrective actions raised on finalising -------------------------------------------------------------


@dataclass(frozen=True)
class ActionChoices:
    """The corrective actions the evaluator chose to raise, or the message of each wrong field."""

    values: dict[str, str]
    actions: list[ActionRequest]
    errors: dict[str, str] = field(default_factory=dict)


def parse_actions(form: Mapping[str, Any], offered: Sequence[str], today: date) -> ActionChoices:
    """For each failed criterion offered: raise an action or not; if raised, its owner (blank: the
    performer), due date (not in the past) and what must be shown."""
    values: dict[str, str] = {}
    errors: dict[str, str] = {}
    actions: list[ActionRequest] = []
    for code in offered:
        for name in ("raise", "owner", "due", "evidence"):
            values[f"{name}:{code}"] = _text(form, f"{name}:{code}")
        if values[f"raise:{code}"] != "on":
            continue
        due = None
        if raw_due := values[f"due:{code}"]:
            due = parse_day(raw_due)
            if due is None:
                errors[f"due:{code}"] = "Ngày không hợp lệ (ngày/tháng/năm)."
            elif due < today:
                errors[f"due:{code}"] = "Hạn khắc phục không được trước hôm nay."
        if problem := required_text(values[f"evidence:{code}"], "kết quả khắc phục cần chứng minh"):
            errors[f"evidence:{code}"] = problem
        actions.append(ActionRequest(code, values[f"evidence:{code}"], due, values[f"owner:{code}"] or None))
    return ActionChoices(values, actions, errors)


def default_due(today: date, days: int | None) -> date:
    """The due date a new corrective action is offered with."""
    return today + timedelta(days=days or DEFAULT_ACTION_DAYS)
