"""Internal events exchanged between tgpl services. Past tense, frozen, additive changes only."""

from __future__ import annotations

from datetime import date
from typing import ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from shared.envelope import Event
from shared.external import FieldError
from shared.vocabulary import AgencyKind, AidForm, CaseField, Gender, ProceduralStatus, RequestChannel


# --- intake -------------------------------------------------------------------------------------


class NoticeReceived(Event):
    """A valid agency referral notice was stored (first time, or a higher revision)."""

    TYPE: ClassVar[str] = "intake.notice_received"

    notice_key: str = Field(description="`<agency.code>:<notice_id>`, the notice's identity.")
    revision: int
    agency_code: str
    agency_kind: AgencyKind
    agency_known: bool = Field(description="False when the code is missing from reference data.")
    sent_at: AwareDatetime
    request_received_at: AwareDatetime | None
    procedural_status: ProceduralStatus
    wants_legal_aid: bool
    field: CaseField
    commune_code: str | None
    commune_known: bool
    gender: Gender
    claimed_groups: list[str] = Field(default_factory=list)
    late: bool = Field(description="Sent after the 12 h / 24 h deadline from request_received_at.")
    deadline_hours: int | None = None
    person_id: str | None = Field(default=None, description="The person the notice is about, after matching.")
    established_groups: list[str] = Field(default_factory=list, description="Article 7 groups proved by facts.")
    entitled: bool | None = Field(default=None, description="Entitled to legal aid by the established facts.")


class NoticeRejected(Event):
    """An inbound notice did not parse or broke a rule; it is kept with its reasons."""

    TYPE: ClassVar[str] = "intake.notice_rejected"

    rejection_id: str
    agency_code: str | None
    notice_id: str | None
    received_at: AwareDatetime
    errors: list[FieldError]


class PartyRef(BaseModel):
    """A party to a case as conflict-of-interest checks see it."""

    model_config = ConfigDict(frozen=True)

    full_name: str
    national_id: str | None = None


class CaseOpened(Event):
    """A request was accepted into the case register (thụ lý)."""

    TYPE: ClassVar[str] = "intake.case_opened"

    case_id: str
    register_no: str
    channel: RequestChannel
    notice_key: str | None = None
    agency_code: str | None = None
    field: CaseField
    commune_code: str | None
    branch_code: str | None = Field(description="Branch serving the commune; None when unmapped.")
    gender: Gender
    birth_date: date | None = None
    groups: list[str] = Field(default_factory=list)
    procedural_status: ProceduralStatus | None = None
    urgent: bool = False
    stage: str = Field(default="request", description="Stage at which the case reached the center: "
                       "`investigation`, `prosecution`, `trial`, `detention` (a notice) or `request`.")
    agency_case_ref: str | None = Field(default=None, description="The agency's case number; parties of one "
                                        "matter share it (conflict of interest).")
    person_id: str | None = Field(default=None, description="The beneficiary's person record.")
    beneficiary: PartyRef | None = Field(default=None, description="Who the case is for, for conflict checks.")
    opposing_parties: list[PartyRef] = Field(default_factory=list,
                                             description="Parties with interests opposed to the beneficiary's.")
    form: AidForm = Field(default=AidForm.PROCEEDINGS, description="Form of legal aid; a notice is proceedings.")


class CaseNoticeLinked(Event):
    """A notice continued an open matter (police, then procuracy, then court): a stage, not a new case."""

    TYPE: ClassVar[str] = "intake.case_notice_linked"

    case_id: str
    matter_id: str
    notice_key: str
    agency_code: str
    stage: str
    rule: str
    agency_case_ref: str | None = Field(default=None, description="The new agency's own case number.")


class MissedBeneficiaryDetected(Event):
    """A person the center would otherwise miss: entitled, yet not referred, or referred too late."""

    TYPE: ClassVar[str] = "intake.missed_beneficiary_detected"

    missed_id: str
    notice_key: str
    person_id: str
    agency_code: str = Field(description="The referring agency; empty when the center itself missed the deadline.")
    reason: str = Field(description="`did_not_ask`, `request_passed_late` or `not_accepted_in_time`.")
    groups: list[str] = Field(default_factory=list)
    explanation: str = Field(description="Why, in Vietnamese, for staff.")


class PerformerChangeRequested(Event):
    """The beneficiary applied for another performer; a written answer and a new assignment are due."""

    TYPE: ClassVar[str] = "intake.performer_change_requested"

    case_id: str
    officer_id: str | None
    reason: str
    due: AwareDatetime = Field(description="End of the 3rd working day after the application.")


class RequestRefused(Event):
    """A request was refused in writing on one of the four legal grounds."""

    TYPE: ClassVar[str] = "intake.request_refused"

    request_id: str
    agency_code: str | None = None
    ground: str
    reason: str


class CaseClosed(Event):
    """The performer closed the case with an outcome (completed, terminated or transferred)."""

    TYPE: ClassVar[str] = "intake.case_closed"

    case_id: str
    outcome: str = Field(description="`completed`, `terminated` or `transferred` (CaseOutcome).")
    officer_id: str | None = None
    form: AidForm | None = None
    field: CaseField | None = None
    result: str | None = Field(default=None, description="For a completed case: the result code from intake's "
                               "rules (e.g. `charge_reduced`, `claim_won`, `advice_given`).")
    ground: str | None = Field(default=None, description="For a terminated case: the legal ground code.")
    note: str | None = Field(default=None, description="What the performer wrote when closing, in Vietnamese.")
    closed_by: str | None = None


# --- assignment ---------------------------------------------------------------------------------


class OfficerRegistered(Event):
    """An officer or contract lawyer joined the roster, or their roster entry changed."""

    TYPE: ClassVar[str] = "assignment.officer_registered"

    officer_id: str
    full_name: str
    branch_code: str
    is_leader: bool
    leader_role: str | None = None
    fields: list[CaseField]
    appointed_on: date
    quota_target: int
    active: bool = True
    absences: list[dict] = Field(default_factory=list,
                                 description="Leave, training, maternity periods: {start, end, kind}, days inclusive.")
    kind: str = "legal_aid_officer"
    version: int = Field(default=1, description="The roster entry's version; every change adds one.")
    changed_by: str | None = Field(default=None, description="Who changed it: a staff user, or `reference-data`.")
    change_note: str | None = None
    yearly_target: float | None = Field(default=None, description="This year's quota-adjusted target, exemptions "
                                        "counted off (quota_target is it rounded).")
    duty: list[dict] = Field(default_factory=list, description="Duty roster shifts: {start, end}, times with offset.")
    declared_relationships: int = Field(default=0, description="How many relationships the officer declared "
                                        "(the persons are kept by assignment only).")
    target_year: int | None = Field(default=None, description="The quota year yearly_target and band_floors are for.")
    band_floors: dict[str, float] = Field(default_factory=dict, description="Quota-adjusted floors of the bands "
                                          "`meets`, `good`, `very_good` (Official Letter 5008) for target_year.")


class CandidateScore(BaseModel):
    """How one officer fared in an assignment decision."""

    model_config = ConfigDict(frozen=True)

    officer_id: str
    eligible: bool
    excluded_by: str | None = Field(default=None, description="The hard rule that removed this officer.")
    load: float | None = Field(default=None, description="Weighted cases this quota year before this one.")
    target: float | None = Field(default=None, description="Quota-adjusted yearly target.")
    score: float | None = Field(default=None, description="Lowest wins: (load + weight) / target + group term.")
    is_leader: bool = False
    on_duty: bool | None = None


class CaseAssigned(Event):
    """An officer was chosen for a case; the decision carries its reasons."""

    TYPE: ClassVar[str] = "assignment.case_assigned"

    case_id: str
    officer_id: str
    is_leader: bool
    branch_code: str
    rule: str = Field(description="Name and version of the decision rule that chose the officer.")
    reason: str = Field(description="Plain-language explanation, in Vietnamese, shown to staff.")
    candidates: list[CandidateScore] = Field(default_factory=list)
    kind: str = Field(default="initial", description="`initial`, `reassignment` (declined or replaced), "
                      "`override` (a leader's choice, with reason) or `approved_request` (an officer asked).")
    decided_by: str | None = Field(default=None, description="The leader who overrode or approved; None for the rule.")
    previous_officer_id: str | None = None
    weight: float = Field(default=1.0, description="The case's weight in the officer's load.")


class CaseTakeRequested(Event):
    """An officer asked to take a case; only a leader's approval, with a reason, assigns it."""

    TYPE: ClassVar[str] = "assignment.case_take_requested"

    request_id: str
    case_id: str
    officer_id: str
    reason: str


class CaseTakeRequestDecided(Event):
    """A leader approved or rejected an officer's request to take a case, with a reason."""

    TYPE: ClassVar[str] = "assignment.case_take_request_decided"

    request_id: str
    case_id: str
    officer_id: str
    approved: bool
    decided_by: str
    reason: str


class CaseAssignmentFailed(Event):
    """No officer could take the case under the hard rules; staff must act."""

    TYPE: ClassVar[str] = "assignment.case_assignment_failed"

    case_id: str
    branch_code: str | None
    reason: str
    candidates: list[CandidateScore] = Field(default_factory=list)


# --- evaluation ---------------------------------------------------------------------------------


class CriterionScore(BaseModel):
    """One criterion of an evaluation checklist as the evaluator scored it."""

    model_config = ConfigDict(frozen=True)

    code: str
    score: int
    max_score: int
    passed: bool
    note: str | None = None


class CaseEvaluated(Event):
    """A closed case received its final quality evaluation result."""

    TYPE: ClassVar[str] = "evaluation.case_evaluated"

    case_id: str
    officer_id: str | None
    method: str = Field(description="`appraisal` (thẩm định hồ sơ), `council` (hội đồng) or `result` (theo kết quả).")
    rating: str = Field(description="A code of the rating scale in the evaluation rules (default: `very_good`, "
                        "`meets`, `fails`).")
    successful: bool | None = None
    evaluation_id: str | None = None
    year: int | None = Field(default=None, description="The evaluation year (1 November to 31 October) by its end.")
    effective: bool | None = None
    evaluator: str | None = None
    rules_version: str | None = None
    criteria: list[CriterionScore] = Field(default_factory=list)


class CorrectiveActionRaised(Event):
    """A failed criterion raised a corrective action: who must do what, shown how, by when."""

    TYPE: ClassVar[str] = "evaluation.corrective_action_raised"

    action_id: str
    case_id: str
    evaluation_id: str
    criterion: str
    officer_id: str | None = Field(description="The owner who must correct it (usually the performer).")
    due_on: date
    required_evidence: str
    raised_by: str


class CorrectiveActionClosed(Event):
    """A leader verified a corrective action and closed it."""

    TYPE: ClassVar[str] = "evaluation.corrective_action_closed"

    action_id: str
    case_id: str
    criterion: str
    officer_id: str | None
    closed_by: str
    note: str
    late: bool = Field(description="Closed after its due date.")


class OfficerReviewed(Event):
    """An officer's yearly review was computed from all their cases; the band is derived, never typed."""

    TYPE: ClassVar[str] = "evaluation.officer_reviewed"

    review_id: str
    officer_id: str
    year: int
    band: str = Field(description="`below`, `meets`, `good` or `very_good` (Official Letter 5008 bands).")
    proceedings_cases: int
    target: float | None = None
    cases_by_field_form: dict[str, int] = Field(default_factory=dict, description="`<field>/<form>` -> cases.")
    ratings: dict[str, int] = Field(default_factory=dict)
    open_corrective_actions: int = 0
    explanation: list[str] = Field(default_factory=list, description="How the band was derived, in Vietnamese.")


ALL_EVENTS: tuple[type[Event], ...] = (
    NoticeReceived,
    NoticeRejected,
    CaseOpened,
    CaseNoticeLinked,
    MissedBeneficiaryDetected,
    PerformerChangeRequested,
    RequestRefused,
    CaseClosed,
    OfficerRegistered,
    CaseAssigned,
    CaseAssignmentFailed,
    CaseTakeRequested,
    CaseTakeRequestDecided,
    CaseEvaluated,
    CorrectiveActionRaised,
    CorrectiveActionClosed,
    OfficerReviewed,
)

EVENT_TYPES: dict[str, type[Event]] = {cls.TYPE: cls for cls in ALL_EVENTS}
