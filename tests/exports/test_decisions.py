"""A second person decides: a supervisor of the same agency, never the requester."""

from __future__ import annotations

import pytest
from django.urls import reverse

from continuum.access.policy import Forbidden, NotFound
from continuum.accounts.models import Role
from continuum.audit.models import AuditEntry
from continuum.exports import actions
from continuum.exports.actions import (
    ExportAlreadyDecided,
    ExportRefused,
    approve_export,
    refuse_export,
)
from continuum.exports.models import Export, ExportStatus
from tests.exports.helpers import caseys_request
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db

REASON = "No release or court order covers sharing with that agency yet."


def _second_supervisor(world: World) -> None:
    """Sasha: another supervisor at the lead agency."""
    user, membership = make_user("sasha", world.agencies["lead"], Role.SUPERVISOR)
    world.users["sasha"], world.memberships["sasha"] = user, membership


def _other_agencys_supervisor(world: World) -> None:
    user, membership = make_user("oli", world.agencies["other"], Role.SUPERVISOR)
    world.users["oli"], world.memberships["oli"] = user, membership


def test_the_supervisor_sees_it_on_my_work_and_approves(world: World) -> None:
    export = caseys_request(world)
    sam = world.client_for("sam")
    work = sam.get(reverse("cases:my_work")).content.decode()
    assert "1 export of a survivor's record waits for your decision" in work
    assert reverse("exports:queue") in work
    queue = sam.get(reverse("exports:queue")).content.decode()
    assert world.case.reference in queue
    assert reverse("exports:detail", args=[export.pk]) in queue
    assert "Pérez" not in queue
    assert "Ana" not in queue
    page = sam.get(reverse("exports:detail", args=[export.pk])).content.decode()
    assert "Approve the export" in page
    assert 'data-testid="passphrase"' not in page

    response = sam.post(reverse("exports:approve", args=[export.pk]))
    assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == ExportStatus.APPROVED
    assert export.decided_by == world.users["sam"]
    assert export.archive
    assert export.passphrase
    entry = AuditEntry.objects.filter(action="export.approved").get()
    assert entry.username == "sam"
    assert entry.survivor_id == world.survivor.pk
    assert entry.detail["hours"] == 72
    assert entry.detail["cases"] == 1
    assert entry.detail["withheld"] == []
    assert "Pérez" not in str(entry.detail)
    # The supervisor never sees the passphrase.
    page = sam.get(reverse("exports:detail", args=[export.pk])).content.decode()
    assert export.passphrase not in page
    assert "Exports to approve" not in sam.get(reverse("cases:my_work")).content.decode()


def test_the_requester_cannot_approve_their_own_export(world: World) -> None:
    export = caseys_request(world)
    casey = world.client_for("casey")
    page = casey.get(reverse("exports:detail", args=[export.pk])).content.decode()
    assert "Approve the export" not in page
    assert casey.post(reverse("exports:approve", args=[export.pk])).status_code == 403
    refused = casey.post(reverse("exports:refuse", args=[export.pk]), {"reason": REASON})
    assert refused.status_code == 403
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED


def test_a_supervisor_who_asked_needs_another_supervisor(world: World) -> None:
    _second_supervisor(world)
    response = world.client_for("sam").post(
        reverse("exports:request", args=[world.survivor.pk]),
        {"purpose": "Records subpoena, case 2026-CF-0012, served today."},
    )
    export = Export.objects.get()
    assert response.status_code == 302
    sam = world.client_for("sam")
    assert "Exports to approve" not in sam.get(reverse("cases:my_work")).content.decode()
    assert str(export.pk) not in sam.get(reverse("exports:queue")).content.decode()
    assert sam.post(reverse("exports:approve", args=[export.pk])).status_code == 403
    with pytest.raises(Forbidden, match="another supervisor"):
        approve_export(actor=world.actor("sam"), export=export)
    sasha = world.client_for("sasha")
    assert str(export.pk) in sasha.get(reverse("exports:queue")).content.decode()
    assert sasha.post(reverse("exports:approve", args=[export.pk])).status_code == 302


@pytest.mark.parametrize("persona", ["quinn", "morgan", "drew", "cole", "jordan", "avery"])
def test_nobody_else_sees_or_decides(world: World, persona: str) -> None:
    export = caseys_request(world)
    client = world.client_for(persona)
    assert client.get(reverse("exports:detail", args=[export.pk])).status_code == 404
    assert client.post(reverse("exports:approve", args=[export.pk])).status_code == 404
    assert (
        client.post(reverse("exports:refuse", args=[export.pk]), {"reason": REASON}).status_code
        == 404
    )
    assert client.post(reverse("exports:download", args=[export.pk])).status_code == 404
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED
    denied = AuditEntry.objects.filter(
        action="access.denied", user_id=world.users[persona].pk, object_id=str(export.pk)
    )
    assert denied.count() == 4


def test_a_supervisor_of_another_agency_may_not_decide(world: World) -> None:
    _other_agencys_supervisor(world)
    export = caseys_request(world)
    oli = world.client_for("oli")
    assert str(export.pk) not in oli.get(reverse("exports:queue")).content.decode()
    assert oli.post(reverse("exports:approve", args=[export.pk])).status_code == 404
    with pytest.raises(NotFound):
        approve_export(actor=world.actor("oli"), export=export)
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED


def test_the_queue_is_for_supervisors(world: World) -> None:
    assert world.client_for("casey").get(reverse("exports:queue")).status_code == 403
    assert world.client_for("morgan").get(reverse("exports:queue")).status_code == 403


def test_refusal_needs_a_reason_and_keeps_what_was_typed(world: World) -> None:
    export = caseys_request(world)
    sam = world.client_for("sam")
    url = reverse("exports:refuse", args=[export.pk])
    empty = sam.post(url, {"reason": ""})
    assert empty.status_code == 422
    assert "This field is required." in empty.content.decode()
    short = sam.post(url, {"reason": "No <b>."})
    assert short.status_code == 422
    assert "at least 10 characters" in short.content.decode()
    assert "No &lt;b&gt;." in short.content.decode()  # kept, and escaped
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED
    assert not AuditEntry.objects.filter(action="export.refused").exists()


def test_a_refused_export_produces_nothing(world: World) -> None:
    export = caseys_request(world)
    response = world.client_for("sam").post(
        reverse("exports:refuse", args=[export.pk]), {"reason": REASON}
    )
    assert response.status_code == 302
    export.refresh_from_db()
    assert export.status == ExportStatus.REFUSED
    assert export.refusal_reason == REASON
    assert export.decided_by == world.users["sam"]
    assert export.archive is None
    assert export.passphrase is None
    assert export.expires_at is None
    entry = AuditEntry.objects.filter(action="export.refused").get()
    assert entry.detail == {}  # the reason stays on the export
    casey = world.client_for("casey")
    page = casey.get(reverse("exports:detail", args=[export.pk])).content.decode()
    assert REASON in page
    assert "Nothing was made" in page
    download = casey.post(reverse("exports:download", args=[export.pk]))
    assert download.status_code == 410
    assert download.get("Content-Type", "").startswith("text/html")
    assert not AuditEntry.objects.filter(action="export.downloaded").exists()
    # And it cannot be approved afterwards.
    with pytest.raises(ExportAlreadyDecided, match="already refused"):
        approve_export(actor=world.actor("sam"), export=export)


def test_a_second_approval_from_a_page_loaded_earlier_gets_a_clear_answer(world: World) -> None:
    """Two supervisors open the same request; the second to press Approve is told, no 500."""
    _second_supervisor(world)
    export = caseys_request(world)
    sam, sasha = world.client_for("sam"), world.client_for("sasha")
    url = reverse("exports:detail", args=[export.pk])
    assert "Approve the export" in sam.get(url).content.decode()
    assert "Approve the export" in sasha.get(url).content.decode()
    assert sam.post(reverse("exports:approve", args=[export.pk])).status_code == 302
    archive = Export.objects.get().archive
    late = sasha.post(reverse("exports:approve", args=[export.pk]))
    assert late.status_code == 409
    assert "has already approved this export. Nothing was changed." in late.content.decode()
    refused = sasha.post(reverse("exports:refuse", args=[export.pk]), {"reason": REASON})
    assert refused.status_code == 409
    export.refresh_from_db()
    assert (export.status, export.decided_by, export.archive) == (
        ExportStatus.APPROVED,
        world.users["sam"],
        archive,
    )
    assert AuditEntry.objects.filter(action="export.approved").count() == 1
    assert not AuditEntry.objects.filter(action="export.refused").exists()


def test_two_approvals_at_once_write_one_decision(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The race past the row lock: Sasha's approval read the request as undecided (as it was
    when her transaction read it) while Sam's committed. The decision is one conditional
    UPDATE, so hers writes nothing and she is told."""
    _second_supervisor(world)
    export = caseys_request(world)
    stale = Export.objects.get(pk=export.pk)  # what Sasha's transaction read
    approve_export(actor=world.actor("sam"), export=export)
    sams = Export.objects.get(pk=export.pk)
    monkeypatch.setattr(actions, "_locked", lambda _export: stale)
    with pytest.raises(ExportAlreadyDecided):
        approve_export(actor=world.actor("sasha"), export=stale)
    with pytest.raises(ExportAlreadyDecided):
        refuse_export(actor=world.actor("sasha"), export=stale, reason=REASON)
    now = Export.objects.get(pk=export.pk)
    assert now.decided_by == world.users["sam"]
    assert (now.archive, now.passphrase) == (sams.archive, sams.passphrase)
    assert AuditEntry.objects.filter(action="export.approved").count() == 1


def test_approval_is_refused_when_the_requester_may_no_longer_export(world: World) -> None:
    """Casey was taken off the case after asking: she no longer sees the record."""
    from continuum.cases.actions import add_care_team_member, remove_care_team_member
    from continuum.cases.models import CareTeamRole

    export = caseys_request(world)
    add_care_team_member(
        actor=world.actor("sam"),
        case=world.case,
        agency=world.agencies["lead"],
        user=world.users["cole"],
        role=CareTeamRole.LEAD_CASE_MANAGER,
    )
    for member in world.case.care_team.filter(user=world.users["casey"], removed_at=None):
        remove_care_team_member(actor=world.actor("sam"), member=member)
    response = world.client_for("sam").post(reverse("exports:approve", args=[export.pk]))
    assert response.status_code == 422
    assert "may no longer export this record" in response.content.decode()
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED
    assert export.archive is None
    with pytest.raises(ExportRefused):
        approve_export(actor=world.actor("sam"), export=export)


@pytest.mark.django_db(transaction=True)
def test_two_supervisors_approving_in_parallel_make_one_file() -> None:
    """Two threads, two database connections, released at the same moment."""
    import threading
    import time

    from django.db import OperationalError, connections

    from tests.personas import build_world

    world = build_world()
    _second_supervisor(world)
    export = caseys_request(world)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def approve_as(persona: str) -> None:
        try:
            start.wait()
            # The test database on SQLite is shared-cache memory, where a second writer fails
            # at once ("locked") instead of waiting as the installation's file database does
            # (IMMEDIATE transactions, 20 s timeout): wait here the same way. PostgreSQL waits
            # on the row lock by itself.
            for _attempt in range(500):
                try:
                    approve_export(actor=world.actor(persona), export=export)
                except OperationalError as busy:
                    if "locked" not in str(busy):
                        raise
                    time.sleep(0.01)
                    continue
                outcomes.append("approved")
                return
            outcomes.append("gave up")
        except ExportAlreadyDecided:
            outcomes.append("told")
        except Exception as error:  # reported by the assertion below
            outcomes.append(repr(error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=approve_as, args=(p,)) for p in ("sam", "sasha")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["approved", "told"]
    assert AuditEntry.objects.filter(action="export.approved").count() == 1
    stored = Export.objects.get(pk=export.pk)
    assert stored.status == ExportStatus.APPROVED
    assert stored.archive is not None
