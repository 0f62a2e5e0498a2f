"""Signed release forms through the API: multipart upload, download, both in OpenAPI."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from continuum.api.tokens import create_token
from continuum.audit.models import AuditAction, AuditEntry
from continuum.survivors import documents
from continuum.survivors.models import Release, SignedForm
from tests.personas import World, release_to_partner
from tests.survivors import files

pytestmark = pytest.mark.django_db

PATH = "/api/v1/survivors/{survivor_id}/releases/{release_id}/signed-form"


def _auth(world: World, persona: str) -> dict[str, str]:
    _token, plain = create_token(actor=world.actor(persona), name="signed forms")
    return {"Authorization": f"Bearer {plain}"}


def _release(world: World) -> Release:
    yesterday = timezone.localdate() - timedelta(days=1)
    return release_to_partner(
        world, {"identity"}, survivor_signed_on=yesterday, given_verbally=True
    )


def _url(world: World, release: Release) -> str:
    return PATH.format(survivor_id=world.survivor.pk, release_id=release.pk)


def _post(world: World, persona: str, release: Release, data: bytes, name: str = "x.pdf") -> Any:
    upload = SimpleUploadedFile(name, data, content_type="application/pdf")
    return Client().post(_url(world, release), {"file": upload}, headers=_auth(world, persona))


def test_upload_then_download(world: World) -> None:
    release = _release(world)
    response = _post(world, "casey", release, files.pdf_with_metadata(), "Ana Perez.pdf")
    assert response.status_code == 201, response.content
    body = response.json()
    day = f"{release.survivor_signed_on:%Y-%m-%d}"
    assert body["id"] == str(release.pk)
    assert body["confirmed_in_writing_on"] == str(timezone.localdate())
    form = body["signed_form"]
    assert form["filename"] == f"signed-release-{day}.pdf"
    assert form["media_type"] == "application/pdf"
    assert form["uploaded_by"]["id"] == world.users["casey"].pk
    assert "Perez" not in response.content.decode()

    download = Client().get(_url(world, release), headers=_auth(world, "sam"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"] == f'attachment; filename="signed-release-{day}.pdf"'
    assert "no-store" in download["Cache-Control"]
    assert len(download.content) == form["size"]
    after = PdfReader(io.BytesIO(download.content))
    assert after.metadata is None
    assert after.xmp_metadata is None
    entry = AuditEntry.objects.filter(action=AuditAction.SURVIVOR_VIEWED).last()
    assert entry is not None
    assert entry.via == "api"
    assert entry.username == "sam"
    assert entry.detail == {"signed_form": "downloaded", "release_id": str(release.pk)}

    listed = (
        Client()
        .get(f"/api/v1/survivors/{world.survivor.pk}/releases", headers=_auth(world, "casey"))
        .json()
    )
    assert listed[0]["signed_form"]["sha256"] == form["sha256"]


def test_a_photo_loses_its_exif(world: World) -> None:
    release = _release(world)
    assert _post(world, "casey", release, files.jpeg_with_exif(), "IMG_1.pdf").status_code == 201
    kept = Client().get(_url(world, release), headers=_auth(world, "casey")).content
    assert Image.open(io.BytesIO(kept)).getexif() == {}
    assert b"Exif" not in kept


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        (files.not_really_a_pdf(), 422, "none of those"),
        (files.windows_program(), 422, "none of those"),
        (files.broken_pdf(), 422, "could not be read"),
        (files.encrypted_pdf(), 422, "password"),
        (b"%PDF-1.7\n" + b"0" * documents.MAX_BYTES, 413, "larger than 5 MB"),
    ],
    ids=["not_a_pdf", "exe_renamed", "broken_pdf", "encrypted_pdf", "too_large"],
)
def test_bad_files_are_refused_with_a_message(
    world: World, data: bytes, status: int, message: str
) -> None:
    release = _release(world)
    response = _post(world, "casey", release, data)
    assert response.status_code == status
    assert message in response.json()["detail"]
    assert not SignedForm.objects.exists()


def test_no_file_is_refused(world: World) -> None:
    release = _release(world)
    response = Client().post(
        _url(world, release), {"note": "no file"}, headers=_auth(world, "casey")
    )
    assert response.status_code == 422
    assert "multipart/form-data field `file`" in response.json()["detail"]
    json_body = Client().post(
        _url(world, release), "{}", content_type="application/json", headers=_auth(world, "casey")
    )
    assert json_body.status_code == 422


@pytest.mark.parametrize(("persona", "status"), [("drew", 403), ("quinn", 404), ("avery", 404)])
def test_others_cannot_upload_or_download(world: World, persona: str, status: int) -> None:
    release = _release(world)
    assert _post(world, "casey", release, files.plain_pdf()).status_code == 201
    assert _post(world, persona, release, files.jpeg_with_exif()).status_code == status
    assert SignedForm.objects.get().media_type == "application/pdf"
    download = Client().get(_url(world, release), headers=_auth(world, persona))
    assert download.status_code == status
    assert "detail" in download.json()


def test_download_without_a_form_is_not_found(world: World) -> None:
    release = _release(world)
    response = Client().get(_url(world, release), headers=_auth(world, "casey"))
    assert response.status_code == 404


def test_both_routes_are_in_the_openapi_document(world: World) -> None:
    document = Client().get("/api/v1/openapi.json").json()
    operations = document["paths"][
        "/api/v1/survivors/{survivor_id}/releases/{release_id}/signed-form"
    ]
    upload = operations["post"]
    body = upload["requestBody"]["content"]["multipart/form-data"]["schema"]
    assert body["required"] == ["file"]
    assert body["properties"]["file"] == {"type": "string", "format": "binary"}
    assert {"201", "403", "404", "413", "422"} <= set(upload["responses"])
    download = operations["get"]["responses"]["200"]["content"]
    assert set(download) == {"application/pdf", "image/jpeg", "image/png"}
    release = document["components"]["schemas"]["ReleaseOut"]["properties"]
    assert {"signed_form", "confirmed_in_writing_on", "part2", "redisclosure_notice"} <= set(
        release
    )
