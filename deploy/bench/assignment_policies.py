"""The policies the assignment benchmark compares, fed the year's cases one by one in time order.

tgpl's online policy calls the assignment service's domain modules as the service does; the
baselines (round robin, random) choose among the officers the benchmark's own hard rules allow;
the "relationship" policy is the status quo the center was criticised for.
"""

from __future__ import annotations

import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

from deploy.bench.assignment_check import HardRules
from deploy.bench.assignment_scenario import Scenario, SimCase
from services.assignment.domain.conflicts import HeldCase, conflicts
from services.assignment.domain.policy import CaseToAssign, Standing, decide
from services.assignment.domain.roster import Officer
from services.assignment.domain.rules import AssignmentRules

T = TypeVar("T")

@dataclass
class Ledger:
    """What has been given so far: each officer's weighted load and the cases they hold."""

    loads: dict[str, float] = field(default_factory=dict)
    held_by: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    held: list[HeldCase] = field(default_factory=list)

    def record(self, case: SimCase, officer_id: str) -> None:
        """Give the case to the officer."""
        self.loads[officer_id] = self.loads.get(officer_id, 0.0) + case.weight
        self.held_by[officer_id].add(case.case_id)
        self.held.append(HeldCase(officer_id, case.case_id, case.parties))


class Policy(Protocol):
    """Anything that gives one case at a time to an officer, knowing what it gave before."""

    name: str

    def choose(self, case: SimCase, ledger: Ledger) -> str | None:
        """The officer for the case, or None when nobody can take it."""


def best_of(repeat: int, call: Callable[[], T]) -> tuple[T, float]:
    """Call a pure function `repeat` times; its result and the shortest wall time, which keeps
    other processes' interruptions out of the measure."""
    times = []
    for _ in range(repeat):
        begin = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - begin)
    return result, min(times)


class Tgpl:
    """tgpl's online policy: the assignment service's domain modules, called as the service calls them.

    `conflicts` and `decide` are pure, so each is timed as the best of `repeat` calls per case.
    """

    name = "tgpl (online)"

    def __init__(self, scenario: Scenario, rules: AssignmentRules, repeat: int = 3) -> None:
        self.scenario = scenario
        self.rules = rules
        self.repeat = repeat
        self.decide_seconds: list[float] = []
        self.with_conflicts_seconds: list[float] = []

    def choose(self, case: SimCase, ledger: Ledger) -> str | None:
        """Find the conflicts with the cases held so far, then let `decide` choose."""
        found, finding = best_of(self.repeat, lambda: conflicts(
            case.case_id, case.parties, self.scenario.officers, ledger.held, frozenset()))
        standing = Standing(ledger.loads, self.scenario.targets, found, group_balance=self.rules.group_balance)
        to_assign = CaseToAssign(case.case_id, case.field, case.branch_code, case.urgent,
                                 weight=self.rules.weight(case.field, case.stage))
        decision, deciding = best_of(self.repeat, lambda: decide(
            to_assign, self.scenario.officers, standing, at=case.at, head_office=self.scenario.head_office,
            branch_names=self.scenario.branch_names))
        self.decide_seconds.append(deciding)
        self.with_conflicts_seconds.append(finding + deciding)
        return decision.officer.officer_id if decision.officer else None


class RoundRobin:
    """Each locality's officers in turn, skipping those the hard rules do not allow."""

    name = "round robin"

    def __init__(self, hard: HardRules) -> None:
        self.hard = hard
        self._last: dict[str, str] = {}

    def choose(self, case: SimCase, ledger: Ledger) -> str | None:
        """The next allowed officer after the last one chosen in the same locality."""
        allowed = self.hard.allowed(case, ledger.held_by)
        if not allowed:
            return None
        locality = self.hard.officers[allowed[0]].branch_code
        chosen = next((o for o in allowed if o > self._last.get(locality, "")), allowed[0])
        self._last[locality] = chosen
        return chosen


class RandomAllowed:
    """Anyone the hard rules allow, at random."""

    name = "random"

    def __init__(self, hard: HardRules, seed: int) -> None:
        self.hard = hard
        self.rng = random.Random(seed)

    def choose(self, case: SimCase, ledger: Ledger) -> str | None:
        """A random allowed officer."""
        allowed = self.hard.allowed(case, ledger.held_by)
        return self.rng.choice(allowed) if allowed else None


class Relationship(RoundRobin):
    """The status quo the center was criticised for: a share of cases (the favoured agency's, topped
    up at random) go to a favoured officer whenever free to take them, wherever the case is; round
    robin for the rest."""

    name = "relationship"

    def __init__(self, hard: HardRules, seed: int, share: float = 0.3) -> None:
        super().__init__(hard)
        scenario = hard.scenario
        self.favoured = favoured_officer(scenario.officers, scenario.head_office).officer_id
        rng = random.Random(seed)
        agency = [c.case_id for c in scenario.cases if c.agency_code == scenario.favoured_agency]
        others = [c.case_id for c in scenario.cases if c.agency_code != scenario.favoured_agency]
        wanted = round(share * len(scenario.cases))
        self.steered = set(rng.sample(agency, min(wanted, len(agency))))
        self.steered |= set(rng.sample(others, min(len(others), max(0, wanted - len(agency)))))

    def choose(self, case: SimCase, ledger: Ledger) -> str | None:
        """The favoured officer for a steered case unless a rule other than locality stops it."""
        if case.case_id in self.steered and set(self.hard.broken(case, self.favoured, ledger.held_by)) <= {"locality"}:
            return self.favoured
        return super().choose(case, ledger)


def favoured_officer(officers: list[Officer], head_office: str) -> Officer:
    """The longest-serving active criminal-law officer, not a leader, at a branch if there is one."""
    staff = [o for o in officers if o.active and not o.is_leader and o.handles("criminal")]
    away = [o for o in staff if o.branch_code != head_office]
    return min(away or staff, key=lambda o: (o.appointed_on, o.officer_id))


@dataclass(frozen=True)
class Run:
    """One policy's assignment of the year and the wall time of each of its calls."""

    policy: str
    assignment: dict[str, str | None]
    seconds: list[float]


def run_online(policy: Policy, scenario: Scenario) -> Run:
    """Give the year's cases to the policy one by one, in time order."""
    ledger = Ledger()
    assignment: dict[str, str | None] = {}
    seconds = []
    for case in scenario.cases:
        begin = time.perf_counter()
        officer_id = policy.choose(case, ledger)
        seconds.append(time.perf_counter() - begin)
        assignment[case.case_id] = officer_id
        if officer_id:
            ledger.record(case, officer_id)
    return Run(policy.name, assignment, seconds)
