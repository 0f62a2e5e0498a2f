"""The account page: where one works, two-step verification, devices, tokens."""

from __future__ import annotations

import pytest
from django.test import Client

from continuum.accounts import actions
from continuum.accounts.models import Membership, Role
from tests.accounts.helpers import LOGIN, SECURITY, VERIFY, post_password
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_shows_agencies_roles_and_two_step_status(world: World) -> None:
    Membership.objects.create(
        user=world.users["casey"], agency=world.agencies["other"], role=Role.MDT_COORDINATOR
    )
    actions.replace_recovery_codes(user=world.users["casey"])
    client = world.client_for("casey")
    response = client.get(SECURITY)
    assert response.status_code == 200
    html = response.content.decode()
    assert "<td>Lead Family Services</td><td>Case manager</td><td><strong>Acting now" in html
    assert "<td>Other County Kids</td><td>MDT coordinator</td><td></td>" in html
    assert 'On, with "Test app".' in html
    assert "You have 10 recovery codes left." in html
    assert 'action="/accounts/logout-everywhere/"' in html
    assert 'action="/accounts/recovery-codes/new/"' in html
    assert 'href="/accounts/tokens/"' in html


def test_shows_only_ones_own_memberships(world: World) -> None:
    html = world.client_for("quinn").get(SECURITY).content.decode()
    assert "Other County Kids" in html
    assert "Lead Family Services</td>" not in html


def test_singular_recovery_code(world: World) -> None:
    codes = actions.replace_recovery_codes(user=world.users["casey"])
    from django_otp.plugins.otp_static.models import StaticToken

    StaticToken.objects.filter(token__in=codes[1:]).delete()
    html = world.client_for("casey").get(SECURITY).content.decode()
    assert "You have 1 recovery code left." in html


def test_needs_full_sign_in(client: Client, world: World) -> None:
    assert client.get(SECURITY)["Location"] == f"{LOGIN}?next=/accounts/"
    post_password(client, "casey")
    assert client.get(SECURITY)["Location"] == VERIFY


def test_user_without_membership_is_told_so(world: World) -> None:
    Membership.objects.filter(user=world.users["casey"]).update(is_active=False)
    client = world.client_for("casey")
    response = client.get(SECURITY)
    assert response.status_code == 403
    assert "You are not working for any agency" in response.content.decode()


def test_inactive_agency_counts_as_no_membership(world: World) -> None:
    world.agencies["other"].is_active = False
    world.agencies["other"].save()
    response = world.client_for("quinn").get(SECURITY)
    assert response.status_code == 403
