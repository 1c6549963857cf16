"""The versioned intake rules (ages, deadlines, groups, proofs, refusal grounds, case results and
termination grounds) read from JSON.

Every number the intake domain uses comes from here, so a change of law is a new rules file,
not a code change. Reading the file is the only I/O, and it happens when `load_rules` is called.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from types import MappingProxyType
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from shared.vocabulary import AidForm, BeneficiaryGroup, ProceduralStatus

DEFAULT_RULES_PATH = Path(__file__).resolve().parent.parent / "rules" / "intake-rules-v1.json"


class RulesError(ValueError):
    """The rules file is malformed; the message names the offending key path."""


class RefusalGround(StrEnum):
    """The four legal grounds for refusing a request (Law on Legal Aid 11/2017/QH14)."""

    A = "a"  # no concrete case directly affecting an entitled person
    B = "b"  # unlawful content
    C = "c"  # the person has died
    D = "d"  # another legal aid organisation already handles it


@dataclass(frozen=True)
class AgeBand:
    """Whole years on the relevant day: `from_years` inclusive, `under_years` exclusive, None unbounded."""

    code: str
    from_years: int | None
    under_years: int | None
    label_vi: str
    legal_basis: str

    def contains(self, age: int) -> bool:
        """Whether a person of this age (in whole years) is in the band."""
        return (self.from_years is None or age >= self.from_years) and (
            self.under_years is None or age < self.under_years)


@dataclass(frozen=True)
class GroupRule:
    """How one Article 7 group is established: facts it derives from, proofs, financial condition."""

    group: BeneficiaryGroup
    label_vi: str
    needs_financial_difficulty: bool
    age_band: str | None
    procedural_statuses: frozenset[ProceduralStatus]  # empty: no condition on the status
    ethnic_minority_hardship: bool
    proofs: tuple[tuple[str, ...], ...]  # every inner tuple is needed; any one code in it suffices

    @property
    def derived_from_facts(self) -> bool:
        """Whether the group follows from age, procedural status or ethnicity, not only from papers."""
        return bool(self.age_band or self.procedural_statuses or self.ethnic_minority_hardship)


@dataclass(frozen=True)
class FinancialDifficultyRule:
    label_vi: str
    legal_basis: str
    proof_any_of: tuple[str, ...]


@dataclass(frozen=True)
class CenterClock:
    """The center's own deadlines, in working days counted from the day after the start."""

    acceptance_working_days: int
    immediate_acceptance_working_days: int
    immediate_acceptance_threshold_working_days: int
    assignment_working_days: int
    performer_change_working_days: int
    immediate_acceptance_allows_missing_papers: bool


@dataclass(frozen=True)
class RequestFileDocument:
    code: str
    label_vi: str
    required: bool
    eligibility: bool  # checked by the eligibility assessment, not by its own code


@dataclass(frozen=True)
class CaseResult:
    """A result a performer may record when a case of some form of aid is completed."""

    code: str
    label_vi: str


@dataclass(frozen=True)
class TerminationGround:
    """A legal ground for stopping legal aid before the case ends (Law on Legal Aid Art. 37)."""

    code: str
    label_vi: str
    legal_basis: str


@dataclass(frozen=True)
class IntakeRules:
    version: int
    valid_from: date
    timezone: str
    age_bands: Mapping[str, AgeBand]
    notice_deadline_hours_by_status: Mapping[ProceduralStatus, int]
    notice_deadline_hours_default: int
    center_clock: CenterClock
    financial_difficulty: FinancialDifficultyRule
    majority_ethnicities: frozenset[str]
    documents: Mapping[str, str]
    procedural_status_proof_any_of: tuple[str, ...]
    groups: Mapping[BeneficiaryGroup, GroupRule]
    refusal_grounds: Mapping[RefusalGround, str]
    request_file: tuple[RequestFileDocument, ...]
    makeup_working_days: tuple[date, ...]
    extra_days_off: tuple[date, ...]
    case_results: Mapping[AidForm, tuple[CaseResult, ...]]  # in the order staff are offered them
    termination_grounds: Mapping[str, TerminationGround]  # by code, in the file's order

    @property
    def zone(self) -> ZoneInfo:
        """The center's local time zone, in which working days are counted."""
        return ZoneInfo(self.timezone)

    def notice_deadline_hours(self, status: ProceduralStatus) -> int:
        """Hours an agency has to pass on the request of a person with this procedural status."""
        return self.notice_deadline_hours_by_status.get(status, self.notice_deadline_hours_default)

    def document_label(self, code: str) -> str:
        """The Vietnamese name of a document code (request-file items included)."""
        if code in self.documents:
            return self.documents[code]
        for item in self.request_file:
            if item.code == code:
                return item.label_vi
        return code

    def case_result(self, form: AidForm, code: str | None) -> CaseResult | None:
        """The result `code` as offered for cases of this form, or None when it is not one of them."""
        return next((result for result in self.case_results.get(form, ()) if result.code == code), None)

    def rule_id(self, kind: str, name: str) -> str:
        """A stable id naming the rule that decided, tied to this rules version (e.g. `age.child.v1`)."""
        return f"{kind}.{name}.v{self.version}"


def load_rules(path: str | Path | None = None) -> IntakeRules:
    """Read and validate a rules file; the default is the shipped v1 file."""
    source = Path(path) if path is not None else DEFAULT_RULES_PATH
    try:
        raw = json.loads(source.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise RulesError(f"{source}: not valid JSON: {exc}") from exc
    return parse_rules(raw)


def parse_rules(raw: Any) -> IntakeRules:
    """Validate an already-decoded rules document and build the frozen rules."""
    top = _object(raw, "$", {
        "version", "valid_from", "timezone", "age_bands", "notice_deadline_hours", "center_clock",
        "financial_difficulty", "ethnicity", "documents", "procedural_status_proof_any_of", "groups",
        "refusal_grounds", "request_file", "makeup_working_days", "extra_days_off", "case_results",
        "termination_grounds"})
    version = _count(top["version"], "version")
    if version < 1:
        raise RulesError("version: must be at least 1")
    timezone = _text(top["timezone"], "timezone")
    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RulesError(f"timezone: unknown time zone {timezone!r}") from exc

    documents = {code: _text(label, f"documents.{code}") for code, label in _entries(top["documents"], "documents")}
    clock = _object(top["center_clock"], "center_clock", {
        "acceptance_working_days", "immediate_acceptance_working_days",
        "immediate_acceptance_threshold_working_days", "assignment_working_days",
        "performer_change_working_days", "immediate_acceptance_allows_missing_papers"})
    financial = _object(top["financial_difficulty"], "financial_difficulty",
                        {"label_vi", "legal_basis", "proof_any_of"})
    request_file = _object(top["request_file"], "request_file", {"documents"})
    ethnicity = _object(top["ethnicity"], "ethnicity", {"majority"})
    makeup = _dates(top["makeup_working_days"], "makeup_working_days")
    days_off = _dates(top["extra_days_off"], "extra_days_off")
    if clash := set(makeup) & set(days_off):
        raise RulesError(f"makeup_working_days/extra_days_off: {sorted(clash)[0]} is in both")
    age_bands = _age_bands(top["age_bands"])

    return IntakeRules(
        version=version,
        valid_from=_date(top["valid_from"], "valid_from"),
        timezone=timezone,
        age_bands=MappingProxyType(age_bands),
        **_notice_hours(top["notice_deadline_hours"]),
        center_clock=CenterClock(
            **{key: _count(clock[key], f"center_clock.{key}") for key in clock
               if key != "immediate_acceptance_allows_missing_papers"},
            immediate_acceptance_allows_missing_papers=_flag(
                clock["immediate_acceptance_allows_missing_papers"],
                "center_clock.immediate_acceptance_allows_missing_papers")),
        financial_difficulty=FinancialDifficultyRule(
            label_vi=_text(financial["label_vi"], "financial_difficulty.label_vi"),
            legal_basis=_text(financial["legal_basis"], "financial_difficulty.legal_basis"),
            proof_any_of=_codes(financial["proof_any_of"], "financial_difficulty.proof_any_of", documents)),
        majority_ethnicities=frozenset(normalise_ethnicity(_text(name, "ethnicity.majority[]"))
                                       for name in _list(ethnicity["majority"], "ethnicity.majority")),
        documents=MappingProxyType(documents),
        procedural_status_proof_any_of=_codes(
            top["procedural_status_proof_any_of"], "procedural_status_proof_any_of", documents),
        groups=MappingProxyType(_groups(top["groups"], documents, age_bands)),
        refusal_grounds=MappingProxyType(_refusal_grounds(top["refusal_grounds"])),
        request_file=_request_file(request_file["documents"]),
        makeup_working_days=makeup,
        extra_days_off=days_off,
        case_results=MappingProxyType(_case_results(top["case_results"])),
        termination_grounds=MappingProxyType(_termination_grounds(top["termination_grounds"])),
    )


def normalise_ethnicity(name: str) -> str:
    """Compare ethnicities case-insensitively and without the 'dân tộc' prefix."""
    folded = " ".join(unicodedata.normalize("NFC", name).split()).casefold()
    return folded.removeprefix("dân tộc ").strip()


# --- parts of the file --------------------------------------------------------------------------------


def _age_bands(raw: Any) -> dict[str, AgeBand]:
    bands = {}
    for code, entry in _entries(raw, "age_bands"):
        where = f"age_bands.{code}"
        body = _object(entry, where, {"from", "under", "label_vi", "legal_basis"})
        low = None if body["from"] is None else _count(body["from"], f"{where}.from")
        high = None if body["under"] is None else _count(body["under"], f"{where}.under")
        if low is None and high is None or (low is not None and high is not None and low >= high):
            raise RulesError(f"{where}: needs `from` < `under`, at least one of them set")
        bands[code] = AgeBand(code, low, high, _text(body["label_vi"], f"{where}.label_vi"),
                              _text(body["legal_basis"], f"{where}.legal_basis"))
    return bands


def _notice_hours(raw: Any) -> dict[str, Any]:
    body = _object(raw, "notice_deadline_hours", {"by_status", "default"})
    by_status = {}
    for key, hours in _entries(body["by_status"], "notice_deadline_hours.by_status"):
        status = _enum(ProceduralStatus, key, "notice_deadline_hours.by_status", "procedural status")
        by_status[status] = _count(hours, f"notice_deadline_hours.by_status.{key}")
    return {"notice_deadline_hours_by_status": MappingProxyType(by_status),
            "notice_deadline_hours_default": _count(body["default"], "notice_deadline_hours.default")}


def _groups(raw: Any, documents: Mapping[str, str], bands: Mapping[str, AgeBand]) -> dict[BeneficiaryGroup, GroupRule]:
    groups = {}
    for code, entry in _entries(raw, "groups"):
        group = _enum(BeneficiaryGroup, code, "groups", "group code")
        where = f"groups.{code}"
        body = _object(entry, where, {"label_vi", "needs_financial_difficulty", "derived_from", "proofs"})
        derived = {} if body["derived_from"] is None else _object(
            body["derived_from"], f"{where}.derived_from", {"age_band", "procedural_statuses", "ethnic_minority",
                                                            "hardship_area"}, required=False)
        band = derived.get("age_band")
        if band is not None and band not in bands:
            raise RulesError(f"{where}.derived_from.age_band: unknown age band {band!r}")
        statuses = frozenset(
            _enum(ProceduralStatus, s, f"{where}.derived_from.procedural_statuses", "procedural status")
            for s in _list(derived.get("procedural_statuses", []), f"{where}.derived_from.procedural_statuses"))
        ethnic = _flag(derived.get("ethnic_minority", False), f"{where}.derived_from.ethnic_minority")
        if ethnic != _flag(derived.get("hardship_area", False), f"{where}.derived_from.hardship_area"):
            raise RulesError(f"{where}.derived_from: ethnic_minority and hardship_area go together")
        proofs = tuple(_codes(alternatives, f"{where}.proofs[{i}]", documents)
                       for i, alternatives in enumerate(_list(body["proofs"], f"{where}.proofs")))
        if not proofs:
            raise RulesError(f"{where}.proofs: at least one proof is needed")
        groups[group] = GroupRule(
            group=group, label_vi=_text(body["label_vi"], f"{where}.label_vi"),
            needs_financial_difficulty=_flag(body["needs_financial_difficulty"], f"{where}.needs_financial_difficulty"),
            age_band=band, procedural_statuses=statuses, ethnic_minority_hardship=ethnic, proofs=proofs)
    if missing := [g.value for g in BeneficiaryGroup if g not in groups]:
        raise RulesError(f"groups: no rule for {', '.join(missing)}")
    return groups


def _refusal_grounds(raw: Any) -> dict[RefusalGround, str]:
    grounds = {_enum(RefusalGround, key, "refusal_grounds", "refusal ground"): _text(text, f"refusal_grounds.{key}")
               for key, text in _entries(raw, "refusal_grounds")}
    if missing := [g.value for g in RefusalGround if g not in grounds]:
        raise RulesError(f"refusal_grounds: missing ground {', '.join(missing)}")
    return grounds


def _request_file(raw: Any) -> tuple[RequestFileDocument, ...]:
    items = []
    for i, entry in enumerate(_list(raw, "request_file.documents")):
        where = f"request_file.documents[{i}]"
        body = _object(entry, where, {"code", "label_vi", "required", "eligibility"})
        items.append(RequestFileDocument(
            code=_text(body["code"], f"{where}.code"), label_vi=_text(body["label_vi"], f"{where}.label_vi"),
            required=_flag(body["required"], f"{where}.required"),
            eligibility=_flag(body["eligibility"], f"{where}.eligibility")))
    if sum(item.eligibility for item in items) != 1:
        raise RulesError("request_file.documents: exactly one item must be the eligibility proof")
    if len({item.code for item in items}) != len(items):
        raise RulesError("request_file.documents: duplicate code")
    return tuple(items)


def _case_results(raw: Any) -> dict[AidForm, tuple[CaseResult, ...]]:
    results = {}
    for key, entries in _entries(raw, "case_results"):
        form = _enum(AidForm, key, "case_results", "form of aid")
        items = []
        for i, entry in enumerate(_list(entries, f"case_results.{key}")):
            where = f"case_results.{key}[{i}]"
            body = _object(entry, where, {"code", "label_vi"})
            items.append(CaseResult(_text(body["code"], f"{where}.code"), _text(body["label_vi"], f"{where}.label_vi")))
        if len({item.code for item in items}) != len(items):
            raise RulesError(f"case_results.{key}: duplicate code")
        results[form] = tuple(items)
    if missing := [f.value for f in AidForm if not results.get(f)]:
        raise RulesError(f"case_results: no result for {', '.join(missing)}")
    return results


def _termination_grounds(raw: Any) -> dict[str, TerminationGround]:
    body = _object(raw, "termination_grounds", {"grounds"})
    grounds: dict[str, TerminationGround] = {}
    for i, entry in enumerate(_list(body["grounds"], "termination_grounds.grounds")):
        where = f"termination_grounds.grounds[{i}]"
        item = _object(entry, where, {"code", "label_vi", "legal_basis"})
        code = _text(item["code"], f"{where}.code")
        if code in grounds:
            raise RulesError(f"{where}.code: duplicate code {code!r}")
        grounds[code] = TerminationGround(code, _text(item["label_vi"], f"{where}.label_vi"),
                                          _text(item["legal_basis"], f"{where}.legal_basis"))
    if not grounds:
        raise RulesError("termination_grounds.grounds: at least one ground is needed")
    return grounds


# --- typed readers: each names the key path in its error ----------------------------------------------


def _object(raw: Any, where: str, keys: set[str], required: bool = True) -> dict[str, Any]:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object")
    body = {k: v for k, v in raw.items() if not k.startswith("_")}  # `_comment` keys are for people
    if unknown := sorted(set(body) - keys):
        raise RulesError(f"{where}: unknown key {unknown[0]!r}")
    if required and (missing := sorted(keys - set(body))):
        raise RulesError(f"{where}: missing key {missing[0]!r}")
    return body


def _entries(raw: Any, where: str) -> list[tuple[str, Any]]:
    if not isinstance(raw, dict):
        raise RulesError(f"{where}: must be an object")
    return [(k, v) for k, v in raw.items() if not k.startswith("_")]


def _list(raw: Any, where: str) -> list[Any]:
    if not isinstance(raw, list):
        raise RulesError(f"{where}: must be a list")
    return raw


def _count(raw: Any, where: str) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise RulesError(f"{where}: must be a whole number, 0 or more")
    return raw


def _flag(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise RulesError(f"{where}: must be true or false")
    return raw


def _text(raw: Any, where: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise RulesError(f"{where}: must be a non-empty string")
    return raw


def _date(raw: Any, where: str) -> date:
    try:
        return date.fromisoformat(_text(raw, where))
    except ValueError as exc:
        raise RulesError(f"{where}: not an ISO date (YYYY-MM-DD): {raw!r}") from exc


def _dates(raw: Any, where: str) -> tuple[date, ...]:
    return tuple(sorted({_date(item, f"{where}[]") for item in _list(raw, where)}))


def _codes(raw: Any, where: str, documents: Mapping[str, str]) -> tuple[str, ...]:
    codes = tuple(_text(code, f"{where}[]") for code in _list(raw, where))
    if not codes:
        raise RulesError(f"{where}: must name at least one document")
    if unknown := [code for code in codes if code not in documents]:
        raise RulesError(f"{where}: unknown document code {unknown[0]!r}")
    return codes


def _enum(kind: type[StrEnum], raw: Any, where: str, what: str) -> Any:
    try:
        return kind(raw)
    except ValueError:
        raise RulesError(f"{where}: unknown {what} {raw!r}") from None
