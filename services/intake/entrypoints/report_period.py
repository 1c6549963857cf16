"""The period a report page shows, as staff choose it in a GET form: a month (the default, the current
one), a quarter, a year, or any two days (both inclusive)."""

from __future__ import annotations

import calendar
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.intake.entrypoints.roster_form import parse_day

KINDS = {"month": "Tháng", "quarter": "Quý", "year": "Năm", "custom": "Khoảng thời gian"}
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}
FIRST_YEAR, LAST_YEAR = 2000, 2100


@dataclass(frozen=True)
class Period:
    """A period of a report page: how it was chosen and its first and last day."""

    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        """The period in Vietnamese: "Tháng 11/2026", "Quý IV/2026", "Năm 2026", "Từ 01/10/2026 đến ..."."""
        if self.kind == "month":
            return f"Tháng {self.start.month:02d}/{self.start.year}"
        if self.kind == "quarter":
            return f"Quý {ROMAN[(self.start.month - 1) // 3 + 1]}/{self.start.year}"
        if self.kind == "year":
            return f"Năm {self.start.year}"
        return f"Từ {self.start:%d/%m/%Y} đến {self.end:%d/%m/%Y}"

    @property
    def quarter(self) -> int:
        return (self.start.month - 1) // 3 + 1

    def query(self) -> dict[str, str]:
        """The GET parameters that choose this period again (kept in links and downloads)."""
        if self.kind == "month":
            return {"kind": "month", "month": f"{self.start:%Y-%m}"}
        if self.kind == "quarter":
            return {"kind": "quarter", "year": str(self.start.year), "quarter": str(self.quarter)}
        if self.kind == "year":
            return {"kind": "year", "year": str(self.start.year)}
        return {"kind": "custom", "start": self.start.isoformat(), "end": self.end.isoformat()}

    @property
    def file_stem(self) -> str:
        """The period in a file name: 2026-11, 2026-Q4, 2026, or 2026-10-01_2026-10-31."""
        if self.kind == "month":
            return f"{self.start:%Y-%m}"
        if self.kind == "quarter":
            return f"{self.start.year}-Q{self.quarter}"
        if self.kind == "year":
            return str(self.start.year)
        return f"{self.start.isoformat()}_{self.end.isoformat()}"

    def as_of(self, today: date) -> date:
        """The day figures "as of" a day are taken for this period: its last day, or today if still running."""
        return min(self.end, today)


def month_of(year: int, month: int) -> Period:
    return Period("month", date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def quarter_of(year: int, quarter: int) -> Period:
    first = 3 * (quarter - 1) + 1
    return Period("quarter", date(year, first, 1), date(year, first + 2, calendar.monthrange(year, first + 2)[1]))


def year_of(year: int) -> Period:
    return Period("year", date(year, 1, 1), date(year, 12, 31))


def _year(raw: str) -> int | None:
    raw = raw.strip()
    return int(raw) if raw.isdigit() and FIRST_YEAR <= int(raw) <= LAST_YEAR else None


def _month(raw: str) -> tuple[int, int] | None:
    """A month as a month input sends it (2026-11) or as staff type it (11/2026)."""
    raw = raw.strip()
    found = re.fullmatch(r"(\d{4})-(\d{1,2})", raw) or re.fullmatch(r"(\d{1,2})/(\d{4})", raw)
    if not found:
        return None
    a, b = found.groups()
    year, month = (int(a), int(b)) if len(a) == 4 else (int(b), int(a))
    return (year, month) if 1 <= month <= 12 and FIRST_YEAR <= year <= LAST_YEAR else None


def parse_period(params: Mapping[str, str], today: date) -> tuple[Period, str | None]:
    """The period chosen in the form; the current month when nothing was chosen. A wrong choice gives the
    current month and the Vietnamese reason."""
    default = month_of(today.year, today.month)
    kind = (params.get("kind") or "month").strip()
    if kind == "month":
        if not (raw := params.get("month", "").strip()):
            return default, None
        found = _month(raw)
        return (month_of(*found), None) if found else (default, "Tháng không hợp lệ: hãy chọn tháng và năm.")
    if kind == "quarter":
        year, quarter = _year(params.get("year", "") or str(today.year)), params.get("quarter", "").strip()
        if year is None:
            return default, f"Năm phải là một số từ {FIRST_YEAR} đến {LAST_YEAR}."
        if quarter not in ("1", "2", "3", "4"):
            return default, "Hãy chọn quý (I, II, III hoặc IV)."
        return quarter_of(year, int(quarter)), None
    if kind == "year":
        year = _year(params.get("year", "") or str(today.year))
        return (year_of(year), None) if year else (default, f"Năm phải là một số từ {FIRST_YEAR} đến {LAST_YEAR}.")
    if kind == "custom":
        raw_start, raw_end = params.get("start", "").strip(), params.get("end", "").strip()
        start, end = parse_day(raw_start), parse_day(raw_end)
        if start is None or end is None:
            return default, "Hãy nhập đủ ngày bắt đầu và ngày kết thúc (ngày/tháng/năm)."
        if end < start:
            return default, "Ngày kết thúc phải sau hoặc trùng ngày bắt đầu."
        if not (FIRST_YEAR <= start.year and end.year <= LAST_YEAR):
            return default, f"Khoảng thời gian phải nằm trong các năm {FIRST_YEAR}–{LAST_YEAR}."
        return Period("custom", start, end), None
    return default, "Cách chọn kỳ báo cáo không hợp lệ."
