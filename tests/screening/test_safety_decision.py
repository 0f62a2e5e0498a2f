"""The immediate-safety decision: every combination of the Florida facts, the order of the
lines, a community's own table, and the seeded table equal to FLORIDA_RULES."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from continuum.screening.safety import (
    ADULT_AGE,
    FLORIDA_RULES,
    LineToCall,
    RuleRow,
    SafetyFacts,
    age_group,
    lines_to_call,
    rules_from_db,
)

SHORT = {
    "911": "emergency",
    "FAH": "florida_abuse_hotline",
    "NHTH": "national_trafficking_hotline",
}
YES_NO = {"yes": True, "no": False, "?": None}
AGES = {"child": 15, "adult": 30, "?": None}

# danger, age, in Florida, suspected abuse (child abuse, abandonment or neglect) -> the lines,
# in the order they are shown. "?" is "not known"; "-" is "no line".
# Every one of the 3 x 3 x 3 x 3 = 81 combinations, written out.
FLORIDA_TABLE = """
yes child yes yes  911 FAH
yes child yes no   911
yes child yes ?    911 FAH
yes child no  yes  911 NHTH
yes child no  no   911 NHTH
yes child no  ?    911 NHTH
yes child ?   yes  911 FAH NHTH
yes child ?   no   911 FAH NHTH
yes child ?   ?    911 FAH NHTH
yes adult yes yes  911 NHTH
yes adult yes no   911 NHTH
yes adult yes ?    911 NHTH
yes adult no  yes  911 NHTH
yes adult no  no   911 NHTH
yes adult no  ?    911 NHTH
yes adult ?   yes  911 NHTH
yes adult ?   no   911 NHTH
yes adult ?   ?    911 NHTH
yes ?     yes yes  911 FAH
yes ?     yes no   911
yes ?     yes ?    911 FAH
yes ?     no  yes  911 NHTH
yes ?     no  no   911 NHTH
yes ?     no  ?    911 NHTH
yes ?     ?   yes  911 FAH NHTH
yes ?     ?   no   911 FAH NHTH
yes ?     ?   ?    911 FAH NHTH
no  child yes yes  FAH
no  child yes no   -
no  child yes ?    FAH
no  child no  yes  NHTH
no  child no  no   NHTH
no  child no  ?    NHTH
no  child ?   yes  FAH NHTH
no  child ?   no   FAH NHTH
no  child ?   ?    FAH NHTH
no  adult yes yes  NHTH
no  adult yes no   NHTH
no  adult yes ?    NHTH
no  adult no  yes  NHTH
no  adult no  no   NHTH
no  adult no  ?    NHTH
no  adult ?   yes  NHTH
no  adult ?   no   NHTH
no  adult ?   ?    NHTH
no  ?     yes yes  FAH
no  ?     yes no   -
no  ?     yes ?    FAH
no  ?     no  yes  NHTH
no  ?     no  no   NHTH
no  ?     no  ?    NHTH
no  ?     ?   yes  FAH NHTH
no  ?     ?   no   FAH NHTH
no  ?     ?   ?    FAH NHTH
?   child yes yes  FAH
?   child yes no   -
?   child yes ?    FAH
?   child no  yes  NHTH
?   child no  no   NHTH
?   child no  ?    NHTH
?   child ?   yes  FAH NHTH
?   child ?   no   FAH NHTH
?   child ?   ?    FAH NHTH
?   adult yes yes  NHTH
?   adult yes no   NHTH
?   adult yes ?    NHTH
?   adult no  yes  NHTH
?   adult no  no   NHTH
?   adult no  ?    NHTH
?   adult ?   yes  NHTH
?   adult ?   no   NHTH
?   adult ?   ?    NHTH
?   ?     yes yes  FAH
?   ?     yes no   -
?   ?     yes ?    FAH
?   ?     no  yes  NHTH
?   ?     no  no   NHTH
?   ?     no  ?    NHTH
?   ?     ?   yes  FAH NHTH
?   ?     ?   no   FAH NHTH
?   ?     ?   ?    FAH NHTH
"""


def _parse_table() -> list[tuple[SafetyFacts, list[str]]]:
    cases = []
    for row in FLORIDA_TABLE.strip().splitlines():
        danger, age, in_state, abuse, *lines = row.split()
        facts = SafetyFacts(
            immediate_danger=YES_NO[danger],
            age=AGES[age],
            in_state=YES_NO[in_state],
            suspected_abuse=YES_NO[abuse],
        )
        cases.append((facts, [SHORT[line] for line in lines if line != "-"]))
    return cases


CASES = _parse_table()


def domain_oracle(facts: SafetyFacts) -> list[str]:
    """DOMAIN.md restated, independently of the table: 911 for danger now; the Florida Abuse
    Hotline for suspected abuse of a child in Florida; the national hotline for an adult
    anywhere or a child outside Florida. When unsure, call more: an unknown age counts as a
    child, unknown abuse as suspected, and an unknown place as both Florida and not."""
    lines = []
    if facts.immediate_danger is True:
        lines.append("emergency")
    maybe_child = facts.age is None or facts.age < 18
    if maybe_child:
        if (facts.in_state is True and facts.suspected_abuse is not False) or (
            facts.in_state is None
        ):
            lines.append("florida_abuse_hotline")
        if facts.in_state is not True:
            lines.append("national_trafficking_hotline")
    else:
        lines.append("national_trafficking_hotline")
    return lines


def test_the_table_covers_every_combination_once() -> None:
    seen = {(f.immediate_danger, age_group(f.age), f.in_state, f.suspected_abuse) for f, _ in CASES}
    every = set(
        itertools.product(
            [True, False, None],
            ["child", "adult", "unknown"],
            [True, False, None],
            [True, False, None],
        )
    )
    assert len(CASES) == 81
    assert seen == every


@pytest.mark.parametrize(("facts", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_florida_lines_for_every_combination(facts: SafetyFacts, expected: list[str]) -> None:
    got = [line.line for line in lines_to_call(facts, FLORIDA_RULES)]
    assert got == expected
    assert got == domain_oracle(facts)


@pytest.mark.parametrize(("facts", "expected"), CASES, ids=[str(c[0]) for c in CASES])
def test_every_line_says_why(facts: SafetyFacts, expected: list[str]) -> None:
    for line in lines_to_call(facts, FLORIDA_RULES):
        assert line.reasons
        assert all(reason.strip() for reason in line.reasons)
        assert len(set(line.reasons)) == len(line.reasons)


def test_911_comes_first_whenever_there_is_danger() -> None:
    for facts, _expected in CASES:
        lines = lines_to_call(facts, FLORIDA_RULES)
        if facts.immediate_danger:
            assert lines[0] == LineToCall("emergency", ("They are in danger now.",))
        else:
            assert "emergency" not in [line.line for line in lines]


def test_an_unknown_age_and_place_calls_both_hotlines_with_both_reasons() -> None:
    facts = SafetyFacts(immediate_danger=False, age=None, in_state=None, suspected_abuse=None)
    lines = lines_to_call(facts, FLORIDA_RULES)
    assert [line.line for line in lines] == [
        "florida_abuse_hotline",
        "national_trafficking_hotline",
    ]
    assert lines[0].reasons == ("You are not sure the situation is in Florida: call both.",)


def test_a_child_in_florida_with_unknown_abuse_gathers_one_reason_once() -> None:
    facts = SafetyFacts(immediate_danger=None, age=None, in_state=True, suspected_abuse=True)
    (line,) = lines_to_call(facts, FLORIDA_RULES)
    assert line.line == "florida_abuse_hotline"
    assert line.reasons == ("You cannot tell whether they are under 18: treat them as a child.",)


@pytest.mark.parametrize(
    ("age", "group"),
    [(None, "unknown"), (0, "child"), (17, "child"), (ADULT_AGE, "adult"), (22, "adult")],
)
def test_age_group(age: int | None, group: str) -> None:
    assert age_group(age) == group


def test_the_florida_table_never_sends_anyone_to_the_state_trafficking_line_first() -> None:
    assert "florida_trafficking_line" not in {rule.line for rule in FLORIDA_RULES}


def _row(position: int, line: str, reason: str, **conditions: str) -> RuleRow:
    return RuleRow(
        position=position,
        danger=conditions.get("danger", "any"),
        age_group=conditions.get("age_group", "any"),
        in_state=conditions.get("in_state", "any"),
        suspected_abuse=conditions.get("suspected_abuse", "any"),
        line=line,
        reason=reason,
    )


def test_a_custom_table_first_position_wins_the_order_and_reasons_gather() -> None:
    rules = [  # given out of order on purpose
        _row(30, "local_line", "Third", age_group="adult"),
        _row(20, "sheriff", "Second"),
        _row(5, "local_line", "First"),
        _row(40, "local_line", "First"),  # the same reason twice is said once
        _row(50, "never", "Not matched", in_state="no"),
    ]
    facts = SafetyFacts(immediate_danger=False, age=40, in_state=True, suspected_abuse=None)
    assert lines_to_call(facts, rules) == [
        LineToCall("local_line", ("First", "Third")),
        LineToCall("sheriff", ("Second",)),
    ]


def test_a_custom_table_matches_unknown_only_when_not_known() -> None:
    rules = [_row(1, "ask_again", "Find out their age.", age_group="unknown")]
    unknown = SafetyFacts(immediate_danger=None, age=None, in_state=None, suspected_abuse=None)
    known = SafetyFacts(immediate_danger=None, age=12, in_state=None, suspected_abuse=None)
    assert [line.line for line in lines_to_call(unknown, rules)] == ["ask_again"]
    assert lines_to_call(known, rules) == []


def test_an_empty_table_calls_no_one() -> None:
    facts = SafetyFacts(immediate_danger=True, age=10, in_state=True, suspected_abuse=True)
    assert lines_to_call(facts, []) == []


@pytest.mark.django_db
def test_the_seeded_table_is_florida_rules(django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(1):
        rows = rules_from_db()
    assert rows == list(FLORIDA_RULES)


@pytest.mark.django_db
def test_the_seeded_lines_are_the_ones_the_rules_name() -> None:
    from continuum.screening.models import SafetyLine

    codes = set(SafetyLine.objects.values_list("code", flat=True))
    assert {rule.line for rule in FLORIDA_RULES} <= codes
    assert SafetyLine.objects.get(code="emergency").phone == "911"
    assert SafetyLine.objects.get(code="florida_abuse_hotline").phone == "1-800-962-2873"
    national = SafetyLine.objects.get(code="national_trafficking_hotline")
    assert (national.phone, national.text_number) == ("1-888-373-7888", "233733")


@pytest.mark.django_db
def test_the_defaults_come_back_into_an_emptied_table_and_never_over_a_communitys() -> None:
    from continuum.needs.defaults import DEFAULT_DOMAINS, install_default_domains
    from continuum.needs.models import NeedDomain
    from continuum.screening.defaults import FLORIDA_LINES, install_default_safety
    from continuum.screening.models import SafetyLine, SafetyRule

    assert install_default_safety() is False  # the migration's rows are there
    assert [line.code for line in SafetyLine.objects.all()] == [row[0] for row in FLORIDA_LINES]
    seeded = rules_from_db()
    SafetyRule.objects.all().delete()
    SafetyLine.objects.all().delete()
    assert install_default_safety() is True
    assert rules_from_db() == seeded
    NeedDomain.objects.all().delete()
    assert install_default_domains() == len(DEFAULT_DOMAINS)
    assert install_default_domains() == 0
