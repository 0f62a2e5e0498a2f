"""Signed release forms: uploaded by the agency that recorded the release, checked by content,
kept without metadata and sealed, downloaded under a name that says nothing about whose they
are, and every download audited."""

from __future__ import annotations

import hashlib
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from continuum.audit.models import AuditAction, AuditEntry
from continuum.survivors import documents
from continuum.survivors.actions import (
    SignedFormRefused,
    attach_signed_form,
)
from continuum.survivors.models import Release, SignedForm
from tests.personas import World, release_to_partner
from tests.survivors import files

pytestmark = pytest.mark.django_db

UPLOADED_NAME = "Ana Perez release signed.pdf"


def _release(world: World, **changes: Any) -> Release:
    """A release given verbally two days ago, to confirm with the signed form."""
    signed = timezone.localdate() - timedelta(days=2)
    terms = {"survivor_signed_on": signed, "given_verbally": True, **changes}
    return release_to_partner(world, {"identity", "mental_health"}, **terms)


def _page_url(world: World, release: Release) -> str:
    return f"/survivors/{world.survivor.pk}/releases/{release.pk}/signed-form/"


def _upload(client: Client, url: str, data: bytes, name: str = UPLOADED_NAME, **kw: Any) -> Any:
    kind = kw.pop("content_type", "application/pdf")
    return client.post(url, {"file": SimpleUploadedFile(name, data, content_type=kind)}, **kw)


def _raw(column: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM survivors_signedform")
        (value,) = cursor.fetchone()
    return str(value)


# --- what is kept -----------------------------------------------------------------------------


def test_a_photo_comes_back_upright_with_no_exif_at_all(world: World) -> None:
    photo = files.jpeg_with_exif(orientation=6)
    before = Image.open(io.BytesIO(photo))
    assert before.getexif().get_ifd(0x8825), "the test photo carries GPS"
    assert before.getexif()[0x013B] == files.ARTIST
    release = _release(world)
    casey = world.client_for("casey")

    response = _upload(casey, _page_url(world, release), photo, "IMG_2041.jpg", content_type="")
    assert response.status_code == 302

    download = casey.get(f"{_page_url(world, release)}download/")
    assert download.status_code == 200
    assert download["Content-Type"] == "image/jpeg"
    kept = download.content
    after = Image.open(io.BytesIO(kept))
    assert after.format == "JPEG"
    assert len(after.getexif()) == 0
    assert not {"exif", "xmp", "icc_profile", "comment"} & set(after.info)
    assert b"Exif\x00\x00" not in kept
    assert files.ARTIST.encode() not in kept
    assert files.CAMERA.encode() not in kept
    # Turned upright before the orientation tag went: the wide photo is now tall, the red
    # half (its left) at the top.
    assert after.size == (files.TALL, files.WIDE)
    red, green, _blue = after.convert("RGB").getpixel((files.TALL // 2, 2))
    assert red > 180
    assert green < 60


def test_a_png_loses_its_text_chunks_and_exif() -> None:
    cleaned = documents.clean_signed_form(files.png_with_metadata())
    after = Image.open(io.BytesIO(cleaned.content))
    assert cleaned.media_type == "image/png"
    assert after.info == {} or not {"exif", "Author", "Comment", "icc_profile"} & set(after.info)
    assert getattr(after, "text", {}) == {}
    assert files.ARTIST.encode() not in cleaned.content


def test_a_pdf_comes_back_with_no_author_and_no_xmp(world: World) -> None:
    original = files.pdf_with_metadata(embedded_photo=True)
    before = PdfReader(io.BytesIO(original))
    assert before.metadata["/Author"] == files.ARTIST
    assert before.xmp_metadata is not None
    release = _release(world)
    casey = world.client_for("casey")

    assert _upload(casey, _page_url(world, release), original).status_code == 302
    kept = casey.get(f"{_page_url(world, release)}download/").content

    after = PdfReader(io.BytesIO(kept))
    assert after.metadata is None
    assert after.xmp_metadata is None
    assert "/Info" not in after.trailer
    assert "/Metadata" not in after.trailer["/Root"]
    assert len(after.pages) == 1
    assert files.ARTIST.encode() not in kept
    assert b"Exif" not in kept  # nor in the photo shown on the page
    # The photo on the page is still a picture.
    (image,) = after.pages[0].images
    assert image.image is not None
    assert image.image.size == (files.WIDE, files.TALL)


def test_stripping_a_jpeg_keeps_the_picture() -> None:
    photo = files.jpeg_with_exif(orientation=None)
    stripped = documents.strip_jpeg_metadata(photo)
    assert stripped is not None
    assert b"Exif" not in stripped
    assert files.ARTIST.encode() not in stripped
    assert Image.open(io.BytesIO(stripped)).size == (files.WIDE, files.TALL)
    assert documents.strip_jpeg_metadata(b"not a jpeg") is None


def test_the_stored_file_is_sealed_and_its_name_is_never_kept(world: World) -> None:
    release = _release(world)
    casey = world.client_for("casey")
    assert _upload(casey, _page_url(world, release), files.plain_pdf()).status_code == 302

    assert _raw("content").startswith("v1:")
    form = SignedForm.objects.get()
    assert form.content is not None
    assert form.content.startswith(b"%PDF-")
    assert form.size == len(form.content)
    assert form.sha256 == hashlib.sha256(form.content).hexdigest()
    assert form.uploaded_by == world.users["casey"]
    # The name it came with is nowhere: not in the row, not in the audit log.
    row = {f.column: _raw(f.column) for f in SignedForm._meta.concrete_fields}
    assert not any("Ana" in value or "Perez" in value for value in row.values())
    entries = AuditEntry.objects.filter(object_type="SignedForm")
    assert entries.exists()
    assert not any("Perez" in str(entry.detail) for entry in entries)


def test_uploading_confirms_the_release_in_writing(world: World) -> None:
    release = _release(world)
    assert release.confirmed_in_writing_on is None
    casey = world.client_for("casey")
    sharing = casey.get(f"/survivors/{world.survivor.pk}/sharing/").content.decode()
    assert "given verbally" in sharing
    assert 'data-testid="upload-signed-form"' in sharing

    response = _upload(casey, _page_url(world, release), files.plain_pdf(), follow=True)
    assert "Signed form saved" in response.content.decode()
    release.refresh_from_db()
    assert release.confirmed_in_writing_on == timezone.localdate()
    entry = AuditEntry.objects.filter(action=AuditAction.RELEASE_RECORDED).last()
    assert entry is not None
    assert entry.detail["signed_form"] == "uploaded"
    assert entry.detail["release_id"] == str(release.pk)

    sharing = casey.get(f"/survivors/{world.survivor.pk}/sharing/").content.decode()
    assert "given verbally" not in sharing
    assert "signed form received" in sharing
    assert 'data-testid="download-signed-form"' in sharing


def test_a_second_upload_replaces_the_first(world: World) -> None:
    release = _release(world)
    attach_signed_form(actor=world.actor("casey"), release=release, data=files.plain_pdf())
    first_day = Release.objects.get().confirmed_in_writing_on
    attach_signed_form(
        actor=world.actor("sam"), release=release, data=files.jpeg_with_exif(orientation=None)
    )
    form = SignedForm.objects.get()
    assert form.media_type == "image/jpeg"
    assert form.uploaded_by == world.users["sam"]
    assert Release.objects.get().confirmed_in_writing_on == first_day
    assert (
        AuditEntry.objects.filter(object_type="SignedForm").last().detail["signed_form"]  # type: ignore[union-attr]
        == "replaced"
    )


# --- what is refused ----------------------------------------------------------------------------


REFUSED = [
    ("not_a_pdf", files.not_really_a_pdf, "form.pdf", "application/pdf", "none of those"),
    ("exe_renamed", files.windows_program, "signed.pdf", "application/pdf", "none of those"),
    ("broken_pdf", files.broken_pdf, "form.pdf", "application/pdf", "could not be read"),
    ("encrypted_pdf", files.encrypted_pdf, "form.pdf", "application/pdf", "password"),
    (
        "too_large",
        lambda: b"%PDF-1.7\n" + b"0" * documents.MAX_BYTES,
        "form.pdf",
        "application/pdf",
        "larger than 5 MB",
    ),
    ("empty", lambda: b"", "form.pdf", "application/pdf", "empty"),
    (
        "broken_jpeg",
        lambda: files.jpeg_with_exif()[:300],
        "photo.jpg",
        "image/jpeg",
        "could not be read",
    ),
]


@pytest.mark.parametrize(
    ("make", "name", "kind", "message"),
    [case[1:] for case in REFUSED],
    ids=[case[0] for case in REFUSED],
)
def test_a_file_that_cannot_be_kept_is_refused_with_a_message(
    world: World, make: Any, name: str, kind: str, message: str
) -> None:
    release = _release(world)
    casey = world.client_for("casey")
    response = _upload(casey, _page_url(world, release), make(), name, content_type=kind)
    assert response.status_code == 200
    html = response.content.decode()
    assert "usa-alert--error" in html
    assert message in html
    assert not SignedForm.objects.exists()
    release.refresh_from_db()
    assert release.confirmed_in_writing_on is None


def test_the_action_refuses_the_same_files(world: World) -> None:
    release = _release(world)
    for _id, make, _name, _kind, message in REFUSED:
        with pytest.raises(SignedFormRefused, match=message):
            attach_signed_form(actor=world.actor("casey"), release=release, data=make())
    assert not SignedForm.objects.exists()


def test_no_file_chosen_is_refused(world: World) -> None:
    release = _release(world)
    response = world.client_for("casey").post(_page_url(world, release), {})
    assert response.status_code == 200
    assert "Choose the file of the signed form" in response.content.decode()


def test_an_image_too_large_in_pixels_is_refused(world: World, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(documents, "MAX_PIXELS", 100)
    with pytest.raises(SignedFormRefused, match="too large"):
        attach_signed_form(
            actor=world.actor("casey"), release=_release(world), data=files.png_with_metadata()
        )


# --- who may ------------------------------------------------------------------------------------


def test_the_upload_page_has_a_labelled_file_input(world: World) -> None:
    release = _release(world)
    html = world.client_for("casey").get(_page_url(world, release)).content.decode()
    assert 'type="file"' in html
    assert 'enctype="multipart/form-data"' in html
    assert '<label class="usa-label" for="id_file">Signed form' in html
    assert "PDF, JPEG or PNG, up to 5 MB" in html


@pytest.mark.parametrize(("persona", "status"), [("drew", 403), ("quinn", 404), ("avery", 404)])
def test_only_the_releasing_agency_uploads_and_downloads(
    world: World, persona: str, status: int
) -> None:
    release = _release(world)
    attach_signed_form(actor=world.actor("casey"), release=release, data=files.plain_pdf())
    before = SignedForm.objects.get().sha256
    client = world.client_for(persona)
    response = _upload(client, _page_url(world, release), files.jpeg_with_exif())
    assert response.status_code == status
    assert SignedForm.objects.get().sha256 == before
    download = client.get(f"{_page_url(world, release)}download/")
    assert download.status_code == status
    assert not download.content.startswith(b"%PDF")
    assert not AuditEntry.objects.filter(
        detail__signed_form="downloaded", username=persona
    ).exists()


def test_a_release_of_another_survivor_is_not_found(world: World) -> None:
    from tests.personas import add_survivors

    release = _release(world)
    (other,) = add_survivors(world, 1)
    url = f"/survivors/{other.pk}/releases/{release.pk}/signed-form/"
    assert world.client_for("casey").get(url).status_code == 404
    assert world.client_for("casey").get(f"{url}download/").status_code == 404


def test_downloading_is_audited_and_served_as_a_no_store_attachment(world: World) -> None:
    release = _release(world)
    attach_signed_form(actor=world.actor("casey"), release=release, data=files.plain_pdf())
    sam = world.client_for("sam")
    response = sam.get(f"{_page_url(world, release)}download/")
    assert response.status_code == 200
    expected = f"signed-release-{release.survivor_signed_on:%Y-%m-%d}.pdf"
    assert response["Content-Disposition"] == f'attachment; filename="{expected}"'
    assert "no-store" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"
    entry = AuditEntry.objects.filter(action=AuditAction.SURVIVOR_VIEWED).last()
    assert entry is not None
    assert entry.username == "sam"
    assert entry.survivor_id == world.survivor.pk
    assert entry.object_type == "SignedForm"
    assert entry.detail == {"signed_form": "downloaded", "release_id": str(release.pk)}


def test_no_form_yet_is_not_found(world: World) -> None:
    release = _release(world)
    assert world.client_for("casey").get(f"{_page_url(world, release)}download/").status_code == 404


def test_a_form_can_be_kept_for_a_revoked_release(world: World) -> None:
    from continuum.survivors.actions import revoke_release

    release = _release(world)
    revoke_release(actor=world.actor("casey"), release=release)
    casey = world.client_for("casey")
    assert _upload(casey, _page_url(world, release), files.plain_pdf()).status_code == 302
    assert SignedForm.objects.exists()


def test_the_upload_is_protected_against_cross_site_requests(world: World) -> None:
    release = _release(world)
    casey = world.client_for("casey")
    casey.handler.enforce_csrf_checks = True
    url = _page_url(world, release)
    assert _upload(casey, url, files.plain_pdf()).status_code == 403
    assert not SignedForm.objects.exists()
    casey.get(url)  # sets the CSRF cookie, as the page would
    token = casey.cookies["csrftoken"].value
    upload = SimpleUploadedFile("x.pdf", files.plain_pdf(), content_type="application/pdf")
    response = casey.post(url, {"csrfmiddlewaretoken": token, "file": upload})
    assert response.status_code == 302
    assert SignedForm.objects.exists()


def test_the_sharing_page_does_not_query_per_signed_form(world: World) -> None:
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    casey = world.client_for("casey")
    url = f"/survivors/{world.survivor.pk}/sharing/"

    def queries() -> int:
        with CaptureQueriesContext(db) as captured:
            assert casey.get(url).status_code == 200
        return len(captured)

    first = _release(world)
    attach_signed_form(actor=world.actor("casey"), release=first, data=files.plain_pdf())
    one = queries()
    for _n in range(3):
        release = _release(world)
        attach_signed_form(actor=world.actor("casey"), release=release, data=files.plain_pdf())
    assert queries() == one


def test_key_rotation_and_the_purge_cover_signed_forms(world: World) -> None:
    """`continuum keys` finds the sealed column by itself; the purge destroys the form with
    the person (Release and SignedForm cascade)."""
    from continuum.cases.actions import change_case_status
    from continuum.core.management.commands.keys import sealed_columns
    from continuum.retention.actions import destroy_survivor
    from continuum.retention.models import RecordType, RetentionRule

    assert (SignedForm, SignedForm._meta.get_field("content")) in sealed_columns()
    release = _release(world)
    attach_signed_form(actor=world.actor("casey"), release=release, data=files.plain_pdf())
    world.case.refresh_from_db()
    change_case_status(
        actor=world.actor("casey"),
        case=world.case,
        status="closed",
        closure_reason="goals_met",
        expected_version=world.case.version,
    )
    rule = RetentionRule.objects.get(record_type=RecordType.CLOSED_CASE)
    later = timezone.localdate() + timedelta(days=rule.days + 1)
    assert destroy_survivor(survivor_id=world.survivor.pk, rule=rule, run_id="t", today=later)
    assert not SignedForm.objects.exists()
    assert not Release.objects.exists()


def test_a_pdf_loses_attached_files_and_comments(world: World) -> None:
    original = files.pdf_with_attached_file()
    assert b"ATTACHED-PAYLOAD" in original
    release = _release(world)
    casey = world.client_for("casey")
    assert _upload(casey, _page_url(world, release), original).status_code == 302
    kept = casey.get(f"{_page_url(world, release)}download/").content
    assert PdfReader(io.BytesIO(kept)).pages[0].get("/Annots") is None
    for trace in (b"ATTACHED-PAYLOAD", b"Ana Perez", b"FileAttachment", b"clinic"):
        assert trace not in kept


def test_only_the_first_file_of_a_request_is_kept(world: World) -> None:
    """A request repeating the file field must not make the server hold every copy."""
    release = _release(world)
    response = world.client_for("casey").post(
        _page_url(world, release),
        {
            "file": [
                SimpleUploadedFile("a.pdf", files.plain_pdf()),
                SimpleUploadedFile("b.pdf", files.windows_program()),
            ]
        },
    )
    assert response.status_code == 302  # the first, a real PDF, is the one kept
    assert SignedForm.objects.get(release=release).media_type == "application/pdf"
