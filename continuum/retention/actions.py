"""Destroying survivor records whose retention has run out, and changing the schedule.

Destruction is for good: every row about the person — the survivor, their other names and
name tokens, their cases with care teams and timelines, and any row of any other table that
points at the survivor or one of their cases — and any file those rows hold. The tables are
found from the models' relations each time, so a table added later is covered without
touching this module; a table that *protects* its rows from deletion stops the purge with a
message naming it, before anyone is destroyed.

What stays is one audit entry per person saying what kind of record was destroyed, under
which rule, in which run and when — never a name or any content. Earlier audit entries about
the person stay too: they hold ids and labels only (continuum/audit/models.py).

The purge also destroys the file and passphrase of every export whose download time
(CONTINUUM_EXPORT_HOURS) has passed, through continuum.exports.actions; the export's row stays
with the person's record as the record of the disclosure. And it deletes every draft (unsaved
typing kept over an idle sign-out) past CONTINUUM_DRAFT_HOURS, through continuum.drafts.actions.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from django.core.files.storage import Storage
from django.db import models, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone

from continuum.accounts.models import User
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.audit.verify import verify_chain
from continuum.cases.models import Case
from continuum.drafts.actions import destroy_expired_drafts
from continuum.exports.actions import destroy_expired_exports
from continuum.retention import queries
from continuum.retention.models import MAX_DAYS, MIN_DAYS, RecordType, RetentionRule
from continuum.survivors.models import Survivor

logger = logging.getLogger(__name__)

# Relations that refuse deletion on purpose and that destroy_survivor deals with itself: a
# survivor's cases protect the survivor row from an accidental delete, and are destroyed first.
_HANDLED_PROTECTION = {(Case, "survivor")}


class RetentionBlocked(Exception):
    """A table refers to survivors or cases in a way the purge cannot remove. Nothing was
    destroyed; the model that holds the table must say how its rows go (CASCADE, or a step
    added here)."""


class AuditChainBroken(Exception):
    """`audit verify` fails: destroying records now could hide tampering, so nothing is."""


class RetentionRuleInvalid(ValueError):
    """The requested change to the schedule is not allowed; the message says why."""


@dataclass(frozen=True)
class Destroyed:
    survivor_id: UUID
    record_type: str
    cases: int
    rows: int  # every row deleted, in every table
    files: int


# ---- destroying one person ----------------------------------------------------------------


def referencing_relations(model: type[models.Model]) -> list[models.ForeignObjectRel]:
    """Every foreign key or one-to-one field, in any installed model, that points at `model`.

    Hidden relations (related_name="+") and the link tables of many-to-many fields are
    included: they hold rows about the person too.
    """
    return [
        rel
        for rel in model._meta.get_fields(include_hidden=True)
        if isinstance(rel, models.ForeignObjectRel)
        and not rel.many_to_many  # its link table's own foreign key is listed instead
        and isinstance(rel.field, models.ForeignKey)
    ]


def check_destroyable() -> None:
    """Raise RetentionBlocked if a table protects its rows about a survivor or a case from
    deletion in a way destroy_survivor does not handle. Cheap; run before anyone is destroyed."""
    blocked = [
        f"{rel.related_model._meta.label}.{rel.field.name} "
        f"(on_delete={rel.on_delete.__name__}) refers to {target._meta.label}"
        for target in (Survivor, Case)
        for rel in referencing_relations(target)
        if rel.on_delete in (models.PROTECT, models.RESTRICT)
        and (rel.related_model, rel.field.name) not in _HANDLED_PROTECTION
    ]
    if blocked:
        raise RetentionBlocked(
            "The purge cannot remove rows of: "
            + "; ".join(blocked)
            + ". Decide how those rows are destroyed with the person (CASCADE on the field, "
            "or a step in continuum/retention/actions.py) before purging."
        )


@transaction.atomic
def destroy_survivor(
    *,
    survivor_id: UUID,
    rule: RetentionRule,
    run_id: str,
    today: date | None = None,
    via: str = "cli",
) -> Destroyed | None:
    """Destroy everything about one survivor whose retention under `rule` has run out, in one
    transaction, and write one audit entry without content.

    Caller: the purge (command line or background worker), never a user's request. Returns
    None, having changed nothing, when the person is gone already (an earlier or parallel
    run) or is no longer due (a case was reopened since the list was made): the check is
    made again here, with the person's rows locked.
    """
    check_destroyable()
    today = today or timezone.localdate()
    survivor_rows = Survivor._base_manager.filter(pk=survivor_id)
    case_rows = Case._base_manager.filter(survivor_id=survivor_id)
    # Lock the person and their cases: a case reopened from now on waits for this
    # transaction, then finds nothing to reopen.
    if not list(survivor_rows.select_for_update().values_list("pk", flat=True)):
        return None
    case_ids = list(case_rows.select_for_update().values_list("pk", flat=True))
    if not queries.is_due(survivor_id, rule, today=today):
        return None
    counts = _Counts()
    for rel in referencing_relations(Case):
        counts.add(_delete(_rows_pointing_at(rel, Case._base_manager.filter(pk__in=case_ids))))
    counts.add(_delete(Case._base_manager.filter(pk__in=case_ids)))
    for rel in referencing_relations(Survivor):
        counts.add(_delete(_rows_pointing_at(rel, survivor_rows)))
    counts.add(_delete(survivor_rows))
    record(
        None,
        AuditAction.RECORD_DESTROYED,
        via=via,
        survivor_id=survivor_id,
        detail={
            "record_type": rule.record_type,
            "rule_days": rule.days,
            "run": run_id,
            "cases": len(case_ids),
        },
    )
    if counts.files:
        files = list(counts.files)
        transaction.on_commit(lambda: _remove_files(files))
    return Destroyed(survivor_id, rule.record_type, len(case_ids), counts.rows, len(counts.files))


@dataclass
class _Counts:
    rows: int = 0
    files: list[tuple[Storage, str]] = field(default_factory=list)

    def add(self, deleted: tuple[int, list[tuple[Storage, str]]]) -> None:
        self.rows += deleted[0]
        self.files.extend(deleted[1])


def _rows_pointing_at(
    rel: models.ForeignObjectRel, targets: models.QuerySet
) -> models.QuerySet[models.Model]:
    # The base manager: a scoping default manager must not hide rows from destruction.
    return rel.related_model._base_manager.filter(**{f"{rel.field.name}__in": targets})


def _delete(rows: models.QuerySet) -> tuple[int, list[tuple[Storage, str]]]:
    """Delete the rows and whatever cascades from them; return the count and the files the
    deleted rows held (removed from storage once the transaction commits)."""
    collector = Collector(using=rows.db, origin=rows)
    try:
        collector.collect(rows)
    except (ProtectedError, RestrictedError) as refused:
        raise RetentionBlocked(f"The purge cannot delete these rows: {refused}") from refused
    files = _files_held(collector)
    deleted, _per_model = collector.delete()
    return deleted, files


def _files_held(collector: Collector) -> list[tuple[Storage, str]]:
    held: list[tuple[Storage, str]] = []
    for model, instances in collector.data.items():
        for file_field in _file_fields(model):
            held += [
                (file_field.storage, name)
                for instance in instances
                if (name := getattr(instance, file_field.attname))
            ]
    for queryset in collector.fast_deletes:
        for file_field in _file_fields(queryset.model):
            names = queryset.values_list(file_field.attname, flat=True)
            held += [(file_field.storage, name) for name in names if name]
    return held


def _file_fields(model: type[models.Model]) -> list[models.FileField]:
    return [f for f in model._meta.concrete_fields if isinstance(f, models.FileField)]


def _remove_files(files: list[tuple[Storage, str]]) -> None:
    for storage, name in files:
        try:
            storage.delete(name)
        except OSError:
            # The rows are gone; a file left behind is logged (by name only: names are ids)
            # for an operator to remove, and does not undo the rest.
            logger.exception("retention: could not remove file %s", name)


# ---- the purge: everyone due, one person per transaction -------------------------------------


@dataclass
class PurgeResult:
    run_id: str
    due: int = 0
    destroyed: int = 0
    skipped: int = 0  # gone already, or no longer due when their turn came
    by_record_type: dict[str, int] = field(default_factory=dict)
    # Files (and passphrases) of exports past their download time (docs/exports.md).
    export_files_destroyed: int = 0
    # Drafts past CONTINUUM_DRAFT_HOURS (continuum/drafts).
    drafts_destroyed: int = 0

    def as_dict(self) -> dict[str, object]:
        return {
            "run": self.run_id,
            "due": self.due,
            "destroyed": self.destroyed,
            "skipped": self.skipped,
            "by_record_type": dict(self.by_record_type),
            "export_files_destroyed": self.export_files_destroyed,
            "drafts_destroyed": self.drafts_destroyed,
        }


def new_run_id() -> str:
    return uuid.uuid4().hex[:12]


def purge_due(
    *,
    today: date | None = None,
    batch_size: int = 100,
    via: str = "cli",
    run_id: str | None = None,
    progress: Callable[[PurgeResult], None] | None = None,
) -> PurgeResult:
    """Destroy every survivor record the schedule says is due, one person per transaction.

    Caller: `continuum purge` and the purge_due_records task. Refuses (AuditChainBroken)
    unless the audit chain verifies first. Interrupting it between people leaves each person
    either wholly destroyed or untouched; running it again finishes the rest.
    `progress` is called after each batch.
    """
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    check_destroyable()
    report = verify_chain()
    if not report.ok:
        raise AuditChainBroken(
            f"The audit log is broken at entry #{report.broken_sequence}: {report.problem}. "
            "Nothing was destroyed: destroying records now could hide tampering. Investigate, "
            "then run `continuum audit verify` until it passes."
        )
    today = today or timezone.localdate()
    result = PurgeResult(run_id=run_id or new_run_id())
    rules = queries.schedule()
    result.due = sum(queries.due_under(rule, today=today).count() for rule in rules)
    for rule in rules:
        due = queries.due_under(rule, today=today).values_list("pk", flat=True)
        last: UUID | None = None
        while True:
            # Keyset pages: people skipped stay behind `last` and are not fetched again.
            batch = list((due if last is None else due.filter(pk__gt=last))[:batch_size])
            if not batch:
                break
            for survivor_id in batch:
                done = destroy_survivor(
                    survivor_id=survivor_id, rule=rule, run_id=result.run_id, today=today, via=via
                )
                if done is None:
                    result.skipped += 1
                    continue
                result.destroyed += 1
                result.by_record_type[rule.record_type] = (
                    result.by_record_type.get(rule.record_type, 0) + 1
                )
            last = batch[-1]
            if progress:
                progress(result)
    # Exports: the file and passphrase go once the download time has passed (the rule is
    # CONTINUUM_EXPORT_HOURS, not a number of days); the row stays with the person's record.
    result.export_files_destroyed = destroy_expired_exports(run_id=result.run_id, via=via)
    result.drafts_destroyed = destroy_expired_drafts(batch_size=batch_size)
    return result


# ---- changing the schedule ---------------------------------------------------------------


@transaction.atomic
def set_retention(
    *, record_type: str, days: int, by: User | None = None, via: str = "cli"
) -> RetentionRule:
    """Change how long one record type is kept.

    Caller: an operator at the command line (`continuum retention set`), later an admin page.
    Takes effect at the next purge; records already destroyed stay destroyed. Audited.
    """
    if record_type not in RecordType.values:
        raise RetentionRuleInvalid(
            f"Unknown record type {record_type!r}; choose one of: {', '.join(RecordType.values)}."
        )
    if not MIN_DAYS <= days <= MAX_DAYS:
        raise RetentionRuleInvalid(
            f"Days must be between {MIN_DAYS} and {MAX_DAYS} (about 100 years); got {days}."
        )
    rule = RetentionRule.objects.select_for_update().filter(record_type=record_type).first()
    if rule is None:
        rule = RetentionRule(
            record_type=record_type, description=str(RecordType(record_type).label)
        )
    before = rule.days
    rule.days = days
    rule.updated_by = by
    rule.save()
    record(
        None,
        AuditAction.RETENTION_CHANGED,
        user=by,
        via=via,
        obj=rule,
        detail={"record_type": record_type, "from": before, "to": days},
    )
    return rule
