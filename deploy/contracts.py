"""`tgpl contracts export`: JSON Schema of every message and the AsyncAPI document of each
service (FastStream's generator), written under docs/contracts/."""

from __future__ import annotations

from pathlib import Path

from services.runtime.asyncapi import asyncapi_document
from shared.export import json_schemas, render

SERVICE_DESCRIPTIONS = {
    "intake": "Receives referral notices and requests, keeps the case register, opens cases.",
    "assignment": "Assigns each case to an officer under hard rules and a fair load balance.",
    "evaluation": "Evaluates the quality of closed cases.",
    "reporting": "Read models of every event; reports to province systems.",
}


def _service_documents() -> dict[str, dict]:
    from services.assignment.entrypoints import consumers as assignment
    from services.evaluation.entrypoints import consumers as evaluation
    from services.intake.entrypoints import consumers as intake
    from services.reporting.entrypoints import consumers as reporting

    modules = {"intake": intake, "assignment": assignment, "evaluation": evaluation, "reporting": reporting}
    return {
        f"asyncapi/{name}.json": asyncapi_document(name, SERVICE_DESCRIPTIONS[name],
                                                   _specs(module), module.PUBLISHES,
                                                   getattr(module, "REQUESTS", []))
        for name, module in modules.items()
    }


def _specs(module) -> list:
    return list(getattr(module, "SPECS", None) or [spec for spec, _ in module.CONSUMERS])


def rendered_contracts() -> dict[str, str]:
    """Relative path → file content of every contract document."""
    documents = {f"schemas/{name}": doc for name, doc in json_schemas().items()}
    documents.update(_service_documents())
    return {path: render(doc) for path, doc in sorted(documents.items())}


def export_contracts(out: Path) -> list[Path]:
    """Write every contract document under `out`; returns the files written."""
    written = []
    for relative, content in rendered_contracts().items():
        path = out / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
        written.append(path)
    return written


def stale_contracts(out: Path) -> list[str]:
    """Contract files under `out` that are missing or differ from what the code generates."""
    return [relative for relative, content in rendered_contracts().items()
            if not (out / relative).exists() or (out / relative).read_text(encoding="utf-8") != content]
