"""Benchmark: tgpl's assignment policy over a simulated year, against the offline optimum and baselines.

`python -m deploy.bench.assignment [--officers 30] [--leaders 6] [--branches 5] [--cases 2000]
[--seed 1] [--big-officers 200] [--markdown]` simulates a center's year
(`assignment_scenario`), gives the cases to officers in time order by each policy
(`assignment_policies`), and prints for each the load imbalance (weighted load over the
quota-adjusted yearly target), the hard rules broken (counted by an independent checker,
`assignment_check`) and the time per decision; the offline optimum (`assignment_optimum`, needs
PuLP: `pip install -e '.[bench]'`) is the limit. Then tgpl alone at a center of `--big-officers`.
A benchmark, never a timed test.
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import time
from collections import defaultdict
from dataclasses import dataclass, field

from deploy.bench.assignment_check import RULES_BROKEN, Check, HardRules, check
from deploy.bench.assignment_policies import RandomAllowed, Relationship, RoundRobin, Tgpl, run_online
from deploy.bench.assignment_scenario import Scenario, generate
from services.assignment.domain.rules import AssignmentRules, load_rules

#: tgpl's targets: its worst load / target within 10% of the optimum's, no rule broken, fast at scale.
WITHIN_OPTIMUM = 1.10
P99_LIMIT_MS = 5.0
HEADER = ["policy", "assigned", "left", "max load/target", "CV", "leaders÷others", "violations",
          "out of order", "p50 ms", "p99 ms"]


@dataclass(frozen=True)
class Balance:
    """Load / target over active officers: the worst, the spread, and leaders against the others."""

    max_ratio: float
    cv: float
    leaders_vs_others: float | None


def balance(scenario: Scenario, assignment: dict[str, str | None]) -> Balance:
    """How evenly an assignment loads the active officers against their targets."""
    loads: dict[str, float] = defaultdict(float)
    for case in scenario.cases:
        officer_id = assignment.get(case.case_id)
        if officer_id:
            loads[officer_id] += case.weight
    ratios = {o.officer_id: loads[o.officer_id] / scenario.targets[o.officer_id]
              for o in scenario.officers if o.active}
    mean = statistics.fmean(ratios.values())
    groups = {leader: [ratios[o.officer_id] for o in scenario.officers if o.active and o.is_leader == leader]
              for leader in (True, False)}
    others = statistics.fmean(groups[False]) if groups[False] else 0.0
    versus = statistics.fmean(groups[True]) / others if groups[True] and others else None
    return Balance(max(ratios.values()), statistics.pstdev(ratios.values()) / mean if mean else 0.0, versus)


def percentile(values: list[float], share: float) -> float:
    """The nearest-rank percentile of the values (share 0.5 for the median, 0.99 for p99)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(share * len(ordered)) - 1)]


def _ms(values: list[float], share: float) -> str:
    return f"{percentile(values, share) * 1000:.3f}"


@dataclass(frozen=True)
class Row:
    """One policy's line in the report."""

    policy: str
    assigned: int
    left: int
    balance: Balance
    check: Check
    seconds: list[float] | None

    def cells(self) -> list[str]:
        """The row as the table prints it."""
        broken = ", ".join(f"{rule} {self.check.by_rule[rule]}" for rule in RULES_BROKEN if self.check.by_rule[rule])
        versus = self.balance.leaders_vs_others
        return [self.policy, f"{self.assigned:,}", f"{self.left:,}", f"{self.balance.max_ratio:.3f}",
                f"{self.balance.cv:.3f}", f"{versus:.3f}" if versus is not None else "—",
                f"{self.check.violations:,}" + (f" ({broken})" if broken else ""), f"{self.check.order:,}",
                *([_ms(self.seconds, 0.5), _ms(self.seconds, 0.99)] if self.seconds else ["—", "—"])]


def measure(policy: str, hard: HardRules, assignment: dict[str, str | None], seconds: list[float] | None) -> Row:
    """Measure one policy's assignment of the year."""
    assigned = sum(1 for case in hard.scenario.cases if assignment.get(case.case_id))
    return Row(policy, assigned, len(hard.scenario.cases) - assigned, balance(hard.scenario, assignment),
               check(hard, assignment), seconds)


@dataclass
class Report:
    """Tables, targets and notes, in the order they are printed."""

    tables: list[tuple[str, list[Row]]] = field(default_factory=list)
    targets: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def render(self, markdown: bool) -> str:
        """The report as plain text, or Markdown."""
        bullet = "- " if markdown else "  "
        parts = []
        for title, rows in self.tables:
            parts += [title, "", render_table(HEADER, [r.cells() for r in rows], markdown), ""]
        parts += ["Targets", "", *(bullet + t for t in self.targets), "", "Notes", "",
                  *(bullet + n for n in self.notes)]
        return "\n".join(parts)


def render_table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    """A table as aligned plain text, or as Markdown."""
    if markdown:
        lines = [header, ["---"] + ["---:"] * (len(header) - 1), *rows]
        return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [header, ["-" * w for w in widths], *rows]
    return "\n".join("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))
                     for cells in lines)


def describe(scenario: Scenario, hard: HardRules) -> str:
    """One sentence on what was simulated."""
    officers, cases = scenario.officers, scenario.cases
    absences = [a for o in officers for a in o.absences]
    pairs = sum(len(v) for v in hard.opposed.values()) // 2
    related = sum(1 for c in cases if hard.related[c.case_id])
    return (f"{len(officers)} officers ({sum(o.active for o in officers)} active, "
            f"{sum(o.is_leader for o in officers)} leaders) over {len(scenario.branch_names)} branches; "
            f"{len(cases):,} cases in {scenario.year} ({sum(c.urgent for c in cases):,} urgent, "
            f"{sum(c.field == 'criminal' for c in cases):,} criminal); {len(absences):,} absences "
            f"({sum(a.kind == 'maternity' for a in absences)} maternity); "
            f"{sum(len(o.duty) for o in officers):,} duty shifts; {pairs} pairs of opposed cases; "
            f"{related} cases naming a person an officer declared a relationship with.")


def _met(ok: bool) -> str:
    return "met" if ok else "NOT met"


def _with_conflicts(tgpl: Tgpl) -> str:
    seconds = tgpl.with_conflicts_seconds
    return (f"tgpl at {len(tgpl.scenario.officers)} officers, `conflicts` (over all the cases held so far) "
            f"and `decide`: p50 {_ms(seconds, 0.5)} ms, p99 {_ms(seconds, 0.99)} ms.")


def _against_optimum(report: Report, hard: HardRules, tgpl: Row, seconds: float) -> Row | None:
    """Solve the offline optimum and compare tgpl's worst load / target with it."""
    try:
        from deploy.bench.assignment_optimum import solve
    except ImportError:
        report.targets.append("tgpl against the optimum: not measured, PuLP is not installed "
                              "(`pip install -e '.[bench]'`).")
        return None
    optimum = solve(hard, seconds=seconds)
    gap = f" (gap ≤ {optimum.gap:.2%})" if optimum.gap else ""
    spread = (f"; the spread, Σ |load/target − mean|, {optimum.spread:.2f} against the LP bound "
              f"{optimum.spread_bound:.2f} at that max" if optimum.spread is not None else "")
    report.notes.append(
        f"Optimum: {optimum.variables:,} variables, {optimum.seconds:.0f} s, CBC {optimum.status}: max load/target "
        f"{optimum.max_ratio or 0:.4f} against the LP bound {optimum.lp_bound:.4f}{gap}{spread}.")
    if optimum.max_ratio is None:
        return None
    row = measure("optimum (offline ILP)", hard, optimum.assignment, None)
    within = tgpl.balance.max_ratio / row.balance.max_ratio
    report.targets.append(f"tgpl's max load/target ÷ the optimum's: {within:.3f} (≤ {WITHIN_OPTIMUM:.2f}): "
                          f"{_met(within <= WITHIN_OPTIMUM)}; ÷ the LP bound: "
                          f"{tgpl.balance.max_ratio / optimum.lp_bound:.3f}.")
    return row


def compare(report: Report, scenario: Scenario, rules: AssignmentRules, *, seed: int,
            optimum_seconds: float) -> None:
    """tgpl, the offline optimum and the baselines on one scenario."""
    hard = HardRules(scenario)
    tgpl = Tgpl(scenario, rules)
    rows = [measure(tgpl.name, hard, run_online(tgpl, scenario).assignment, tgpl.decide_seconds)]
    report.notes += [describe(scenario, hard),
                     f"tgpl's p50/p99 time the `decide` call alone: per case, the best of {tgpl.repeat} calls.",
                     _with_conflicts(tgpl)]
    optimum = _against_optimum(report, hard, rows[0], optimum_seconds)
    rows += [optimum] if optimum else []
    for policy in (RoundRobin(hard), RandomAllowed(hard, seed), Relationship(hard, seed)):
        run = run_online(policy, scenario)
        rows.append(measure(policy.name, hard, run.assignment, run.seconds))
    report.targets.append(f"tgpl's hard-rule violations: {rows[0].check.violations} (0): "
                          f"{_met(rows[0].check.violations == 0)}.")
    report.tables.append((f"Assignment over one simulated year (seed {seed})", rows))


def scale(report: Report, scenario: Scenario, rules: AssignmentRules) -> None:
    """tgpl alone on a large center: decision time, balance and rules."""
    hard = HardRules(scenario)
    tgpl = Tgpl(scenario, rules)
    officers = len(scenario.officers)
    report.tables.append((f"tgpl at {officers} officers", [measure(
        f"tgpl, {officers} officers", hard, run_online(tgpl, scenario).assignment, tgpl.decide_seconds)]))
    p99 = percentile(tgpl.decide_seconds, 0.99) * 1000
    report.targets.append(f"tgpl's `decide` p99 at {officers} officers: {p99:.3f} ms (< {P99_LIMIT_MS:g} ms): "
                          f"{_met(p99 < P99_LIMIT_MS)}.")
    report.notes += [describe(scenario, hard), _with_conflicts(tgpl)]


def main() -> None:
    """Parse the arguments, run the benchmark and print the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--officers", type=int, default=30)
    parser.add_argument("--leaders", type=int, default=6)
    parser.add_argument("--branches", type=int, default=5, help="including the head office")
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--big-officers", type=int, default=200, help="tgpl alone at this size; 0 to skip")
    parser.add_argument("--optimum-seconds", type=float, default=90.0, help="CBC's time limit for the optimum")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables")
    args = parser.parse_args()
    started = time.perf_counter()
    rules = load_rules()
    report = Report()
    sizes = dict(leaders=args.leaders, branches=args.branches, cases=args.cases, seed=args.seed)
    compare(report, generate(rules, officers=args.officers, **sizes), rules, seed=args.seed,
            optimum_seconds=args.optimum_seconds)
    if args.big_officers:
        scale(report, generate(rules, officers=args.big_officers, **sizes), rules)
    report.notes.append(f"{time.perf_counter() - started:.0f} s in all on {os.cpu_count()} CPUs "
                        f"(load average {os.getloadavg()[0]:.1f}).")
    print(report.render(args.markdown))


if __name__ == "__main__":
    main()
