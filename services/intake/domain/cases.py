"""The case register: a request accepted (thụ lý) becomes a case with a register number."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, datetime

from services.intake.domain.requests import AidRequest
from services.intake.domain.matching import normalise_name
from shared.external import ReferralNotice
from shared.vocabulary import RequestChannel


class CaseStatus:
    OPEN = "open"
    ASSIGNED = "assigned"
    CLOSED = "closed"


def register_no(year: int, number: int) -> str:
    """The register number shown on the case register (sổ thụ lý), numbered per year."""
    return f"{number:05d}/{year}/TL"


@dataclass
class Case:
    case_id: str
    register_no: str
    channel: RequestChannel
    opened_at: datetime
    full_name: str
    birth_date: date | None
    gender: str
    national_id: str | None
    commune_code: str | None
    branch_code: str | None
    field: str
    summary: str
    groups: list[str] = field(default_factory=list)
    urgent: bool = False
    status: str = CaseStatus.OPEN
    notice_agency_code: str | None = None
    notice_id: str | None = None
    assignment_due: datetime | None = None
    name_key: str = ""

    def __post_init__(self) -> None:
        # The register is searched without diacritics and in any word order (normalised once here).
        self.name_key = normalise_name(self.full_name)

    @classmethod
    def open_from_notice(cls, notice: ReferralNotice, *, number: str, opened_at: datetime, branch_code: str | None,
                         groups: list[str] | None = None) -> Case:
        """Accept an agency notice: a procedural agency's notice is accepted at once and is urgent.

        `groups` are the Article 7 groups established from facts; without them, the claimed ones.
        """
        return cls(
            case_id=str(uuid.uuid4()),
            register_no=number,
            channel=RequestChannel.AGENCY_NOTICE,
            opened_at=opened_at,
            full_name=notice.person.full_name,
            birth_date=notice.person.birth_date,
            gender=notice.person.gender.value,
            national_id=notice.person.national_id,
            commune_code=notice.person.commune_code,
            branch_code=branch_code,
            field=notice.case.field.value,
            summary=notice.case.summary,
            groups=groups if groups is not None else [g.value for g in notice.claimed_groups],
            urgent=True,
            notice_agency_code=notice.agency.code,
            notice_id=notice.notice_id,
        )

    @classmethod
    def open_from_request(cls, request: AidRequest, *, number: str, opened_at: datetime,
                          branch_code: str | None) -> Case:
        """Accept a request registered by staff: its channel, its established groups, urgent when immediate."""
        return cls(
            case_id=str(uuid.uuid4()),
            register_no=number,
            channel=RequestChannel(request.channel),
            opened_at=opened_at,
            full_name=request.full_name,
            birth_date=request.birth_date,
            gender=request.gender,
            national_id=request.national_id,
            commune_code=request.commune_code,
            branch_code=branch_code,
            field=request.field,
            summary=request.summary,
            groups=request.established_groups,
            urgent=request.immediate,
        )
