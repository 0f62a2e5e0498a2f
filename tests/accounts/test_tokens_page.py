"""The API tokens page: make a token (shown once), see them, revoke one."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.models import Membership, Role, User
from continuum.api.models import ApiToken
from continuum.api.tokens import actor_for_token, create_token
from continuum.audit.models import AuditAction, AuditEntry
from tests.accounts.helpers import (
    LOGIN,
    TOKENS,
    VERIFY,
    code_for,
    post_password,
    unthrottle,
)
from tests.personas import World

pytestmark = pytest.mark.django_db

NEW_TOKEN = re.compile(r'data-testid="new-token">(cnt_[A-Za-z0-9_-]+)<')


@pytest.fixture
def casey(world: World) -> Client:
    return world.client_for("casey")


def make(
    client: Client, name: str = "monthly DCF report script", expires_in_days: str = "90"
) -> tuple[str, str]:
    response = client.post(
        TOKENS, {"name": name, "expires_in_days": expires_in_days, "code": current_code(client)}
    )
    assert response.status_code == 200
    html = response.content.decode()
    match = NEW_TOKEN.search(html)
    assert match, "the new token is not on the page"
    return match.group(1), html


def current_code(client: Client) -> str:
    """The code the signed-in person's authenticator app shows now."""
    user_id = client.session["_auth_user_id"]
    return code_for(TOTPDevice.objects.get(user_id=user_id, confirmed=True))


def test_a_token_needs_a_fresh_code(casey: Client) -> None:
    """A stolen session alone must not be able to mint a year of API access."""
    for code in ("", "000000", "abcdef", "1" * 8):
        response = casey.post(TOKENS, {"name": "script", "expires_in_days": "30", "code": code})
        assert response.status_code == 200
        assert "new-token" not in response.content.decode()
        unthrottle(User.objects.get(username="casey"))
    assert not ApiToken.objects.exists()


def revoke_url(token: ApiToken) -> str:
    return f"/accounts/tokens/{token.pk}/revoke/"


def test_page_lists_nothing_at_first(casey: Client) -> None:
    response = casey.get(TOKENS)
    assert response.status_code == 200
    html = response.content.decode()
    assert "You have no tokens." in html
    assert "Lead Family Services" in html
    assert not NEW_TOKEN.search(html)


def test_create_shows_it_once_and_keeps_only_a_hash(casey: Client, world: World) -> None:
    plain, html = make(casey)
    assert "It will not be shown again." in html
    token = ApiToken.objects.get()
    assert token.membership == world.memberships["casey"]
    assert token.name == "monthly DCF report script"
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.prefix == plain[:12]
    expected = timezone.now() + timedelta(days=90)
    assert token.expires_at is not None
    assert abs((token.expires_at - expected).total_seconds()) < 60
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        rows = cursor.fetchall()
    assert not any(plain in str(value) for row in rows for value in row)
    assert plain not in str(list(AuditEntry.objects.values()))
    # The session does not keep it either.
    assert plain not in str(dict(casey.session.items()))

    # Shown once: the next visit lists it by its prefix only.
    again = casey.get(TOKENS).content.decode()
    assert plain not in again
    assert f"{plain[:12]}…" in again
    assert not NEW_TOKEN.search(again)

    # And it works.
    actor = actor_for_token(plain)
    assert actor is not None
    assert actor.user == world.users["casey"]
    entry = AuditEntry.objects.get(action=AuditAction.TOKEN_CREATED)
    assert entry.object_id == str(token.pk)


@pytest.mark.parametrize(("choice", "days"), [("30", 30), ("90", 90), ("365", 365)])
def test_expiry_choices(casey: Client, choice: str, days: int) -> None:
    make(casey, expires_in_days=choice)
    token = ApiToken.objects.get()
    assert token.expires_at is not None
    assert abs((token.expires_at - timezone.now() - timedelta(days=days)).total_seconds()) < 60


@pytest.mark.parametrize(
    "data",
    [
        {"name": "", "expires_in_days": "90"},
        {"name": "   ", "expires_in_days": "90"},
        {"name": "x" * 101, "expires_in_days": "90"},
        {"name": "script", "expires_in_days": "7"},
        {"name": "script", "expires_in_days": "0"},
        {"name": "script", "expires_in_days": "-30"},
        {"name": "script", "expires_in_days": "99999999999999"},
        {"name": "script", "expires_in_days": "abc"},
        {"name": "script", "expires_in_days": ""},
        {"name": "script"},
        {"expires_in_days": "90"},
        {"name": "\x01\x02", "expires_in_days": "90"},
        {"name": "nul\x00byte", "expires_in_days": "90"},
        {},
    ],
)
def test_bad_input_is_a_form_error_and_makes_nothing(casey: Client, data: dict[str, str]) -> None:
    response = casey.post(TOKENS, data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "usa-error-message" in html
    assert not NEW_TOKEN.search(html)
    assert not ApiToken.objects.exists()
    assert not AuditEntry.objects.filter(action=AuditAction.TOKEN_CREATED).exists()


def test_name_of_exactly_100_characters_is_fine(casey: Client) -> None:
    make(casey, name="y" * 100)
    assert ApiToken.objects.get().name == "y" * 100


def test_name_is_escaped(casey: Client) -> None:
    _plain, html = make(casey, name="<img src=x onerror=alert(1)>")
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html


def test_revoke(casey: Client, world: World) -> None:
    plain, _html = make(casey)
    token = ApiToken.objects.get()
    response = casey.post(revoke_url(token), follow=True)
    assert response.redirect_chain == [(TOKENS, 302)]
    html = response.content.decode()
    assert "no longer works" in html
    assert "Revoked" in html
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert actor_for_token(plain) is None
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1
    # Twice changes nothing.
    casey.post(revoke_url(token))
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1


def test_revoke_is_post_only(casey: Client) -> None:
    make(casey)
    token = ApiToken.objects.get()
    assert casey.get(revoke_url(token)).status_code == 405
    token.refresh_from_db()
    assert token.revoked_at is None


def test_someone_elses_token_is_not_found(casey: Client, world: World) -> None:
    quinns, plain = create_token(actor=world.actor("quinn"), name="Quinn's script")
    response = casey.post(revoke_url(quinns))
    assert response.status_code == 404
    quinns.refresh_from_db()
    assert quinns.revoked_at is None
    assert actor_for_token(plain) is not None
    assert "Quinn&#x27;s script" not in casey.get(TOKENS).content.decode()


def test_unknown_token_is_not_found(casey: Client) -> None:
    assert casey.post("/accounts/tokens/999999/revoke/").status_code == 404
    assert casey.post("/accounts/tokens/99999999999999999999999/revoke/").status_code == 404


def test_tokens_of_every_agency_are_listed_with_their_agency(world: World) -> None:
    other = Membership.objects.create(
        user=world.users["casey"], agency=world.agencies["other"], role=Role.CASE_MANAGER
    )
    from continuum.access.actor import Actor

    create_token(actor=Actor(user=world.users["casey"], membership=other), name="other one")
    client = world.client_for("casey")
    make(client, name="lead one")
    html = client.get(TOKENS).content.decode()
    assert "other one" in html
    assert "lead one" in html
    assert "Other County Kids" in html


def test_needs_full_sign_in(client: Client, world: World) -> None:
    assert client.get(TOKENS)["Location"].startswith(LOGIN)
    post_password(client, "casey")
    assert client.get(TOKENS)["Location"] == VERIFY
    assert client.post(TOKENS, {"name": "x", "expires_in_days": "30"})["Location"] == VERIFY
    assert not ApiToken.objects.exists()


def test_needs_csrf(casey: Client) -> None:
    casey.handler.enforce_csrf_checks = True
    response = casey.post(TOKENS, {"name": "script", "expires_in_days": "30"})
    assert response.status_code == 403
    assert not ApiToken.objects.exists()
