"""`continuum retention show|set`: the schedule is changed only within sane bounds, audited."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from continuum.audit.models import AuditAction, AuditEntry
from continuum.retention.models import RecordType, RetentionRule
from tests.personas import World

pytestmark = pytest.mark.django_db


def _days(record_type: str) -> int:
    return RetentionRule.objects.get(record_type=record_type).days


def test_show_lists_every_record_type(db: None) -> None:
    out = io.StringIO()
    call_command("retention", "show", stdout=out)
    assert "closed_case: 2557 days" in out.getvalue()
    assert "no_case_record: 365 days" in out.getvalue()


def test_set_changes_the_period_and_is_audited(world: World) -> None:
    out = io.StringIO()
    call_command("retention", "set", "closed_case", "--days", "3650", "--by", "sam", stdout=out)
    assert "closed_case is now kept 3650 days" in out.getvalue()
    rule = RetentionRule.objects.get(record_type=RecordType.CLOSED_CASE)
    assert rule.days == 3650
    assert rule.updated_by == world.users["sam"]
    entry = AuditEntry.objects.filter(action=AuditAction.RETENTION_CHANGED).get()
    assert entry.detail == {"record_type": "closed_case", "from": 2557, "to": 3650}
    assert entry.username == "sam"
    assert entry.via == "cli"
    call_command("audit", "verify", stdout=io.StringIO())


@pytest.mark.parametrize("days", ["29", "36501", "0", "-5"])
def test_days_out_of_bounds_are_refused(db: None, days: str) -> None:
    with pytest.raises(CommandError, match="between 30 and 36500"):
        call_command("retention", "set", "closed_case", f"--days={days}", stdout=io.StringIO())
    assert _days(RecordType.CLOSED_CASE) == 2557


@pytest.mark.parametrize("days", ["30", "36500"])
def test_the_bounds_themselves_are_allowed(db: None, days: str) -> None:
    call_command("retention", "set", "no_case_record", "--days", days, stdout=io.StringIO())
    assert _days(RecordType.NO_CASE_RECORD) == int(days)


def test_an_unknown_record_type_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="Unknown record type 'screening'"):
        call_command("retention", "set", "screening", "--days", "400", stdout=io.StringIO())
    assert not RetentionRule.objects.filter(record_type="screening").exists()


def test_an_unknown_user_is_refused(db: None) -> None:
    with pytest.raises(CommandError, match="no user"):
        call_command(
            "retention",
            "set",
            "closed_case",
            "--days",
            "400",
            "--by",
            "nobody",
            stdout=io.StringIO(),
        )
    assert _days(RecordType.CLOSED_CASE) == 2557


def test_days_must_be_a_number(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("retention", "set", "closed_case", "--days", "seven years")
