"""Every case opened before MDT clocks were stored gets one, under the default rules (no
protocol existed yet): the same 14 calendar days the earlier My work list used."""

from datetime import timedelta

from django.conf import settings
from django.db import migrations


def add_clocks(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    StaffingClock = apps.get_model("mdt", "StaffingClock")
    days = settings.MDT_STAFFING_DAYS
    warn = min(3, days - 1)
    rows = []
    for case_id, intake in Case.objects.filter(staffing_clock__isnull=True).values_list(
        "pk", "report_received_on"
    ):
        rows.append(
            StaffingClock(
                case_id=case_id,
                intake_on=intake,
                due_on=intake + timedelta(days=days) if intake else None,
                at_risk_from=intake + timedelta(days=days - warn) if intake else None,
            )
        )
    StaffingClock.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("mdt", "0001_initial"), ("cases", "0006_alter_caseevent_kind_alter_casetask_kind")]

    operations = [migrations.RunPython(add_clocks, migrations.RunPython.noop)]
