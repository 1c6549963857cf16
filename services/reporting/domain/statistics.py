"""The justice sector's statistics table for legal aid (Circular 03/2019/TT-BTP, form
Biểu 24/BTP/TGPL, in its shape): persons helped, by field and form of aid, split by sex and by
beneficiary group."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from shared.vocabulary import AidForm, BeneficiaryGroup, CaseField

SEXES = {"male": "male", "female": "female"}  # anything else counts as `other_sex`


@dataclass(frozen=True)
class CaseFact:
    """A case opened (thụ lý) in the period, as the table needs it."""

    person: str  # the person record, else the case itself
    field: str
    form: str
    gender: str
    groups: tuple[str, ...]


def _empty(groups: list[str]) -> dict:
    return {"persons": 0, "male": 0, "female": 0, "other_sex": 0, "groups": {g: 0 for g in groups}}


def _count(cell: dict, gender: str, groups: Iterable[str]) -> None:
    cell["persons"] += 1
    cell[SEXES.get(gender, "other_sex")] += 1
    for group in groups:
        cell["groups"][group] = cell["groups"].get(group, 0) + 1


def tabulate(cases: Iterable[CaseFact]) -> dict:
    """Rows per (field, form) in the vocabulary's order, and the total row.

    A person counts once per row and once in the total, however many cases they had; a person in
    several groups counts in each group (the groups' columns do not add up to the persons).
    """
    groups = [g.value for g in BeneficiaryGroup]
    seen_in_row: dict[tuple[str, str], set[str]] = {}
    seen: set[str] = set()
    cells: dict[tuple[str, str], dict] = {}
    total = _empty(groups)
    for case in cases:
        key = (case.field, case.form)
        persons = seen_in_row.setdefault(key, set())
        if case.person not in persons:
            persons.add(case.person)
            _count(cells.setdefault(key, _empty(groups)), case.gender, case.groups)
        if case.person not in seen:
            seen.add(case.person)
            _count(total, case.gender, case.groups)
    field_order = {f.value: i for i, f in enumerate(CaseField)}
    form_order = {f.value: i for i, f in enumerate(AidForm)}
    rows = [{"field": f, "form": form, **cell} for (f, form), cell in
            sorted(cells.items(), key=lambda kv: (field_order.get(kv[0][0], 99), form_order.get(kv[0][1], 99), kv[0]))]
    return {"groups": groups, "rows": rows, "total": total}
