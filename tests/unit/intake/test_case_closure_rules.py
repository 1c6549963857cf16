"""The case results by form of aid and the termination grounds in the intake rules file: loaded by
the rules loader, and refused when broken."""

import copy
import json

import pytest

from services.intake.domain.rules import DEFAULT_RULES_PATH, RulesError, load_rules, parse_rules
from shared.vocabulary import AidForm

RULES = load_rules()
RAW = json.loads(DEFAULT_RULES_PATH.read_text(encoding="utf-8"))


def _refused(change, *words: str) -> None:
    raw = copy.deepcopy(RAW)
    change(raw)
    with pytest.raises(RulesError) as caught:
        parse_rules(raw)
    for word in words:
        assert word in str(caught.value), (word, str(caught.value))


def test_both_sections_say_they_are_unconfirmed():
    assert "UNCONFIRMED" in RAW["case_results"]["_comment"]
    assert "UNCONFIRMED" in RAW["termination_grounds"]["_comment"]


def test_every_form_of_aid_has_results_with_vietnamese_labels():
    assert set(RULES.case_results) == set(AidForm)
    for form, results in RULES.case_results.items():
        assert results, form
        for result in results:
            assert result.code and result.label_vi.strip() and result.label_vi != result.code, (form, result)


def test_the_results_of_each_form():
    labels = {form: {r.code: r.label_vi for r in results} for form, results in RULES.case_results.items()}
    proceedings = labels[AidForm.PROCEEDINGS]
    assert proceedings["charge_reduced"] == "Được giảm nhẹ tội danh/hình phạt"
    assert proceedings["acquitted"] == "Được tuyên không phạm tội"
    assert proceedings["claim_won"] == "Yêu cầu được chấp nhận"
    assert proceedings["mediated"] == "Hòa giải thành"
    assert {"sentence_reduced", "claim_partly_won", "rights_protected"} <= set(proceedings)
    assert labels[AidForm.ADVICE]["advice_given"] == "Đã tư vấn, hướng dẫn"
    assert "charge_reduced" not in labels[AidForm.ADVICE]
    assert {"claim_won", "mediated"} <= set(labels[AidForm.REPRESENTATION])
    assert "charge_reduced" not in labels[AidForm.REPRESENTATION]  # no criminal sentence out of court


def test_a_result_is_looked_up_within_its_form_only():
    assert RULES.case_result(AidForm.ADVICE, "advice_given").label_vi == "Đã tư vấn, hướng dẫn"
    assert RULES.case_result(AidForm.ADVICE, "charge_reduced") is None
    assert RULES.case_result(AidForm.PROCEEDINGS, "advice_given") is None
    assert RULES.case_result(AidForm.PROCEEDINGS, None) is None


def test_termination_grounds_follow_article_37():
    grounds = RULES.termination_grounds
    assert list(grounds) == ["no_concrete_case", "unlawful_request", "beneficiary_died", "handled_elsewhere",
                             "harmed_performer", "false_information_or_obstruction", "request_withdrawn"]
    for code, ground in grounds.items():
        assert ground.code == code and "Điều 37" in ground.legal_basis, code
    assert grounds["beneficiary_died"].label_vi == "Người được trợ giúp pháp lý đã chết"
    assert "rút yêu cầu" in grounds["request_withdrawn"].label_vi
    assert "sai sự thật" in grounds["false_information_or_obstruction"].label_vi
    assert "cản trở" in grounds["false_information_or_obstruction"].label_vi
    assert "xâm phạm" in grounds["harmed_performer"].label_vi
    # The four refusal grounds are grounds to stop too, in the words of refusal_grounds.
    refusal_texts = set(RULES.refusal_grounds.values())
    assert {grounds[c].label_vi for c in ("no_concrete_case", "unlawful_request", "beneficiary_died",
                                          "handled_elsewhere")} == refusal_texts


def test_a_broken_results_section_is_refused():
    _refused(lambda r: r["case_results"].update(mediation=[{"code": "x", "label_vi": "X"}]), "mediation", "form")
    _refused(lambda r: r["case_results"].pop("advice"), "no result for advice")
    _refused(lambda r: r["case_results"].update(advice=[]), "no result for advice")
    _refused(lambda r: r["case_results"]["advice"].append({"code": "advice_given", "label_vi": "Lần nữa"}),
             "case_results.advice", "duplicate")
    _refused(lambda r: r["case_results"]["advice"][0].pop("label_vi"), "case_results.advice[0]", "label_vi")
    _refused(lambda r: r["case_results"]["advice"][0].update(label_vi="  "), "case_results.advice[0].label_vi")
    _refused(lambda r: r.pop("case_results"), "case_results")


def test_a_broken_termination_section_is_refused():
    grounds = "termination_grounds.grounds"
    _refused(lambda r: r["termination_grounds"]["grounds"][0].pop("legal_basis"), f"{grounds}[0]", "legal_basis")
    _refused(lambda r: r["termination_grounds"]["grounds"].append(dict(r["termination_grounds"]["grounds"][0])),
             "duplicate code 'no_concrete_case'")
    _refused(lambda r: r["termination_grounds"].update(grounds=[]), "at least one ground")
    _refused(lambda r: r["termination_grounds"].update(grounds={"a": "b"}), grounds, "list")
    _refused(lambda r: r.pop("termination_grounds"), "termination_grounds")
