"""The fixed external contracts of ../shared/contracts/EXTERNAL.md, version 1, field for field.

Outside systems are built against these models: a field may be added, never renamed or removed.
Unknown extra fields sent by a newer sender are ignored, not rejected.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, timezone
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationInfo,
    field_validator,
    model_validator,
)

from pydantic_core import PydanticCustomError

from shared.vocabulary import AgencyKind, BeneficiaryGroup, CaseField, Gender, ProceduralStatus

#: How far in the future `sent_at` may lie (clock skew of the sending system).
SENT_AT_MAX_FUTURE = timedelta(minutes=10)

NonEmpty = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
_NAME_CHARS = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*\.?$")
#: Typographic apostrophes seen in Ê Đê and Jarai names (H’Hen Niê), kept as ASCII.
_APOSTROPHES = str.maketrans({"\u2019": "'", "\u02bc": "'"})


class _Inbound(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")


class Agency(_Inbound):
    kind: AgencyKind
    code: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=255)]


class Person(_Inbound):
    full_name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
    birth_date: date | None = Field(description="Required; null when unknown.")
    gender: Gender
    national_id: Annotated[str, StringConstraints(pattern=r"^\d{12}$")] | None = Field(
        default=None, description="Citizen identity card (CCCD) number: exactly 12 digits."
    )
    commune_code: Annotated[str, StringConstraints(pattern=r"^\d{5}$")] | None = Field(
        default=None, description="Official 5-digit commune/ward code after the 2025 reform; null when unknown."
    )
    ethnicity: str | None = None

    @field_validator("full_name")
    @classmethod
    def _letters_only(cls, value: str) -> str:
        # NFC: some input methods send decomposed diacritics, whose combining marks are no letters.
        collapsed = " ".join(unicodedata.normalize("NFC", value).translate(_APOSTROPHES).split())
        if not _NAME_CHARS.match(collapsed):
            raise PydanticCustomError(
                "name_letters", "must contain only letters (diacritics allowed), spaces, hyphens or apostrophes")
        return collapsed


class NoticeCase(_Inbound):
    agency_case_ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    field: CaseField
    summary: Annotated[str, StringConstraints(max_length=2000)] = ""
    trial_date: date | None = None


class ReferralNotice(_Inbound):
    """A procedural agency's referral notice on `tgpl.inbound.referral` (EXTERNAL.md §1).

    Validate with `ReferralNotice.model_validate_json(raw, context={"now": aware_datetime})`
    so the future-date rule uses the receiver's clock.
    """

    schema_version: Literal[1]
    notice_id: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    revision: StrictInt = Field(default=1, ge=1)
    agency: Agency
    sent_at: AwareDatetime
    request_received_at: AwareDatetime | None = None
    person: Person
    procedural_status: ProceduralStatus
    wants_legal_aid: StrictBool
    claimed_groups: list[BeneficiaryGroup] = Field(default_factory=list)
    case: NoticeCase

    @field_validator("sent_at")
    @classmethod
    def _not_in_future(cls, value: datetime, info: ValidationInfo) -> datetime:
        now = (info.context or {}).get("now") or datetime.now(timezone.utc)
        if value - now > SENT_AT_MAX_FUTURE:
            raise PydanticCustomError("sent_at_in_future", "must not be more than 10 minutes in the future")
        return value

    @model_validator(mode="after")
    def _request_time_when_aid_wanted(self) -> ReferralNotice:
        if self.wants_legal_aid and self.request_received_at is None:
            raise PydanticCustomError("request_time_required",
                                      "request_received_at is required when wants_legal_aid is true")
        return self

    @property
    def dedup_key(self) -> str:
        """The `Nats-Msg-Id` a sender sets: `<agency.code>:<notice_id>:<revision>`."""
        return f"{self.agency.code}:{self.notice_id}:{self.revision}"


class FieldError(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str = Field(description="Dotted path of the offending field, or `$` for the whole message.")
    message: str
    code: str | None = Field(default=None, description="Machine-readable kind of error, e.g. `missing` (added field).")


class NoticeRejection(BaseModel):
    """The answer on `tgpl.inbound.rejected` to a notice that does not parse or breaks a rule."""

    model_config = ConfigDict(frozen=True)

    schema_version: Literal[1] = 1
    agency_code: str | None
    notice_id: str | None
    received_at: AwareDatetime
    errors: list[FieldError]


class ReportRequest(BaseModel):
    """An ad hoc report request on `tgpl.reports.request`; both dates inclusive, local time."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    period_start: date
    period_end: date

    @model_validator(mode="after")
    def _ordered(self) -> ReportRequest:
        if self.period_end < self.period_start:
            raise PydanticCustomError("period_order", "period_end must not be before period_start")
        if self.period_start < date(2000, 1, 1) or self.period_end > date(2100, 12, 31):
            raise PydanticCustomError("period_range", "the period must lie between 2000-01-01 and 2100-12-31")
        return self


class ReportPeriod(BaseModel):
    model_config = ConfigDict(frozen=True)

    start: date
    end: date


class ReportTotals(BaseModel):
    model_config = ConfigDict(frozen=True)

    notices_received: int = 0
    notices_rejected: int = 0
    cases_opened: int = 0
    requests_refused: int = 0
    cases_assigned: int = 0
    cases_closed: int = 0
    cases_evaluated: int = 0
    missed_beneficiaries: int = 0
    late_notices: int = 0


class AgencyFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    agency_code: str
    notices: int = 0
    late: int = 0
    missed: int = 0
    refusals: int = Field(default=0, description="Requests the agency referred that were refused (an added field).")


class LocalityFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    commune_code: str
    cases_opened: int = 0
    civil_cases_opened: int = 0


class FieldFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    field: str
    cases_opened: int = 0


class GroupFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    group: str
    persons: int = 0


class OfficerFigures(BaseModel):
    model_config = ConfigDict(frozen=True)

    officer_id: str
    is_leader: bool = False
    active_cases: int = 0
    cases_assigned: int = 0
    quota_target: int = 0


class StatisticsCell(BaseModel):
    """Persons helped, split by sex and by beneficiary group (a person counts in each of their groups)."""

    model_config = ConfigDict(frozen=True)

    persons: int = 0
    male: int = 0
    female: int = 0
    other_sex: int = Field(default=0, description="Other or unknown sex.")
    groups: dict[str, int] = Field(default_factory=dict, description="Persons per Article 7 group code.")


class StatisticsRow(StatisticsCell):
    field: str
    form: str = Field(description="Form of legal aid: `proceedings`, `advice` or `representation`.")


class StatisticsTable(BaseModel):
    """The Biểu 24/BTP/TGPL table: distinct persons with a case opened in the period (an added field)."""

    model_config = ConfigDict(frozen=True)

    groups: list[str] = Field(default_factory=list, description="The group columns, in order.")
    rows: list[StatisticsRow] = Field(default_factory=list)
    total: StatisticsCell = Field(default_factory=StatisticsCell)


class Report(BaseModel):
    """A report to province systems (EXTERNAL.md §2) on `tgpl.reports.<kind>`."""

    model_config = ConfigDict(frozen=True)

    schema_version: Literal[1] = 1
    report_id: str
    revision: int = Field(ge=1)
    kind: str = Field(description="monthly, quarterly, yearly or adhoc (an added field).")
    period: ReportPeriod
    generated_at: AwareDatetime
    totals: ReportTotals
    by_agency: list[AgencyFigures] = Field(default_factory=list)
    by_locality: list[LocalityFigures] = Field(default_factory=list)
    by_field: list[FieldFigures] = Field(default_factory=list)
    by_group: list[GroupFigures] = Field(default_factory=list)
    officers: list[OfficerFigures] = Field(default_factory=list)
    statistics: StatisticsTable | None = Field(default=None, description="Persons helped by field and form of "
                                               "aid, by sex and group (Biểu 24/BTP/TGPL shape; an added field).")

    @property
    def msg_id(self) -> str:
        """The `Nats-Msg-Id` of this report: `<report_id>:<revision>`."""
        return f"{self.report_id}:{self.revision}"


class ReportError(BaseModel):
    """The reply to a malformed report request (an added message; the request never goes unanswered)."""

    model_config = ConfigDict(frozen=True)

    schema_version: Literal[1] = 1
    errors: list[FieldError]
