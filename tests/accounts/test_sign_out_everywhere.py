"""Signing out on every device at once (accounts.views.sign_out_everywhere)."""

from __future__ import annotations

import pytest
from django.test import Client

from continuum.accounts.models import User
from continuum.audit.models import AuditAction, AuditEntry
from tests.accounts.helpers import (
    LOGIN,
    LOGOUT_EVERYWHERE,
    MY_WORK,
    session_user_id,
    sign_in,
)
from tests.personas import World

pytestmark = pytest.mark.django_db


def test_both_browsers_are_signed_out(world: World) -> None:
    casey = world.users["casey"]
    laptop, phone = Client(), Client()
    sign_in(laptop, casey)
    sign_in(phone, casey)
    assert laptop.get(MY_WORK).status_code == 200
    assert phone.get(MY_WORK).status_code == 200

    response = laptop.post(LOGOUT_EVERYWHERE, follow=True)
    assert response.redirect_chain[0] == (LOGIN, 302)
    assert "You are signed out on every device." in response.content.decode()

    for client in (laptop, phone):
        after = client.get(MY_WORK)
        assert after.status_code == 302
        assert after["Location"].startswith(LOGIN)
        assert session_user_id(client) is None

    entry = AuditEntry.objects.get(action=AuditAction.SIGNED_OUT_EVERYWHERE)
    assert entry.user_id == casey.pk
    assert User.objects.get(pk=casey.pk).session_generation == 1


def test_other_people_stay_signed_in(world: World) -> None:
    casey = world.client_for("casey")
    sam = world.client_for("sam")
    casey.post(LOGOUT_EVERYWHERE)
    assert sam.get(MY_WORK).status_code == 200


def test_signing_in_again_works(client: Client, world: World) -> None:
    sign_in(client, world.users["casey"])
    client.post(LOGOUT_EVERYWHERE)
    sign_in(client, world.users["casey"])
    assert client.get(MY_WORK).status_code == 200


def test_post_only_and_signed_in_only(client: Client, world: World) -> None:
    signed_in = world.client_for("casey")
    assert signed_in.get(LOGOUT_EVERYWHERE).status_code == 405
    assert client.post(LOGOUT_EVERYWHERE)["Location"].startswith(LOGIN)
    assert User.objects.get(pk=world.users["casey"].pk).session_generation == 0


def test_needs_csrf(world: World) -> None:
    strict = world.client_for("casey")
    strict.handler.enforce_csrf_checks = True
    assert strict.post(LOGOUT_EVERYWHERE).status_code == 403
    assert strict.get(MY_WORK).status_code == 200
    assert User.objects.get(pk=world.users["casey"].pk).session_generation == 0


def test_it_also_revokes_api_tokens(world: World) -> None:
    """Found in review: a token outlived "sign out everywhere"; a lost laptop may hold both."""
    from continuum.api.tokens import actor_for_token, create_token

    _token, plain = create_token(actor=world.actor("casey"), name="laptop script")
    assert actor_for_token(plain) is not None
    client = world.client_for("casey")
    assert client.post("/accounts/logout-everywhere/").status_code == 302
    assert actor_for_token(plain) is None
