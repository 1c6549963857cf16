"""The evaluation rules as data: year, sampling, evaluated forms, rating scale, methods and criteria.

Loaded from a versioned JSON file (`services/evaluation/rules/`); DOMAIN.md marks the scale and
the criteria unconfirmed, so nothing here is a hard-coded number.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

RULES_DIR = Path(__file__).resolve().parent.parent / "rules"
DEFAULT_RULES_FILE = RULES_DIR / "evaluation-rules-v1.json"


@dataclass(frozen=True)
class Criterion:
    """One line of a method's checklist: passed when scored at least `pass_score` of `max_score`."""

    code: str
    label_vi: str
    max_score: int
    pass_score: int
    critical: bool = False

    def passed(self, score: int) -> bool:
        """Whether a score meets this criterion."""
        return score >= self.pass_score


@dataclass(frozen=True)
class Method:
    """A way of evaluating a case (appraisal of the file, a council, by result) with its checklist."""

    code: str
    label_vi: str
    criteria: tuple[Criterion, ...]

    def criterion(self, code: str) -> Criterion | None:
        """The criterion of this method with the given code, if any."""
        return next((c for c in self.criteria if c.code == code), None)

    @property
    def max_total(self) -> int:
        return sum(c.max_score for c in self.criteria)


@dataclass(frozen=True)
class Rating:
    """A step of the rating scale; `min_share` of the maximum score reaches it (None: the lowest step)."""

    code: str
    label_vi: str
    min_share: float | None


@dataclass(frozen=True)
class EvaluationRules:
    version: str
    year_start: tuple[int, int]
    sample_percent: float
    min_per_officer: int
    failed_lookback_years: int
    evaluated_forms: frozenset[str]
    evaluated_outcomes: frozenset[str]
    rating_scale: tuple[Rating, ...]
    methods: dict[str, Method]
    corrective_action_days: int

    @property
    def failing(self) -> Rating:
        """The lowest step of the scale: what a failed critical criterion gives."""
        return self.rating_scale[-1]

    def rating(self, code: str) -> Rating | None:
        """The step of the scale with this code, if any."""
        return next((r for r in self.rating_scale if r.code == code), None)

    def label(self, code: str) -> str:
        """The Vietnamese label of a rating code (the code itself when unknown)."""
        found = self.rating(code)
        return found.label_vi if found else code


def _public(mapping: dict) -> dict:
    return {k: v for k, v in mapping.items() if not k.startswith("_")}


def _criterion(raw: dict, method: str) -> Criterion:
    criterion = Criterion(code=raw["code"], label_vi=raw["label_vi"], max_score=int(raw["max_score"]),
                          pass_score=int(raw["pass_score"]), critical=bool(raw.get("critical", False)))
    if not 0 <= criterion.pass_score <= criterion.max_score or criterion.max_score <= 0:
        raise ValueError(f"{method}.{criterion.code}: need 0 <= pass_score <= max_score and max_score > 0")
    return criterion


def parse_rules(raw: dict) -> EvaluationRules:
    """Evaluation rules from their JSON form, checked for consistency."""
    month, day = (int(part) for part in raw["year_start"].split("-"))
    thresholds = {k: float(v) for k, v in _public(raw["rating_thresholds"]).items()}
    scale_raw = raw["rating_scale"]
    scale = tuple(Rating(r["code"], r["label_vi"], thresholds.get(r["code"]) if i < len(scale_raw) - 1 else None)
                  for i, r in enumerate(scale_raw))
    if len(scale) < 2 or any(r.min_share is None for r in scale[:-1]):
        raise ValueError("every rating but the last needs a threshold in rating_thresholds")
    shares = [r.min_share for r in scale[:-1]]
    if shares != sorted(shares, reverse=True) or not all(0 < s <= 1 for s in shares):
        raise ValueError("rating thresholds must fall from the best rating down, each in (0, 1]")
    methods = {}
    for code, spec in _public(raw["methods"]).items():
        criteria = tuple(_criterion(c, code) for c in spec["criteria"])
        if len({c.code for c in criteria}) != len(criteria) or not criteria:
            raise ValueError(f"method {code}: criteria codes must be unique and at least one")
        methods[code] = Method(code, spec["label_vi"], criteria)
    return EvaluationRules(
        version=raw["version"], year_start=(month, day), sample_percent=float(raw["sample_percent"]),
        min_per_officer=int(raw["min_per_officer"]), failed_lookback_years=int(raw.get("failed_lookback_years", 1)),
        evaluated_forms=frozenset(raw["evaluated_forms"]), evaluated_outcomes=frozenset(raw["evaluated_outcomes"]),
        rating_scale=scale, methods=methods, corrective_action_days=int(raw["corrective_action_days"]))


def load_rules(path: Path = DEFAULT_RULES_FILE) -> EvaluationRules:
    """Read and check a rules file."""
    return parse_rules(json.loads(path.read_text(encoding="utf-8")))
