"""Retention: who is due, and a purge that removes a person from every table that held them
(issue #3: "Purge removes the data from every table that held it and `audit verify` still
passes")."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any
from uuid import UUID

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.tasks import TaskResultStatus
from django.utils import timezone

from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.actions import add_care_team_member, change_case_status, open_case
from continuum.cases.models import CareTeamRole, Case, CaseStatus, ClosureReason
from continuum.demo.models import DemoSurvivor
from continuum.retention import actions
from continuum.retention.models import RecordType, RetentionRule
from continuum.retention.queries import due_for_destruction
from continuum.retention.tasks import purge_due_records
from continuum.survivors.actions import SurvivorDetails, create_survivor
from continuum.survivors.models import Survivor
from tests.personas import World

pytestmark = pytest.mark.django_db

CLOSED_DAYS = 2557
NO_CASE_DAYS = 365


def _today() -> date:
    return timezone.localdate()


def recorded(world: World, name: str, *, days_ago: int = 0) -> Survivor:
    """A survivor recorded by Casey (with another name), never opened as a case."""
    survivor = create_survivor(
        actor=world.actor("casey"),
        details=SurvivorDetails(
            preferred_name=name,
            legal_family_name="Okonkwo",
            aliases=((f"{name}ita", "nickname"),),
        ),
    )
    if days_ago:
        Survivor.objects.filter(pk=survivor.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
    return survivor


def with_case(world: World, name: str, *, closed_days_ago: int | None = None) -> Survivor:
    """A survivor with one case (care team: Casey and Drew), closed that many days ago."""
    survivor = recorded(world, name)
    case = _open(world, survivor)
    if closed_days_ago is not None:
        _close(world, case, days_ago=closed_days_ago)
    return survivor


def _open(world: World, survivor: Survivor) -> Case:
    case = open_case(
        actor=world.actor("casey"),
        survivor=survivor,
        report_received_on=_today() - timedelta(days=2),
    )
    add_care_team_member(
        actor=world.actor("casey"),
        case=case,
        agency=world.agencies["partner"],
        user=world.users["drew"],
        role=CareTeamRole.CLINICIAN,
    )
    case.refresh_from_db()
    return case


def _close(world: World, case: Case, *, days_ago: int) -> None:
    case.refresh_from_db()
    change_case_status(
        actor=world.actor("casey"),
        case=case,
        status=CaseStatus.CLOSED,
        expected_version=case.version,
        closure_reason=ClosureReason.GOALS_MET,
    )
    Case.objects.filter(pk=case.pk).update(closed_on=_today() - timedelta(days=days_ago))


def _db(value: UUID) -> Any:
    return Survivor._meta.pk.get_db_prep_value(value, connection)


def rows_about(survivor_id: UUID, case_ids: list[UUID]) -> dict[str, int]:
    """Straight from the tables, past every manager: how many rows still hold this person."""
    counts = {}
    by_survivor = {
        "survivors_survivor": "id",
        "survivors_survivoralias": "survivor_id",
        "survivors_survivornametoken": "survivor_id",
        "cases_case": "survivor_id",
        "demo_demosurvivor": "survivor_id",
    }
    with connection.cursor() as cursor:
        for table, column in by_survivor.items():
            cursor.execute(
                f"SELECT COUNT(*) FROM {table} WHERE {column} = %s",
                [_db(survivor_id)],
            )
            counts[table] = cursor.fetchone()[0]
        for table in ("cases_careteammember", "cases_caseevent"):
            total = 0
            for case_id in case_ids:
                cursor.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE case_id = %s",
                    [_db(case_id)],
                )
                total += cursor.fetchone()[0]
            counts[table] = total
    return counts


def columns_pointing_at(target: str) -> set[tuple[str, str]]:
    """Every (table, column) with a foreign key to `target`, read from the database itself
    (not from the models the purge consults), so a table the purge missed would show."""
    found = set()
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            relations = connection.introspection.get_relations(cursor, table)
            for column, relation in relations.items():
                if relation[1] == target:  # (column there, table there, ...)
                    found.add((table, column))
    return found


def rows_anywhere(survivor_id: UUID, case_ids: list[UUID]) -> dict[str, int]:
    counts = {}
    with connection.cursor() as cursor:
        for target, ids in (("survivors_survivor", [survivor_id]), ("cases_case", case_ids)):
            for table, column in columns_pointing_at(target):
                total = 0
                for value in ids:
                    cursor.execute(
                        f"SELECT COUNT(*) FROM {table} WHERE {column} = %s", [_db(value)]
                    )
                    total += cursor.fetchone()[0]
                counts[f"{table}.{column}"] = total
    return counts


def case_ids_of(survivor: Survivor) -> list[UUID]:
    return list(Case.objects.filter(survivor=survivor).values_list("pk", flat=True))


def assert_gone(survivor_id: UUID, case_ids: list[UUID]) -> None:
    assert set(rows_about(survivor_id, case_ids).values()) == {0}


def assert_whole(survivor_id: UUID, case_ids: list[UUID], before: dict[str, int]) -> None:
    assert rows_about(survivor_id, case_ids) == before


def destroyed_entries() -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=AuditAction.RECORD_DESTROYED))


# ---- the schedule ----------------------------------------------------------------------------


def test_the_documented_defaults_are_installed(db: None) -> None:
    days = dict(RetentionRule.objects.values_list("record_type", "days"))
    assert days == {RecordType.CLOSED_CASE: CLOSED_DAYS, RecordType.NO_CASE_RECORD: NO_CASE_DAYS}


# ---- who is due ------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [CaseStatus.OPEN, CaseStatus.INACTIVE])
def test_never_due_while_any_case_is_open_or_inactive(world: World, status: CaseStatus) -> None:
    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS * 2)
    assert survivor.pk in due_for_destruction(today=_today())
    second = _open(world, survivor)  # a new episode of care, years later
    if status == CaseStatus.INACTIVE:
        change_case_status(
            actor=world.actor("casey"),
            case=second,
            status=CaseStatus.INACTIVE,
            expected_version=second.version,
        )
    assert survivor.pk not in due_for_destruction(today=_today())


def test_a_reopened_case_is_not_due(world: World) -> None:
    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS * 2)
    case = Case.objects.get(survivor=survivor)
    change_case_status(
        actor=world.actor("casey"), case=case, status=CaseStatus.OPEN, expected_version=case.version
    )
    assert survivor.pk not in due_for_destruction(today=_today())


def test_closed_cases_are_due_once_the_rules_days_have_passed(world: World) -> None:
    almost = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS - 1)
    exactly = with_case(world, "Yara", closed_days_ago=CLOSED_DAYS)
    due = due_for_destruction(today=_today())
    assert exactly.pk in due
    assert almost.pk not in due
    assert world.survivor.pk not in due  # Ana's case is open
    # Tomorrow, the other one is due too.
    assert almost.pk in due_for_destruction(today=_today() + timedelta(days=1))


def test_the_newest_closing_counts(world: World) -> None:
    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS * 2)
    second = _open(world, survivor)
    _close(world, second, days_ago=10)
    assert survivor.pk not in due_for_destruction(today=_today())


def test_records_never_opened_are_due_after_a_year(world: World) -> None:
    young = recorded(world, "Zora", days_ago=NO_CASE_DAYS - 1)
    old = recorded(world, "Yara", days_ago=NO_CASE_DAYS)
    due = due_for_destruction(today=_today())
    assert old.pk in due
    assert young.pk not in due


def test_a_changed_period_applies_at_once(world: World) -> None:
    survivor = with_case(world, "Zora", closed_days_ago=400)
    assert survivor.pk not in due_for_destruction(today=_today())
    call_command("retention", "set", "closed_case", "--days", "365", stdout=io.StringIO())
    assert survivor.pk in due_for_destruction(today=_today())


# ---- purging ---------------------------------------------------------------------------------


def test_a_dry_run_counts_per_record_type_and_changes_nothing(world: World) -> None:
    closed = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 5)
    never = recorded(world, "Yara", days_ago=NO_CASE_DAYS + 5)
    before = {s.pk: rows_about(s.pk, case_ids_of(s)) for s in (closed, never)}
    entries = AuditEntry.objects.count()
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "closed_case (kept 2557 days): 1" in out.getvalue()
    assert "no_case_record (kept 365 days): 1" in out.getvalue()
    assert "Zora" not in out.getvalue()
    assert str(closed.pk) not in out.getvalue()
    for survivor in (closed, never):
        assert rows_about(survivor.pk, case_ids_of(survivor)) == before[survivor.pk]
    assert AuditEntry.objects.count() == entries


def test_purge_removes_the_person_from_every_table_and_the_audit_chain_holds(
    world: World,
) -> None:
    closed = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 5)
    second = _open(world, closed)  # two episodes of care, both closed long ago
    _close(world, second, days_ago=CLOSED_DAYS + 1)
    never = recorded(world, "Yara", days_ago=NO_CASE_DAYS + 5)
    # A hidden relation (related_name="+") from another app: found and emptied too.
    DemoSurvivor.objects.create(key=closed.pk, index=901, survivor=closed)
    not_yet = with_case(world, "Xenia", closed_days_ago=30)
    doomed = {closed.pk: case_ids_of(closed), never.pk: case_ids_of(never)}
    assert len(doomed[closed.pk]) == 2
    assert rows_about(closed.pk, doomed[closed.pk])["cases_caseevent"] > 0
    assert rows_about(closed.pk, doomed[closed.pk])["demo_demosurvivor"] == 1
    kept = {
        s.pk: (case_ids_of(s), rows_about(s.pk, case_ids_of(s))) for s in (world.survivor, not_yet)
    }
    entries_before = AuditEntry.objects.count()

    out = io.StringIO()
    call_command("purge", "--batch-size", "1", stdout=out)

    for survivor_id, case_ids in doomed.items():
        assert_gone(survivor_id, case_ids)
        # And every other table the database knows to point at survivors or cases.
        anywhere = rows_anywhere(survivor_id, case_ids)
        assert {
            "survivors_survivoralias.survivor_id",
            "cases_case.survivor_id",
            "cases_careteammember.case_id",
            "cases_caseevent.case_id",
            "demo_demosurvivor.survivor_id",
        } <= set(anywhere)
        assert set(anywhere.values()) == {0}, anywhere
    for survivor_id, (case_ids, rows) in kept.items():
        assert_whole(survivor_id, case_ids, rows)
    assert "Destroyed 1/2" in out.getvalue()
    assert "Destroyed 2/2" in out.getvalue()
    # Exactly one entry per person, saying what kind and under which rule, nothing more.
    entries = destroyed_entries()
    assert AuditEntry.objects.count() == entries_before + 2
    assert {e.survivor_id: e.detail["record_type"] for e in entries} == {
        closed.pk: "closed_case",
        never.pk: "no_case_record",
    }
    by_person = {e.survivor_id: e for e in entries}
    assert by_person[closed.pk].detail["cases"] == 2
    assert by_person[closed.pk].detail["rule_days"] == CLOSED_DAYS
    assert by_person[never.pk].detail == {
        "record_type": "no_case_record",
        "rule_days": NO_CASE_DAYS,
        "run": by_person[closed.pk].detail["run"],
        "cases": 0,
    }
    text = " ".join(
        f"{e.detail} {e.username} {e.object_type} {e.object_id} {e.case_id}" for e in entries
    )
    for name in ("Zora", "Yara", "Okonkwo", "ita"):
        assert name not in text
    assert {e.via for e in entries} == {"cli"}
    assert {e.user_id for e in entries} == {None}
    call_command("audit", "verify", stdout=io.StringIO())
    # Run again: nothing left to do.
    again = io.StringIO()
    call_command("purge", stdout=again)
    assert "Nothing is due" in again.getvalue()


def test_an_interrupted_purge_leaves_whole_people_and_a_rerun_finishes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    people = [with_case(world, name, closed_days_ago=CLOSED_DAYS + 1) for name in ("Zora", "Yara")]
    cases = {p.pk: case_ids_of(p) for p in people}
    rows = {p.pk: rows_about(p.pk, cases[p.pk]) for p in people}
    real = actions.destroy_survivor
    calls: list[UUID] = []

    def stopped_on_the_second(**kwargs: Any) -> Any:
        calls.append(kwargs["survivor_id"])
        if len(calls) == 2:
            raise KeyboardInterrupt
        return real(**kwargs)

    monkeypatch.setattr(actions, "destroy_survivor", stopped_on_the_second)
    with pytest.raises(CommandError, match="Stopped"):
        call_command("purge", stdout=io.StringIO())
    first, second = calls
    assert_gone(first, cases[first])
    assert_whole(second, cases[second], rows[second])
    assert len(destroyed_entries()) == 1

    monkeypatch.setattr(actions, "destroy_survivor", real)
    call_command("purge", stdout=io.StringIO())
    assert_gone(second, cases[second])
    assert len(destroyed_entries()) == 2
    call_command("audit", "verify", stdout=io.StringIO())


def test_an_interruption_inside_a_persons_transaction_undoes_their_deletions(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ctrl+C arriving after the rows are deleted but before the audit entry: all undone."""
    people = [with_case(world, name, closed_days_ago=CLOSED_DAYS + 1) for name in ("Zora", "Yara")]
    cases = {p.pk: case_ids_of(p) for p in people}
    rows = {p.pk: rows_about(p.pk, cases[p.pk]) for p in people}
    real = actions.record
    destroyed: list[UUID] = []

    def record(*args: Any, **kwargs: Any) -> Any:
        if args[1] == AuditAction.RECORD_DESTROYED:
            destroyed.append(kwargs["survivor_id"])
            if len(destroyed) == 2:
                raise KeyboardInterrupt
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, "record", record)
    with pytest.raises(CommandError, match="Stopped"):
        call_command("purge", stdout=io.StringIO())
    first, second = destroyed
    assert_gone(first, cases[first])
    assert_whole(second, cases[second], rows[second])
    call_command("audit", "verify", stdout=io.StringIO())


def test_someone_no_longer_due_when_their_turn_comes_is_left_alone(world: World) -> None:
    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 1)
    rule = RetentionRule.objects.get(record_type=RecordType.CLOSED_CASE)
    case = Case.objects.get(survivor=survivor)
    change_case_status(
        actor=world.actor("casey"), case=case, status=CaseStatus.OPEN, expected_version=case.version
    )
    rows = rows_about(survivor.pk, [case.pk])
    assert actions.destroy_survivor(survivor_id=survivor.pk, rule=rule, run_id="t") is None
    assert rows_about(survivor.pk, [case.pk]) == rows
    assert destroyed_entries() == []


def _drop_triggers() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_change ON audit_auditentry")


def _tamper_with_the_audit_log() -> None:
    victim = AuditEntry.objects.order_by("sequence")[2]
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET username = 'someone_else' WHERE id = %s", [victim.pk]
        )


def test_purge_refuses_while_the_audit_chain_is_broken(world: World) -> None:
    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 1)
    cases = case_ids_of(survivor)
    rows = rows_about(survivor.pk, cases)
    _tamper_with_the_audit_log()
    with pytest.raises(CommandError, match=r"audit log is broken at entry #3"):
        call_command("purge", stdout=io.StringIO())
    assert_whole(survivor.pk, cases, rows)
    assert destroyed_entries() == []
    # Counting is still allowed: it changes nothing.
    out = io.StringIO()
    call_command("purge", "--dry-run", stdout=out)
    assert "closed_case (kept 2557 days): 1" in out.getvalue()


def test_a_table_that_protects_its_rows_stops_the_purge_before_anyone_is_destroyed(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As if a new table pointed at cases with on_delete=PROTECT: fail loudly, destroy nobody."""
    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 1)
    cases = case_ids_of(survivor)
    rows = rows_about(survivor.pk, cases)
    monkeypatch.setattr(actions, "_HANDLED_PROTECTION", set())
    with pytest.raises(CommandError, match=r"cases\.Case\.survivor \(on_delete=PROTECT\)"):
        call_command("purge", stdout=io.StringIO())
    assert_whole(survivor.pk, cases, rows)


def test_the_background_task_runs_the_same_purge(world: World) -> None:
    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 1)
    cases = case_ids_of(survivor)
    result = purge_due_records.enqueue(batch_size=10)
    assert result.status == TaskResultStatus.SUCCESSFUL
    assert result.return_value["destroyed"] == 1
    assert result.return_value["by_record_type"] == {"closed_case": 1}
    assert_gone(survivor.pk, cases)
    [entry] = destroyed_entries()
    assert entry.via == "worker"
    call_command("audit", "verify", stdout=io.StringIO())


def test_the_background_task_refuses_while_the_audit_chain_is_broken(world: World) -> None:
    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 1)
    cases = case_ids_of(survivor)
    rows = rows_about(survivor.pk, cases)
    _tamper_with_the_audit_log()
    result = purge_due_records.enqueue()
    assert result.status == TaskResultStatus.FAILED
    assert result.errors[0].exception_class_path.endswith("AuditChainBroken")
    assert_whole(survivor.pk, cases, rows)
