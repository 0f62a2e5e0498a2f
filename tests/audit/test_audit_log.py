"""The audit log: one entry per read and per write, append-only, and a chain that proves it."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from continuum.audit.models import AuditAction, AuditEntry
from continuum.survivors.actions import SurvivorDetails, update_survivor
from tests.personas import World

pytestmark = pytest.mark.django_db


def _new_entries(before: int) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(sequence__gt=before).order_by("sequence"))


def _last_sequence() -> int:
    last = AuditEntry.objects.order_by("-sequence").first()
    return last.sequence if last else 0


def test_viewing_a_survivor_page_writes_exactly_one_entry(world: World) -> None:
    client = world.client_for("casey")
    before = _last_sequence()
    assert client.get(f"/survivors/{world.survivor.pk}/").status_code == 200
    entries = _new_entries(before)
    assert [e.action for e in entries] == [AuditAction.SURVIVOR_VIEWED]
    entry = entries[0]
    assert entry.user_id == world.users["casey"].pk
    assert entry.agency_id == world.agencies["lead"].pk
    assert entry.role == "case_manager"
    assert entry.survivor_id == world.survivor.pk


def test_a_write_writes_exactly_one_entry(world: World) -> None:
    before = _last_sequence()
    update_survivor(
        actor=world.actor("casey"),
        survivor=world.survivor,
        details=SurvivorDetails(preferred_name="Ana", pronouns="they/them"),
        expected_version=world.survivor.version,
    )
    entries = _new_entries(before)
    assert [e.action for e in entries] == [AuditAction.SURVIVOR_UPDATED]
    assert "pronouns" in entries[0].detail["fields"]


def test_entries_hold_no_personal_details(world: World) -> None:
    world.client_for("casey").post("/survivors/", {"q": "Pérez"})
    text = " ".join(str(e.detail) for e in AuditEntry.objects.all())
    for secret in ("Ana", "Pérez", "perez", "2010-03-04"):
        assert secret not in text


def test_refused_attempt_on_an_existing_record_is_logged(world: World) -> None:
    before = _last_sequence()
    response = world.client_for("quinn").get(f"/survivors/{world.survivor.pk}/")
    assert response.status_code == 404
    entries = _new_entries(before)
    assert [e.action for e in entries] == [AuditAction.ACCESS_DENIED]
    assert entries[0].username == "quinn"


@pytest.mark.parametrize(
    "statement", ["UPDATE audit_auditentry SET action = 'x'", "DELETE FROM audit_auditentry"]
)
def test_the_database_refuses_changes_to_entries(world: World, statement: str) -> None:
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditEntry.objects.exists()


def test_the_chain_verifies(world: World) -> None:
    call_command("audit", "verify")


def _drop_triggers() -> None:
    """What someone with direct database access would do first."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("DROP TRIGGER audit_entry_no_update")
            cursor.execute("DROP TRIGGER audit_entry_no_delete")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_change ON audit_auditentry")


def test_editing_an_entry_through_sql_breaks_the_chain_at_that_entry(world: World) -> None:
    victim = AuditEntry.objects.order_by("sequence")[2]
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET username = 'someone_else' WHERE id = %s", [victim.pk]
        )
    with pytest.raises(CommandError, match=rf"entry #{victim.sequence}\b"):
        call_command("audit", "verify")


def test_deleting_an_entry_through_sql_breaks_the_chain_at_that_entry(world: World) -> None:
    victim = AuditEntry.objects.order_by("sequence")[1]
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [victim.pk])
    with pytest.raises(CommandError, match=rf"entry #{victim.sequence}\b"):
        call_command("audit", "verify")


def test_cutting_entries_off_the_end_is_noticed(world: World) -> None:
    last = AuditEntry.objects.order_by("-sequence").first()
    assert last is not None
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])
    with pytest.raises(CommandError, match=rf"entry #{last.sequence}\b"):
        call_command("audit", "verify")


def test_a_rewritten_entry_with_a_recomputed_plain_hash_is_still_caught(world: World) -> None:
    """Without the audit key, recomputing hashes does not help: the chain is an HMAC."""
    import hashlib

    victim = AuditEntry.objects.order_by("sequence")[0]
    _drop_triggers()
    forged = hashlib.sha256(b"forged").hexdigest()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditentry SET action = 'survivor.viewed', entry_hash = %s WHERE id = %s",
            [forged, victim.pk],
        )
    with pytest.raises(CommandError, match=rf"entry #{victim.sequence}\b"):
        call_command("audit", "verify")


def test_the_head_cannot_be_blanked_to_hide_a_cut(world: World) -> None:
    """Found in review: cutting the newest entries and blanking the head used to pass."""
    from continuum.audit.models import AuditChainHead

    last = AuditEntry.objects.order_by("-sequence").first()
    assert last is not None
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry WHERE id = %s", [last.pk])
    AuditChainHead.objects.filter(pk=1).update(sequence=last.sequence - 1, entry_hash="")
    with pytest.raises(CommandError, match=r"chain head says"):
        call_command("audit", "verify")


def test_a_missing_head_is_noticed(world: World) -> None:
    from continuum.audit.models import AuditChainHead

    AuditChainHead.objects.all().delete()
    with pytest.raises(CommandError, match="chain head is missing"):
        call_command("audit", "verify")


def test_checkpoints_catch_a_log_emptied_or_cut_with_its_head(world: World, tmp_path) -> None:
    """Everything inside the database can be rewound together; a checkpoint kept elsewhere
    cannot."""
    from io import StringIO

    from continuum.audit.models import AuditChainHead

    saved = tmp_path / "audit-checkpoints.txt"
    out = StringIO()
    call_command("audit", "verify", "--checkpoints", str(saved), stdout=out)
    assert "saved today's head" in out.getvalue()
    head = AuditChainHead.objects.get(pk=1)
    assert saved.read_text().split() == [str(head.sequence), head.entry_hash]
    # A good run against the file passes and appends again.
    call_command("audit", "verify", "--checkpoints", str(saved), stdout=StringIO())
    assert len(saved.read_text().splitlines()) == 2
    # Someone with the database removes every entry and resets the head to "new".
    _drop_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    AuditChainHead.objects.filter(pk=1).update(sequence=0, entry_hash="")
    call_command("audit", "verify", stdout=StringIO())  # alone, it looks like a new log
    with pytest.raises(CommandError, match="cut off the end"):
        call_command("audit", "verify", "--checkpoints", str(saved), stdout=StringIO())


def test_a_checkpoint_that_differs_is_named(world: World, tmp_path) -> None:
    saved = tmp_path / "checkpoints.txt"
    saved.write_text(f"2 {'f' * 64}\n")
    with pytest.raises(CommandError, match=r"entry #2: it differs from the checkpoint"):
        call_command("audit", "verify", "--checkpoints", str(saved))
    saved.write_text("not a checkpoint\n")
    with pytest.raises(CommandError, match="not a checkpoint file"):
        call_command("audit", "verify", "--checkpoints", str(saved))


def test_there_is_no_switch_around_the_triggers(world: World) -> None:
    """Found in review: a session setting (PostgreSQL) or a connection function (SQLite) used
    to let writes through. The triggers now have no exception."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET continuum.audit_maintenance = 'on'")
        else:
            connection.connection.create_function("continuum_audit_maintenance", 0, lambda: 1)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
