"""Roster entries and case parties as JSON records: the reference file, the tables and the API share them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.assignment.domain.conflicts import CaseParties, Party
from services.assignment.domain.roster import Absence, DutyShift, Officer, Relationship


def officer_record(officer: Officer) -> dict[str, Any]:
    """An officer as a JSON-ready dict (the format of officers.json)."""
    return {
        "officer_id": officer.officer_id, "full_name": officer.full_name, "kind": officer.kind,
        "branch_code": officer.branch_code, "leader_role": officer.leader_role, "fields": list(officer.fields),
        "appointed_on": officer.appointed_on.isoformat(), "active": officer.active,
        "absences": [{"start": a.start.isoformat(), "end": a.end.isoformat(), "kind": a.kind}
                     for a in officer.absences],
        "duty": [{"start": d.start.isoformat(), "end": d.end.isoformat()} for d in officer.duty],
        "relationships": [{"full_name": r.full_name, "national_id": r.national_id, "relation": r.relation}
                          for r in officer.relationships],
    }


def officer_from_record(raw: dict[str, Any]) -> Officer:
    """An officer from a JSON-like dict; missing optional parts take their defaults."""
    appointed = raw["appointed_on"]
    return Officer(
        officer_id=raw["officer_id"], full_name=raw["full_name"], branch_code=raw["branch_code"],
        fields=tuple(raw["fields"]),
        appointed_on=appointed if isinstance(appointed, date) else date.fromisoformat(appointed),
        leader_role=raw.get("leader_role") or None, active=bool(raw.get("active", True)),
        kind=raw.get("kind") or "legal_aid_officer",
        absences=tuple(Absence(date.fromisoformat(a["start"]), date.fromisoformat(a["end"]), a.get("kind", "leave"))
                       for a in raw.get("absences") or []),
        duty=tuple(DutyShift(datetime.fromisoformat(d["start"]), datetime.fromisoformat(d["end"]))
                   for d in raw.get("duty") or []),
        relationships=tuple(Relationship(r["full_name"], r.get("national_id") or None, r.get("relation", ""))
                            for r in raw.get("relationships") or []),
    )


def _party(raw: dict | None) -> Party | None:
    if not raw:
        return None
    return Party(raw["full_name"], raw.get("national_id"), raw.get("person_id"))


def parties_record(parties: CaseParties) -> dict[str, Any]:
    def party(p: Party | None) -> dict | None:
        return None if p is None else {"full_name": p.full_name, "national_id": p.national_id, "person_id": p.person_id}

    return {"beneficiary": party(parties.beneficiary), "opposing": [party(p) for p in parties.opposing],
            "matter_keys": sorted(parties.matter_keys), "side": parties.side}


def parties_from_record(raw: dict | None) -> CaseParties:
    if not raw:
        return CaseParties()
    return CaseParties(beneficiary=_party(raw.get("beneficiary")),
                       opposing=tuple(p for p in (_party(o) for o in raw.get("opposing", [])) if p),
                       matter_keys=frozenset(raw.get("matter_keys", [])), side=raw.get("side"))
