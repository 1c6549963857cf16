"""Conflict of interest (Law on Legal Aid Art. 25(2)), found from data rather than left to memory.

An officer may not take a case when they have acted, or act, for a party with opposing interests
in the same matter, when they declared a relationship with a party, or when they declined or
were replaced on this very case. The check errs on the side of caution: a name alone matches
when a party has no national ID, because a wrong match only sends the case to another officer.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from services.assignment.domain.roster import Officer

OPPOSING_PARTY = "opposing_party"
DECLARED_RELATIONSHIP = "declared_relationship"
#: An officer who declined a case, or was replaced at the beneficiary's request, is never offered it again.
PREVIOUSLY = "declined_or_replaced"


def name_key(name: str) -> str:
    """A name for comparison: composed Unicode, case and spacing folded; diacritics kept."""
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def matter_key(agency_code: str, agency_case_ref: str) -> str:
    """One agency's case number: the parties of one matter share it."""
    return f"{agency_code.strip().casefold()}|{' '.join(agency_case_ref.casefold().split())}"


@dataclass(frozen=True)
class Party:
    full_name: str
    national_id: str | None = None
    person_id: str | None = None

    def keys(self) -> frozenset[str]:
        """Keys under which cases of this party are found: national ID, person record and name.

        The name is always a key: another case may know the same person by name only, and
        `same_as` then compares names.
        """
        keys = set()
        if self.national_id:
            keys.add(f"id:{self.national_id}")
        if self.person_id:
            keys.add(f"person:{self.person_id}")
        if self.full_name.strip():
            keys.add(f"name:{name_key(self.full_name)}")
        return frozenset(keys)

    def same_as(self, other: Party) -> bool:
        if self.national_id and other.national_id:
            return self.national_id == other.national_id
        if self.person_id and other.person_id and self.person_id == other.person_id:
            return True
        return bool(self.full_name.strip()) and name_key(self.full_name) == name_key(other.full_name)


@dataclass(frozen=True)
class CaseParties:
    """Who a case is for, who stands against them, and which matter it belongs to."""

    beneficiary: Party | None = None
    opposing: tuple[Party, ...] = ()
    matter_keys: frozenset[str] = frozenset()
    side: str | None = None

    def lookup_keys(self) -> frozenset[str]:
        """Keys under which other cases that may conflict with this one are found."""
        keys = {f"matter:{k}" for k in self.matter_keys}
        for party in (self.beneficiary, *self.opposing):
            if party:
                keys |= party.keys()
        return frozenset(keys)


@dataclass(frozen=True)
class HeldCase:
    """A case an officer holds or held (the history counts: advising once is acting for a party)."""

    officer_id: str
    case_id: str
    parties: CaseParties = field(default_factory=CaseParties)


def conflicts(case_id: str, parties: CaseParties, officers: list[Officer], held: list[HeldCase],
              excluded: frozenset[str] = frozenset()) -> dict[str, str]:
    """For each officer who may not take the case, the rule that stops them."""
    found: dict[str, str] = {}
    by_officer: dict[str, list[HeldCase]] = {}
    for h in held:
        if h.case_id != case_id:
            by_officer.setdefault(h.officer_id, []).append(h)
    case_people = [p for p in (parties.beneficiary, *parties.opposing) if p]
    for officer in officers:
        if officer.officer_id in excluded:
            found[officer.officer_id] = PREVIOUSLY
        elif any(_related(r, person) for r in officer.relationships for person in case_people):
            found[officer.officer_id] = DECLARED_RELATIONSHIP
        elif any(_opposed(parties, h.parties) for h in by_officer.get(officer.officer_id, [])):
            found[officer.officer_id] = OPPOSING_PARTY
    return found


def _related(relationship, person: Party) -> bool:
    return Party(relationship.full_name, relationship.national_id).same_as(person)


def _opposed(this: CaseParties, other: CaseParties) -> bool:
    """Whether acting in `other` means acting against the beneficiary of `this`."""
    if this.matter_keys & other.matter_keys and this.side and other.side and this.side != other.side:
        return True
    if other.beneficiary and any(other.beneficiary.same_as(p) for p in this.opposing):
        return True
    return bool(this.beneficiary) and any(this.beneficiary.same_as(p) for p in other.opposing)
