"""The assignment rules as data: quota bands per year, exemptions, case weights, group balance.

Loaded from a versioned JSON file (`services/assignment/rules/`); nothing here is a hard-coded number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
DEFAULT_RULES_FILE = RULES_DIR / "assignment-rules-v1.json"
#: Days, quota years and duty shifts are the center's local time.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")


@dataclass(frozen=True)
class SeniorityBand:
    min_years: int
    meets: int
    good: int
    very_good: int


@dataclass(frozen=True)
class QuotaYear:
    """The quota bands of one year and the leaders' reductions (fractions of the target)."""

    year: int
    source: str
    bands: tuple[SeniorityBand, ...]
    leader_reduction: dict[str, float] = field(default_factory=dict)

    def band_for(self, years_served: int) -> SeniorityBand:
        eligible = [b for b in self.bands if years_served >= b.min_years]
        return max(eligible, key=lambda b: b.min_years) if eligible else min(self.bands, key=lambda b: b.min_years)


@dataclass(frozen=True)
class AssignmentRules:
    version: str
    rule_name: str
    quota_years: dict[int, QuotaYear]
    absence_exemption: dict[str, float]
    case_weights: dict[str, dict[str, float]]
    default_weight: float = 1.0
    group_balance: float = 0.0
    opposing_sides: dict[str, frozenset[str]] = field(default_factory=dict)

    def quota_year(self, year: int) -> QuotaYear:
        """The quota of a year: its own entry, else the latest earlier one, else the earliest."""
        earlier = [y for y in self.quota_years if y <= year]
        return self.quota_years[max(earlier) if earlier else min(self.quota_years)]

    def weight(self, case_field: str, stage: str | None) -> float:
        """The weight of one case in an officer's load, by field and stage."""
        by_stage = self.case_weights.get(case_field, {})
        if stage and stage in by_stage:
            return by_stage[stage]
        return by_stage.get("default", self.default_weight)

    def side_of(self, procedural_status: str | None) -> str | None:
        """Which side of a criminal matter a procedural status stands on, if any."""
        return next((side for side, statuses in self.opposing_sides.items() if procedural_status in statuses), None)


def _public(mapping: dict) -> dict:
    return {k: v for k, v in mapping.items() if not k.startswith("_")}


def parse_rules(raw: dict) -> AssignmentRules:
    years = {}
    for year, spec in _public(raw["quota_years"]).items():
        years[int(year)] = QuotaYear(
            year=int(year), source=spec["source"],
            bands=tuple(SeniorityBand(**b) for b in spec["bands"]),
            leader_reduction={k: float(v) for k, v in _public(spec.get("leader_reduction", {})).items()})
    weights = _public(raw.get("case_weights", {}))
    default_weight = float(weights.pop("default", 1.0))
    return AssignmentRules(
        version=raw["version"], rule_name=raw["rule_name"], quota_years=years,
        absence_exemption={k: float(v) for k, v in _public(raw.get("absence_exemption", {})).items()},
        case_weights={f: {s: float(w) for s, w in _public(v).items()} for f, v in weights.items()},
        default_weight=default_weight,
        group_balance=float(_public(raw.get("group_balance", {})).get("factor", 0.0)),
        opposing_sides={k: frozenset(v) for k, v in _public(raw.get("opposing_sides", {})).items()},
    )


def load_rules(path: Path = DEFAULT_RULES_FILE) -> AssignmentRules:
    return parse_rules(json.loads(path.read_text(encoding="utf-8")))
