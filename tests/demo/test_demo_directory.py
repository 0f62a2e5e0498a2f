"""The demo shows the directory and the referral loop in use: the member agencies' listings
(safe homes confidential) and the 211's, imported as HSDS; referrals at every stage, with
one overdue on both sides' My work; nothing confidential in the public API or an export.

The community is loaded once for the module inside a transaction rolled back at the end, as
in test_demo.py.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import Client
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.models import Membership
from continuum.accounts.sessions import ACTING_MEMBERSHIP
from continuum.demo import community, directory
from continuum.directory import exporter, hsds
from continuum.directory.models import Location, Organization, Service
from continuum.needs.models import Need
from continuum.referrals.models import Referral

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module", autouse=True)
def demo_community(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        call_command("demo", stdout=StringIO())
        yield
        transaction.set_rollback(True)


def _client(username: str, agency_key: str) -> Client:
    membership = Membership.objects.select_related("user").get(
        user__username=username, agency__name=community.AGENCY_BY_KEY[agency_key].name
    )
    client = Client()
    client.force_login(membership.user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=membership.user).persistent_id
    session[ACTING_MEMBERSHIP] = membership.pk
    session.save()
    return client


def test_the_directory_is_loaded_with_its_keepers_and_confidential_homes() -> None:
    expected = sum(len(org.listings) for org in directory.ORGANIZATIONS)
    assert Service.objects.count() == expected
    kept = Organization.objects.exclude(agency=None).values_list("agency__name", flat=True)
    assert "Heron Hammock Safe Homes" in set(kept)
    confidential = set(Location.objects.filter(confidential=True).values_list("pk", flat=True))
    assert {str(pk) for pk in confidential} == set(directory.confidential_location_ids())


def test_nothing_confidential_leaves_through_the_api_or_an_export() -> None:
    body = Client().get("/hsds/service_at_locations?per_page=100").content.decode()
    out = io.StringIO()
    exporter.write_json(out)
    exported = out.getvalue()
    for location in Location.objects.filter(confidential=True):
        assert str(location.pk) not in body
        assert str(location.pk) not in exported
        assert location.name not in exported
    for organization in json.loads(exported)["organizations"]:
        assert hsds.validate("organization", organization) == []


def test_referrals_at_every_stage_of_the_loop() -> None:
    states = Counter(Referral.objects.values_list("kind", "status"))
    assert states[("referral", "completed")] == 1
    assert states[("referral", "in-progress")] == 1
    assert states[("referral", "requested")] == 2
    assert states[("capacity_inquiry", "accepted")] == 1
    assert states[("capacity_inquiry", "rejected")] == 1
    completed = Referral.objects.get(status="completed")
    assert completed.outcome == "got_help"
    assert Need.objects.get(pk=completed.need_id).status == "met"


def test_an_overdue_referral_is_on_both_sides_my_work() -> None:
    today = timezone.localdate()
    overdue = Referral.objects.filter(status="requested", response_due_on__lt=today)
    assert overdue.count() == 1
    sender = _client("casey", "cbc").get("/cases/").content.decode()
    receiver = _client("esther", "legal").get("/cases/").content.decode()
    assert "not answered in time" in sender
    assert "waiting for your answer" in receiver.lower()


def test_grace_keeps_heron_hammocks_listing_and_sees_its_safe_homes() -> None:
    page = _client("grace", "safehouse").get("/directory/ours/").content.decode()
    assert "Safe home for girls 12 to 17" in page
    other = _client("casey", "cbc").get("/directory/").content.decode()
    assert "Safe home for girls 12 to 17" in other
