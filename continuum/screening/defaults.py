"""The Florida defaults for immediate safety (DOMAIN.md, "Florida rules and numbers"): the
numbers here, the decision table in safety.FLORIDA_RULES. Migration 0002 seeded both (with
its own frozen copy); a database emptied since (a test's flush) gets them back after
`migrate` (apps.py). A community's own numbers and rules are never overwritten."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import DatabaseError, transaction

# code, name, phone, text number, TTY, when to use it
FLORIDA_LINES: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("emergency", "Emergency (911)", "911", "", "", "Someone is in danger right now."),
    (
        "florida_abuse_hotline",
        "Florida Abuse Hotline",
        "1-800-962-2873",
        "",
        "711",
        "Suspected abuse, abandonment or neglect of a child (under 18) in Florida.",
    ),
    (
        "national_trafficking_hotline",
        "National Human Trafficking Hotline",
        "1-888-373-7888",
        "233733",
        "",
        "An adult anywhere in the U.S., or a child outside Florida.",
    ),
    (
        "florida_trafficking_line",
        "Florida human trafficking line (1-855-FLA-SAFE)",
        "1-855-352-7233",
        "",
        "",
        "To report human trafficking in Florida. No rule sends you here first.",
    ),
)


@transaction.atomic
def install_default_safety() -> bool:
    """The Florida numbers and decision table, when no number is stored at all."""
    from continuum.screening.models import SafetyLine, SafetyRule
    from continuum.screening.safety import FLORIDA_RULES

    if SafetyLine.objects.exists():
        return False
    lines = {
        code: SafetyLine.objects.create(
            code=code,
            name=name,
            phone=phone,
            text_number=text,
            tty=tty,
            when_to_use=when,
            position=position,
        )
        for position, (code, name, phone, text, tty, when) in enumerate(FLORIDA_LINES, start=1)
    }
    SafetyRule.objects.bulk_create(
        SafetyRule(
            position=rule.position,
            danger=rule.danger,
            age_group=rule.age_group,
            in_state=rule.in_state,
            suspected_abuse=rule.suspected_abuse,
            line=lines[rule.line],
            reason=rule.reason,
        )
        for rule in FLORIDA_RULES
    )
    return True


@dataclass(frozen=True)
class FooterLine:
    name: str
    phone: str
    tty: str
    text_number: str


# The lines every page's footer shows, in this order, when the community has them.
FOOTER_CODES = ("emergency", "florida_abuse_hotline", "national_trafficking_hotline")


def footer_lines() -> list[FooterLine]:
    """The footer's numbers as the community set them; the Florida defaults when the
    database cannot be read (an error page must still show where to get help)."""
    from continuum.screening.models import SafetyLine

    try:
        stored = {line.code: line for line in SafetyLine.objects.filter(code__in=FOOTER_CODES)}
    except DatabaseError:
        stored = {}
    if not stored:
        return [
            FooterLine(name, phone, tty, text)
            for code, name, phone, text, tty, _when in FLORIDA_LINES
            if code in FOOTER_CODES
        ]
    return [
        FooterLine(line.name, line.phone, line.tty, line.text_number)
        for code in FOOTER_CODES
        if (line := stored.get(code)) is not None
    ]
