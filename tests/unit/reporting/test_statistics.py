"""The Biểu 24 table: distinct persons by field and form of aid, by sex and group."""

from services.reporting.domain.statistics import CaseFact, tabulate


def fact(person, field="criminal", form="proceedings", gender="male", groups=()):
    return CaseFact(person, field, form, gender, tuple(groups))


def test_a_person_counts_once_per_row_and_once_in_the_total():
    table = tabulate([fact("P1", groups=["poor_household"]), fact("P1", groups=["poor_household"]),
                      fact("P1", field="civil", form="advice", groups=["poor_household"])])
    rows = {(r["field"], r["form"]): r for r in table["rows"]}
    assert rows[("criminal", "proceedings")]["persons"] == 1
    assert rows[("civil", "advice")]["persons"] == 1
    assert table["total"]["persons"] == 1 and table["total"]["groups"]["poor_household"] == 1


def test_sexes_split_and_unknown_counts_as_other():
    table = tabulate([fact("A"), fact("B", gender="female"), fact("C", gender="unknown"), fact("D", gender="other")])
    total = table["total"]
    assert (total["persons"], total["male"], total["female"], total["other_sex"]) == (4, 1, 1, 2)


def test_a_person_in_two_groups_counts_in_each_and_every_group_has_a_column():
    table = tabulate([fact("A", groups=["child", "disabled"]), fact("B")])
    assert table["total"]["groups"]["child"] == 1 and table["total"]["groups"]["disabled"] == 1
    assert table["total"]["persons"] == 2
    assert "revolutionary_merit" in table["groups"] and table["total"]["groups"]["revolutionary_merit"] == 0


def test_rows_follow_the_vocabulary_order_of_fields_then_forms():
    table = tabulate([fact("A", field="land", form="advice"), fact("B", field="criminal", form="advice"),
                      fact("C", field="criminal", form="proceedings")])
    assert [(r["field"], r["form"]) for r in table["rows"]] == [
        ("criminal", "proceedings"), ("criminal", "advice"), ("land", "advice")]


def test_no_cases_give_an_empty_table_with_a_zero_total():
    table = tabulate([])
    assert table["rows"] == [] and table["total"]["persons"] == 0
