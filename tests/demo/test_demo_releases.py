"""The demo's releases show the paperwork side: releases given verbally (one since confirmed
with a synthetic signed form) and a complete 42 CFR Part 2 consent.

The community is loaded once for the module inside a transaction rolled back at the end, as
in test_demo.py.
"""

from __future__ import annotations

from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from pypdf import PdfReader

from continuum.access.part2 import REDISCLOSURE_NOTICE
from continuum.accounts.models import Membership
from continuum.demo import community
from continuum.demo.models import DemoSurvivor
from continuum.survivors.models import Release, SignedForm

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_community(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def _releases_of(index: int) -> list[Release]:
    survivor = DemoSurvivor.objects.get(index=index).survivor
    return list(survivor.releases.select_related("recipient_agency"))


def test_some_releases_were_given_verbally_and_one_is_confirmed_in_writing() -> None:
    verbal = Release.objects.filter(given_verbally=True)
    assert verbal.count() == len(community.VERBAL_RELEASES) >= 2
    confirmed = verbal.filter(confirmed_in_writing_on__isnull=False)
    assert confirmed.count() == len(community.CONFIRMED_IN_WRITING) == 1
    form = SignedForm.objects.select_related("release").get()
    assert form.release == confirmed.get()
    assert form.media_type == "application/pdf"
    document = PdfReader(BytesIO(form.content or b""))
    assert "SYNTHETIC DEMO DOCUMENT" in document.pages[0].extract_text()
    assert document.metadata is None


def test_a_complete_part2_consent_exists() -> None:
    (spec,) = community.PART2_RELEASES
    (part2,) = [r for r in _releases_of(spec.index) if r.is_part2]
    assert part2.categories == ["substance_use"]
    assert part2.part2_information == spec.information
    assert part2.part2_discloser_name == part2.disclosing_agency.name
    assert part2.part2_revocation_explained
    assert part2.part2_no_conditioning_explained
    assert part2.part2_redisclosure_explained
    assert part2.ends_on_event or part2.expires_on
    assert not part2.given_verbally


def test_caseys_sharing_page_shows_them() -> None:
    from django.test import Client
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from continuum.accounts.sessions import ACTING_MEMBERSHIP

    membership = Membership.objects.select_related("user").get(user__username="casey")
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=membership.user).persistent_id
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()

    (spec,) = community.PART2_RELEASES
    survivor = DemoSurvivor.objects.get(index=spec.index).survivor
    page = client.get(f"/survivors/{survivor.pk}/sharing/").content.decode()
    assert 'data-testid="part2-consent"' in page
    assert str(REDISCLOSURE_NOTICE)[:60] in page

    (index, _key) = next(iter(community.CONFIRMED_IN_WRITING))
    survivor = DemoSurvivor.objects.get(index=index).survivor
    page = client.get(f"/survivors/{survivor.pk}/sharing/").content.decode()
    assert 'data-testid="download-signed-form"' in page


def test_the_counsellor_reads_the_part2_note_with_the_notice() -> None:
    from continuum.access.actor import Actor
    from continuum.cases.queries import readable_notes

    (spec,) = community.PART2_RELEASES
    case = DemoSurvivor.objects.get(index=spec.index).survivor.cases.get()
    drew = Membership.objects.select_related("user", "agency").get(user__username="drew")
    notes = readable_notes(Actor(user=drew.user, membership=drew), case)
    (part2,) = [note for note in notes if note.category == "substance_use"]
    assert part2.body == community.PART2_NOTES[spec.index]
    assert part2.redisclosed  # type: ignore[attr-defined]
