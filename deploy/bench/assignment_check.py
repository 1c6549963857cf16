"""The hard rules of assignment, written a second time for the benchmark, and a checker that counts
the cases given against them.

Deliberately independent of `services/assignment/domain/policy.py` and `conflicts.py`: the
benchmark must not take the policy's word. An officer may take a case when active, not absent
that day, free of conflict (a declared relationship with a party; a case on the other side of the
same matter, or against the same person, held before) and handling the field, in the locality
chain: the case's branch when anyone there may take it, else the head office. An urgent case
goes to someone on the duty roster at that moment, in the first locality of the chain that has
one, when there is one; skipping that order is counted apart ("order"), it is not a hard rule.
"""

from __future__ import annotations

import bisect
import itertools
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from deploy.bench.assignment_scenario import Scenario, SimCase
from services.assignment.domain.conflicts import Party
from services.assignment.domain.roster import Officer

RULES_BROKEN = ("inactive", "absent", "conflict", "locality", "field")


def _fold(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def same_person(a: Party, b: Party) -> bool:
    """Two records are one person: equal citizen IDs when both have one, else equal names."""
    if a.national_id and b.national_id:
        return a.national_id == b.national_id
    return bool(a.full_name.strip()) and _fold(a.full_name) == _fold(b.full_name)


def opposed_cases(cases: list[SimCase]) -> dict[str, frozenset[str]]:
    """For each case, the cases whose holder may not take it: the other side of a shared matter, or
    a case whose beneficiary is this case's opposing party (or the reverse)."""
    found: dict[str, set[str]] = defaultdict(set)
    by_matter: dict[str, list[SimCase]] = defaultdict(list)
    by_name: dict[str, list[tuple[bool, SimCase, Party]]] = defaultdict(list)
    for case in cases:
        for key in case.parties.matter_keys:
            by_matter[key].append(case)
        if case.parties.beneficiary:
            by_name[_fold(case.parties.beneficiary.full_name)].append((True, case, case.parties.beneficiary))
        for party in case.parties.opposing:
            by_name[_fold(party.full_name)].append((False, case, party))
    for group in by_matter.values():
        for a, b in itertools.combinations(group, 2):
            if a.parties.side and b.parties.side and a.parties.side != b.parties.side:
                found[a.case_id].add(b.case_id)
                found[b.case_id].add(a.case_id)
    for group in by_name.values():
        for (a_aided, a, pa), (b_aided, b, pb) in itertools.product(group, group):
            if a_aided and not b_aided and a.case_id != b.case_id and same_person(pa, pb):
                found[a.case_id].add(b.case_id)
                found[b.case_id].add(a.case_id)
    return {case.case_id: frozenset(found.get(case.case_id, ())) for case in cases}


@dataclass(frozen=True)
class Check:
    """What the checker found in one policy's assignment."""

    #: Cases given against at least one hard rule, and how often each rule was broken.
    violations: int
    by_rule: Counter
    #: Cases given within the rules but out of their order (duty roster, branch before head office).
    order: int
    #: Cases left unassigned although someone could have taken them.
    missed: int


class HardRules:
    """What the hard rules allow for each case of a scenario; the history-free part is computed once."""

    def __init__(self, scenario: Scenario) -> None:
        self.scenario = scenario
        self.officers = {o.officer_id: o for o in scenario.officers}
        self.opposed = opposed_cases(scenario.cases)
        self._shift_starts = {o.officer_id: [s.start for s in o.duty] for o in scenario.officers}
        self._free: dict[str, dict[str, list[str]]] = {}
        self._duty: dict[str, frozenset[str]] = {}
        #: For each case, the officers who declared a relationship with one of its people.
        self.related: dict[str, frozenset[str]] = {}
        for case in scenario.cases:
            breaks = {o: self._static_breaks(case, self.officers[o]) for o in sorted(self.officers)}
            self.related[case.case_id] = frozenset(o for o, rules in breaks.items() if "conflict" in rules)
            free = [o for o, rules in breaks.items() if not rules]
            self._free[case.case_id] = {loc: [o for o in free if self.officers[o].branch_code == loc]
                                        for loc in self.chain(case)}
            self._duty[case.case_id] = frozenset(o for o in free if self._on_duty(self.officers[o], case.at))

    def chain(self, case: SimCase) -> list[str]:
        """The localities that may serve the case, in order: its branch, then the head office."""
        return list(dict.fromkeys(b for b in (case.branch_code, self.scenario.head_office) if b))

    def tiers(self, case: SimCase) -> list[list[str]]:
        """Who may take the case before conflicts with held cases, in the order the rules try them:
        for an urgent case those on duty at its branch, then at the head office; then anyone free
        at its branch, then at the head office. Only non-empty tiers, each officer in their first."""
        free = self._free[case.case_id]
        duty = self._duty[case.case_id]
        levels = [[o for o in ids if o in duty] for ids in free.values()] if case.urgent else []
        seen: set[str] = set()
        tiers = []
        for ids in levels + list(free.values()):
            tier = [o for o in ids if o not in seen]
            seen.update(tier)
            if tier:
                tiers.append(tier)
        return tiers

    def allowed(self, case: SimCase, held_by: Mapping[str, set[str]]) -> list[str]:
        """The officers the rules allow for the case, given the cases each officer already holds:
        the first tier with anyone left once those holding an opposed case are taken out."""
        opposed = self.opposed[case.case_id]
        for tier in self.tiers(case):
            ids = [o for o in tier if not opposed & held_by.get(o, set())]
            if ids:
                return ids
        return []

    def broken(self, case: SimCase, officer_id: str, held_by: Mapping[str, set[str]]) -> list[str]:
        """The hard rules broken by giving the case to the officer."""
        officer = self.officers[officer_id]
        broken = self._static_breaks(case, officer)
        if "conflict" not in broken and self.opposed[case.case_id] & held_by.get(officer_id, set()):
            broken.append("conflict")
        if officer.branch_code not in self.chain(case):
            broken.append("locality")
        return sorted(broken, key=RULES_BROKEN.index)

    def _static_breaks(self, case: SimCase, officer: Officer) -> list[str]:
        """The rules broken whatever the history (the locality aside)."""
        broken = []
        if not officer.active:
            broken.append("inactive")
        if _absent(officer, case.at.date()):
            broken.append("absent")
        people = [p for p in (case.parties.beneficiary, *case.parties.opposing) if p]
        if any(same_person(Party(r.full_name, r.national_id), p) for r in officer.relationships for p in people):
            broken.append("conflict")
        if case.field not in officer.fields:
            broken.append("field")
        return broken

    def _on_duty(self, officer: Officer, moment: datetime) -> bool:
        index = bisect.bisect_right(self._shift_starts[officer.officer_id], moment) - 1
        return index >= 0 and moment < officer.duty[index].end


def _absent(officer: Officer, day: date) -> bool:
    return any(a.start <= day <= a.end for a in officer.absences)


def check(rules: HardRules, assignment: Mapping[str, str | None]) -> Check:
    """Replay an assignment in time order and count the cases given against the hard rules."""
    held_by: dict[str, set[str]] = defaultdict(set)
    by_rule: Counter = Counter()
    violations = order = missed = 0
    for case in rules.scenario.cases:
        officer_id = assignment.get(case.case_id)
        if officer_id is None:
            missed += bool(rules.allowed(case, held_by))
            continue
        broken = rules.broken(case, officer_id, held_by)
        if broken:
            violations += 1
            by_rule.update(broken)
        elif officer_id not in rules.allowed(case, held_by):
            order += 1
        held_by[officer_id].add(case.case_id)
    return Check(violations, by_rule, order, missed)
