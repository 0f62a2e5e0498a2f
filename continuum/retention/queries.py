"""Which survivor records the retention schedule says must now be destroyed.

These reads are the system's, not a user's: the purge runs from the command line or the
background worker with no actor, so they are not scoped by `access`. They return ids only.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from uuid import UUID

from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone

from continuum.cases.models import Case, CaseStatus
from continuum.exports.queries import expired_exports
from continuum.retention.models import RecordType, RetentionRule
from continuum.survivors.models import Survivor


def schedule() -> list[RetentionRule]:
    """Every rule of the schedule, in record-type order."""
    return list(RetentionRule.objects.select_related("updated_by"))


def rule_for(record_type: str) -> RetentionRule | None:
    return RetentionRule.objects.filter(record_type=record_type).first()


def due_under(rule: RetentionRule, *, today: date) -> QuerySet[Survivor]:
    """The survivors whose retention under `rule` has run out on `today`, ordered by id.

    Due means: on or after the day the period ends (closing day + days, or recording day +
    days). A survivor with any open or inactive case is never due, whatever the rule.
    """
    cutoff = today - timedelta(days=rule.days)
    # Base managers: a manager that scopes rows (by agency, say) must not hide anyone here.
    cases = Case._base_manager.filter(survivor=OuterRef("pk"))
    survivors = Survivor._base_manager.order_by("pk")
    if rule.record_type == RecordType.CLOSED_CASE:
        return (
            survivors.filter(Exists(cases))
            .exclude(Exists(cases.exclude(status=CaseStatus.CLOSED)))
            # A closed case without a closing date cannot be counted from: keep the person
            # until someone fixes the date, rather than guess.
            .exclude(Exists(cases.filter(closed_on__isnull=True)))
            # The newest closing day is on or before the cutoff: no case closed after it.
            .exclude(Exists(cases.filter(closed_on__gt=cutoff)))
        )
    if rule.record_type == RecordType.NO_CASE_RECORD:
        # Recorded on or before the cutoff day, in the installation's time zone.
        end_of_cutoff = timezone.make_aware(datetime.combine(cutoff + timedelta(days=1), time.min))
        return survivors.exclude(Exists(cases)).filter(created_at__lt=end_of_cutoff)
    raise ValueError(f"no retention query for record type {rule.record_type!r}")


def due_for_destruction(*, today: date) -> list[UUID]:
    """The ids of every survivor due for destruction on `today`, under any rule."""
    due: set[UUID] = set()
    for rule in schedule():
        due.update(due_under(rule, today=today).values_list("pk", flat=True))
    return sorted(due)


def due_counts(*, today: date) -> list[tuple[RetentionRule, int]]:
    """How many records each rule makes due today: what a dry run reports (counts only)."""
    return [(rule, due_under(rule, today=today).count()) for rule in schedule()]


def is_due(survivor_id: UUID, rule: RetentionRule, *, today: date) -> bool:
    return due_under(rule, today=today).filter(pk=survivor_id).exists()


def expired_export_files(*, now: datetime | None = None) -> int:
    """How many exports are past their download time with their file still stored: the next
    purge destroys those files (CONTINUUM_EXPORT_HOURS, docs/exports.md). A count only."""
    return expired_exports(now=now).count()
