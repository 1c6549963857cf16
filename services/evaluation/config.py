"""Evaluation settings (env prefix TGPL_EVALUATION_)."""

from pydantic_settings import SettingsConfigDict

from services.runtime.settings import ServiceSettings


class EvaluationSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="TGPL_EVALUATION_", extra="ignore", populate_by_name=True)

    service_name: str = "evaluation"
    http_port: int = 8002
