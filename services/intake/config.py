"""Intake settings (env prefix TGPL_INTAKE_)."""

from pathlib import Path

from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict

from services.runtime.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TGPL_INTAKE_", extra="ignore", populate_by_name=True)

    service_name: str = "intake"
    http_port: int = Field(default=8000, validation_alias=AliasChoices("TGPL_UI_PORT", "TGPL_INTAKE_HTTP_PORT"))
    reference_dir: Path | None = Field(
        default=None, validation_alias=AliasChoices("TGPL_REFERENCE_DIR", "TGPL_INTAKE_REFERENCE_DIR"),
        description="Folder with center.json and agencies.json, loaded (upserted) at start.",
    )
    staff_passwords_file: Path | None = Field(
        default=None, description="JSON file with the first password of each account in users.json (`tgpl up` "
        "generates it in the data dir); an account without one there is not created.",
    )
    timezone: str = Field(default="Asia/Ho_Chi_Minh", validation_alias=AliasChoices("TGPL_TIMEZONE"))
    assignment_url: str = Field(default="http://127.0.0.1:8001", validation_alias=AliasChoices("TGPL_ASSIGNMENT_URL"))
    evaluation_url: str = Field(default="http://127.0.0.1:8002", validation_alias=AliasChoices("TGPL_EVALUATION_URL"))
    reporting_url: str = Field(default="http://127.0.0.1:8003", validation_alias=AliasChoices("TGPL_REPORTING_URL"))
    rules_file: Path | None = Field(default=None, description="Intake rules (JSON); default: the shipped v1 rules.")
    clock_check_s: float = Field(default=60.0, gt=0, description="How often missed deadlines are looked for.")
    page_size: int = Field(default=50, ge=10, le=500)
    session_idle_minutes: int = Field(default=30, ge=1, description="A session ends after this long unused.")
    session_max_hours: int = Field(default=12, ge=1, description="A session ends this long after log-in.")
    secure_cookies: bool = Field(default=False, description="Send cookies over HTTPS only (set behind TLS).")
    login_max_failures: int = Field(default=5, ge=1, description="Failed log-ins, per account or per address, "
                                    "before further attempts wait.")
    login_lock_minutes: int = Field(default=15, ge=1, description="The window failed log-ins are counted in, and "
                                    "how long attempts wait once too many failed.")
