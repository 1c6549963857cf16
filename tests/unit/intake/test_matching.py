"""The same person across notices: name normalisation, national ID, the score, blocking keys."""

from datetime import date

from services.intake.domain.matching import (
    MatchDecision,
    MatchThresholds,
    PersonRecord,
    best_match,
    blocking_keys,
    match_people,
    name_similarity,
    normalise_name,
)
from shared.external import Person

BIRTH = date(2009, 4, 12)
COMMUNE = "21583"  # Phường Quy Nhơn
OTHER_COMMUNE = "21910"  # Phường An Nhơn


def _person(name="Nguyễn Văn An", birth=BIRTH, nid=None, commune=COMMUNE, gender="male", person_id=None):
    return PersonRecord(person_id=person_id, full_name=name, birth_date=birth, national_id=nid,
                        commune_code=commune, gender=gender)


# --- normalise_name ----------------------------------------------------------------------------------


def test_diacritics_and_d_stroke_are_dropped():
    assert normalise_name("Đặng Thị Ánh") == "dang thi anh"
    assert normalise_name("ĐỖ ĐỨC ĐẠT") == "do duc dat"
    assert normalise_name("Ðoàn Văn Hùng") == "doan van hung"  # U+00D0 typed for Đ


def test_decomposed_input_equals_precomposed():
    decomposed = "Nguye\u0302\u0303n Va\u0306n An"
    assert decomposed != "Nguyễn Văn An"
    assert normalise_name(decomposed) == normalise_name("Nguyễn Văn An") == "nguyen van an"


def test_case_spacing_and_punctuation_are_dropped():
    assert normalise_name("  NGUYỄN \u00a0 văn   AN ") == "nguyen van an"
    assert normalise_name("H’Hen Niê") == "hhen nie"
    assert normalise_name("H'Hen Niê") == "hhen nie"
    assert normalise_name("Hʼ Hen Niê") == "h hen nie"
    assert normalise_name("Y-Bih Ksơr") == "ybih ksor"
    assert normalise_name("Nguyễn V. An") == "nguyen v an"


def test_name_similarity_ignores_diacritics_and_word_order():
    assert name_similarity("Nguyễn Văn An", "Nguyen Van An") == 1.0
    assert name_similarity("Nguyễn Văn An", "An Nguyễn Văn") == 1.0
    assert name_similarity("Đặng Thị Ánh", "dang thi anh") == 1.0
    assert round(name_similarity("Nguyễn Văn An", "Nguyễn Văn Anh"), 4) == 0.963
    assert round(name_similarity("Nguyễn Văn An", "Trần Thị Bình"), 4) == 0.3846


# --- national ID -------------------------------------------------------------------------------------


def test_equal_national_ids_are_the_same_person_whatever_the_name():
    match = match_people(_person(nid="052209001234"), _person(name="Nguyen Van Anh", birth=None, nid="052209001234"))
    assert match.decision is MatchDecision.SAME
    assert match.score == 1.0
    assert match.rule == "national_id.exact.v1"
    assert match.reasons_vi[0] == "Trùng số CCCD"
    assert "Họ tên gần giống (96%)" in match.reasons_vi


def test_conflicting_national_ids_are_never_merged():
    match = match_people(_person(nid="052209001234"), _person(nid="052209009999"))
    assert match.decision is MatchDecision.DIFFERENT
    assert match.score == 0.0
    assert match.rule == "national_id.conflict.v1"
    assert match.reasons_vi[0] == "Khác số CCCD: không bao giờ tự động gộp"
    assert "Trùng họ tên" in match.reasons_vi


def test_one_national_id_missing_falls_back_to_the_score():
    match = match_people(_person(nid="052209001234"), _person(nid=None))
    assert match.decision is MatchDecision.SAME
    assert match.rule == "score.v1"
    assert match.score == 1.0
    assert match.reasons_vi == ["Trùng họ tên", "Trùng ngày sinh", "Cùng xã/phường cư trú"]


# --- the score ---------------------------------------------------------------------------------------


def test_same_name_without_diacritics_in_other_order_and_no_commune_merges():
    match = match_people(_person(), _person(name="An Nguyen Van", commune=None))
    assert match.decision is MatchDecision.SAME
    assert match.score == 0.94
    assert match.reasons_vi == ["Trùng họ tên", "Trùng ngày sinh", "Thiếu xã/phường cư trú để đối chiếu"]
    assert match.candidate.full_name == "Nguyễn Văn An"
    assert match.existing.full_name == "An Nguyen Van"
    assert match.thresholds_version == "v1"


def test_grey_zone_other_commune():
    match = match_people(_person(), _person(commune=OTHER_COMMUNE))
    assert match.decision is MatchDecision.ASK_STAFF
    assert match.score == 0.9
    assert match.rule == "score.v1"
    assert match.reasons_vi[2] == "Khác xã/phường cư trú"


def test_grey_zone_birth_date_missing():
    match = match_people(_person(), _person(birth=None))
    assert match.decision is MatchDecision.ASK_STAFF
    assert match.score == 0.82
    assert match.reasons_vi[1] == "Thiếu ngày sinh để đối chiếu"


def test_grey_zone_day_and_month_swapped():
    match = match_people(_person(), _person(birth=date(2009, 12, 4)))
    assert match.decision is MatchDecision.ASK_STAFF
    assert match.score == 0.91
    assert match.reasons_vi[1] == "Ngày sinh đảo ngày và tháng"


def test_grey_zone_same_birth_year_only():
    match = match_people(_person(), _person(birth=date(2009, 5, 12)))
    assert match.decision is MatchDecision.ASK_STAFF
    assert match.score == 0.82
    assert match.reasons_vi[1] == "Cùng năm sinh, khác ngày sinh"
    assert match_people(_person(), _person(birth=date(2009, 5, 12), commune=OTHER_COMMUNE)).decision \
        is MatchDecision.DIFFERENT


def test_different_birth_date_keeps_identical_names_apart():
    match = match_people(_person(), _person(birth=date(2010, 4, 12)))
    assert match.decision is MatchDecision.DIFFERENT
    assert match.score == 0.7
    assert match.reasons_vi == ["Trùng họ tên", "Khác ngày sinh", "Cùng xã/phường cư trú"]


def test_near_name_goes_to_staff_however_strong_the_rest():
    match = match_people(_person(), _person(name="Nguyễn Văn Anh"))
    assert match.decision is MatchDecision.ASK_STAFF
    assert match.score == 0.9778
    assert match.rule == "score.name_cap.v1"
    assert match.reasons_vi[0] == "Họ tên gần giống (96%)"
    assert match.reasons_vi[-1] == "Họ tên không trùng hoàn toàn: cần cán bộ xác nhận"


def test_near_name_merges_when_the_name_gate_is_configured_off():
    match = match_people(_person(), _person(name="Nguyễn Văn Anh"), MatchThresholds(same_name_min=0.0))
    assert match.decision is MatchDecision.SAME
    assert match.rule == "score.v1"


def test_other_given_name_with_same_birth_date_and_commune_is_asked():
    match = match_people(_person(), _person(name="Nguyễn Văn Bình"))
    assert match.decision is MatchDecision.ASK_STAFF
    assert match.score == 0.9143
    assert match.reasons_vi[0] == "Họ tên gần giống (86%)"


def test_unrelated_name_is_different():
    match = match_people(_person(), _person(name="Trần Thị Bình", gender="female"))
    assert match.decision is MatchDecision.DIFFERENT
    assert match.score == 0.6308
    assert match.reasons_vi[0] == "Họ tên khác nhau (giống 38%)"


def test_gender_conflict_caps_at_ask_staff():
    match = match_people(_person(gender="male"), _person(gender="female"))
    assert match.decision is MatchDecision.ASK_STAFF
    assert match.score == 1.0
    assert match.rule == "score.gender_cap.v1"
    assert match.reasons_vi[-1] == "Khác giới tính (nam/nữ)"


def test_unknown_or_other_gender_is_no_conflict():
    for gender in ("unknown", "other"):
        match = match_people(_person(gender="male"), _person(gender=gender))
        assert match.decision is MatchDecision.SAME, gender
        assert "Khác giới tính (nam/nữ)" not in match.reasons_vi, gender


def test_gender_conflict_does_not_lift_a_low_score():
    match = match_people(_person(gender="male"), _person(birth=date(1990, 1, 1), gender="female"))
    assert match.decision is MatchDecision.DIFFERENT
    assert match.rule == "score.v1"


def test_thresholds_are_configuration():
    strict = MatchThresholds(same_at=0.99, ask_from=0.93)
    assert match_people(_person(), _person(commune=None), strict).decision is MatchDecision.ASK_STAFF
    assert match_people(_person(), _person(commune=OTHER_COMMUNE), strict).decision is MatchDecision.DIFFERENT
    lenient = MatchThresholds(same_at=0.89)
    assert match_people(_person(), _person(commune=OTHER_COMMUNE), lenient).decision is MatchDecision.SAME


def test_weights_are_relative():
    scaled = MatchThresholds(name_weight=6, birth_date_weight=3, commune_weight=1, version="scaled")
    match = match_people(_person(), _person(commune=None), scaled)
    assert match.score == 0.94
    assert match.thresholds_version == "scaled"


def test_record_from_a_notice_person():
    person = Person(full_name="Nguyễn Văn An", birth_date=BIRTH, gender="male", national_id="052209001234",
                    commune_code=COMMUNE)
    record = PersonRecord.from_person(person, person_id="p-1")
    assert record == PersonRecord("p-1", "Nguyễn Văn An", BIRTH, "052209001234", COMMUNE, "male")


# --- blocking_keys -----------------------------------------------------------------------------------


def test_blocking_keys_of_a_full_record():
    keys = blocking_keys(_person(name="Nguyễn Văn Ánh", nid="052209001234"))
    assert keys == {
        "national_id:052209001234",
        "name:anh nguyen van",
        "given_year:anh:2009",
        "given_commune:anh:21583",
    }


def test_blocking_keys_of_a_sparse_record():
    assert blocking_keys(_person(birth=None, commune=None)) == {"name:an nguyen van"}
    assert blocking_keys(_person(name="  ", birth=None, commune=None, nid="052209001234")) == {
        "national_id:052209001234"}


def test_records_worth_scoring_share_a_key():
    record = _person()
    assert blocking_keys(record) & blocking_keys(_person(name="An Nguyen Van", birth=None, commune=None))
    assert blocking_keys(record) & blocking_keys(_person(name="Nguyễn Van An", birth=None))
    assert blocking_keys(record) & blocking_keys(_person(name="Nguyen Văn An", commune=None))
    assert not blocking_keys(record) & blocking_keys(_person(name="Trần Thị Bình", birth=date(1980, 1, 1)))


# --- best_match --------------------------------------------------------------------------------------


def test_best_match_prefers_same_over_ask_over_nothing():
    existing = [
        _person(name="Trần Thị Bình", person_id="different"),
        _person(commune=OTHER_COMMUNE, person_id="ask"),
        _person(commune=None, person_id="same"),
    ]
    match = best_match(_person(), existing)
    assert match is not None
    assert match.decision is MatchDecision.SAME
    assert match.existing.person_id == "same"
    assert match.score == 0.94


def test_best_match_ranks_a_clean_same_above_a_capped_ask():
    existing = [_person(gender="female", person_id="capped"), _person(commune=None, person_id="same")]
    match = best_match(_person(), existing)
    assert match is not None
    assert match.existing.person_id == "same"


def test_best_match_ties_keep_the_first_record():
    existing = (_person(person_id=f"p-{n}") for n in range(3))
    match = best_match(_person(), existing)
    assert match is not None
    assert match.existing.person_id == "p-0"


def test_best_match_returns_none_without_a_plausible_record():
    assert best_match(_person(), []) is None
    candidate = _person(nid="052209001234")
    assert best_match(candidate, [_person(name="Trần Thị Bình"), _person(nid="052209009999")]) is None
