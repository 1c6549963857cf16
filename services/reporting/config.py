"""Reporting settings (env prefix TGPL_REPORTING_)."""

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from services.runtime.settings import ServiceSettings


class ReportingSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TGPL_REPORTING_", extra="ignore", populate_by_name=True)

    service_name: str = "reporting"
    http_port: int = 8003
    timezone: str = Field(default="Asia/Ho_Chi_Minh", validation_alias=AliasChoices("TGPL_TIMEZONE"))
