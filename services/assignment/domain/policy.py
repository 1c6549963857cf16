"""The assignment decision: hard rules first, then the least weighted load against the target.

Hard rules, never broken: the officer is active, not away on the day, has no conflict of
interest, serves the locality (commune's branch, then the head office) and handles the field.
An urgent case goes to an eligible officer on the duty roster at that moment when there is one.
Among the rest, the lowest score wins: the officer's load after taking the case over their
quota-adjusted target, plus a term that keeps leaders and other officers even as groups.

Every decision explains itself: each candidate, the rule that removed it or its score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from services.assignment.domain.roster import Officer

EXCLUDED_INACTIVE = "inactive"
EXCLUDED_FIELD = "does_not_handle_field"
EXCLUDED_LOCALITY = "outside_locality"
EXCLUDED_ABSENT = "absent"
EXCLUDED_NOT_ON_DUTY = "not_on_duty"
#: The smallest target a score divides by: an officer whose whole year is exempt still compares.
MIN_TARGET = 0.5


@dataclass(frozen=True)
class CaseToAssign:
    case_id: str
    field: str
    branch_code: str | None
    urgent: bool
    weight: float = 1.0


@dataclass(frozen=True)
class Candidate:
    officer_id: str
    eligible: bool
    excluded_by: str | None = None
    load: float | None = None
    target: float | None = None
    score: float | None = None
    is_leader: bool = False
    on_duty: bool | None = None


@dataclass(frozen=True)
class Decision:
    officer: Officer | None
    candidates: list[Candidate] = field(default_factory=list)
    locality: str = ""
    reason: str = ""
    on_duty: bool = False


@dataclass(frozen=True)
class Standing:
    """What the decision knows of the center at the moment: loads, targets, conflicts, group ratios."""

    loads: dict[str, float]
    targets: dict[str, float]
    conflicts: dict[str, str] = field(default_factory=dict)
    group_balance: float = 0.0

    def ratio(self, officer_id: str, extra: float = 0.0) -> float:
        return (self.loads.get(officer_id, 0.0) + extra) / max(self.targets.get(officer_id, 0.0), MIN_TARGET)


def decide(case: CaseToAssign, officers: list[Officer], standing: Standing, *, at: datetime,
           head_office: str | None, branch_names: dict[str, str] | None = None) -> Decision:
    """Choose the officer for a case, or explain why nobody can take it. `at` is local time."""
    names = branch_names or {}
    localities = list(dict.fromkeys(b for b in (case.branch_code, head_office) if b))
    if not localities:
        return Decision(None, [], "", "Vụ việc chưa xác định được địa bàn và Trung tâm chưa có trụ sở chính trong danh mục.")
    offsets = _group_offsets(officers, standing)
    screened: dict[str, list[Candidate]] = {}

    def screen(locality: str) -> list[Candidate]:
        # The head office is screened only when the branch is not enough (this runs on every case).
        if locality not in screened:
            screened[locality] = _screen(case, officers, standing, locality, at)
        return screened[locality]

    if case.urgent:
        for locality in localities:
            candidates = screen(locality)
            on_duty = [c for c in candidates if c.eligible and c.on_duty]
            if on_duty:
                marked = [c if not c.eligible or c.on_duty else _not_on_duty(c) for c in candidates]
                return _choose(case, officers, standing, offsets, marked, locality, localities, names, duty=True)
    for locality in localities:
        candidates = screen(locality)
        if any(c.eligible for c in candidates):
            return _choose(case, officers, standing, offsets, candidates, locality, localities, names, duty=False)
    last = localities[-1]
    return Decision(None, screen(last), last,
                    f"Không có trợ giúp viên đang làm việc tại {names.get(last, last)} nhận lĩnh vực này "
                    "mà không vướng xung đột lợi ích.")


def check(case: CaseToAssign, officer: Officer, standing: Standing, *, at: datetime,
          head_office: str | None) -> str | None:
    """The hard rule that stops a chosen officer (a leader's override, an approved request), or None.

    The locality rule keeps its fallback: the case's branch, then the head office.
    """
    localities = list(dict.fromkeys(b for b in (case.branch_code, head_office) if b)) or [officer.branch_code]
    stops = [_screen(case, [officer], standing, loc, at)[0] for loc in localities]
    return None if any(c.eligible for c in stops) else next(
        (c.excluded_by for c in stops if c.excluded_by != EXCLUDED_LOCALITY), EXCLUDED_LOCALITY)


def _not_on_duty(candidate: Candidate) -> Candidate:
    return Candidate(candidate.officer_id, False, EXCLUDED_NOT_ON_DUTY, candidate.load, candidate.target,
                     candidate.score, candidate.is_leader, False)


def _group_offsets(officers: list[Officer], standing: Standing) -> dict[bool, float]:
    """How far leaders and other officers are, as groups, ahead of the whole center (load / target)."""
    if not standing.group_balance:
        return {True: 0.0, False: 0.0}
    totals = {True: [0.0, 0.0], False: [0.0, 0.0]}
    for officer in officers:
        if officer.active:
            totals[officer.is_leader][0] += standing.loads.get(officer.officer_id, 0.0)
            totals[officer.is_leader][1] += standing.targets.get(officer.officer_id, 0.0)
    load = totals[True][0] + totals[False][0]
    target = totals[True][1] + totals[False][1]
    if target <= 0:
        return {True: 0.0, False: 0.0}
    center = load / target
    return {group: (standing.group_balance * (l / t - center) if t > 0 else 0.0) for group, (l, t) in totals.items()}


def _screen(case: CaseToAssign, officers: list[Officer], standing: Standing, locality: str,
            at: datetime) -> list[Candidate]:
    """Every officer with the hard rule that removes them, or their load, target and duty."""
    candidates: list[Candidate] = []
    for officer in sorted(officers, key=lambda o: o.officer_id):
        oid, leader = officer.officer_id, officer.is_leader
        if not officer.active:
            candidates.append(Candidate(oid, False, EXCLUDED_INACTIVE, is_leader=leader))
        elif officer.absent_on(at.date()):
            candidates.append(Candidate(oid, False, EXCLUDED_ABSENT, is_leader=leader))
        elif oid in standing.conflicts:
            candidates.append(Candidate(oid, False, standing.conflicts[oid], is_leader=leader))
        elif officer.branch_code != locality:
            candidates.append(Candidate(oid, False, EXCLUDED_LOCALITY, is_leader=leader))
        elif not officer.handles(case.field):
            candidates.append(Candidate(oid, False, EXCLUDED_FIELD, is_leader=leader))
        else:
            candidates.append(Candidate(oid, True, None, round(standing.loads.get(oid, 0.0), 4),
                                        round(standing.targets.get(oid, 0.0), 4), None, leader,
                                        officer.on_duty(at)))
    return candidates


def _choose(case: CaseToAssign, officers: list[Officer], standing: Standing, offsets: dict[bool, float],
            candidates: list[Candidate], locality: str, localities: list[str], names: dict[str, str],
            *, duty: bool) -> Decision:
    by_id = {o.officer_id: o for o in officers}
    scored: list[Candidate] = []
    ranked = []
    for c in candidates:
        if not c.eligible:
            scored.append(c)
            continue
        score = round(standing.ratio(c.officer_id, case.weight) + offsets[c.is_leader], 4)
        c = Candidate(c.officer_id, True, None, c.load, c.target, score, c.is_leader, c.on_duty)
        scored.append(c)
        officer = by_id[c.officer_id]
        # Ties: the lower load, then the longer-serving officer, then a stable id order.
        ranked.append((score, c.load, officer.appointed_on, c.officer_id, officer, c))
    score, load, _, _, chosen, winner = min(ranked, key=lambda r: r[:4])
    place = names.get(locality, locality)
    reason = ""
    if locality != case.branch_code:
        if case.branch_code:
            reason = (f"Không có trợ giúp viên phù hợp tại {names.get(case.branch_code, case.branch_code)}; "
                      f"chuyển về {place}. ")
        else:
            reason = f"Chưa xác định được chi nhánh theo địa bàn; giao về {place}. "
    if duty:
        reason += f"Vụ việc khẩn cấp: giao cho người đang trực theo lịch trực ({len(ranked)} người đủ điều kiện). "
    elif case.urgent:
        reason += "Vụ việc khẩn cấp nhưng không có người trực phù hợp lúc này: giao theo quy tắc thường. "
    reason += (f"{chosen.full_name} có điểm thấp nhất trong {len(ranked)} người đủ điều kiện tại {place}: "
               f"tải {_fmt(load)} + {_fmt(case.weight)} (vụ này) trên chỉ tiêu {_fmt(winner.target)}, "
               f"điểm {_fmt(score)}.")
    return Decision(chosen, scored, locality, reason, duty)


def _fmt(value: float | None) -> str:
    return f"{value or 0:.2f}".replace(".", ",")
