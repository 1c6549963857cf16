"""The evaluation plan of a year: a reproducible random sample per officer, plus the cases that
must be looked at (a complaint; an officer whose evaluated case failed recently).

The draw is `random.Random(f"{seed}:{year}")` over each officer's cases sorted by id, officers in
id order: the same seed and the same register give the same plan, so anyone can check it.
"""

from __future__ import annotations

import math
import random
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date


class PlanReason:
    SAMPLE = "sample"
    COMPLAINT = "complaint"
    FAILED_BEFORE = "failed_before"


REASON_LABELS = {PlanReason.SAMPLE: "chọn ngẫu nhiên", PlanReason.COMPLAINT: "có khiếu nại",
                 PlanReason.FAILED_BEFORE: "người thực hiện có vụ việc không đạt chất lượng ở kỳ trước"}


@dataclass(frozen=True)
class PlanCandidate:
    """A closed case the plan may take, as the draw needs it.

    `evaluable` says the form and outcome are evaluated; `evaluated` that it already has an
    evaluation; `planned` that an earlier plan already holds it.
    """

    case_id: str
    officer_id: str | None
    closed_on: date
    evaluable: bool
    complaints: int = 0
    evaluated: bool = False
    planned: bool = False


@dataclass(frozen=True)
class PlanItem:
    case_id: str
    officer_id: str | None
    reason: str


def sample_size(cases: int, percent: float, minimum: int) -> int:
    """How many of an officer's cases the random sample takes: ceil(percent of them), at least the minimum."""
    if cases <= 0:
        return 0
    return min(cases, max(math.ceil(cases * percent / 100 - 1e-9), minimum))


def draw_plan(candidates: Iterable[PlanCandidate], *, year: int, start: date, end: date, seed: str,
              sample_percent: float, min_per_officer: int,
              failed_officers: frozenset[str] = frozenset()) -> list[PlanItem]:
    """The plan of evaluation year `year` (days `start`..`end`).

    Never a case already evaluated or in an earlier plan, never a form or outcome not evaluated.
    A complaint brings a case in whatever year it closed (up to `end`); an officer in
    `failed_officers` has every case of the year in the plan; the random sample takes its share
    of each officer's cases of the year, drawn among the rest.
    """
    open_cases = [c for c in candidates if c.evaluable and not c.evaluated and not c.planned and c.closed_on <= end]
    items: dict[str, PlanItem] = {}
    for case in sorted(open_cases, key=lambda c: c.case_id):
        if case.complaints:
            items[case.case_id] = PlanItem(case.case_id, case.officer_id, PlanReason.COMPLAINT)
    in_year: dict[str | None, list[PlanCandidate]] = defaultdict(list)
    for case in open_cases:
        if start <= case.closed_on:
            in_year[case.officer_id].append(case)
    rng = random.Random(f"{seed}:{year}")
    for officer_id in sorted(in_year, key=lambda o: (o is None, o or "")):
        cases = sorted(in_year[officer_id], key=lambda c: c.case_id)
        if officer_id in failed_officers:
            for case in cases:
                items.setdefault(case.case_id, PlanItem(case.case_id, officer_id, PlanReason.FAILED_BEFORE))
            continue
        rest = [c for c in cases if c.case_id not in items]
        wanted = min(len(rest), sample_size(len(cases), sample_percent, min_per_officer))
        for case in rng.sample(rest, wanted):
            items[case.case_id] = PlanItem(case.case_id, officer_id, PlanReason.SAMPLE)
    return sorted(items.values(), key=lambda i: (i.officer_id is None, i.officer_id or "", i.case_id))
