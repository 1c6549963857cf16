"""Article 7 groups decided from facts and papers; what to do with the request; written refusals."""

import dataclasses
from datetime import date

import pytest

from services.intake.domain.eligibility import (
    FindingStatus,
    PersonFacts,
    RefusalGround,
    RefusalReasonMissing,
    RequestOutcome,
    age_on,
    assess,
    decide_request,
    refuse,
)
from services.intake.domain.rules import load_rules
from shared.vocabulary import BeneficiaryGroup as G
from shared.vocabulary import ProceduralStatus as S

RULES = load_rules()
ON = date(2026, 3, 2)
ESTABLISHED, UNPROVEN, NOT_MET = FindingStatus.ESTABLISHED, FindingStatus.CLAIMED_UNPROVEN, FindingStatus.NOT_MET
AGE_PROOFS = ["birth_certificate", "citizen_id", "passport", "procedural_agency_notice"]
FINANCIAL = ["near_poor_certificate", "social_allowance_decision"]
ALL_PAPERS = {"request_form", "case_papers"}


def _birthday(years: int, days_after: int = 0) -> date:
    """The birth date of someone who turns `years` old on ON plus `days_after` days."""
    return date(ON.year - years, ON.month, ON.day + days_after)


def _finding(facts: PersonFacts, group: G):
    return assess(facts, ON, RULES).finding(group)


# --- age ----------------------------------------------------------------------------------------------


def test_age_in_whole_years_turns_on_the_birthday():
    assert age_on(date(2010, 3, 2), date(2026, 3, 1)) == 15
    assert age_on(date(2010, 3, 2), date(2026, 3, 2)) == 16
    assert age_on(date(2008, 2, 29), date(2025, 2, 28)) == 16  # a leap-day birthday: 1 March counts
    assert age_on(date(2008, 2, 29), date(2025, 3, 1)) == 17
    assert age_on(date(2008, 2, 29), date(2024, 2, 29)) == 16


def test_the_day_before_the_16th_birthday_is_a_child():
    found = _finding(PersonFacts(birth_date=_birthday(16, days_after=1), documents={"birth_certificate"}), G.CHILD)
    assert found.status is ESTABLISHED
    assert found.rule == "age.child.v1"
    assert "15 tuổi" in found.explanation_vi and "02/03/2026" in found.explanation_vi


def test_on_the_16th_birthday_a_claimed_child_is_not_met():
    facts = PersonFacts(birth_date=_birthday(16), claimed_groups={G.CHILD}, documents={"birth_certificate"})
    found = _finding(facts, G.CHILD)
    assert found.status is NOT_MET
    assert found.rule == "age.child.v1"
    assert "16 tuổi" in found.explanation_vi and "không thuộc độ tuổi dưới 16 tuổi" in found.explanation_vi
    assert found.missing == []


def test_a_claimed_child_with_an_adult_birth_date_is_not_met_and_no_unclaimed_age_group_is_listed():
    assessment = assess(PersonFacts(birth_date=date(1990, 5, 1), claimed_groups={G.CHILD}), ON, RULES)
    assert [(f.group, f.status) for f in assessment.findings] == [(G.CHILD, NOT_MET)]
    assert "35 tuổi" in assessment.findings[0].explanation_vi
    assert not assessment.entitled


def test_an_age_group_is_found_without_a_claim():
    assessment = assess(PersonFacts(birth_date=date(2015, 1, 1), documents={"citizen_id"}), ON, RULES)
    assert assessment.established_groups == [G.CHILD]
    assert assessment.decided_by == ["age.child.v1"]


def test_a_fitting_age_without_a_paper_is_unproven_and_names_the_papers():
    found = _finding(PersonFacts(birth_date=date(2015, 1, 1)), G.CHILD)
    assert found.status is UNPROVEN
    assert found.rule == "proof.child.v1"
    assert found.missing == AGE_PROOFS
    assert "Giấy khai sinh" in found.explanation_vi


def test_an_unknown_birth_date_leaves_a_claimed_age_group_undetermined():
    found = _finding(PersonFacts(claimed_groups={G.CHILD}), G.CHILD)
    assert found.status is UNPROVEN
    assert found.rule == "age.child.v1"
    assert found.missing == AGE_PROOFS
    assert "Chưa có ngày sinh" in found.explanation_vi
    assert _finding(PersonFacts(), G.CHILD) is None  # unknown age and no claim: not listed


def test_a_paper_received_but_no_birth_date_typed_asks_for_the_date_not_the_paper():
    found = _finding(PersonFacts(claimed_groups={G.CHILD}, documents={"birth_certificate"}), G.CHILD)
    assert found.status is UNPROVEN and found.rule == "age.child.v1"
    assert found.missing == []


def test_a_birth_date_after_the_assessment_day_is_not_trusted():
    found = _finding(PersonFacts(birth_date=date(2026, 5, 1), claimed_groups={G.CHILD},
                                 documents={"birth_certificate"}), G.CHILD)
    assert found.status is UNPROVEN and "sau ngày xét" in found.explanation_vi


# --- accused and victims aged 16 to 18 ----------------------------------------------------------------


def test_every_accused_status_on_the_16th_birthday_is_accused_aged_16_18():
    for status in (S.ARRESTED, S.HELD_IN_CUSTODY, S.SUSPECT, S.DEFENDANT):
        facts = PersonFacts(birth_date=_birthday(16), procedural_status=status, documents={"procedural_agency_notice"})
        assessment = assess(facts, ON, RULES)
        assert assessment.established_groups == [G.ACCUSED_AGED_16_18], status
        assert assessment.finding(G.ACCUSED_AGED_16_18).rule == "age.minor_16_18.v1"
        assert assessment.finding(G.CHILD) is None


def test_the_day_before_the_16th_birthday_an_accused_is_a_child_not_16_18():
    facts = PersonFacts(birth_date=_birthday(16, days_after=1), procedural_status=S.SUSPECT,
                        documents={"procedural_agency_notice"}, claimed_groups={G.ACCUSED_AGED_16_18})
    assessment = assess(facts, ON, RULES)
    assert assessment.finding(G.CHILD).status is ESTABLISHED
    assert assessment.finding(G.ACCUSED_AGED_16_18).status is NOT_MET
    assert assessment.finding(G.ACCUSED_AGED_16_18).rule == "age.minor_16_18.v1"


def test_on_the_18th_birthday_an_accused_is_no_longer_16_18():
    facts = PersonFacts(birth_date=_birthday(18), procedural_status=S.DEFENDANT, claimed_groups={G.ACCUSED_AGED_16_18},
                        documents={"citizen_id"})
    assert _finding(facts, G.ACCUSED_AGED_16_18).status is NOT_MET
    facts = dataclasses.replace(facts, birth_date=_birthday(18, days_after=1))
    assert _finding(facts, G.ACCUSED_AGED_16_18).status is ESTABLISHED


def test_a_victim_claiming_the_accused_group_is_not_met_by_the_status_rule():
    facts = PersonFacts(birth_date=_birthday(17), procedural_status=S.VICTIM, claimed_groups={G.ACCUSED_AGED_16_18},
                        documents={"citizen_id"})
    found = _finding(facts, G.ACCUSED_AGED_16_18)
    assert found.status is NOT_MET
    assert found.rule == "status.accused_aged_16_18.v1"
    assert "bị hại" in found.explanation_vi


def test_an_unknown_status_leaves_the_claimed_accused_group_open():
    facts = PersonFacts(birth_date=_birthday(17), claimed_groups={G.ACCUSED_AGED_16_18}, documents={"citizen_id"})
    found = _finding(facts, G.ACCUSED_AGED_16_18)
    assert found.status is UNPROVEN
    assert found.rule == "status.accused_aged_16_18.v1"
    assert found.missing == ["procedural_agency_notice", "procedural_decision"]
    unclaimed = PersonFacts(birth_date=_birthday(17), documents={"citizen_id"})
    assert _finding(unclaimed, G.ACCUSED_AGED_16_18) is None


def test_a_victim_aged_16_18_also_needs_financial_difficulty():
    facts = PersonFacts(birth_date=_birthday(17), procedural_status=S.VICTIM, documents={"procedural_agency_notice"})
    found = _finding(facts, G.VICTIM_AGED_16_18)
    assert found.status is UNPROVEN
    assert found.rule == "financial.difficulty.v1"
    assert found.missing == FINANCIAL
    with_proof = dataclasses.replace(facts, documents={"procedural_agency_notice", "social_allowance_decision"})
    assert _finding(with_proof, G.VICTIM_AGED_16_18).status is ESTABLISHED


def test_a_defendant_claiming_the_victim_group_is_not_met():
    facts = PersonFacts(birth_date=_birthday(17), procedural_status=S.DEFENDANT, claimed_groups={G.VICTIM_AGED_16_18},
                        documents={"citizen_id", "near_poor_certificate"})
    found = _finding(facts, G.VICTIM_AGED_16_18)
    assert found.status is NOT_MET and found.rule == "status.victim_aged_16_18.v1"


# --- groups proved by papers --------------------------------------------------------------------------


def test_an_accused_with_a_near_poor_certificate_is_accused_near_poor():
    facts = PersonFacts(birth_date=date(1980, 1, 1), procedural_status=S.SUSPECT, documents={"near_poor_certificate"})
    found = _finding(facts, G.ACCUSED_NEAR_POOR)
    assert found.status is ESTABLISHED and found.rule == "proof.accused_near_poor.v1"


def test_an_adult_accused_without_papers_is_asked_for_a_near_poor_certificate():
    facts = PersonFacts(birth_date=date(1980, 1, 1), procedural_status=S.SUSPECT)
    found = _finding(facts, G.ACCUSED_NEAR_POOR)
    assert found.status is UNPROVEN and found.missing == ["near_poor_certificate"]
    witness = PersonFacts(procedural_status=S.WITNESS, documents={"near_poor_certificate"},
                          claimed_groups={G.ACCUSED_NEAR_POOR})
    assert _finding(witness, G.ACCUSED_NEAR_POOR).status is NOT_MET


def test_a_poor_household_certificate_establishes_the_group_without_a_claim():
    found = _finding(PersonFacts(documents={"poor_household_certificate"}), G.POOR_HOUSEHOLD)
    assert found.status is ESTABLISHED and found.rule == "proof.poor_household.v1"
    assert "Giấy chứng nhận hộ nghèo" in found.explanation_vi
    claimed = _finding(PersonFacts(claimed_groups={G.POOR_HOUSEHOLD}), G.POOR_HOUSEHOLD)
    assert claimed.status is UNPROVEN and claimed.missing == ["poor_household_certificate"]


def test_revolutionary_merit_needs_only_its_paper():
    assert _finding(PersonFacts(documents={"merit_certificate"}), G.REVOLUTIONARY_MERIT).status is ESTABLISHED
    found = _finding(PersonFacts(claimed_groups={G.REVOLUTIONARY_MERIT}), G.REVOLUTIONARY_MERIT)
    assert found.status is UNPROVEN and found.rule == "proof.revolutionary_merit.v1"


def test_every_starred_paper_group_needs_its_paper_and_financial_difficulty():
    papers = {G.MARTYR_RELATIVE: "martyr_relative_certificate", G.AGENT_ORANGE_VICTIM: "agent_orange_certificate",
              G.DISABLED: "disability_certificate", G.HIV: "hiv_certificate",
              G.DOMESTIC_VIOLENCE_VICTIM: "domestic_violence_victim_confirmation",
              G.TRAFFICKING_VICTIM: "trafficking_victim_confirmation"}
    for group, paper in papers.items():
        bare = _finding(PersonFacts(claimed_groups={group}), group)
        assert bare.status is UNPROVEN and bare.rule == f"proof.{group.value}.v1", group
        assert bare.missing == [paper, *FINANCIAL], group
        paper_only = _finding(PersonFacts(documents={paper}), group)
        assert paper_only.status is UNPROVEN and paper_only.rule == "financial.difficulty.v1", group
        assert paper_only.missing == FINANCIAL, group
        both = assess(PersonFacts(documents={paper, "near_poor_certificate"}), ON, RULES)
        assert both.established_groups == [group], group
        assert both.decided_by == [f"proof.{group.value}.v1"], group


def test_one_paper_does_not_prove_another_group():
    assessment = assess(PersonFacts(documents={"domestic_violence_victim_confirmation", "near_poor_certificate"}),
                        ON, RULES)
    assert assessment.established_groups == [G.DOMESTIC_VIOLENCE_VICTIM]


def test_a_poor_household_paper_does_not_count_as_financial_difficulty_but_still_entitles():
    assessment = assess(PersonFacts(documents={"hiv_certificate", "poor_household_certificate"}), ON, RULES)
    assert assessment.finding(G.HIV).status is UNPROVEN
    assert assessment.established_groups == [G.POOR_HOUSEHOLD]
    assert assessment.entitled
    assert assessment.missing_documents == FINANCIAL


def test_the_elderly_need_age_60_a_paper_and_financial_difficulty():
    facts = PersonFacts(birth_date=_birthday(60), documents={"citizen_id", "near_poor_certificate"})
    assert _finding(facts, G.ELDERLY).status is ESTABLISHED
    assert _finding(facts, G.ELDERLY).rule == "age.elderly.v1"
    no_money_proof = dataclasses.replace(facts, documents={"citizen_id"})
    assert _finding(no_money_proof, G.ELDERLY).missing == FINANCIAL
    younger = dataclasses.replace(facts, birth_date=_birthday(60, days_after=1), claimed_groups={G.ELDERLY})
    assert _finding(younger, G.ELDERLY).status is NOT_MET


# --- ethnic minority in a hardship area ---------------------------------------------------------------


def test_an_ethnic_minority_person_in_a_hardship_area_with_papers_is_established():
    facts = PersonFacts(ethnicity="Ê Đê", lives_in_hardship_area=True,
                        documents={"citizen_id", "residence_confirmation"})
    found = _finding(facts, G.ETHNIC_MINORITY_HARDSHIP_AREA)
    assert found.status is ESTABLISHED and found.rule == "proof.ethnic_minority_hardship_area.v1"
    missing_residence = dataclasses.replace(facts, documents={"citizen_id"})
    assert _finding(missing_residence, G.ETHNIC_MINORITY_HARDSHIP_AREA).missing == ["residence_confirmation"]


def test_the_majority_ethnicity_is_not_met_however_it_is_written():
    for written in ("Kinh", "kinh", " KINH ", "Dân tộc Kinh"):
        facts = PersonFacts(ethnicity=written, lives_in_hardship_area=True,
                            claimed_groups={G.ETHNIC_MINORITY_HARDSHIP_AREA},
                            documents={"citizen_id", "residence_confirmation"})
        found = _finding(facts, G.ETHNIC_MINORITY_HARDSHIP_AREA)
        assert found.status is NOT_MET and found.rule == "ethnicity.minority.v1", written


def test_outside_a_hardship_area_is_not_met_and_unknown_facts_stay_open():
    claim = {G.ETHNIC_MINORITY_HARDSHIP_AREA}
    outside = PersonFacts(ethnicity="Ba Na", lives_in_hardship_area=False, claimed_groups=claim)
    assert _finding(outside, G.ETHNIC_MINORITY_HARDSHIP_AREA).rule == "residence.hardship_area.v1"
    assert _finding(outside, G.ETHNIC_MINORITY_HARDSHIP_AREA).status is NOT_MET
    unknown = _finding(PersonFacts(claimed_groups=claim), G.ETHNIC_MINORITY_HARDSHIP_AREA)
    assert unknown.status is UNPROVEN
    assert _finding(PersonFacts(ethnicity="Ba Na"), G.ETHNIC_MINORITY_HARDSHIP_AREA) is None


# --- the whole assessment -----------------------------------------------------------------------------


def test_findings_come_in_article_7_order_with_all_rules_checked():
    facts = PersonFacts(birth_date=_birthday(17), procedural_status=S.SUSPECT, claimed_groups={"hiv", "child"},
                        documents={"procedural_agency_notice", "poor_household_certificate"})
    assessment = assess(facts, ON, RULES)
    assert [f.group for f in assessment.findings] == [G.POOR_HOUSEHOLD, G.CHILD, G.ACCUSED_AGED_16_18,
                                                     G.ACCUSED_NEAR_POOR, G.HIV]
    assert assessment.established_groups == [G.POOR_HOUSEHOLD, G.ACCUSED_AGED_16_18]
    assert assessment.decided_by == ["proof.poor_household.v1", "age.minor_16_18.v1"]
    assert assessment.finding(G.ACCUSED_AGED_16_18).rules_checked == (
        "age.minor_16_18.v1", "proof.accused_aged_16_18.v1", "status.accused_aged_16_18.v1")


def test_without_any_group_the_deciding_rules_are_the_failed_ones():
    assessment = assess(PersonFacts(birth_date=date(1990, 1, 1), claimed_groups={G.CHILD}), ON, RULES)
    assert not assessment.entitled and assessment.established_groups == []
    assert assessment.decided_by == ["age.child.v1"]


# --- what to do with the request ----------------------------------------------------------------------


def _entitled_child():
    return assess(PersonFacts(birth_date=date(2015, 1, 1), documents={"birth_certificate"}), ON, RULES)


def test_an_entitled_person_with_a_complete_file_is_accepted():
    decision = decide_request(_entitled_child(), ALL_PAPERS, RULES)
    assert decision.outcome is RequestOutcome.ACCEPT
    assert decision.missing == () and decision.ground is None
    assert decision.decided_by == ("age.child.v1",)


def test_case_papers_are_only_needed_if_there_are_any():
    assert decide_request(_entitled_child(), {"request_form"}, RULES).outcome is RequestOutcome.ACCEPT


def test_a_missing_request_form_means_waiting_for_papers():
    decision = decide_request(_entitled_child(), set(), RULES)
    assert decision.outcome is RequestOutcome.PAPERS_MISSING
    assert decision.missing == ("request_form",)
    assert "Mẫu 02-TP-TGPL" in decision.reasons_vi[0]


def test_an_immediate_case_is_accepted_and_the_papers_follow():
    decision = decide_request(_entitled_child(), set(), RULES, immediate=True)
    assert decision.outcome is RequestOutcome.ACCEPT
    assert decision.missing == ("request_form",)
    strict = dataclasses.replace(RULES, center_clock=dataclasses.replace(
        RULES.center_clock, immediate_acceptance_allows_missing_papers=False))
    assert decide_request(_entitled_child(), set(), strict, immediate=True).outcome is RequestOutcome.PAPERS_MISSING


def test_an_unproven_group_means_waiting_for_its_papers_not_refusing():
    assessment = assess(PersonFacts(claimed_groups={G.DISABLED}, documents={"disability_certificate"}), ON, RULES)
    decision = decide_request(assessment, {"case_papers"}, RULES, immediate=True)
    assert decision.outcome is RequestOutcome.PAPERS_MISSING
    assert decision.missing == ("request_form", *FINANCIAL)
    assert decision.ground is None


def test_a_person_in_no_group_gets_a_suggested_refusal_on_ground_a_only():
    assessment = assess(PersonFacts(birth_date=date(1990, 1, 1), claimed_groups={G.CHILD}), ON, RULES)
    decision = decide_request(assessment, ALL_PAPERS, RULES)
    assert decision.outcome is RequestOutcome.REFUSE_NOT_ELIGIBLE
    assert decision.ground is RefusalGround.A
    assert decision.needs_staff_confirmation
    assert "không thuộc độ tuổi" in decision.reasons_vi[0]
    assert decision.decided_by == ("age.child.v1", "refusal.a.v1")
    nobody = decide_request(assess(PersonFacts(), ON, RULES), ALL_PAPERS, RULES)
    assert nobody.ground is RefusalGround.A and "Điều 7" in nobody.reasons_vi[0]


def test_the_decision_never_picks_grounds_b_to_d_by_itself():
    samples = [PersonFacts(), PersonFacts(birth_date=date(1990, 1, 1), claimed_groups={G.CHILD}),
               PersonFacts(documents={"hiv_certificate"}), PersonFacts(documents={"merit_certificate"})]
    for facts in samples:
        for papers in (set(), ALL_PAPERS):
            for immediate in (False, True):
                decision = decide_request(assess(facts, ON, RULES), papers, RULES, immediate=immediate)
                assert decision.ground in (None, RefusalGround.A), (facts, papers)
                assert not decision.needs_staff_confirmation or decision.ground is RefusalGround.A


def test_staff_refuse_in_writing_on_a_legal_ground_with_a_reason():
    refusal = refuse(RefusalGround.D, "  Đã được Văn phòng luật sư X thụ lý theo hợp đồng.  ", RULES)
    assert refusal.ground is RefusalGround.D
    assert refusal.reason_vi == "Đã được Văn phòng luật sư X thụ lý theo hợp đồng."
    assert refusal.ground_text_vi == RULES.refusal_grounds[RefusalGround.D]
    assert refusal.text_vi.startswith("Từ chối thụ lý theo căn cứ (d): ")
    assert refuse("c", "Người yêu cầu đã chết ngày 01/02/2026.", RULES).ground is RefusalGround.C


def test_a_refusal_without_a_reason_is_refused_in_vietnamese():
    for reason in ("", "   "):
        with pytest.raises(RefusalReasonMissing, match="phải nêu rõ lý do"):
            refuse(RefusalGround.B, reason, RULES)
    with pytest.raises(ValueError):
        refuse("e", "Lý do", RULES)
