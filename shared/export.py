"""JSON Schema of every message tgpl exchanges, from the pydantic contracts."""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel

from shared import events, external

EXTERNAL_MESSAGES: tuple[type[BaseModel], ...] = (
    external.ReferralNotice,
    external.NoticeRejection,
    external.ReportRequest,
    external.Report,
    external.ReportError,
)


def json_schemas() -> dict[str, dict[str, Any]]:
    """File name → JSON Schema, for the external contracts and every internal event."""
    schemas: dict[str, dict[str, Any]] = {}
    for model in EXTERNAL_MESSAGES:
        schemas[f"external/{model.__name__}.json"] = model.model_json_schema(mode="validation")
    for event in events.ALL_EVENTS:
        schemas[f"events/{event.TYPE}.v{event.VERSION}.json"] = event.model_json_schema(mode="serialization")
    return schemas


def render(document: dict[str, Any]) -> str:
    """Stable, readable JSON for committed contract files."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
