"""Yearly case quotas (Official Letter 5008/BTP-TGPL) and leaders' reductions, as data."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


@dataclass(frozen=True)
class SeniorityBand:
    min_years: int
    meets: int
    good: int
    very_good: int


@dataclass(frozen=True)
class QuotaPolicy:
    """Quota bands by seniority, and reductions by leader role (fractions of the target)."""

    version: str
    bands: tuple[SeniorityBand, ...]
    leader_reduction: dict[str, float] = field(default_factory=dict)

    def band_for(self, appointed_on: date, on: date) -> SeniorityBand:
        """The band of an officer by full years since appointment on a given day."""
        years = on.year - appointed_on.year - ((on.month, on.day) < (appointed_on.month, appointed_on.day))
        eligible = [b for b in self.bands if years >= b.min_years]
        return max(eligible, key=lambda b: b.min_years) if eligible else self.bands[0]

    def yearly_target(self, appointed_on: date, leader_role: str | None, on: date) -> int:
        """The yearly proceedings-case target: the band's 'meets quota' floor less the leader reduction."""
        target = self.band_for(appointed_on, on).meets
        reduction = self.leader_reduction.get(leader_role or "", 0.0)
        return max(1, round(target * (1 - reduction)))


#: Official Letter 5008/BTP-TGPL (31/12/2021). Leader reductions are unconfirmed (DOMAIN.md):
#: placeholders to be replaced by the center's own figures.
QUOTA_2022 = QuotaPolicy(
    version="5008/BTP-TGPL:2022",
    bands=(
        SeniorityBand(min_years=0, meets=6, good=12, very_good=16),
        SeniorityBand(min_years=3, meets=10, good=15, very_good=21),
        SeniorityBand(min_years=5, meets=13, good=21, very_good=27),
    ),
    leader_reduction={"director": 0.5, "deputy_director": 0.3, "branch_head": 0.2},
)
