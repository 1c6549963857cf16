"""Evaluation settings (env prefix TGPL_EVALUATION_)."""

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from services.runtime.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TGPL_EVALUATION_", extra="ignore", populate_by_name=True)

    service_name: str = "evaluation"
    http_port: int = 8002
    rules_file: Path | None = Field(default=None, description="Evaluation rules (JSON); the shipped v1 file when unset.")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", validation_alias=AliasChoices("TGPL_TIMEZONE"))
