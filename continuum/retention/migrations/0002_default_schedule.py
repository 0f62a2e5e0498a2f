"""The default retention schedule (docs/retention.md).

These are placeholders an agency network must review: records-retention periods for child
welfare, victim services and health records are set by state law, contracts and funders
(Florida, for instance, follows the General Records Schedules of its Department of State),
and they differ from state to state. Change them with `continuum retention set`.
"""

from django.db import migrations

DEFAULTS = [
    (
        "closed_case",
        2557,  # 7 years of 365.25 days
        "A survivor whose cases are all closed, counted from the newest closing date "
        "(default 7 years: set the period your state's records-retention law requires).",
    ),
    (
        "no_case_record",
        365,
        "A survivor record never opened as a case (screened, no episode of care), counted "
        "from the day it was recorded (default 1 year).",
    ),
]


def add_defaults(apps, schema_editor):
    RetentionRule = apps.get_model("retention", "RetentionRule")
    for record_type, days, description in DEFAULTS:
        # get_or_create: never overwrite a period an agency has already set.
        RetentionRule.objects.get_or_create(
            record_type=record_type, defaults={"days": days, "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("retention", "0001_initial")]

    operations = [migrations.RunPython(add_defaults, migrations.RunPython.noop)]
