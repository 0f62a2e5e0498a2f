"""Step one of signing in: username and password (accounts.views.sign_in)."""

from __future__ import annotations

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.models import User
from continuum.audit.models import AuditAction, AuditEntry
from tests.accounts.helpers import (
    ENROLL,
    LOGIN,
    MY_WORK,
    VERIFY,
    code_for,
    post_password,
    session_user_id,
    sign_in,
)
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

WRONG_MESSAGE = "That username and password do not match."


def test_page_renders(client: Client) -> None:
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert b'name="username"' in response.content
    assert b'name="password"' in response.content
    assert b"csrfmiddlewaretoken" in response.content


def test_passwords_are_hashed_with_argon2(world: World) -> None:
    for user in world.users.values():
        assert user.password.startswith("argon2")
    fresh = User.objects.create_user(username="newcomer", password=PASSWORD)
    assert fresh.password.startswith("argon2$")
    assert PASSWORD not in fresh.password


def test_right_password_with_authenticator_goes_to_verify(client: Client, world: World) -> None:
    casey = world.users["casey"]
    response = post_password(client, "casey")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert session_user_id(client) == str(casey.pk)
    # Password alone is not being signed in: there is no acting agency yet.
    assert client.get(MY_WORK)["Location"] == VERIFY


def test_right_password_without_authenticator_goes_to_enroll(client: Client, world: World) -> None:
    TOTPDevice.objects.filter(user=world.users["casey"]).delete()
    response = post_password(client, "casey")
    assert response.status_code == 302
    assert response["Location"] == ENROLL


def test_unconfirmed_authenticator_does_not_count(client: Client, world: World) -> None:
    TOTPDevice.objects.filter(user=world.users["casey"]).update(confirmed=False)
    assert post_password(client, "casey")["Location"] == ENROLL


def test_wrong_password_is_refused_and_audited(client: Client, world: World) -> None:
    before = AuditEntry.objects.count()
    response = post_password(client, "casey", "not-the-password-at-all")
    assert response.status_code == 200
    assert WRONG_MESSAGE in response.content.decode()
    assert session_user_id(client) is None
    entries = list(AuditEntry.objects.order_by("sequence")[before:])
    assert [entry.action for entry in entries] == [AuditAction.SIGN_IN_FAILED]
    assert entries[0].detail == {"known_username": True, "locked_out": False}
    assert entries[0].user_id == world.users["casey"].pk
    # The typed password is never written anywhere in the audit log.
    assert "not-the-password-at-all" not in str(entries[0].detail)


def test_an_unknown_username_is_not_kept(client: Client, world: World) -> None:
    """People type passwords into the username box; the append-only log must not keep it."""
    before = AuditEntry.objects.count()
    post_password(client, "hunter2-my-secret", "whatever-they-typed")
    entries = list(AuditEntry.objects.order_by("sequence")[before:])
    assert [entry.action for entry in entries] == [AuditAction.SIGN_IN_FAILED]
    assert entries[0].detail == {"known_username": False, "locked_out": False}
    assert entries[0].username == ""
    assert entries[0].user_id is None


def test_wrong_password_keeps_username_but_not_password(client: Client, world: World) -> None:
    response = post_password(client, "casey", "not-the-password-at-all")
    html = response.content.decode()
    assert 'value="casey"' in html
    assert "not-the-password-at-all" not in html


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("casey", "wrong-password-123456"),
        ("nobody-by-this-name", PASSWORD),
        ("nobody-by-this-name", "wrong-password-123456"),
        ("CASEY", PASSWORD),
    ],
)
def test_same_answer_whoever_is_asked_about(
    client: Client, world: World, username: str, password: str
) -> None:
    """No user enumeration: the answer does not say whether the username exists."""
    response = post_password(client, username, password)
    assert response.status_code == 200
    html = response.content.decode()
    assert WRONG_MESSAGE in html
    assert html.count('role="alert"') == 1
    assert session_user_id(client) is None


def test_inactive_user_gets_the_same_answer(client: Client, world: World) -> None:
    User.objects.filter(pk=world.users["casey"].pk).update(is_active=False)
    response = post_password(client, "casey")
    assert response.status_code == 200
    assert WRONG_MESSAGE in response.content.decode()
    assert session_user_id(client) is None


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"username": "casey"},
        {"password": PASSWORD},
        {"username": "", "password": ""},
        {"username": "x" * 151, "password": PASSWORD},
        {"username": "casey", "password": "p" * 257},
    ],
)
def test_incomplete_form_is_an_error_not_a_crash(
    client: Client, world: World, data: dict[str, str]
) -> None:
    response = client.post(LOGIN, data)
    assert response.status_code == 200
    assert b"usa-error-message" in response.content
    assert session_user_id(client) is None


def test_only_get_and_post(client: Client) -> None:
    assert client.put(LOGIN).status_code == 405
    assert client.delete(LOGIN).status_code == 405


def test_csrf_token_is_required(world: World) -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post(LOGIN, {"username": "casey", "password": PASSWORD})
    assert response.status_code == 403
    assert session_user_id(strict) is None
    # Our own page in the shell (settings.CSRF_FAILURE_VIEW), not Django's with inline CSS.
    assert "· Continuum</title>" in response.content.decode()


def test_csrf_token_from_the_page_works(world: World) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.get(LOGIN)
    token = strict.cookies["csrftoken"].value
    response = strict.post(
        LOGIN, {"username": "casey", "password": PASSWORD, "csrfmiddlewaretoken": token}
    )
    assert response["Location"] == VERIFY


def test_new_session_key_at_sign_in(client: Client, world: World) -> None:
    """Session fixation: a session id planted before sign-in is not the signed-in one."""
    session = client.session
    session["planted"] = "yes"
    session.save()
    planted_key = session.session_key
    assert planted_key is not None
    post_password(client, "casey")
    after_password = client.session.session_key
    assert after_password != planted_key
    device = TOTPDevice.objects.get(user=world.users["casey"])
    client.post(VERIFY, {"code": code_for(device)})
    # And again when the second factor raises the session to fully signed in.
    assert client.session.session_key not in {planted_key, after_password}
    assert client.get(MY_WORK).status_code == 200
    # The planted key signs nobody in.
    stale = Client()
    stale.cookies["sessionid"] = planted_key
    assert stale.get(MY_WORK).status_code == 302


def test_sign_in_page_redirects_someone_signed_in(client: Client, world: World) -> None:
    sign_in(client, world.users["casey"])
    response = client.get(LOGIN)
    assert response.status_code == 302
    assert response["Location"] == MY_WORK


def test_anonymous_page_visit_sends_to_sign_in_with_next(client: Client, world: World) -> None:
    response = client.get(MY_WORK)
    assert response.status_code == 302
    assert response["Location"] == f"{LOGIN}?next=/cases/"
    page = client.get(response["Location"])
    assert b'name="next" value="/cases/"' in page.content


@pytest.mark.parametrize(
    "next_url",
    ["/survivors/", "/accounts/tokens/", "/survivors/?q=ana", "http://testserver/accounts/"],
)
def test_next_is_followed_for_our_own_pages(client: Client, world: World, next_url: str) -> None:
    response = sign_in(client, world.users["casey"], next_url=next_url)
    assert response["Location"] == next_url


@pytest.mark.parametrize(
    "next_url",
    [
        "https://evil.example/",
        "http://evil.example/cases/",
        "//evil.example/",
        "///evil.example/",
        "/\\evil.example/",
        "\\\\evil.example",
        "https:evil.example",
        "javascript:alert(1)",
        " //evil.example",
        "http://testserver.evil.example/",
        "ftp://testserver/",
        "",
    ],
)
def test_next_to_anywhere_else_is_ignored(client: Client, world: World, next_url: str) -> None:
    """No open redirect: after sign-in, a foreign `next` leads to My work."""
    response = sign_in(client, world.users["casey"], next_url=next_url)
    assert response["Location"] == MY_WORK


def test_next_is_escaped_on_the_page(client: Client) -> None:
    response = client.get(LOGIN, {"next": '"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


def test_next_survives_a_wrong_password(client: Client, world: World) -> None:
    response = post_password(client, "casey", "wrong-password-123456", next="/survivors/")
    assert b'name="next" value="/survivors/"' in response.content
    assert sign_in(client, world.users["casey"], next_url="/survivors/")["Location"] == (
        "/survivors/"
    )


def test_sign_in_as_someone_else_replaces_the_first_session(client: Client, world: World) -> None:
    post_password(client, "casey")
    post_password(client, "sam")
    assert session_user_id(client) == str(world.users["sam"].pk)


def test_successful_sign_in_is_audited(client: Client, world: World) -> None:
    before = AuditEntry.objects.count()
    sign_in(client, world.users["casey"])
    entries = list(AuditEntry.objects.order_by("sequence")[before:])
    assert [entry.action for entry in entries] == [AuditAction.SIGNED_IN]
    assert entries[0].user_id == world.users["casey"].pk
    assert entries[0].agency_id == world.agencies["lead"].pk


def test_sign_out(client: Client, world: World) -> None:
    sign_in(client, world.users["casey"])
    assert client.get(LOGIN.replace("login", "logout")).status_code == 405
    response = client.post("/accounts/logout/", follow=True)
    assert response.redirect_chain[0] == (LOGIN, 302)
    assert "You are signed out." in response.content.decode()
    assert session_user_id(client) is None
    assert client.get(MY_WORK).status_code == 302
    assert AuditEntry.objects.filter(action=AuditAction.SIGNED_OUT).count() == 1
