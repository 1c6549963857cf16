"""The assignment decision: hard rules first, then the least load against the quota target.

Every decision explains itself: each candidate, the rule that removed it or its score.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.assignment.domain.quota import QuotaPolicy
from services.assignment.domain.roster import Officer

RULE = "least-load-vs-target/v1"

EXCLUDED_INACTIVE = "inactive"
EXCLUDED_FIELD = "does_not_handle_field"
EXCLUDED_LOCALITY = "outside_locality"
EXCLUDED_ABSENT = "absent"
#: Law Art. 25(2): an officer who declined a case, or was replaced at the beneficiary's request,
#: is never offered the same case again.
EXCLUDED_PREVIOUSLY = "declined_or_replaced"


@dataclass(frozen=True)
class CaseToAssign:
    case_id: str
    field: str
    branch_code: str | None
    urgent: bool


@dataclass(frozen=True)
class Candidate:
    officer_id: str
    eligible: bool
    excluded_by: str | None = None
    load: int | None = None
    target: int | None = None
    score: float | None = None


@dataclass(frozen=True)
class Decision:
    officer: Officer | None
    candidates: list[Candidate] = field(default_factory=list)
    locality: str = ""
    reason: str = ""


def decide(case: CaseToAssign, officers: list[Officer], loads: dict[str, int], *, head_office: str | None,
           quota: QuotaPolicy, on: date, branch_names: dict[str, str] | None = None,
           excluded: frozenset[str] = frozenset()) -> Decision:
    """Choose the officer for a case, or explain why nobody can take it.

    `excluded` are officers who declined this case or were replaced on it; they are never chosen.
    """
    names = branch_names or {}
    localities = [b for b in (case.branch_code, head_office) if b]
    localities = list(dict.fromkeys(localities))
    last: Decision | None = None
    for locality in localities:
        decision = _decide_in(case, officers, loads, locality, names.get(locality, locality), quota, on, excluded)
        if decision.officer is not None:
            if locality != case.branch_code:
                target = names.get(locality, locality)
                if case.branch_code:
                    why = (f"Không có trợ giúp viên phù hợp tại {names.get(case.branch_code, case.branch_code)}; "
                           f"chuyển về {target}. ")
                else:
                    why = f"Chưa xác định được chi nhánh theo địa bàn; giao về {target}. "
                reason = why + decision.reason
                return Decision(decision.officer, decision.candidates, locality, reason)
            return decision
        last = decision
    if last is None:
        return Decision(None, [], "", "Vụ việc chưa xác định được địa bàn và Trung tâm chưa có trụ sở chính trong danh mục.")
    return last


def _decide_in(case: CaseToAssign, officers: list[Officer], loads: dict[str, int], locality: str,
               place: str, quota: QuotaPolicy, on: date, excluded: frozenset[str] = frozenset()) -> Decision:
    candidates: list[Candidate] = []
    scored: list[tuple[float, int, date, str, Officer]] = []
    for officer in sorted(officers, key=lambda o: o.officer_id):
        if not officer.active:
            candidates.append(Candidate(officer.officer_id, False, EXCLUDED_INACTIVE))
            continue
        if officer.absent_on(on):
            candidates.append(Candidate(officer.officer_id, False, EXCLUDED_ABSENT))
            continue
        if officer.officer_id in excluded:
            candidates.append(Candidate(officer.officer_id, False, EXCLUDED_PREVIOUSLY))
            continue
        if officer.branch_code != locality:
            candidates.append(Candidate(officer.officer_id, False, EXCLUDED_LOCALITY))
            continue
        if not officer.handles(case.field):
            candidates.append(Candidate(officer.officer_id, False, EXCLUDED_FIELD))
            continue
        load = loads.get(officer.officer_id, 0)
        target = quota.yearly_target(officer.appointed_on, officer.leader_role, on)
        score = round(load / target, 4)
        candidates.append(Candidate(officer.officer_id, True, None, load, target, score))
        # Ties: fewer cases, then the longer-serving officer, then a stable id order.
        scored.append((score, load, officer.appointed_on, officer.officer_id, officer))
    if not scored:
        return Decision(None, candidates, locality,
                        f"Không có trợ giúp viên đang làm việc tại {place} nhận lĩnh vực này.")
    score, load, _, _, chosen = min(scored, key=lambda s: s[:4])
    target = quota.yearly_target(chosen.appointed_on, chosen.leader_role, on)
    reason = (f"{chosen.full_name} có mức tải thấp nhất so với chỉ tiêu năm trong {len(scored)} người đủ điều kiện "
              f"tại {place}: {load} vụ việc / chỉ tiêu {target} (tỷ lệ {score:.2f}).")
    return Decision(chosen, candidates, locality, reason)
