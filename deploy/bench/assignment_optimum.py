"""The offline optimum of the assignment benchmark: the whole year at once, as an integer programme.

A case may go only to officers the hard rules allow, under the same locality fallback and duty
order as online (`HardRules.tiers`). Most cases have no opposed case, so only the first tier can
take them and nothing but their tier and weight tells them apart: they are counted by group
(integer n[group, officer]), which removes the symmetry that stalls branch and bound. A case with
opposed cases gets binaries x[case, officer] over all its tiers: an officer of a later tier (the
head office, or off duty) may take it only when every officer of the earlier tiers holds an
earlier case opposed to it, and two opposed cases never go to one officer.

The objective is z, the largest load / target, plus a small-weight term: the sum of the officers'
distances from the mean load / target (a separate second stage with z held gave CBC no feasible
start it would keep). Solved by PuLP's bundled CBC under a time limit; what was proven is
reported, with LP bounds for both terms.
"""

from __future__ import annotations

import time
from collections import defaultdict
from dataclasses import dataclass

import pulp

from deploy.bench.assignment_check import HardRules

#: Not a PuLP status: CBC itself failed, or returned values that are not integral.
FAILED = -100
STATUS = {pulp.LpSolutionOptimal: "optimal", pulp.LpSolutionIntegerFeasible: "feasible, not proven optimal",
          pulp.LpSolutionNoSolutionFound: "no solution found", pulp.LpSolutionInfeasible: "infeasible",
          pulp.LpSolutionUnbounded: "unbounded", FAILED: "CBC failed"}
SOLVED = (pulp.LpSolutionOptimal, pulp.LpSolutionIntegerFeasible)
#: The spread counts this much less than the largest load / target: no step of z is worth any spread.
SPREAD_WEIGHT = 1e-5
#: The price of leaving a case with opposed cases unassigned, against z: above any load / target.
UNASSIGNED_PRICE = 1000.0


@dataclass(frozen=True)
class Optimum:
    """The optimum's assignment and what the solver proved about it."""

    assignment: dict[str, str | None]
    max_ratio: float | None
    lp_bound: float
    spread: float | None
    spread_bound: float | None
    status: str
    seconds: float
    variables: int

    @property
    def gap(self) -> float | None:
        """How far the max load / target may be above the true optimum (0 when proven optimal)."""
        if self.max_ratio is None or self.max_ratio <= 0:
            return None
        if self.status == STATUS[pulp.LpSolutionOptimal]:
            return 0.0
        return max(0.0, (self.max_ratio - self.lp_bound) / self.max_ratio)


class _Model:
    """The integer programme of one scenario."""

    def __init__(self, rules: HardRules) -> None:
        scenario = rules.scenario
        self.order = {case.case_id: n for n, case in enumerate(scenario.cases)}
        self.active = [o.officer_id for o in scenario.officers if o.active]
        self.problem = pulp.LpProblem("max_load_over_target", pulp.LpMinimize)
        self.z = pulp.LpVariable("z", lowBound=0)
        self.groups: dict[tuple[tuple[str, ...], float], list[str]] = defaultdict(list)
        self.tiers: dict[str, list[list[str]]] = {}
        for case in scenario.cases:
            tiers = rules.tiers(case)
            if rules.opposed[case.case_id]:
                self.tiers[case.case_id] = tiers
            elif tiers:
                self.groups[(tuple(tiers[0]), case.weight)].append(case.case_id)
        self.n = {(key, o): pulp.LpVariable(f"n_{g}_{o}", lowBound=0, upBound=len(cases), cat=pulp.LpInteger)
                  for g, (key, cases) in enumerate(self.groups.items()) for o in key[0]}
        self.x = {(c, o): pulp.LpVariable(f"x_{self.order[c]}_{o}", cat=pulp.LpBinary)
                  for c, tiers in self.tiers.items() for tier in tiers for o in tier}
        self.left = {c: pulp.LpVariable(f"left_{self.order[c]}", lowBound=0, upBound=1)
                     for c, tiers in self.tiers.items() if tiers}
        for g, (key, cases) in enumerate(self.groups.items()):
            self.problem += pulp.lpSum(self.n[key, o] for o in key[0]) == len(cases), f"group_{g}"
        for c, tiers in self.tiers.items():
            self._case_rules(rules, c, tiers)
        terms: dict[str, list] = {o: [] for o in self.active}
        for (key, officer_id), var in self.n.items():
            terms[officer_id].append(key[1] / scenario.targets[officer_id] * var)
        weights = {case.case_id: case.weight for case in scenario.cases}
        for (c, officer_id), var in self.x.items():
            terms[officer_id].append(weights[c] / scenario.targets[officer_id] * var)
        self.ratio = {o: pulp.lpSum(terms[o]) for o in self.active}
        for officer_id in self.active:
            self.problem += self.ratio[officer_id] <= self.z, f"max_{officer_id}"
        mean = pulp.LpVariable("mean")
        self.problem += len(self.active) * mean == pulp.lpSum(self.ratio.values()), "mean"
        self.spread = {o: pulp.LpVariable(f"d_{o}", lowBound=0) for o in self.active}
        for officer_id in self.active:
            self.problem += self.spread[officer_id] >= self.ratio[officer_id] - mean, f"above_{officer_id}"
            self.problem += self.spread[officer_id] >= mean - self.ratio[officer_id], f"below_{officer_id}"
        self.unassigned = UNASSIGNED_PRICE * pulp.lpSum(self.left.values())

    def _case_rules(self, rules: HardRules, c: str, tiers: list[list[str]]) -> None:
        """Once, or left when everyone is in conflict; a later tier only when the earlier are in conflict."""
        number = self.order[c]
        if tiers:
            self.problem += pulp.lpSum(self.x[c, o] for tier in tiers for o in tier) + self.left[c] == 1, \
                f"once_{number}"
        earlier = [b for b in rules.opposed[c] if self.order[b] < number]
        for k, tier in enumerate(tiers[1:], start=1):
            opened = pulp.LpVariable(f"tier_{number}_{k}", lowBound=0, upBound=1)
            for officer_id in tier:
                self.problem += self.x[c, officer_id] <= opened, f"in_tier_{number}_{officer_id}"
            for officer_id in (o for before in tiers[:k] for o in before):
                held = [self.x[b, officer_id] for b in earlier if (b, officer_id) in self.x]
                self.problem += opened <= pulp.lpSum(held), f"skip_{number}_{k}_{officer_id}"
        for b in rules.opposed[c]:
            if self.order[b] > number:
                for tier in tiers:
                    for officer_id in tier:
                        if (b, officer_id) in self.x:
                            self.problem += self.x[c, officer_id] + self.x[b, officer_id] <= 1, \
                                f"opposed_{number}_{self.order[b]}_{officer_id}"

    def solve(self, objective: pulp.LpAffineExpression, **options) -> int:
        """Minimise the objective with CBC; the solution status, FAILED when CBC failed or its
        answer is not integral (it can hand back a relaxation's values)."""
        self.problem.setObjective(objective)
        try:
            self.problem.solve(pulp.PULP_CBC_CMD(msg=False, **options))
        except pulp.PulpSolverError:
            return FAILED
        integral = all(abs((v.value() or 0) - round(v.value() or 0)) <= 1e-6
                       for v in [*self.n.values(), *self.x.values()])
        if options.get("mip", True) and self.problem.sol_status in SOLVED and not integral:
            return FAILED
        return self.problem.sol_status

    def assignment(self) -> dict[str, str | None]:
        """The current solution, case by case; a group's cases are dealt out in time order."""
        chosen: dict[str, str | None] = {c: None for c in self.order}
        for key, cases in self.groups.items():
            dealt = [o for o in key[0] for _ in range(round(self.n[key, o].value() or 0))]
            chosen.update(zip(cases, dealt))
        for (c, officer_id), var in self.x.items():
            if (var.value() or 0) > 0.5:
                chosen[c] = officer_id
        return chosen


def solve(rules: HardRules, *, seconds: float = 90.0) -> Optimum:
    """Assign the whole year at once: the smallest largest load / target, then the smallest spread."""
    begin = time.perf_counter()
    model = _Model(rules)
    size = len(model.n) + len(model.x)
    model.solve(model.z + model.unassigned, mip=False)
    lp_bound = model.z.value() or 0.0
    spread = pulp.lpSum(model.spread.values())
    solved = model.solve(model.z + SPREAD_WEIGHT * spread + model.unassigned, timeLimit=seconds)
    if solved not in SOLVED:
        return Optimum({}, None, lp_bound, None, None, STATUS[solved], time.perf_counter() - begin, size)
    best, found, chosen = model.z.value(), pulp.value(spread), model.assignment()
    left = sum(1 for c in model.left if not chosen[c])
    model.problem += model.z <= best + 1e-6, "hold_max"
    model.problem += pulp.lpSum(model.left.values()) <= left, "hold_left"
    model.solve(spread, mip=False)
    return Optimum(chosen, best, lp_bound, found, pulp.value(spread), STATUS[solved],
                   time.perf_counter() - begin, size)
