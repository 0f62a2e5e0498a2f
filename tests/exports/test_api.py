"""/api/v1/exports: the same rules as the pages, for programs."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.api.tokens import create_token
from continuum.audit.models import AuditEntry
from continuum.exports.models import Export, ExportStatus
from tests.exports.helpers import PURPOSE, caseys_approved, caseys_request, open_zip
from tests.personas import World, make_user

pytestmark = pytest.mark.django_db


class Api:
    def __init__(self, world: World, persona: str) -> None:
        _token, plain = create_token(actor=world.actor(persona), name="tests")
        self.headers = {"Authorization": f"Bearer {plain}"}
        self.client = Client()

    def get(self, path: str) -> Any:
        return self.client.get(f"/api/v1{path}", headers=self.headers)

    def post(self, path: str, body: Any = None) -> Any:
        data = "" if body is None else json.dumps(body)
        return self.client.post(
            f"/api/v1{path}", data, content_type="application/json", headers=self.headers
        )


def test_ask_approve_and_download(world: World) -> None:
    casey, sam = Api(world, "casey"), Api(world, "sam")
    asked = casey.post("/exports", {"survivor_id": str(world.survivor.pk), "purpose": PURPOSE})
    assert asked.status_code == 201, asked.content
    body = asked.json()
    assert body["state"] == "requested"
    assert body["case_reference"] == world.case.reference
    assert body["role"] == "case_manager"
    assert "passphrase" not in body
    export_id = body["id"]
    assert [e["id"] for e in casey.get("/exports").json()] == [export_id]

    pending = sam.get("/exports/pending")
    assert pending.status_code == 200
    assert [e["id"] for e in pending.json()] == [export_id]
    assert "Pérez" not in pending.content.decode()

    approved = sam.post(f"/exports/{export_id}/approve")
    assert approved.status_code == 200, approved.content
    assert approved.json()["state"] == "ready"
    assert approved.json()["decided_by"]["name"] == "Sam Tester"
    assert sam.get(f"/exports/{export_id}").json()["passphrase"] is None

    detail = casey.get(f"/exports/{export_id}").json()
    passphrase = detail["passphrase"]
    assert passphrase
    assert len(passphrase) == 29
    download = casey.get(f"/exports/{export_id}/download")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].startswith("attachment; filename=")
    assert "Pérez" in open_zip(download.content, passphrase)["record.json"].decode()
    [entry] = AuditEntry.objects.filter(action="export.downloaded")
    assert entry.via == "api"
    assert sam.get(f"/exports/{export_id}/download").status_code == 403


def test_the_requester_cannot_approve_or_refuse_their_own(world: World) -> None:
    export = caseys_request(world)
    casey = Api(world, "casey")
    response = casey.post(f"/exports/{export.pk}/approve")
    assert response.status_code == 403
    assert "another supervisor" in response.json()["detail"]
    refused = casey.post(f"/exports/{export.pk}/refuse", {"reason": "Changed my mind about it."})
    assert refused.status_code == 403
    assert casey.get("/exports/pending").status_code == 403
    export.refresh_from_db()
    assert export.status == ExportStatus.REQUESTED


def test_other_agencies_cannot_ask_decide_or_download(world: World) -> None:
    user, membership = make_user("oli", world.agencies["other"], Role.SUPERVISOR)
    world.users["oli"], world.memberships["oli"] = user, membership
    waiting = caseys_request(world)
    ready = caseys_approved(world)
    for persona in ("quinn", "oli", "morgan"):
        api = Api(world, persona)
        asked = api.post("/exports", {"survivor_id": str(world.survivor.pk), "purpose": PURPOSE})
        assert asked.status_code == 404
        assert api.post(f"/exports/{waiting.pk}/approve").status_code == 404
        assert (
            api.post(f"/exports/{waiting.pk}/refuse", {"reason": "Not for you at all."}).status_code
            == 404
        )
        assert api.get(f"/exports/{ready.pk}").status_code == 404
        response = api.get(f"/exports/{ready.pk}/download")
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found"}
    # The partner agency on the care team sees the record, but may not export it.
    drew = Api(world, "drew")
    asked = drew.post("/exports", {"survivor_id": str(world.survivor.pk), "purpose": PURPOSE})
    assert asked.status_code == 403
    assert drew.get(f"/exports/{ready.pk}/download").status_code == 404
    assert Export.objects.count() == 2


def test_bad_input_is_refused(world: World) -> None:
    casey, sam = Api(world, "casey"), Api(world, "sam")
    survivor = str(world.survivor.pk)
    assert casey.post("/exports", {"survivor_id": survivor, "purpose": "short"}).status_code == 422
    assert casey.post("/exports", {"survivor_id": survivor}).status_code == 422
    too_long = {"survivor_id": survivor, "purpose": "x" * 501}
    assert casey.post("/exports", too_long).status_code == 422
    extra = {"survivor_id": survivor, "purpose": PURPOSE, "hours": 999}
    assert casey.post("/exports", extra).status_code == 422
    assert casey.get("/exports/not-a-uuid").status_code == 422
    assert not Export.objects.exists()
    export = caseys_request(world)
    assert sam.post(f"/exports/{export.pk}/refuse", {"reason": ""}).status_code == 422
    assert sam.post(f"/exports/{export.pk}/refuse", {}).status_code == 422


def test_a_second_decision_is_a_conflict(world: World) -> None:
    user, membership = make_user("sasha", world.agencies["lead"], Role.SUPERVISOR)
    world.users["sasha"], world.memberships["sasha"] = user, membership
    export = caseys_request(world)
    assert Api(world, "sam").post(f"/exports/{export.pk}/approve").status_code == 200
    sasha = Api(world, "sasha")
    again = sasha.post(f"/exports/{export.pk}/approve")
    assert again.status_code == 409
    assert "already approved" in again.json()["detail"]
    refused = sasha.post(f"/exports/{export.pk}/refuse", {"reason": "Too late, but still no."})
    assert refused.status_code == 409
    assert AuditEntry.objects.filter(action="export.approved").count() == 1


def test_a_refusal_and_an_expired_export_serve_nothing(world: World) -> None:
    casey, sam = Api(world, "casey"), Api(world, "sam")
    export = caseys_request(world)
    refused = sam.post(f"/exports/{export.pk}/refuse", {"reason": "No release covers it."})
    assert refused.status_code == 200
    assert refused.json()["state"] == "refused"
    assert refused.json()["refusal_reason"] == "No release covers it."
    assert casey.get(f"/exports/{export.pk}").json()["passphrase"] is None
    assert casey.get(f"/exports/{export.pk}/download").status_code == 410

    ready = caseys_approved(world)
    Export.objects.filter(pk=ready.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert casey.get(f"/exports/{ready.pk}").json()["state"] == "expired"
    assert casey.get(f"/exports/{ready.pk}").json()["passphrase"] is None
    gone = casey.get(f"/exports/{ready.pk}/download")
    assert gone.status_code == 410
    assert "expired" in gone.json()["detail"]
