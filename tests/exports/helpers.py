"""Exports for tests: Casey (lead case manager on Ana's case) asks, Sam (her supervisor)
decides. Also used by the authorization walks (tests/test_authorization.py and
tests/test_api_authorization.py)."""

from __future__ import annotations

import io
from typing import Any

import pyzipper

from continuum.exports.actions import approve_export, request_export
from continuum.exports.models import Export
from continuum.survivors.queries import survivor_for
from tests.personas import World

PURPOSE = "Transfer to the out-of-county agency taking over her care."


def caseys_request(world: World, purpose: str = PURPOSE) -> Export:
    casey = world.actor("casey")
    survivor = survivor_for(casey, world.survivor.pk, audit_read=False)
    return request_export(actor=casey, survivor=survivor, purpose=purpose)


def caseys_approved(world: World) -> Export:
    return approve_export(actor=world.actor("sam"), export=caseys_request(world))


def caseys_export(world: World) -> dict[str, Any]:
    """URL kwargs: Casey's export, waiting for a decision."""
    return {"export_id": caseys_request(world).pk}


def caseys_approved_export(world: World) -> dict[str, Any]:
    """URL kwargs: Casey's export, approved by Sam and ready to download."""
    return {"export_id": caseys_approved(world).pk}


def export_id_for(world: World, path: str) -> str:
    """For an API path template: the export its route needs (download needs an approved one)."""
    if path.endswith("/download"):
        return str(caseys_approved(world).pk)
    return str(caseys_request(world).pk)


def open_zip(content: bytes, passphrase: str) -> dict[str, bytes]:
    with pyzipper.AESZipFile(io.BytesIO(content)) as archive:
        archive.setpassword(passphrase.encode())
        return {name: archive.read(name) for name in archive.namelist()}


def packed_record(world: World, requester: str) -> dict[str, Any]:
    """The record.json an export made for `requester` would hold, opened (no export row)."""
    import json

    from django.utils import timezone

    from continuum.exports.packing import About, pack_record

    actor = world.actor(requester)
    about = About(
        export_id="test",
        purpose="For the court hearing",
        requested_by=requester,
        requested_at=timezone.now(),
        agency=actor.agency.name,
        role=actor.role,
        approved_by="a supervisor",
        approved_at=timezone.now(),
    )
    survivor = survivor_for(actor, world.survivor.pk)
    packed = pack_record(requester=actor, survivor=survivor, about=about)
    files = open_zip(packed.archive, packed.passphrase)
    return dict(json.loads(files["record.json"]))
