"""The same person across notices: exact on national ID, otherwise a scored comparison.

Agencies type names with or without diacritics, in either word order, and often leave the
birth date or the commune out, so a person is recognised by evidence, not by equality:

* both records carry a national ID (CCCD): equal means SAME, different means DIFFERENT;
  a conflicting ID is never merged, whatever the name says;
* otherwise a weighted score (see `match_people`) decides: SAME above `same_at`, ASK_STAFF
  (staff see both records and decide) from `ask_from`, DIFFERENT below.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from rapidfuzz import fuzz

from shared.external import Person

# đ/Đ are letters of their own, not d plus a mark, so NFD leaves them alone. Ð (U+00D0, the
# Icelandic eth) is what some keyboards and OCR produce for Đ.
_D_LETTERS = str.maketrans({"đ": "d", "Đ": "d", "Ð": "d", "ð": "d"})
# Apostrophes that Unicode files under modifier letters (Lm), not punctuation: seen in
# Ê Đê and Jarai names such as H’Hen Niê / Hʼ Hen.
_LETTER_APOSTROPHES = frozenset("\u02bc\u02b9\u02bb\u02bd")

_GENDERS_KNOWN = frozenset({"male", "female"})


def normalise_name(name: str) -> str:
    """A name reduced for comparison: no diacritics, đ as d, casefolded, no punctuation, single spaces."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFC", name))
    kept = []
    for char in decomposed.translate(_D_LETTERS):
        category = unicodedata.category(char)
        if category == "Mn":  # the tone and vowel marks NFD split off
            continue
        if category[0] in "PS" or char in _LETTER_APOSTROPHES:
            continue  # dropped, not spaced: "H'Hen" and "HHen" are the same spelling
        kept.append(char)
    return " ".join("".join(kept).casefold().split())


@dataclass(frozen=True)
class PersonRecord:
    """What is known of a person for matching, from a notice or from the person register."""

    person_id: str | None
    full_name: str
    birth_date: date | None = None
    national_id: str | None = None
    commune_code: str | None = None
    gender: str = "unknown"

    @classmethod
    def from_person(cls, person: Person, person_id: str | None = None) -> PersonRecord:
        """The matching view of the person named in a referral notice."""
        return cls(person_id=person_id, full_name=person.full_name, birth_date=person.birth_date,
                   national_id=person.national_id, commune_code=person.commune_code,
                   gender=str(person.gender))


@dataclass(frozen=True)
class MatchThresholds:
    """Configuration of `match_people`; the defaults are a starting point to tune on real data.

    same_at 0.92 / ask_from 0.75 with weights 0.6 / 0.3 / 0.1 give, for identical names:
    equal birth date and commune 1.00 SAME; equal birth date, commune missing 0.94 SAME;
    equal birth date, other commune 0.90 ASK; birth date missing 0.76-0.82 ASK;
    day/month swapped 0.85-0.91 ASK; same year only 0.76-0.82 ASK (other commune 0.72);
    a different birth date at most 0.70 DIFFERENT.
    """

    same_at: float = 0.92
    ask_from: float = 0.75
    name_weight: float = 0.6
    birth_date_weight: float = 0.3
    commune_weight: float = 0.1
    #: Credit for a birth date or commune missing on either side: a little under half,
    #: because absent evidence neither confirms nor refutes.
    missing_credit: float = 0.4
    #: Birth date with day and month swapped (12/04 vs 04/12), a common typing slip.
    birth_swapped_credit: float = 0.7
    #: Birth dates differing but in the same year (a day or month typo, or a year-only record).
    birth_same_year_credit: float = 0.4
    #: Minimum name similarity for an automatic merge. At 1.0 only names equal after
    #: normalisation merge unattended: one letter separates distinct given names (An/Anh,
    #: Hà/Hải), so a near name goes to staff however strong the rest. 0 lets the score decide.
    same_name_min: float = 1.0
    version: str = "v1"


DEFAULT_THRESHOLDS = MatchThresholds()


class MatchDecision(StrEnum):
    SAME = "same"
    ASK_STAFF = "ask_staff"
    DIFFERENT = "different"


_DECISION_RANK = {MatchDecision.DIFFERENT: 0, MatchDecision.ASK_STAFF: 1, MatchDecision.SAME: 2}


@dataclass(frozen=True)
class PersonMatch:
    """The verdict on two person records, with the rule and the reasons shown to staff."""

    decision: MatchDecision
    score: float
    rule: str
    reasons_vi: list[str]
    candidate: PersonRecord
    existing: PersonRecord
    thresholds_version: str


def name_similarity(a: str, b: str) -> float:
    """Similarity 0..1 of two names, insensitive to diacritics, case, punctuation and word order."""
    return fuzz.token_sort_ratio(normalise_name(a), normalise_name(b)) / 100


def _birth_date_credit(a: date | None, b: date | None, t: MatchThresholds) -> tuple[float, str]:
    if a is None or b is None:
        return t.missing_credit, "Thiếu ngày sinh để đối chiếu"
    if a == b:
        return 1.0, "Trùng ngày sinh"
    if a.year == b.year and a.day == b.month and a.month == b.day:
        return t.birth_swapped_credit, "Ngày sinh đảo ngày và tháng"
    if a.year == b.year:
        return t.birth_same_year_credit, "Cùng năm sinh, khác ngày sinh"
    return 0.0, "Khác ngày sinh"


def _commune_credit(a: str | None, b: str | None, t: MatchThresholds) -> tuple[float, str]:
    if a is None or b is None:
        return t.missing_credit, "Thiếu xã/phường cư trú để đối chiếu"
    if a == b:
        return 1.0, "Cùng xã/phường cư trú"
    return 0.0, "Khác xã/phường cư trú"


def _name_reason(similarity: float) -> str:
    percent = round(similarity * 100)
    if similarity >= 1.0:
        return "Trùng họ tên"
    if similarity >= 0.85:
        return f"Họ tên gần giống ({percent}%)"
    return f"Họ tên khác nhau (giống {percent}%)"


def _gender_conflict(a: PersonRecord, b: PersonRecord) -> bool:
    return a.gender in _GENDERS_KNOWN and b.gender in _GENDERS_KNOWN and a.gender != b.gender


def match_people(a: PersonRecord, b: PersonRecord, thresholds: MatchThresholds = DEFAULT_THRESHOLDS) -> PersonMatch:
    """Decide whether two records are the same person: SAME, ASK_STAFF or DIFFERENT.

    Both with a national ID: equal -> SAME (rule national_id.exact.v1, score 1), different
    -> DIFFERENT (national_id.conflict.v1, score 0). Otherwise (rule score.v1)::

        score = (wn * N + wb * B + wc * C) / (wn + wb + wc)

    N = rapidfuzz token_sort_ratio of the normalised names / 100; B = 1 for equal birth
    dates, `missing_credit` when either is unknown, `birth_swapped_credit` for day/month
    swapped, `birth_same_year_credit` for the same year, else 0; C = 1 for the same commune,
    `missing_credit` when either is unknown, else 0. SAME needs score >= same_at and
    N >= same_name_min (else ASK_STAFF, rule score.name_cap.v1); a male/female conflict
    caps SAME at ASK_STAFF (rule score.gender_cap.v1). ASK_STAFF from ask_from.
    """
    t = thresholds
    similarity = name_similarity(a.full_name, b.full_name)
    birth, birth_reason = _birth_date_credit(a.birth_date, b.birth_date, t)
    commune, commune_reason = _commune_credit(a.commune_code, b.commune_code, t)
    reasons = [_name_reason(similarity), birth_reason, commune_reason]
    gender_conflict = _gender_conflict(a, b)
    if gender_conflict:
        reasons.append("Khác giới tính (nam/nữ)")

    def verdict(decision: MatchDecision, score: float, rule: str, lead: list[str]) -> PersonMatch:
        return PersonMatch(decision=decision, score=score, rule=rule, reasons_vi=lead + reasons,
                           candidate=a, existing=b, thresholds_version=t.version)

    if a.national_id and b.national_id:
        if a.national_id == b.national_id:
            return verdict(MatchDecision.SAME, 1.0, "national_id.exact.v1", ["Trùng số CCCD"])
        return verdict(MatchDecision.DIFFERENT, 0.0, "national_id.conflict.v1",
                       ["Khác số CCCD: không bao giờ tự động gộp"])

    total_weight = t.name_weight + t.birth_date_weight + t.commune_weight
    # Rounded so that a score landing on a threshold (0.6 + 0.15 ...) is not lost to float noise.
    score = round((t.name_weight * similarity + t.birth_date_weight * birth + t.commune_weight * commune)
                  / total_weight, 4)
    if score >= t.same_at:
        if gender_conflict:
            return verdict(MatchDecision.ASK_STAFF, score, "score.gender_cap.v1", [])
        if similarity < t.same_name_min:
            reasons.append("Họ tên không trùng hoàn toàn: cần cán bộ xác nhận")
            return verdict(MatchDecision.ASK_STAFF, score, "score.name_cap.v1", [])
        return verdict(MatchDecision.SAME, score, "score.v1", [])
    if score >= t.ask_from:
        return verdict(MatchDecision.ASK_STAFF, score, "score.v1", [])
    return verdict(MatchDecision.DIFFERENT, score, "score.v1", [])


def best_match(candidate: PersonRecord, existing: Iterable[PersonRecord],
               thresholds: MatchThresholds = DEFAULT_THRESHOLDS) -> PersonMatch | None:
    """The strongest match of a candidate among existing records, or None if none is SAME or ASK_STAFF.

    Ranked by decision, then score: a capped ASK_STAFF at 0.98 must not hide a clean SAME at
    0.94. On a tie the earlier record wins, so the answer does not depend on set order.
    """
    best: PersonMatch | None = None
    for record in existing:
        match = match_people(candidate, record, thresholds)
        if match.decision is MatchDecision.DIFFERENT:
            continue
        if best is None or (_DECISION_RANK[match.decision], match.score) > (_DECISION_RANK[best.decision], best.score):
            best = match
    return best


#: The prefix of the blocking key that alone identifies a person.
NATIONAL_ID_KEY = "national_id:"


def blocking_keys(person: PersonRecord) -> set[str]:
    """Cheap index keys to fetch the few records worth scoring, so nobody is compared with everyone.

    A stored record is a candidate when it shares any key: the national ID; the given name
    (last word) with the birth year; the whole name with its words sorted (catches reversed
    word order); the given name with the commune (catches a record lacking a birth date).
    """
    keys: set[str] = set()
    if person.national_id:
        keys.add(f"{NATIONAL_ID_KEY}{person.national_id}")
    words = normalise_name(person.full_name).split()
    if words:
        given = words[-1]
        keys.add(f"name:{' '.join(sorted(words))}")
        if person.birth_date is not None:
            keys.add(f"given_year:{given}:{person.birth_date.year}")
        if person.commune_code:
            keys.add(f"given_commune:{given}:{person.commune_code}")
    return keys
