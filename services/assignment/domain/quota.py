"""Each officer's quota-adjusted target for any range of days, with how it was derived.

The yearly target is the 'meets quota' floor of the officer's seniority band (Official Letter
5008/BTP-TGPL), less the leader's reduction; a range gets its share by days, and absent days
are counted off by the exemption of their kind. The derivation is kept as lines staff can read.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta

from services.assignment.domain.roster import Officer
from services.assignment.domain.rules import AssignmentRules

ROLE_LABELS = {"director": "Giám đốc", "deputy_director": "Phó Giám đốc", "branch_head": "Trưởng chi nhánh"}
ABSENCE_LABELS = {"leave": "nghỉ phép", "training": "đào tạo, bồi dưỡng", "maternity": "nghỉ thai sản",
                  "sick": "nghỉ ốm"}


@dataclass(frozen=True)
class TargetLine:
    text: str
    value: float


@dataclass(frozen=True)
class Target:
    officer_id: str
    start: date
    end: date
    value: float
    lines: tuple[TargetLine, ...]


def years_served(appointed_on: date, on: date) -> int:
    """Full years since appointment on a given day."""
    return on.year - appointed_on.year - ((on.month, on.day) < (appointed_on.month, appointed_on.day))


def _anniversary(appointed_on: date, year: int) -> date:
    day = min(appointed_on.day, calendar.monthrange(year, appointed_on.month)[1])
    return date(year, appointed_on.month, day)


def _segments(start: date, end: date, appointed_on: date, rules: AssignmentRules) -> list[tuple[date, date]]:
    """Split a range where the target can change: 1 January, appointment, an anniversary that changes band."""
    cuts = {appointed_on}
    for year in range(start.year, end.year + 1):
        cuts.add(date(year, 1, 1))
        anniversary = _anniversary(appointed_on, year)
        before = rules.quota_year(year).band_for(years_served(appointed_on, anniversary - timedelta(days=1)))
        if anniversary > appointed_on and before != rules.quota_year(year).band_for(years_served(appointed_on, anniversary)):
            cuts.add(anniversary)
    bounds = sorted(c for c in cuts if start < c <= end)
    segments, first = [], start
    for cut in bounds:
        segments.append((first, cut - timedelta(days=1)))
        first = cut
    segments.append((first, end))
    return segments


def _overlap(a_start: date, a_end: date, b_start: date, b_end: date) -> int:
    return max(0, (min(a_end, b_end) - max(a_start, b_start)).days + 1)


def _fmt(value: float) -> str:
    return f"{value:.2f}".replace(".", ",")


def target_for(officer: Officer, start: date, end: date, rules: AssignmentRules) -> Target:
    """The officer's target (proceedings cases, weighted) for the days from start to end inclusive."""
    if end < start:
        raise ValueError("end must not be before start")
    lines: list[TargetLine] = []
    total = 0.0
    for seg_start, seg_end in _segments(start, end, officer.appointed_on, rules):
        days = (seg_end - seg_start).days + 1
        period = f"{seg_start:%d/%m/%Y}–{seg_end:%d/%m/%Y}"
        if seg_end < officer.appointed_on:
            lines.append(TargetLine(f"{period}: chưa được bổ nhiệm, không tính chỉ tiêu.", 0.0))
            continue
        quota = rules.quota_year(seg_start.year)
        served = years_served(officer.appointed_on, seg_start)
        band = quota.band_for(served)
        yearly = float(band.meets)
        text = (f"{period} ({days} ngày): thâm niên {served} năm, mức tối thiểu {band.meets} vụ/năm "
                f"theo {quota.source} năm {quota.year}")
        reduction = quota.leader_reduction.get(officer.leader_role or "", 0.0)
        if reduction:
            yearly *= 1 - reduction
            text += f"; giảm {reduction:.0%} ({ROLE_LABELS.get(officer.leader_role, officer.leader_role)}) còn {_fmt(yearly)} vụ/năm"
        year_days = 366 if calendar.isleap(seg_start.year) else 365
        share = yearly * days / year_days
        lines.append(TargetLine(f"{text}; {days}/{year_days} ngày của năm: {_fmt(share)}.", round(share, 4)))
        total += share
        for absence in officer.absences:
            exemption = rules.absence_exemption.get(absence.kind, 0.0)
            off = _overlap(seg_start, seg_end, absence.start, absence.end)
            if not off or not exemption:
                continue
            minus = yearly * off * exemption / year_days
            lines.append(TargetLine(
                f"Trừ {off} ngày {ABSENCE_LABELS.get(absence.kind, absence.kind)} "
                f"({absence.start:%d/%m/%Y}–{absence.end:%d/%m/%Y}, miễn {exemption:.0%}): −{_fmt(minus)}.",
                round(-minus, 4)))
            total -= minus
    total = max(0.0, round(total, 4))
    lines.append(TargetLine(f"Chỉ tiêu của khoảng thời gian: {_fmt(total)} vụ việc (đã quy đổi theo trọng số).", total))
    return Target(officer.officer_id, start, end, total, tuple(lines))


def yearly_target(officer: Officer, year: int, rules: AssignmentRules) -> Target:
    """The target of the whole calendar (quota) year."""
    return target_for(officer, date(year, 1, 1), date(year, 12, 31), rules)


def band_floors(officer: Officer, year: int, rules: AssignmentRules) -> dict[str, float]:
    """The year's floors of 'meets', 'good' and 'very good', scaled like the target (reductions, exemptions).

    The band is the one the officer is in at the end of the year.
    """
    target = yearly_target(officer, year, rules).value
    end = date(year, 12, 31)
    band = rules.quota_year(year).band_for(years_served(officer.appointed_on, end))
    factor = target / band.meets if band.meets else 0.0
    return {"meets": round(target, 4), "good": round(band.good * factor, 4),
            "very_good": round(band.very_good * factor, 4)}
