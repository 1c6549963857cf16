"""Closed vocabularies shared by the external contracts and the internal events."""

from enum import StrEnum


class AgencyKind(StrEnum):
    POLICE = "police"
    PROCURACY = "procuracy"
    COURT = "court"
    DETENTION_FACILITY = "detention_facility"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"
    UNKNOWN = "unknown"


class ProceduralStatus(StrEnum):
    ARRESTED = "arrested"
    HELD_IN_CUSTODY = "held_in_custody"
    SUSPECT = "suspect"
    DEFENDANT = "defendant"
    VICTIM = "victim"
    INVOLVED_PARTY = "involved_party"
    WITNESS = "witness"
    OTHER = "other"


class CaseField(StrEnum):
    CRIMINAL = "criminal"
    CIVIL = "civil"
    ADMINISTRATIVE = "administrative"
    LABOUR = "labour"
    LAND = "land"
    MARRIAGE_FAMILY = "marriage_family"
    OTHER = "other"


class BeneficiaryGroup(StrEnum):
    """Article 7 of the Law on Legal Aid 11/2017/QH14 (DOMAIN.md)."""

    REVOLUTIONARY_MERIT = "revolutionary_merit"
    POOR_HOUSEHOLD = "poor_household"
    CHILD = "child"
    ETHNIC_MINORITY_HARDSHIP_AREA = "ethnic_minority_hardship_area"
    ACCUSED_AGED_16_18 = "accused_aged_16_18"
    ACCUSED_NEAR_POOR = "accused_near_poor"
    MARTYR_RELATIVE = "martyr_relative"
    AGENT_ORANGE_VICTIM = "agent_orange_victim"
    ELDERLY = "elderly"
    DISABLED = "disabled"
    VICTIM_AGED_16_18 = "victim_aged_16_18"
    DOMESTIC_VIOLENCE_VICTIM = "domestic_violence_victim"
    TRAFFICKING_VICTIM = "trafficking_victim"
    HIV = "hiv"


class RequestChannel(StrEnum):
    AGENCY_NOTICE = "agency_notice"
    WALK_IN = "walk_in"
    PHONE = "phone"
    POSTAL = "postal"
    ELECTRONIC = "electronic"


class AidForm(StrEnum):
    """Forms of legal aid (Law on Legal Aid Art. 27)."""

    PROCEEDINGS = "proceedings"  # tham gia tố tụng: defence or representation in a case
    ADVICE = "advice"  # tư vấn pháp luật
    REPRESENTATION = "representation"  # đại diện ngoài tố tụng


class CaseOutcome(StrEnum):
    """How a case ended (Law on Legal Aid Art. 37; Circular 12/2018/TT-BTP)."""

    COMPLETED = "completed"  # kết thúc với kết quả
    TERMINATED = "terminated"  # chấm dứt trên một căn cứ luật định
    TRANSFERRED = "transferred"  # chuyển cho tổ chức khác


class ReportKind(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    ADHOC = "adhoc"
