"""A rating from a checklist's scores: the share of the maximum against the thresholds, and any
failed critical criterion means the lowest rating. Each step is a line staff can read."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from services.evaluation.domain.rules import EvaluationRules, Method


class MissingScores(ValueError):
    """The checklist is not complete: these criteria have no score yet."""

    def __init__(self, codes: list[str]) -> None:
        super().__init__(", ".join(codes))
        self.codes = codes


@dataclass(frozen=True)
class RatingResult:
    code: str
    label_vi: str
    total: int
    max_total: int
    share: float
    failed: tuple[str, ...]
    critical_failed: tuple[str, ...]
    lines: tuple[str, ...]


def score_problem(method: Method, code: str, score: int) -> str | None:
    """Why a score cannot be recorded for a criterion of the method, in Vietnamese; None when it can."""
    criterion = method.criterion(code)
    if criterion is None:
        return f"Tiêu chí {code} không thuộc phương pháp {method.label_vi}."
    if not 0 <= score <= criterion.max_score:
        return f"Điểm của tiêu chí {code} phải từ 0 đến {criterion.max_score}."
    return None


def missing_scores(method: Method, scores: Mapping[str, int]) -> list[str]:
    """The criteria of the method with no score, in checklist order."""
    return [c.code for c in method.criteria if c.code not in scores]


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%".replace(".", ",")


def rate(method: Method, scores: Mapping[str, int], rules: EvaluationRules) -> RatingResult:
    """The rating of a fully scored checklist; raises MissingScores when a criterion has none."""
    missing = missing_scores(method, scores)
    if missing:
        raise MissingScores(missing)
    total = sum(scores[c.code] for c in method.criteria)
    share = total / method.max_total
    failed = tuple(c.code for c in method.criteria if not c.passed(scores[c.code]))
    critical = tuple(c.code for c in method.criteria if c.critical and c.code in failed)
    labels = {c.code: c.label_vi for c in method.criteria}
    lines = [f"Tổng điểm {total}/{method.max_total} ({_pct(share)}) theo phương pháp {method.label_vi}."]
    if failed:
        lines.append("Tiêu chí không đạt: " + "; ".join(labels[code] for code in failed) + ".")
    if critical:
        rating = rules.failing
        lines.append(f"Có tiêu chí bắt buộc không đạt ({'; '.join(labels[code] for code in critical)}): "
                     f"xếp loại {rating.label_vi}.")
    else:
        rating = next(r for r in rules.rating_scale if r.min_share is None or share >= r.min_share)
        if rating.min_share is None:
            lines.append(f"Dưới ngưỡng {_pct(rules.rating_scale[-2].min_share or 0)}: xếp loại {rating.label_vi}.")
        else:
            lines.append(f"Đạt từ {_pct(rating.min_share)} điểm tối đa: xếp loại {rating.label_vi}.")
    return RatingResult(rating.code, rating.label_vi, total, method.max_total, round(share, 4), failed, critical,
                        tuple(lines))
