"""The Florida defaults for immediate safety (DOMAIN.md, "Florida rules and numbers"): the
numbers, and the decision table that says which to call. Both are data: a network admin
changes them on the "Safety numbers" page."""

from django.db import migrations

LINES = [
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
]

CHILD_IN_FL = "A child in Florida may be abused, abandoned or neglected: the hotline decides."
AGE_UNKNOWN = "You cannot tell whether they are under 18: treat them as a child."
PLACE_UNKNOWN = "You are not sure the situation is in Florida: call both."
# position, danger, age group, in Florida, suspected abuse, line, why
RULES = [
    (10, "yes", "any", "any", "any", "emergency", "They are in danger now."),
    (20, "any", "child", "yes", "yes", "florida_abuse_hotline", CHILD_IN_FL),
    (21, "any", "child", "yes", "unknown", "florida_abuse_hotline", CHILD_IN_FL),
    (22, "any", "unknown", "yes", "yes", "florida_abuse_hotline", AGE_UNKNOWN),
    (23, "any", "unknown", "yes", "unknown", "florida_abuse_hotline", AGE_UNKNOWN),
    (
        30,
        "any",
        "child",
        "no",
        "any",
        "national_trafficking_hotline",
        "A child outside Florida: the national hotline connects you with help where they are.",
    ),
    (31, "any", "adult", "any", "any", "national_trafficking_hotline", "An adult in the U.S."),
    (32, "any", "unknown", "no", "any", "national_trafficking_hotline", AGE_UNKNOWN),
    (40, "any", "child", "unknown", "any", "florida_abuse_hotline", PLACE_UNKNOWN),
    (41, "any", "child", "unknown", "any", "national_trafficking_hotline", PLACE_UNKNOWN),
    (42, "any", "unknown", "unknown", "any", "florida_abuse_hotline", PLACE_UNKNOWN),
    (43, "any", "unknown", "unknown", "any", "national_trafficking_hotline", PLACE_UNKNOWN),
]


def add_defaults(apps, schema_editor):
    SafetyLine = apps.get_model("screening", "SafetyLine")
    SafetyRule = apps.get_model("screening", "SafetyRule")
    if SafetyLine.objects.exists():
        return
    lines = {}
    for position, (code, name, phone, text, tty, when) in enumerate(LINES, start=1):
        lines[code] = SafetyLine.objects.create(
            code=code, name=name, phone=phone, text_number=text, tty=tty, when_to_use=when,
            position=position,
        )
    for position, danger, age, in_state, abuse, line, reason in RULES:
        SafetyRule.objects.create(
            position=position, danger=danger, age_group=age, in_state=in_state,
            suspected_abuse=abuse, line=lines[line], reason=reason,
        )


class Migration(migrations.Migration):
    dependencies = [("screening", "0001_initial")]
    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
