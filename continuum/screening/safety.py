"""The immediate-safety decision: given what the screener knows now, which lines to call.

Pure: the facts and the decision table in, the lines out. The table is data (SafetyRule rows,
edited by a network admin on the "Safety numbers" page); FLORIDA_RULES is the default the
migration seeds (DOMAIN.md, "Florida rules and numbers"): 911 for danger now; the Florida
Abuse Hotline for suspected abuse, abandonment or neglect of a child in Florida; the National
Human Trafficking Hotline for an adult anywhere in the U.S. or a child outside Florida. When
the age or the place is not known, the table errs towards calling more, never fewer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

ADULT_AGE = 18

# The values of models.Match and models.AgeGroup, spelled out so this module stays free of
# Django (the models import nothing from here either).
YES, NO, UNKNOWN, ANY = "yes", "no", "unknown", "any"
CHILD, ADULT = "child", "adult"


@dataclass(frozen=True)
class SafetyFacts:
    """What the screener knows now; None is "not known (yet)"."""

    immediate_danger: bool | None
    age: int | None
    in_state: bool | None
    suspected_abuse: bool | None


@dataclass(frozen=True)
class RuleRow:
    """One row of the decision table: when every condition matches, call `line` (a code)."""

    position: int
    danger: str
    age_group: str
    in_state: str
    suspected_abuse: str
    line: str
    reason: str


@dataclass(frozen=True)
class LineToCall:
    line: str
    reasons: tuple[str, ...]


def age_group(age: int | None) -> str:
    """ "child" under 18, "adult" from 18, "unknown" when the age is not known."""
    if age is None:
        return UNKNOWN
    return ADULT if age >= ADULT_AGE else CHILD


def _yes_no(value: bool | None) -> str:
    if value is None:
        return UNKNOWN
    return YES if value else NO


def _matches(condition: str, fact: str) -> bool:
    return condition in (ANY, fact)


def rule_matches(rule: RuleRow, facts: SafetyFacts) -> bool:
    return (
        _matches(rule.danger, _yes_no(facts.immediate_danger))
        and _matches(rule.age_group, age_group(facts.age))
        and _matches(rule.in_state, _yes_no(facts.in_state))
        and _matches(rule.suspected_abuse, _yes_no(facts.suspected_abuse))
    )


def lines_to_call(facts: SafetyFacts, rules: Sequence[RuleRow]) -> list[LineToCall]:
    """Every line whose rule matches, in the order of the first matching rule's position
    (911 comes first in the Florida table); each line once, with every matching rule's
    reason (each reason once)."""
    gathered: dict[str, list[str]] = {}
    for rule in sorted(rules, key=lambda row: row.position):
        if not rule_matches(rule, facts):
            continue
        reasons = gathered.setdefault(rule.line, [])
        if rule.reason not in reasons:
            reasons.append(rule.reason)
    return [LineToCall(line=line, reasons=tuple(reasons)) for line, reasons in gathered.items()]


EMERGENCY = "emergency"
FLORIDA_ABUSE_HOTLINE = "florida_abuse_hotline"
NATIONAL_TRAFFICKING_HOTLINE = "national_trafficking_hotline"
FLORIDA_TRAFFICKING_LINE = "florida_trafficking_line"

CHILD_IN_FL = "A child in Florida may be abused, abandoned or neglected: the hotline decides."
AGE_UNKNOWN = "You cannot tell whether they are under 18: treat them as a child."
PLACE_UNKNOWN = "You are not sure the situation is in Florida: call both."

# The Florida default. Migration 0002_florida_safety seeds exactly these rows (a test checks
# the seeded database against this tuple); a change here needs a data migration too.
FLORIDA_RULES: tuple[RuleRow, ...] = (
    RuleRow(10, YES, ANY, ANY, ANY, EMERGENCY, "They are in danger now."),
    RuleRow(20, ANY, CHILD, YES, YES, FLORIDA_ABUSE_HOTLINE, CHILD_IN_FL),
    RuleRow(21, ANY, CHILD, YES, UNKNOWN, FLORIDA_ABUSE_HOTLINE, CHILD_IN_FL),
    RuleRow(22, ANY, UNKNOWN, YES, YES, FLORIDA_ABUSE_HOTLINE, AGE_UNKNOWN),
    RuleRow(23, ANY, UNKNOWN, YES, UNKNOWN, FLORIDA_ABUSE_HOTLINE, AGE_UNKNOWN),
    RuleRow(
        30,
        ANY,
        CHILD,
        NO,
        ANY,
        NATIONAL_TRAFFICKING_HOTLINE,
        "A child outside Florida: the national hotline connects you with help where they are.",
    ),
    RuleRow(31, ANY, ADULT, ANY, ANY, NATIONAL_TRAFFICKING_HOTLINE, "An adult in the U.S."),
    RuleRow(32, ANY, UNKNOWN, NO, ANY, NATIONAL_TRAFFICKING_HOTLINE, AGE_UNKNOWN),
    RuleRow(40, ANY, CHILD, UNKNOWN, ANY, FLORIDA_ABUSE_HOTLINE, PLACE_UNKNOWN),
    RuleRow(41, ANY, CHILD, UNKNOWN, ANY, NATIONAL_TRAFFICKING_HOTLINE, PLACE_UNKNOWN),
    RuleRow(42, ANY, UNKNOWN, UNKNOWN, ANY, FLORIDA_ABUSE_HOTLINE, PLACE_UNKNOWN),
    RuleRow(43, ANY, UNKNOWN, UNKNOWN, ANY, NATIONAL_TRAFFICKING_HOTLINE, PLACE_UNKNOWN),
)


def rules_from_db() -> list[RuleRow]:
    """The decision table in force (the SafetyRule rows, in position order): one query."""
    from continuum.screening.models import SafetyRule

    return [
        RuleRow(
            position=rule.position,
            danger=rule.danger,
            age_group=rule.age_group,
            in_state=rule.in_state,
            suspected_abuse=rule.suspected_abuse,
            line=rule.line.code,
            reason=rule.reason,
        )
        for rule in SafetyRule.objects.select_related("line").order_by("position", "pk")
    ]
