"""Reporting settings (env prefix TGPL_REPORTING_)."""

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from services.runtime.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TGPL_REPORTING_", extra="ignore", populate_by_name=True)

    service_name: str = "reporting"
    http_port: int = 8003
    timezone: str = Field(default="Asia/Ho_Chi_Minh", validation_alias=AliasChoices("TGPL_TIMEZONE"))
    reference_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("TGPL_REFERENCE_DIR", "TGPL_REPORTING_REFERENCE_DIR"),
        description="Folder with center.json (branches, communes) and agencies.json, loaded at start.",
    )
    schedule_s: float = Field(default=60.0, ge=0, description="How often closed periods are reported and dirty "
                              "months recomputed; 0 turns the schedule off (tests drive it themselves).")
    close_grace_s: float = Field(default=300.0, ge=0, description="How long after a period closes (local midnight) "
                                 "its report waits, so notices sent just before midnight are in revision 1.")
    underserved_ratio: float = Field(default=0.5, gt=0, le=1, description="A group is under-served when its share "
                                     "of cases opened is below this times its share of notices.")
