"""The assignment benchmark at a tiny size: its checker, its policies and its optimum are right.

Correctness only; the benchmark's timings are never asserted.
"""

from datetime import date, datetime, timedelta

import pytest

from deploy.bench.assignment import balance
from deploy.bench.assignment_check import HardRules, check
from deploy.bench.assignment_policies import RandomAllowed, Relationship, RoundRobin, Run, Tgpl, run_online
from deploy.bench.assignment_scenario import LOCAL_TZ, Scenario, SimCase, generate
from services.assignment.domain.conflicts import CaseParties, Party
from services.assignment.domain.roster import Absence, DutyShift, Officer, Relationship as Declared
from services.assignment.domain.rules import load_rules

pytestmark = pytest.mark.filterwarnings("ignore:.*PuLP 4.0:DeprecationWarning")
RULES = load_rules()
SIZE = dict(officers=8, leaders=2, branches=2, cases=60, seed=3)


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return generate(RULES, **SIZE)


@pytest.fixture(scope="module")
def hard(scenario: Scenario) -> HardRules:
    return HardRules(scenario)


@pytest.fixture(scope="module")
def tgpl(scenario: Scenario) -> Run:
    return run_online(Tgpl(scenario, RULES), scenario)


def test_the_same_seed_gives_the_same_year(scenario: Scenario):
    assert generate(RULES, **SIZE) == scenario
    assert generate(RULES, **{**SIZE, "seed": 4}) != scenario


def test_the_year_has_what_the_rules_need(scenario: Scenario, hard: HardRules):
    assert [c.at for c in scenario.cases] == sorted(c.at for c in scenario.cases)
    assert any(c.urgent for c in scenario.cases) and any(o.duty for o in scenario.officers)
    assert any(o.absences for o in scenario.officers)
    assert any(hard.opposed.values())


def test_the_checker_finds_no_rule_broken_by_tgpl(hard: HardRules, tgpl: Run):
    found = check(hard, tgpl.assignment)
    assert (found.violations, found.order) == (0, 0)


def test_every_case_is_assigned_or_nobody_could_take_it(scenario: Scenario, hard: HardRules, tgpl: Run):
    for policy in (RoundRobin(hard), RandomAllowed(hard, seed=1)):
        run = run_online(policy, scenario)
        assert set(run.assignment) == {c.case_id for c in scenario.cases}
        assert check(hard, run.assignment).missed == 0
    assert set(tgpl.assignment) == {c.case_id for c in scenario.cases}
    assert check(hard, tgpl.assignment).missed == 0


def test_the_checker_counts_the_localities_the_relationship_policy_breaks(scenario: Scenario, hard: HardRules):
    policy = Relationship(hard, seed=1)
    run = run_online(policy, scenario)
    found = check(hard, run.assignment)
    favoured = hard.officers[policy.favoured]
    away = [c for c in scenario.cases if run.assignment[c.case_id] == policy.favoured
            and favoured.branch_code not in hard.chain(c)]
    assert away and found.by_rule["locality"] == len(away) == found.violations


def test_the_optimum_is_never_worse_than_tgpl(scenario: Scenario, hard: HardRules, tgpl: Run):
    pytest.importorskip("pulp")
    from deploy.bench.assignment_optimum import solve

    optimum = solve(hard, seconds=30)
    assert optimum.status == "optimal"  # at this size CBC proves it, so the answer is the same every run
    assert balance(scenario, optimum.assignment).max_ratio <= balance(scenario, tgpl.assignment).max_ratio + 1e-6
    found = check(hard, optimum.assignment)
    assert (found.violations, found.order) == (0, 0)
    assert sum(1 for o in optimum.assignment.values() if o) == sum(1 for o in tgpl.assignment.values() if o)


def _officer(officer_id: str, branch: str = "HQ", fields: tuple[str, ...] = ("criminal",), **changes) -> Officer:
    return Officer(officer_id, officer_id, branch, fields, date(2015, 1, 1), **changes)


def test_the_checker_names_each_rule_broken():
    day = date(2026, 3, 2)
    at = datetime(2026, 3, 2, 9, tzinfo=LOCAL_TZ)
    victim, accused = Party("Trần Thị Lan", "052190001234"), Party("Lê Văn Hùng", "052085000001")
    officers = [_officer("free"), _officer("inactive", active=False),
                _officer("absent", absences=(Absence(day, day, "training"),)),
                _officer("related", relationships=(Declared("trần  thị lan", None, "em ruột"),)),
                _officer("elsewhere", branch="CN-B"), _officer("civil", fields=("civil",)),
                _officer("on_duty", duty=(DutyShift(at - timedelta(hours=2), at + timedelta(hours=22)),))]
    matter = frozenset({"csdt-tinh|1/2026/csđt"})
    defence = SimCase("c-1", at, "criminal", "investigation", "held_in_custody", "HQ", "CSDT-TINH", True, 1.0,
                      CaseParties(accused, (victim,), matter, "accused"))
    aid = SimCase("c-2", at + timedelta(hours=1), "criminal", "investigation", "victim", "HQ", "CSDT-TINH", False,
                  1.0, CaseParties(victim, (accused,), matter, "victim"))
    hard = HardRules(Scenario(2026, "HQ", {"HQ": "Trụ sở"}, officers, {o.officer_id: 6.0 for o in officers},
                              [defence, aid]))
    assert {o: hard.broken(defence, o, {}) for o in hard.officers} == {
        "free": [], "inactive": ["inactive"], "absent": ["absent"], "related": ["conflict"],
        "elsewhere": ["locality"], "civil": ["field"], "on_duty": []}
    assert hard.allowed(defence, {}) == ["on_duty"]  # urgent: the duty roster first
    assert hard.broken(aid, "on_duty", {"on_duty": {"c-1"}}) == ["conflict"]  # the other side of the matter
    assert check(hard, {"c-1": "free", "c-2": "civil"}).by_rule == {"field": 1}
    assert check(hard, {"c-1": "free", "c-2": "free"}).by_rule == {"conflict": 1}
    assert check(hard, {"c-1": "free", "c-2": "on_duty"}).order == 1
