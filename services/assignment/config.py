"""Assignment settings (env prefix TGPL_ASSIGNMENT_)."""

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from services.runtime.settings import ServiceSettings


class AssignmentSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TGPL_ASSIGNMENT_", extra="ignore", populate_by_name=True)

    service_name: str = "assignment"
    http_port: int = 8001
    reference_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("TGPL_REFERENCE_DIR", "TGPL_ASSIGNMENT_REFERENCE_DIR"),
        description="Folder with center.json and officers.json, loaded (upserted) at start.",
    )
    rules_file: Path | None = Field(default=None, description="Assignment rules (JSON); the shipped v1 file when unset.")
    year_check_s: float = Field(default=3600.0, description="How often to check whether a new quota year's targets "
                                "must be announced.")
    timezone: str = Field(default="Asia/Ho_Chi_Minh", validation_alias=AliasChoices("TGPL_TIMEZONE"))
