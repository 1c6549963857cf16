"""The envelope every internal event carries (STYLE.md habit 5)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, ClassVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


def _new_id() -> str:
    return str(uuid.uuid4())


def _now() -> datetime:
    return datetime.now(timezone.utc)


class Event(BaseModel):
    """Base of every internal event: frozen, past-tense, versioned, traceable.

    Events change only by adding optional fields; a breaking change is a new `schema_version`
    with an upcaster in the consumer.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    TYPE: ClassVar[str] = ""
    VERSION: ClassVar[int] = 1

    event_id: str = Field(default_factory=_new_id, description="UUID; also the Nats-Msg-Id.")
    type: str = Field(default="", description="Stable event type, e.g. `intake.case_opened`.")
    schema_version: int = Field(default=0, description="Version of this event type's schema.")
    occurred_at: AwareDatetime = Field(default_factory=_now, description="Business time of the fact.")
    producer: str = Field(default="", description="The service that emitted the event.")
    correlation_id: str = Field(default="", description="Id shared by everything one inbound message caused.")
    causation_id: str | None = Field(default=None, description="event_id (or message id) that caused this one.")

    def model_post_init(self, __context: Any) -> None:
        # Fill the class-level identity so callers never type it and a wrong one cannot be passed.
        object.__setattr__(self, "type", self.TYPE)
        if not self.schema_version:
            object.__setattr__(self, "schema_version", self.VERSION)
        if not self.correlation_id:
            object.__setattr__(self, "correlation_id", self.event_id)
