"""The versioned intake rules file: its content matches DOMAIN.md, and a broken file is refused."""

import copy
import json
import tempfile
from datetime import date
from pathlib import Path

import pytest

from services.intake.domain.rules import (
    DEFAULT_RULES_PATH,
    RefusalGround,
    RulesError,
    load_rules,
    parse_rules,
)
from shared.vocabulary import BeneficiaryGroup as G
from shared.vocabulary import ProceduralStatus as S

RULES = load_rules()
RAW = json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))

#: The groups marked (*) in DOMAIN.md: entitled only with financial difficulty.
STARRED = {G.MARTYR_RELATIVE, G.AGENT_ORANGE_VICTIM, G.ELDERLY, G.DISABLED, G.VICTIM_AGED_16_18,
           G.DOMESTIC_VIOLENCE_VICTIM, G.TRAFFICKING_VICTIM, G.HIV}
ACCUSED = {S.ARRESTED, S.HELD_IN_CUSTODY, S.SUSPECT, S.DEFENDANT}


def _broken(change) -> dict:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


def _refused(change, *words: str) -> None:
    with pytest.raises(RulesError) as caught:
        parse_rules(_broken(change))
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))


# --- the shipped file ---------------------------------------------------------------------------------


def test_the_shipped_file_is_version_1_valid_from_2026():
    assert RULES.version == 1
    assert RULES.valid_from == date(2026, 1, 1)
    assert RULES.zone.key == "Asia/Ho_Chi_Minh"
    assert DEFAULT_RULES_PATH.name == "intake-rules-v1.json"


def test_every_group_has_a_vietnamese_label_and_at_least_one_proof():
    assert set(RULES.groups) == set(G)
    for group, rule in RULES.groups.items():
        assert rule.group is group
        assert rule.label_vi.strip() and rule.label_vi != group.value, group
        assert rule.proofs and all(rule.proofs), group


def test_exactly_the_starred_groups_need_financial_difficulty():
    assert {g for g, rule in RULES.groups.items() if rule.needs_financial_difficulty} == STARRED


def test_age_bands_follow_the_law():
    child, minor, elderly = (RULES.age_bands[code] for code in ("child", "minor_16_18", "elderly"))
    assert (child.from_years, child.under_years) == (None, 16)
    assert (minor.from_years, minor.under_years) == (16, 18)
    assert (elderly.from_years, elderly.under_years) == (60, None)
    assert child.contains(15) and not child.contains(16)
    assert minor.contains(16) and minor.contains(17) and not minor.contains(18) and not minor.contains(15)
    assert elderly.contains(60) and not elderly.contains(59)


def test_groups_derived_from_age_and_status():
    groups = RULES.groups
    assert groups[G.CHILD].age_band == "child" and not groups[G.CHILD].procedural_statuses
    assert groups[G.ELDERLY].age_band == "elderly"
    assert groups[G.ACCUSED_AGED_16_18].age_band == "minor_16_18"
    assert groups[G.ACCUSED_AGED_16_18].procedural_statuses == ACCUSED
    assert groups[G.VICTIM_AGED_16_18].age_band == "minor_16_18"
    assert groups[G.VICTIM_AGED_16_18].procedural_statuses == {S.VICTIM}
    assert groups[G.ACCUSED_NEAR_POOR].procedural_statuses == ACCUSED
    assert groups[G.ETHNIC_MINORITY_HARDSHIP_AREA].ethnic_minority_hardship
    derived = {g for g, rule in groups.items() if rule.derived_from_facts}
    assert derived == {G.CHILD, G.ELDERLY, G.ACCUSED_AGED_16_18, G.VICTIM_AGED_16_18, G.ACCUSED_NEAR_POOR,
                       G.ETHNIC_MINORITY_HARDSHIP_AREA}


def test_group_papers_name_the_right_documents():
    assert RULES.groups[G.POOR_HOUSEHOLD].proofs == (("poor_household_certificate",),)
    assert RULES.groups[G.ACCUSED_NEAR_POOR].proofs == (("near_poor_certificate",),)
    assert "birth_certificate" in RULES.groups[G.CHILD].proofs[0]
    assert ("residence_confirmation",) in RULES.groups[G.ETHNIC_MINORITY_HARDSHIP_AREA].proofs
    assert RULES.document_label("poor_household_certificate") == "Giấy chứng nhận hộ nghèo"
    assert RULES.document_label("near_poor_certificate") == "Giấy chứng nhận hộ cận nghèo"


def test_financial_difficulty_is_a_near_poor_certificate_or_a_monthly_social_allowance():
    assert set(RULES.financial_difficulty.proof_any_of) == {"near_poor_certificate", "social_allowance_decision"}
    assert "03/2021" in RULES.financial_difficulty.legal_basis


def test_notice_deadlines_are_12_hours_for_the_detained_and_24_for_others():
    assert RULES.notice_deadline_hours(S.ARRESTED) == 12
    assert RULES.notice_deadline_hours(S.HELD_IN_CUSTODY) == 12
    for status in (S.SUSPECT, S.DEFENDANT, S.VICTIM, S.WITNESS, S.OTHER):
        assert RULES.notice_deadline_hours(status) == 24, status


def test_center_clock_defaults():
    clock = RULES.center_clock
    assert clock.acceptance_working_days == 2
    assert clock.immediate_acceptance_working_days == 0
    assert clock.immediate_acceptance_threshold_working_days == 5
    assert clock.assignment_working_days == 1
    assert clock.performer_change_working_days == 3


def test_four_refusal_grounds_with_vietnamese_text():
    assert set(RULES.refusal_grounds) == set(RefusalGround) == {"a", "b", "c", "d"}
    assert "đã chết" in RULES.refusal_grounds[RefusalGround.C]
    assert "tổ chức thực hiện trợ giúp pháp lý khác" in RULES.refusal_grounds[RefusalGround.D]


def test_request_file_is_form_proof_and_case_papers():
    codes = [item.code for item in RULES.request_file]
    assert codes == ["request_form", "eligibility_proof", "case_papers"]
    assert "Mẫu 02-TP-TGPL" in RULES.document_label("request_form")
    assert [item.code for item in RULES.request_file if item.eligibility] == ["eligibility_proof"]


def test_makeup_days_and_extra_days_off_are_lists_of_dates():
    assert RULES.makeup_working_days == ()
    assert RULES.extra_days_off == ()
    rules = parse_rules(_broken(lambda r: r.update(makeup_working_days=["2026-03-07", "2026-03-07"],
                                                   extra_days_off=["2026-03-09"])))
    assert rules.makeup_working_days == (date(2026, 3, 7),)
    assert rules.extra_days_off == (date(2026, 3, 9),)


def test_rule_ids_carry_the_rules_version():
    assert RULES.rule_id("age", "child") == "age.child.v1"
    assert parse_rules(_broken(lambda r: r.update(version=2))).rule_id("age", "child") == "age.child.v2"


def test_load_rules_reads_another_file_at_call_time():
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "intake-rules-v7.json"
        path.write_text(json.dumps(_broken(lambda r: r.update(version=7))), encoding="utf-8")
        assert load_rules(path).version == 7
        assert load_rules(str(path)).version == 7
        path.write_text("{not json", encoding="utf-8")
        with pytest.raises(RulesError, match="not valid JSON"):
            load_rules(path)


# --- a broken file is refused, naming what is wrong ---------------------------------------------------


def test_an_unknown_group_code_is_refused():
    _refused(lambda r: r["groups"].update(pensioner=copy.deepcopy(r["groups"]["hiv"])), "pensioner", "group")


def test_a_group_without_a_rule_is_refused():
    _refused(lambda r: r["groups"].pop("hiv"), "hiv")


def test_an_unknown_document_code_is_refused():
    _refused(lambda r: r["groups"]["hiv"].update(proofs=[["hiv_card"]]), "hiv_card")
    _refused(lambda r: r["financial_difficulty"].update(proof_any_of=["rich_certificate"]), "rich_certificate")


def test_an_unknown_age_band_or_status_is_refused():
    _refused(lambda r: r["groups"]["child"].update(derived_from={"age_band": "toddler"}), "toddler")
    _refused(lambda r: r["groups"]["accused_near_poor"].update(derived_from={"procedural_statuses": ["jailed"]}),
             "jailed")
    _refused(lambda r: r["notice_deadline_hours"]["by_status"].update(jailed=6), "jailed")


def test_an_impossible_age_band_is_refused():
    _refused(lambda r: r["age_bands"]["minor_16_18"].update({"from": 18, "under": 16}), "minor_16_18")


def test_refusal_grounds_must_be_exactly_a_to_d():
    _refused(lambda r: r["refusal_grounds"].update(e="Lý do khác"), "'e'")
    _refused(lambda r: r["refusal_grounds"].pop("c"), "missing ground c")


def test_numbers_must_be_whole_and_not_negative():
    _refused(lambda r: r["center_clock"].update(acceptance_working_days=-1), "acceptance_working_days")
    _refused(lambda r: r["center_clock"].update(acceptance_working_days=1.5), "acceptance_working_days")
    _refused(lambda r: r["center_clock"].update(acceptance_working_days=True), "acceptance_working_days")
    _refused(lambda r: r["notice_deadline_hours"].update(default="24"), "default")


def test_a_misspelt_or_missing_key_is_refused_but_comments_are_ignored():
    _refused(lambda r: r["groups"]["hiv"].update(need_financial_difficulty=True), "need_financial_difficulty")
    _refused(lambda r: r["center_clock"].pop("assignment_working_days"), "assignment_working_days")
    assert parse_rules(_broken(lambda r: r["groups"]["hiv"].update(_comment="ghi chú"))).version == 1


def test_bad_dates_and_a_day_both_on_and_off_are_refused():
    _refused(lambda r: r.update(makeup_working_days=["07/03/2026"]), "makeup_working_days")
    _refused(lambda r: r.update(makeup_working_days=["2026-03-07"], extra_days_off=["2026-03-07"]), "both")
    _refused(lambda r: r.update(valid_from="soon"), "valid_from")


def test_an_unknown_time_zone_is_refused():
    _refused(lambda r: r.update(timezone="Asia/Atlantis"), "Asia/Atlantis")
