"""Conflict of interest (Law Art. 25(2)) found from data: opposing parties, declared relationships, declines."""

from datetime import date

from services.assignment.domain.conflicts import (
    DECLARED_RELATIONSHIP,
    OPPOSING_PARTY,
    PREVIOUSLY,
    CaseParties,
    HeldCase,
    Party,
    conflicts,
    matter_key,
)
from services.assignment.domain.roster import Officer, Relationship
from services.assignment.domain.rules import load_rules

RULES = load_rules()
MATTER = matter_key("CA-GL-QN", "45/2026/HS")


def officer(oid: str, relationships=()) -> Officer:
    return Officer(oid, oid, "CN-A", ("criminal",), date(2015, 1, 1), relationships=tuple(relationships))


def test_the_same_matter_is_found_whatever_the_spacing_and_case_of_its_number():
    assert matter_key("CA-GL-QN", " 45/2026/hs ") == MATTER


def test_statuses_fall_on_the_sides_of_a_criminal_matter():
    assert RULES.side_of("arrested") == RULES.side_of("defendant") == "accused"
    assert RULES.side_of("victim") == "victim"
    assert RULES.side_of("witness") is None and RULES.side_of(None) is None


def test_the_officer_of_the_accused_may_not_take_the_victim_of_the_same_matter():
    victim = CaseParties(Party("Trần Thị Bình", "052200000002"), matter_keys=frozenset({MATTER}), side="victim")
    accused = CaseParties(Party("Nguyễn Văn An", "052209001234"), matter_keys=frozenset({MATTER}), side="accused")
    held = [HeldCase("o-1", "case-accused", accused)]
    found = conflicts("case-victim", victim, [officer("o-1"), officer("o-2")], held)
    assert found == {"o-1": OPPOSING_PARTY}


def test_co_accused_on_the_same_side_are_not_a_conflict_by_this_rule():
    one = CaseParties(Party("A", "052209000001"), matter_keys=frozenset({MATTER}), side="accused")
    two = CaseParties(Party("B", "052209000002"), matter_keys=frozenset({MATTER}), side="accused")
    assert conflicts("c-2", two, [officer("o-1")], [HeldCase("o-1", "c-1", one)]) == {}


def test_another_matter_is_no_conflict():
    victim = CaseParties(Party("B"), matter_keys=frozenset({matter_key("CA-GL-QN", "46/2026/HS")}), side="victim")
    accused = CaseParties(Party("A"), matter_keys=frozenset({MATTER}), side="accused")
    assert conflicts("c-2", victim, [officer("o-1")], [HeldCase("o-1", "c-1", accused)]) == {}


def test_a_named_opposing_party_whom_the_officer_helped_is_a_conflict():
    # A land dispute: staff recorded the neighbour as the opposing party; o-1 once advised the neighbour.
    case = CaseParties(Party("Lê Văn Cường", "052201000003"), opposing=(Party("Phạm Thị Dung", "052201000004"),))
    neighbour = CaseParties(Party("Phạm Thị Dung", "052201000004"))
    assert conflicts("c-2", case, [officer("o-1")], [HeldCase("o-1", "c-1", neighbour)]) == {"o-1": OPPOSING_PARTY}
    # And the other way: the officer's earlier case named this beneficiary as its opposing party.
    earlier = CaseParties(Party("Phạm Thị Dung", "052201000004"), opposing=(Party("Lê Văn Cường", "052201000003"),))
    mine = CaseParties(Party("Lê Văn Cường", "052201000003"))
    assert conflicts("c-3", mine, [officer("o-2")], [HeldCase("o-2", "c-1", earlier)]) == {"o-2": OPPOSING_PARTY}


def test_a_declared_relationship_with_any_party_is_a_conflict():
    case = CaseParties(Party("Nguyễn Văn An", "052209001234"), opposing=(Party("Võ Thị Em"),))
    by_id = officer("o-1", [Relationship("Nguyễn Văn An", "052209001234", "cháu ruột")])
    by_name = officer("o-2", [Relationship("võ  thị em", None, "hàng xóm")])
    other_id = officer("o-3", [Relationship("Nguyễn Văn An", "052209009999", "trùng tên")])
    found = conflicts("c-1", case, [by_id, by_name, other_id], [])
    assert found == {"o-1": DECLARED_RELATIONSHIP, "o-2": DECLARED_RELATIONSHIP}


def test_declined_or_replaced_comes_first_and_the_case_itself_is_no_conflict():
    case = CaseParties(Party("A", "052209000001"), matter_keys=frozenset({MATTER}), side="victim")
    itself = HeldCase("o-1", "c-1", CaseParties(Party("A", "052209000001"), matter_keys=frozenset({MATTER}),
                                               side="accused"))
    assert conflicts("c-1", case, [officer("o-1")], [itself]) == {}
    assert conflicts("c-1", case, [officer("o-1")], [itself], frozenset({"o-1"})) == {"o-1": PREVIOUSLY}


def test_lookup_keys_find_the_matter_and_every_party():
    case = CaseParties(Party("Nguyễn Văn An", "052209001234", "p-1"), opposing=(Party("Võ Thị Em"),),
                       matter_keys=frozenset({MATTER}))
    assert case.lookup_keys() == {f"matter:{MATTER}", "id:052209001234", "person:p-1", "name:nguyễn văn an",
                                  "name:võ thị em"}


def test_a_person_known_by_id_in_one_case_and_by_name_in_another_is_found_and_matched():
    # Case A knows the beneficiary by CCCD; case B names her as the opposing party without one.
    a = CaseParties(Party("Trần Thị Lan", "052190001234"))
    b = CaseParties(Party("Lê Văn Bảo", "052190009999"), opposing=(Party("Trần  thị Lan"),))
    assert a.lookup_keys() & b.lookup_keys()  # the lookup hands the held case to the check
    assert conflicts("b", b, [officer("o-1")], [HeldCase("o-1", "a", a)]) == {"o-1": OPPOSING_PARTY}
