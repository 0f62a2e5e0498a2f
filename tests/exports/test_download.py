"""Only the requester downloads, within the time allowed; then the purge destroys the file."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.models import Membership, Role
from continuum.accounts.sessions import ACTING_MEMBERSHIP
from continuum.audit.models import AuditEntry
from continuum.audit.verify import verify_chain
from continuum.exports.models import Export
from tests.exports.helpers import caseys_approved, caseys_request, open_zip
from tests.personas import World

pytestmark = pytest.mark.django_db


def _download(client: Client, export: Export):  # type: ignore[no-untyped-def]
    return client.post(reverse("exports:download", args=[export.pk]))


def _expire(export: Export) -> None:
    Export.objects.filter(pk=export.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_casey_downloads_with_the_passphrase_shown_on_its_page(world: World) -> None:
    export = caseys_approved(world)
    casey = world.client_for("casey")
    page = casey.get(reverse("exports:detail", args=[export.pk])).content.decode()
    assert export.passphrase is not None
    assert export.passphrase in page
    assert "by a different channel than the file" in page
    assert "Ready to download" in page

    response = _download(casey, export)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == (
        f'attachment; filename="continuum-export-{str(export.pk)[:8]}.zip"'
    )
    assert "no-store" in response["Cache-Control"]
    files = open_zip(response.content, export.passphrase)
    assert "Pérez" in files["record.json"].decode()

    _download(casey, export)
    entries = AuditEntry.objects.filter(action="export.downloaded")
    assert entries.count() == 2
    entry = entries.first()
    assert entry is not None
    assert entry.username == "casey"
    assert entry.survivor_id == world.survivor.pk
    assert entry.detail == {"bytes": len(response.content)}
    export.refresh_from_db()
    assert export.downloads == 2


def test_a_download_is_a_post(world: World) -> None:
    export = caseys_approved(world)
    response = world.client_for("casey").get(reverse("exports:download", args=[export.pk]))
    assert response.status_code == 405
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


def test_only_the_requester_downloads(world: World) -> None:
    export = caseys_approved(world)
    sam = world.client_for("sam")
    assert _download(sam, export).status_code == 403
    for persona in ("quinn", "drew", "cole", "morgan", "avery", "jordan"):
        response = _download(world.client_for(persona), export)
        assert response.status_code == 404, persona
        assert response.get("Content-Type", "").startswith("text/html")
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


def test_the_requester_acting_for_another_agency_cannot_download(world: World) -> None:
    """The file holds what Casey sees as the lead agency's case manager: as someone else,
    it does not exist for her."""
    export = caseys_approved(world)
    elsewhere = Membership.objects.create(
        user=world.users["casey"], agency=world.agencies["other"], role=Role.CASE_MANAGER
    )
    client = Client()
    client.force_login(world.users["casey"])
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=world.users["casey"]).persistent_id
    session[ACTING_MEMBERSHIP] = elsewhere.pk
    session.save()
    assert client.get(reverse("exports:detail", args=[export.pk])).status_code == 404
    assert _download(client, export).status_code == 404
    assert str(export.pk) not in client.get(reverse("exports:mine")).content.decode()


def test_nothing_is_served_before_approval(world: World) -> None:
    export = caseys_request(world)
    response = _download(world.client_for("casey"), export)
    assert response.status_code == 410
    assert "has not been approved" in response.content.decode()


def test_expiry_stops_the_download_at_once(world: World) -> None:
    export = caseys_approved(world)
    assert export.expires_at is not None
    assert timedelta(hours=71) < export.expires_at - timezone.now() <= timedelta(hours=72)
    _expire(export)
    casey = world.client_for("casey")
    response = _download(casey, export)
    assert response.status_code == 410
    body = response.content.decode()
    assert "has expired" in body
    assert export.passphrase not in body  # type: ignore[operator]
    page = casey.get(reverse("exports:detail", args=[export.pk])).content.decode()
    assert "Expired" in page
    assert 'data-testid="passphrase"' not in page
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()


def test_the_hours_come_from_the_setting(world: World, settings) -> None:  # type: ignore[no-untyped-def]
    settings.CONTINUUM_EXPORT_HOURS = 2
    export = caseys_approved(world)
    assert export.expires_at is not None
    assert export.expires_at - timezone.now() <= timedelta(hours=2)


def _raw_content(export: Export) -> tuple[object, object]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT archive, passphrase FROM exports_export WHERE id = %s",
            [Export._meta.pk.get_db_prep_value(export.pk, connection)],  # type: ignore[union-attr]
        )
        return cursor.fetchone()


def test_the_purge_destroys_expired_files_for_good_and_the_chain_holds(world: World) -> None:
    expired = caseys_approved(world)
    current = caseys_approved(world)
    waiting = caseys_request(world)
    _expire(expired)
    dry = io.StringIO()
    call_command("purge", "--dry-run", stdout=dry)
    assert "export files (kept 72 hours): 1" in dry.getvalue()
    assert Export.objects.get(pk=expired.pk).archive is not None

    out = io.StringIO()
    call_command("purge", stdout=out)
    assert "1 export files and 0 drafts" in out.getvalue()
    gone = Export.objects.get(pk=expired.pk)
    assert gone.destroyed_at is not None
    assert (gone.archive, gone.passphrase) == (None, None)
    assert _raw_content(gone) == (None, None)
    assert gone.purpose
    assert gone.decided_by == world.users["sam"]
    assert Export.objects.get(pk=current.pk).archive is not None
    assert Export.objects.get(pk=waiting.pk).destroyed_at is None

    [entry] = AuditEntry.objects.filter(action="export.destroyed")
    assert entry.object_id == str(expired.pk)
    assert entry.survivor_id == world.survivor.pk
    assert entry.user_id is None
    assert entry.via == "cli"
    assert set(entry.detail) == {"run"}
    assert verify_chain().ok
    call_command("audit", "verify", stdout=io.StringIO())

    casey = world.client_for("casey")
    assert _download(casey, gone).status_code == 410
    page = casey.get(reverse("exports:detail", args=[gone.pk])).content.decode()
    assert "file destroyed" in page
    again = io.StringIO()
    call_command("purge", stdout=again)
    assert "Nothing is due" in again.getvalue()
    assert AuditEntry.objects.filter(action="export.destroyed").count() == 1


def test_the_background_task_destroys_them_too(world: World) -> None:
    from continuum.retention.tasks import purge_due_records

    export = caseys_approved(world)
    _expire(export)
    result = purge_due_records.enqueue()
    assert result.return_value["export_files_destroyed"] == 1
    entry = AuditEntry.objects.get(action="export.destroyed")
    assert entry.via == "worker"
    assert Export.objects.get(pk=export.pk).archive is None


def test_exports_go_with_the_person_when_their_record_is_destroyed(world: World) -> None:
    from continuum.retention import actions as retention
    from continuum.retention.models import RecordType, RetentionRule
    from tests.retention.test_purge import CLOSED_DAYS, with_case

    survivor = with_case(world, "Zora", closed_days_ago=CLOSED_DAYS + 1)
    from continuum.exports.actions import request_export
    from continuum.survivors.queries import survivor_for

    casey = world.actor("casey")
    request_export(
        actor=casey,
        survivor=survivor_for(casey, survivor.pk, audit_read=False),
        purpose="A copy of her record for her, before it is destroyed.",
    )
    assert Export.objects.filter(survivor=survivor).count() == 1
    rule = RetentionRule.objects.get(record_type=RecordType.CLOSED_CASE)
    assert retention.destroy_survivor(survivor_id=survivor.pk, rule=rule, run_id="t") is not None
    assert not Export.objects.filter(survivor_id=survivor.pk).exists()
