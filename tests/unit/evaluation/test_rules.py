"""The shipped evaluation rules and what a rules file must satisfy."""

import copy
import json

import pytest

from services.evaluation.domain.rules import DEFAULT_RULES_FILE, load_rules, parse_rules

RAW = json.loads(DEFAULT_RULES_FILE.read_text(encoding="utf-8"))


def test_the_shipped_defaults_are_those_of_the_design():
    rules = load_rules()
    assert rules.version == "evaluation-rules/v1"
    assert rules.year_start == (11, 1)
    assert (rules.sample_percent, rules.min_per_officer, rules.corrective_action_days) == (10, 1, 30)
    assert rules.evaluated_forms == {"proceedings", "representation"}
    assert [(r.code, r.label_vi, r.min_share) for r in rules.rating_scale] == [
        ("very_good", "Tốt", 0.85), ("meets", "Đạt chất lượng", 0.5), ("fails", "Không đạt chất lượng", None)]
    assert rules.failing.code == "fails"
    assert set(rules.methods) == {"appraisal", "council", "result"}


def test_every_method_has_a_realistic_checklist_with_a_critical_criterion():
    for method in load_rules().methods.values():
        assert 5 <= len(method.criteria) <= 8, method.code
        assert any(c.critical for c in method.criteria), method.code
        assert all(0 < c.pass_score <= c.max_score for c in method.criteria), method.code
        assert all(any(ch in c.label_vi for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỷỹ")
                   for c in method.criteria), method.code


def test_the_rules_are_marked_unconfirmed():
    assert "UNCONFIRMED" in RAW["_comment"]


def test_labels_come_from_the_scale():
    rules = load_rules()
    assert rules.label("meets") == "Đạt chất lượng"
    assert rules.label("unknown") == "unknown"


def _broken(**changes) -> dict:
    raw = copy.deepcopy(RAW)
    for path, value in changes.items():
        target = raw
        *parents, leaf = path.split("__")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[leaf] = value
    return raw


@pytest.mark.parametrize("changes", [
    {"rating_thresholds__meets": 0.9},                              # not falling from the best down
    {"rating_thresholds": {"very_good": 0.85}},                      # a threshold missing
    {"methods__appraisal__criteria__0__pass_score": 11},            # pass above max
    {"methods__council__criteria__1__code": "law_applied"},          # duplicate code
    {"rating_scale": [{"code": "fails", "label_vi": "Không đạt"}]},  # a one-step scale
])
def test_an_inconsistent_rules_file_is_refused(changes):
    with pytest.raises(ValueError):
        parse_rules(_broken(**changes))


def test_the_evaluation_year_may_start_on_new_year():
    assert parse_rules(_broken(year_start="01-01")).year_start == (1, 1)
