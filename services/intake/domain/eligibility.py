"""Who is entitled (Law on Legal Aid Art. 7), decided from facts and papers, and what to do with a request.

Age groups come from the birth date on the day of the assessment, never from a claim. Each group
considered gets a finding naming the rule that decided it and the papers still missing, so staff
can see why. The functions suggest; a refusal is only ever made by staff (`refuse`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.intake.domain.rules import GroupRule, IntakeRules, RefusalGround, normalise_ethnicity
from shared.vocabulary import BeneficiaryGroup, ProceduralStatus

__all__ = [
    "EligibilityAssessment", "FindingStatus", "GroupFinding", "PersonFacts", "Refusal", "RefusalGround",
    "RefusalReasonMissing", "RequestDecision", "RequestOutcome", "age_on", "assess", "decide_request", "refuse",
]

_STATUS_VI = {
    ProceduralStatus.ARRESTED: "người bị bắt",
    ProceduralStatus.HELD_IN_CUSTODY: "người bị tạm giữ",
    ProceduralStatus.SUSPECT: "bị can",
    ProceduralStatus.DEFENDANT: "bị cáo",
    ProceduralStatus.VICTIM: "bị hại",
    ProceduralStatus.INVOLVED_PARTY: "đương sự",
    ProceduralStatus.WITNESS: "người làm chứng",
    ProceduralStatus.OTHER: "tư cách khác",
}


class FindingStatus(StrEnum):
    ESTABLISHED = "established"
    CLAIMED_UNPROVEN = "claimed_unproven"  # facts or papers still missing; may become established
    NOT_MET = "not_met"  # a known fact rules the group out


@dataclass(frozen=True)
class PersonFacts:
    """What is known about the person; `documents` are the proof-document codes received."""

    birth_date: date | None = None
    procedural_status: ProceduralStatus | None = None
    claimed_groups: frozenset[BeneficiaryGroup] = frozenset()
    documents: frozenset[str] = frozenset()
    ethnicity: str | None = None
    lives_in_hardship_area: bool | None = None

    def __post_init__(self) -> None:
        # Accept any iterable of codes from callers, but keep the value hashable and immutable.
        object.__setattr__(self, "claimed_groups", frozenset(BeneficiaryGroup(g) for g in self.claimed_groups))
        object.__setattr__(self, "documents", frozenset(self.documents))
        if self.procedural_status is not None:
            object.__setattr__(self, "procedural_status", ProceduralStatus(self.procedural_status))


@dataclass(frozen=True)
class GroupFinding:
    """The outcome for one group: status, the deciding rule, a Vietnamese explanation, what is missing."""

    group: BeneficiaryGroup
    status: FindingStatus
    rule: str
    explanation_vi: str
    missing_any_of: tuple[tuple[str, ...], ...] = ()  # each inner tuple: any one of these documents
    rules_checked: tuple[str, ...] = ()

    @property
    def missing(self) -> list[str]:
        """Document codes that would complete this group, in rule order, without repeats."""
        return _flatten(self.missing_any_of)


@dataclass(frozen=True)
class EligibilityAssessment:
    on: date
    findings: tuple[GroupFinding, ...]

    @property
    def entitled(self) -> bool:
        """Whether at least one group is established."""
        return any(f.status is FindingStatus.ESTABLISHED for f in self.findings)

    @property
    def established_groups(self) -> list[BeneficiaryGroup]:
        """The groups established, in Article 7 order."""
        return [f.group for f in self.findings if f.status is FindingStatus.ESTABLISHED]

    @property
    def missing_documents(self) -> list[str]:
        """Documents that would complete any group still unproven (even when another group is established)."""
        return _flatten(alt for f in self.findings if f.status is FindingStatus.CLAIMED_UNPROVEN
                        for alt in f.missing_any_of)

    @property
    def decided_by(self) -> list[str]:
        """Rule ids behind the result: the established groups' rules, or every finding's rule if none."""
        chosen = [f for f in self.findings if f.status is FindingStatus.ESTABLISHED] or list(self.findings)
        return list(dict.fromkeys(f.rule for f in chosen))

    def finding(self, group: BeneficiaryGroup) -> GroupFinding | None:
        """The finding for one group, if it was considered."""
        return next((f for f in self.findings if f.group == group), None)


def age_on(birth_date: date, on: date) -> int:
    """Age in whole years on `on`; a 29 February birthday is reached on 1 March in other years."""
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def assess(facts: PersonFacts, on: date, rules: IntakeRules) -> EligibilityAssessment:
    """Decide every group that is claimed or that the facts and papers point to."""
    findings = []
    for group in BeneficiaryGroup:  # Article 7 order, so staff always read groups in the same order
        checks = _checks(rules.groups[group], facts, on, rules)
        if group in facts.claimed_groups or _indicated(rules.groups[group], checks, facts):
            findings.append(_finding(group, checks, rules))
    return EligibilityAssessment(on=on, findings=tuple(findings))


# --- the checks behind one finding --------------------------------------------------------------------


@dataclass(frozen=True)
class _Check:
    outcome: str  # "met", "failed" or "unknown"
    rule: str
    explanation_vi: str
    missing_any_of: tuple[tuple[str, ...], ...] = ()
    from_fact: bool = False  # a fact (age, status, ethnicity), not a paper


def _checks(rule: GroupRule, facts: PersonFacts, on: date, rules: IntakeRules) -> list[_Check]:
    # Age first, then the group's own papers: an established finding is credited to the first check.
    checks = []
    if rule.age_band:
        checks.append(_age_check(rule, facts, on, rules))
    checks.extend(_proof_check(rule, alternatives, facts, rules) for alternatives in rule.proofs)
    if rule.procedural_statuses:
        checks.append(_status_check(rule, facts, rules))
    if rule.ethnic_minority_hardship:
        checks.extend(_ethnic_checks(rule, facts, rules))
    if rule.needs_financial_difficulty:
        checks.append(_financial_check(facts, rules))
    return checks


def _age_check(rule: GroupRule, facts: PersonFacts, on: date, rules: IntakeRules) -> _Check:
    band = rules.age_bands[rule.age_band]
    rule_id = rules.rule_id("age", band.code)
    if facts.birth_date is None or facts.birth_date > on:
        problem = "Chưa có ngày sinh" if facts.birth_date is None else f"Ngày sinh {_vi(facts.birth_date)} sau ngày xét"
        received = any(code in facts.documents for alternatives in rule.proofs for code in alternatives)
        return _Check("unknown", rule_id, f"{problem} nên chưa xác định được tuổi ({band.label_vi}).",
                      () if received else rule.proofs, from_fact=True)
    age = age_on(facts.birth_date, on)
    said = f"Sinh ngày {_vi(facts.birth_date)}, {age} tuổi vào ngày {_vi(on)}"
    if band.contains(age):
        return _Check("met", rule_id, f"{said}: {band.label_vi}.", from_fact=True)
    return _Check("failed", rule_id, f"{said}: không thuộc độ tuổi {band.label_vi}.", from_fact=True)


def _status_check(rule: GroupRule, facts: PersonFacts, rules: IntakeRules) -> _Check:
    rule_id = rules.rule_id("status", rule.group.value)
    wanted = ", ".join(_STATUS_VI[s] for s in ProceduralStatus if s in rule.procedural_statuses)
    status = facts.procedural_status
    if status is None:
        proofs = rules.procedural_status_proof_any_of
        received = any(code in facts.documents for code in proofs)
        return _Check("unknown", rule_id, f"Chưa rõ tư cách tố tụng (cần là {wanted}).",
                      () if received else (proofs,), from_fact=True)
    if status in rule.procedural_statuses:
        return _Check("met", rule_id, f"Tư cách tố tụng: {_STATUS_VI[status]}.", from_fact=True)
    return _Check("failed", rule_id, f"Tư cách tố tụng là {_STATUS_VI[status]}, không phải {wanted}.",
                  from_fact=True)


def _ethnic_checks(rule: GroupRule, facts: PersonFacts, rules: IntakeRules) -> list[_Check]:
    ethnic_id, area_id = rules.rule_id("ethnicity", "minority"), rules.rule_id("residence", "hardship_area")
    if facts.ethnicity is None or not facts.ethnicity.strip():
        ethnic = _Check("unknown", ethnic_id, "Chưa rõ dân tộc.", from_fact=True)
    elif normalise_ethnicity(facts.ethnicity) in rules.majority_ethnicities:
        ethnic = _Check("failed", ethnic_id, f"Dân tộc {facts.ethnicity.strip()}, không phải dân tộc thiểu số.",
                        from_fact=True)
    else:
        ethnic = _Check("met", ethnic_id, f"Dân tộc thiểu số ({facts.ethnicity.strip()}).", from_fact=True)
    if facts.lives_in_hardship_area is None:
        area = _Check("unknown", area_id, "Chưa rõ có cư trú ở vùng đặc biệt khó khăn hay không.", from_fact=True)
    elif facts.lives_in_hardship_area:
        area = _Check("met", area_id, "Cư trú ở vùng có điều kiện kinh tế - xã hội đặc biệt khó khăn.", from_fact=True)
    else:
        area = _Check("failed", area_id, "Không cư trú ở vùng có điều kiện kinh tế - xã hội đặc biệt khó khăn.",
                      from_fact=True)
    return [ethnic, area]


def _proof_check(rule: GroupRule, alternatives: tuple[str, ...], facts: PersonFacts, rules: IntakeRules) -> _Check:
    rule_id = rules.rule_id("proof", rule.group.value)
    received = [code for code in alternatives if code in facts.documents]
    if received:
        return _Check("met", rule_id, f"Đã có: {rules.document_label(received[0])}.")
    return _Check("unknown", rule_id, f"Thiếu giấy tờ: cần một trong: {_labels(alternatives, rules)}.",
                  (alternatives,))


def _financial_check(facts: PersonFacts, rules: IntakeRules) -> _Check:
    condition = rules.financial_difficulty
    rule_id = rules.rule_id("financial", "difficulty")
    received = [code for code in condition.proof_any_of if code in facts.documents]
    if received:
        return _Check("met", rule_id, f"{condition.label_vi}: {rules.document_label(received[0])}.")
    return _Check("unknown", rule_id,
                  f"Nhóm này chỉ được trợ giúp khi có khó khăn về tài chính; cần một trong: "
                  f"{_labels(condition.proof_any_of, rules)}.", (condition.proof_any_of,))


def _indicated(rule: GroupRule, checks: list[_Check], facts: PersonFacts) -> bool:
    """Whether an unclaimed group is worth showing: its facts all hold, or its own papers arrived."""
    if rule.derived_from_facts:
        facts_checks = [c for c in checks if c.from_fact]
        return all(c.outcome == "met" for c in facts_checks)
    return any(code in facts.documents for alternatives in rule.proofs for code in alternatives)


def _finding(group: BeneficiaryGroup, checks: list[_Check], rules: IntakeRules) -> GroupFinding:
    checked = tuple(dict.fromkeys(c.rule for c in checks))
    label = rules.groups[group].label_vi
    if failed := [c for c in checks if c.outcome == "failed"]:
        return GroupFinding(group, FindingStatus.NOT_MET, failed[0].rule,
                            f"Không thuộc nhóm {label}: {failed[0].explanation_vi}", rules_checked=checked)
    explanation = " ".join(c.explanation_vi for c in checks)
    if unknown := [c for c in checks if c.outcome == "unknown"]:
        missing = tuple(dict.fromkeys(alt for c in unknown for alt in c.missing_any_of))
        return GroupFinding(group, FindingStatus.CLAIMED_UNPROVEN, unknown[0].rule,
                            f"Chưa đủ căn cứ xác định thuộc nhóm {label}. {explanation}", missing, checked)
    return GroupFinding(group, FindingStatus.ESTABLISHED, checks[0].rule,
                        f"Thuộc nhóm {label}. {explanation}", rules_checked=checked)


# --- what to do with the request ----------------------------------------------------------------------


class RequestOutcome(StrEnum):
    ACCEPT = "accept"
    PAPERS_MISSING = "papers_missing"
    REFUSE_NOT_ELIGIBLE = "refuse_not_eligible"  # a suggestion: staff confirm every refusal


@dataclass(frozen=True)
class RequestDecision:
    outcome: RequestOutcome
    missing: tuple[str, ...] = ()  # for ACCEPT of an immediate case: papers to supplement afterwards
    ground: RefusalGround | None = None
    reasons_vi: tuple[str, ...] = ()
    decided_by: tuple[str, ...] = ()

    @property
    def needs_staff_confirmation(self) -> bool:
        """A suggested refusal is never final until a staff member confirms it with `refuse`."""
        return self.outcome is RequestOutcome.REFUSE_NOT_ELIGIBLE


def decide_request(assessment: EligibilityAssessment, papers_received: Iterable[str], rules: IntakeRules,
                   *, immediate: bool = False) -> RequestDecision:
    """Suggest accept, wait for missing papers, or refuse on ground (a); never grounds (b)-(d)."""
    papers = set(papers_received)
    missing_papers = tuple(item.code for item in rules.request_file
                           if item.required and not item.eligibility and item.code not in papers)
    papers_rule = rules.rule_id("request_file", "papers")
    if assessment.entitled:
        if not missing_papers:
            return RequestDecision(RequestOutcome.ACCEPT, decided_by=tuple(assessment.decided_by))
        if immediate and rules.center_clock.immediate_acceptance_allows_missing_papers:
            return RequestDecision(
                RequestOutcome.ACCEPT, missing_papers,
                reasons_vi=(f"Thụ lý ngay; bổ sung sau: {_labels(missing_papers, rules)}.",),
                decided_by=(*assessment.decided_by, rules.rule_id("immediate", "missing_papers")))
        return RequestDecision(RequestOutcome.PAPERS_MISSING, missing_papers,
                               reasons_vi=(f"Hồ sơ còn thiếu: {_labels(missing_papers, rules)}.",),
                               decided_by=(*assessment.decided_by, papers_rule))
    unproven = [f for f in assessment.findings if f.status is FindingStatus.CLAIMED_UNPROVEN]
    if unproven:
        missing = tuple(dict.fromkeys((*missing_papers, *assessment.missing_documents)))
        return RequestDecision(RequestOutcome.PAPERS_MISSING, missing,
                               reasons_vi=tuple(f.explanation_vi for f in unproven),
                               decided_by=tuple(assessment.decided_by))
    reasons = tuple(f.explanation_vi for f in assessment.findings) or (
        "Không có căn cứ nào cho thấy người yêu cầu thuộc diện được trợ giúp pháp lý (Điều 7 Luật Trợ giúp pháp lý).",)
    return RequestDecision(RequestOutcome.REFUSE_NOT_ELIGIBLE, ground=RefusalGround.A, reasons_vi=reasons,
                           decided_by=(*assessment.decided_by, rules.rule_id("refusal", "a")))


class RefusalReasonMissing(ValueError):
    """A refusal was attempted without the written reason the law requires."""

    def __init__(self) -> None:
        super().__init__("Văn bản từ chối trợ giúp pháp lý phải nêu rõ lý do.")


@dataclass(frozen=True)
class Refusal:
    ground: RefusalGround
    ground_text_vi: str
    reason_vi: str

    @property
    def text_vi(self) -> str:
        """The sentence written into the refusal letter."""
        return f"Từ chối thụ lý theo căn cứ ({self.ground.value}): {self.ground_text_vi}. Lý do: {self.reason_vi}"


def refuse(ground: RefusalGround, reason_vi: str, rules: IntakeRules) -> Refusal:
    """Record a staff member's written refusal on one of the four legal grounds."""
    ground = RefusalGround(ground)
    if not reason_vi or not reason_vi.strip():
        raise RefusalReasonMissing()
    return Refusal(ground, rules.refusal_grounds[ground], reason_vi.strip())


# --- small formatting ---------------------------------------------------------------------------------


def _vi(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _labels(codes: Iterable[str], rules: IntakeRules) -> str:
    return ", ".join(rules.document_label(code) for code in codes)


def _flatten(alternatives: Iterable[tuple[str, ...]]) -> list[str]:
    return list(dict.fromkeys(code for alt in alternatives for code in alt))
