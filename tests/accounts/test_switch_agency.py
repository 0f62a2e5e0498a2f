"""Acting for another of one's agencies (accounts.views.switch_agency)."""

from __future__ import annotations

import pytest
from django.test import Client

from continuum.accounts.models import Membership, Role
from continuum.accounts.sessions import ACTING_MEMBERSHIP
from continuum.audit.models import AuditAction, AuditEntry
from tests.accounts.helpers import LOGIN, MY_WORK, SWITCH, VERIFY, post_password, sign_in
from tests.personas import World

pytestmark = pytest.mark.django_db

REFUSED = "You can&#x27;t act for that agency."


@pytest.fixture
def second_membership(world: World) -> Membership:
    """Casey also works a few hours a week as a case manager at Other County Kids."""
    return Membership.objects.create(
        user=world.users["casey"], agency=world.agencies["other"], role=Role.CASE_MANAGER
    )


@pytest.fixture
def casey(world: World, second_membership: Membership) -> Client:
    client = Client()
    sign_in(client, world.users["casey"])
    return client


def acting(client: Client) -> Membership:
    response = client.get(MY_WORK)
    assert response.status_code == 200
    return response.wsgi_request.actor.membership  # type: ignore[attr-defined]


def test_starts_with_the_first_agency_and_offers_both(casey: Client, world: World) -> None:
    assert acting(casey) == world.memberships["casey"]
    html = casey.get(MY_WORK).content.decode()
    assert 'name="membership"' in html
    assert f'<option value="{world.memberships["casey"].pk}" selected>' in html
    assert "Other County Kids — Case manager" in html
    assert "Ana" in html  # the lead agency's case


def test_switch_changes_header_actor_cases_and_is_audited(
    casey: Client, world: World, second_membership: Membership
) -> None:
    response = casey.post(SWITCH, {"membership": str(second_membership.pk)}, follow=True)
    assert response.redirect_chain == [(MY_WORK, 302)]
    html = response.content.decode()
    assert "You are now acting for Other County Kids as case manager." in html
    assert f'<option value="{second_membership.pk}" selected>' in html
    assert f'<option value="{world.memberships["casey"].pk}" selected>' not in html
    actor = response.wsgi_request.actor  # type: ignore[attr-defined]
    assert actor.membership == second_membership
    assert actor.agency == world.agencies["other"]
    # Other County Kids has no part in Ana's case.
    assert "Ana" not in html
    assert casey.get(f"/survivors/{world.survivor.pk}/").status_code == 404

    entry = AuditEntry.objects.get(action=AuditAction.AGENCY_SWITCHED)
    assert entry.user_id == world.users["casey"].pk
    assert entry.agency_id == world.agencies["other"].pk
    assert entry.detail == {"from_agency_id": world.agencies["lead"].pk}

    # And back.
    casey.post(SWITCH, {"membership": str(world.memberships["casey"].pk)})
    assert acting(casey) == world.memberships["casey"]
    assert "Ana" in casey.get(MY_WORK).content.decode()


def test_the_choice_lasts_for_the_session(casey: Client, second_membership: Membership) -> None:
    casey.post(SWITCH, {"membership": str(second_membership.pk)})
    for _ in range(3):
        assert acting(casey) == second_membership


@pytest.mark.parametrize(
    "value",
    [
        "abc",
        "",
        "0",
        "-1",
        "1.5",
        "99999999999999999999999999",
        "9223372036854775807",
        "2147483648",
        " ",
        "1e3",
    ],
)
def test_garbage_is_refused_without_a_crash(casey: Client, world: World, value: str) -> None:
    response = casey.post(SWITCH, {"membership": value}, follow=True)
    assert response.status_code == 200
    assert REFUSED in response.content.decode()
    assert acting(casey) == world.memberships["casey"]
    assert not AuditEntry.objects.filter(action=AuditAction.AGENCY_SWITCHED).exists()


def test_missing_field_is_refused(casey: Client, world: World) -> None:
    response = casey.post(SWITCH, {}, follow=True)
    assert REFUSED in response.content.decode()
    assert acting(casey) == world.memberships["casey"]


@pytest.mark.parametrize("persona", ["quinn", "sam", "drew"])
def test_someone_elses_membership_is_refused(casey: Client, world: World, persona: str) -> None:
    other = world.memberships[persona]
    response = casey.post(SWITCH, {"membership": str(other.pk)}, follow=True)
    assert REFUSED in response.content.decode()
    assert acting(casey) == world.memberships["casey"]
    assert not AuditEntry.objects.filter(action=AuditAction.AGENCY_SWITCHED).exists()


def test_inactive_membership_is_refused(
    casey: Client, world: World, second_membership: Membership
) -> None:
    Membership.objects.filter(pk=second_membership.pk).update(is_active=False)
    response = casey.post(SWITCH, {"membership": str(second_membership.pk)}, follow=True)
    assert REFUSED in response.content.decode()
    assert acting(casey) == world.memberships["casey"]


def test_membership_ended_after_switching_falls_back(
    casey: Client, world: World, second_membership: Membership
) -> None:
    casey.post(SWITCH, {"membership": str(second_membership.pk)})
    Membership.objects.filter(pk=second_membership.pk).update(is_active=False)
    assert acting(casey) == world.memberships["casey"]


def test_planted_session_value_is_not_trusted(casey: Client, world: World) -> None:
    session = casey.session
    session[ACTING_MEMBERSHIP] = world.memberships["quinn"].pk
    session.save()
    assert acting(casey) == world.memberships["casey"]


def test_get_is_not_allowed(casey: Client) -> None:
    assert casey.get(SWITCH).status_code == 405


def test_needs_full_sign_in(client: Client, world: World, second_membership: Membership) -> None:
    assert client.post(SWITCH, {"membership": str(second_membership.pk)})["Location"].startswith(
        LOGIN
    )
    post_password(client, "casey")
    assert client.post(SWITCH, {"membership": str(second_membership.pk)})["Location"] == VERIFY
    assert not AuditEntry.objects.filter(action=AuditAction.AGENCY_SWITCHED).exists()


def test_needs_csrf(casey: Client, second_membership: Membership, world: World) -> None:
    casey.handler.enforce_csrf_checks = True
    assert casey.post(SWITCH, {"membership": str(second_membership.pk)}).status_code == 403
    casey.handler.enforce_csrf_checks = False
    assert acting(casey) == world.memberships["casey"]
