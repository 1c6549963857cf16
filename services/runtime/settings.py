"""Settings every service shares; each service subclasses with its own env prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.subjects import inbox_prefix_of


def _global(name: str) -> AliasChoices:
    return AliasChoices(name)



def server_list(nats_url: str) -> list[str]:
    """The server URLs of a NATS URL setting, which may list a cluster's nodes separated by commas."""
    return [url.strip() for url in nats_url.split(",") if url.strip()]

class ServiceSettings(BaseSettings):
    """Common settings. `TGPL_DATA_DIR` and `TGPL_NATS_URL` are system-wide; the rest use the
    service's own prefix, e.g. `TGPL_INTAKE_DATABASE_URL`."""

    model_config = SettingsConfigDict(env_prefix="TGPL_SERVICE_", extra="ignore", populate_by_name=True)

    service_name: str = "service"
    data_dir: Path = Field(default=Path("var"), validation_alias=_global("TGPL_DATA_DIR"))
    nats_url: str = Field(default="nats://127.0.0.1:4222", validation_alias=_global("TGPL_NATS_URL"))
    nats_user: str | None = Field(default=None, validation_alias=_global("TGPL_NATS_USER"),
                                  description="This service's NATS user (`tgpl up` sets it); none: no auth.")
    nats_password: SecretStr | None = Field(default=None, validation_alias=_global("TGPL_NATS_PASSWORD"))
    database_url: str | None = Field(
        default=None, description="SQLAlchemy async URL; default: a SQLite file under the data dir."
    )
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    max_deliver: int = Field(default=5, ge=1, description="Deliveries before a message is dead-lettered.")
    retry_delays_s: list[float] = Field(default=[1.0, 2.0, 5.0, 10.0, 30.0])
    ack_wait_s: float = 30.0
    fetch_batch: int = Field(default=50, ge=1, description="Messages fetched per pull request.")
    relay_batch: int = 200
    relay_poll_s: float = 0.5
    outbox_retention_days: int = Field(
        default=30, ge=0, description="Days published outbox rows (and stored inbound notices) are kept so "
        "`tgpl republish` can rebuild the streams; processed-message rows are kept a day longer. 0 keeps them forever.")
    retention_check_s: float = Field(default=3600.0, gt=0, description="How often rows past the retention are pruned.")
    retention_batch: int = Field(default=1000, ge=1, description="Rows deleted per transaction when pruning.")
    sqlite_synchronous: str = Field(default="FULL", pattern="^(OFF|NORMAL|FULL|EXTRA)$")
    log_format: Literal["auto", "json", "text"] = Field(
        default="auto", validation_alias=_global("TGPL_LOG_FORMAT"),
        description="Log lines as JSON or text; auto: text on a terminal, JSON otherwise.")
    otel_exporter: Literal["none", "console", "otlp"] = Field(
        default="none", validation_alias=_global("TGPL_OTEL_EXPORTER"),
        description="Where traces go: nowhere (tracing off), the console, or OTLP (OTEL_EXPORTER_OTLP_* variables).")

    @property
    def nats_servers(self) -> list[str]:
        """The server URLs of `TGPL_NATS_URL`, which may list a cluster's nodes separated by commas."""
        return server_list(self.nats_url)

    def nats_options(self) -> dict[str, str]:
        """Keyword arguments for `nats.connect`: the service's user, password and own inbox prefix."""
        if not self.nats_user:
            return {}
        password = self.nats_password.get_secret_value() if self.nats_password else ""
        return {"user": self.nats_user, "password": password, "inbox_prefix": inbox_prefix_of(self.nats_user)}

    def resolved_database_url(self) -> str:
        """The database URL this service uses: its own setting, or its SQLite file."""
        if self.database_url:
            return self.database_url
        path = (self.data_dir / f"{self.service_name}.db").resolve()
        return f"sqlite+aiosqlite:///{path}"
