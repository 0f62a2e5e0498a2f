"""Step two of signing in: a code from the authenticator app or a recovery code."""

from __future__ import annotations

import uuid

import pytest
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice, default_key

from continuum.accounts import actions
from continuum.audit.models import AuditAction, AuditEntry
from tests.accounts.helpers import (
    ENROLL,
    LOGIN,
    MY_WORK,
    SECURITY,
    SWITCH,
    TOKENS,
    VERIFY,
    code_for,
    post_password,
    recovery_codes_of,
    session_user_id,
    unthrottle,
    wrong_code_for,
)
from tests.personas import World

pytestmark = pytest.mark.django_db

CODE_REFUSED = "That code did not work."


@pytest.fixture
def device(world: World) -> TOTPDevice:
    return TOTPDevice.objects.get(user=world.users["casey"])


@pytest.fixture
def password_only(client: Client, world: World) -> Client:
    """Casey's browser after the right password and before any code."""
    assert post_password(client, "casey")["Location"] == VERIFY
    return client


def is_fully_signed_in(client: Client) -> bool:
    response = client.get(MY_WORK)
    if response.status_code != 200:
        return False
    return response.wsgi_request.actor is not None  # type: ignore[attr-defined]


def test_page_without_password_goes_to_sign_in(client: Client) -> None:
    assert client.get(VERIFY)["Location"] == LOGIN


def test_page_renders_after_password(password_only: Client) -> None:
    response = password_only.get(VERIFY)
    assert response.status_code == 200
    assert b'name="code"' in response.content
    assert b'autocomplete="one-time-code"' in response.content


def test_right_code_signs_in(password_only: Client, device: TOTPDevice, world: World) -> None:
    response = password_only.post(VERIFY, {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == MY_WORK
    page = password_only.get(MY_WORK)
    assert page.status_code == 200
    actor = page.wsgi_request.actor  # type: ignore[attr-defined]
    assert actor.user == world.users["casey"]
    assert actor.membership == world.memberships["casey"]
    # Once signed in, the code page has nothing more to ask.
    assert password_only.get(VERIFY)["Location"] == MY_WORK


def test_code_with_spaces_is_accepted(password_only: Client, device: TOTPDevice) -> None:
    code = code_for(device)
    password_only.post(VERIFY, {"code": f" {code[:3]} {code[3:]} "})
    assert is_fully_signed_in(password_only)


def test_wrong_code_is_refused_and_audited(
    password_only: Client, device: TOTPDevice, world: World
) -> None:
    before = AuditEntry.objects.count()
    response = password_only.post(VERIFY, {"code": wrong_code_for(device)})
    assert response.status_code == 200
    assert CODE_REFUSED in response.content.decode()
    assert not is_fully_signed_in(password_only)
    entries = list(AuditEntry.objects.order_by("sequence")[before:])
    assert [entry.action for entry in entries] == [AuditAction.SIGN_IN_FAILED]
    assert entries[0].user_id == world.users["casey"].pk
    assert entries[0].detail == {"step": "code"}


@pytest.mark.parametrize("code", ["", "   ", "abc", "12345678901234567", "1234567", "-12345"])
def test_malformed_code_is_refused(password_only: Client, code: str) -> None:
    response = password_only.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert b"usa-error-message" in response.content
    assert not is_fully_signed_in(password_only)


def test_empty_post_is_an_error(password_only: Client) -> None:
    response = password_only.post(VERIFY, {})
    assert response.status_code == 200
    assert b"usa-error-message" in response.content


def test_a_code_works_once(client: Client, world: World, device: TOTPDevice) -> None:
    """A code seen over someone's shoulder cannot be replayed by them."""
    post_password(client, "casey")
    code = code_for(device)
    client.post(VERIFY, {"code": code})
    assert is_fully_signed_in(client)

    thief = Client()
    post_password(thief, "casey")
    response = thief.post(VERIFY, {"code": code})
    assert response.status_code == 200
    assert CODE_REFUSED in response.content.decode()
    assert not is_fully_signed_in(thief)


def test_wrong_codes_slow_down_guessing(
    password_only: Client, device: TOTPDevice, world: World
) -> None:
    """After a wrong code even the right one is refused until the back-off delay passes
    (django-otp's throttling), so the million codes cannot be tried in a day."""
    password_only.post(VERIFY, {"code": wrong_code_for(device)})
    response = password_only.post(VERIFY, {"code": code_for(device)})
    assert CODE_REFUSED in response.content.decode()
    assert not is_fully_signed_in(password_only)
    unthrottle(world.users["casey"])
    password_only.post(VERIFY, {"code": code_for(device)})
    assert is_fully_signed_in(password_only)


def test_recovery_code_works_once(password_only: Client, world: World) -> None:
    casey = world.users["casey"]
    codes = actions.replace_recovery_codes(user=casey)
    assert len(codes) == actions.RECOVERY_CODE_COUNT
    before = AuditEntry.objects.count()

    response = password_only.post(VERIFY, {"code": codes[0].upper()}, follow=True)
    assert response.redirect_chain[-1][0] == MY_WORK
    assert "You used a recovery code. You have 9 left" in response.content.decode()
    assert response.wsgi_request.actor.user == casey  # type: ignore[attr-defined]
    assert codes[0] not in recovery_codes_of(casey)
    actions_written = list(
        AuditEntry.objects.order_by("sequence")[before:].values_list("action", flat=True)
    )
    assert AuditAction.RECOVERY_CODE_USED in actions_written
    assert AuditAction.SIGNED_IN in actions_written

    password_only.post("/accounts/logout/")
    unthrottle(casey)
    post_password(password_only, "casey")
    response = password_only.post(VERIFY, {"code": codes[0]})
    assert response.status_code == 200
    assert CODE_REFUSED in response.content.decode()
    assert not is_fully_signed_in(password_only)
    # Another unused code still works.
    unthrottle(casey)
    password_only.post(VERIFY, {"code": codes[1]})
    assert is_fully_signed_in(password_only)


def test_someone_elses_recovery_code_does_not_work(password_only: Client, world: World) -> None:
    sams_codes = actions.replace_recovery_codes(user=world.users["sam"])
    actions.replace_recovery_codes(user=world.users["casey"])
    response = password_only.post(VERIFY, {"code": sams_codes[0]})
    assert CODE_REFUSED in response.content.decode()
    assert not is_fully_signed_in(password_only)


def test_someone_elses_totp_code_does_not_work(password_only: Client, world: World) -> None:
    sams_device = TOTPDevice.objects.get(user=world.users["sam"])
    casey_device = TOTPDevice.objects.get(user=world.users["casey"])
    # Two secrets show the same 6 digits about once in a million steps: give Sam a new secret
    # until they differ, so the test always proves what it says.
    while code_for(sams_device) in {code_for(casey_device)}:
        sams_device.key = default_key()
        sams_device.save()
    sams_code = code_for(sams_device)
    password_only.post(VERIFY, {"code": sams_code})
    assert not is_fully_signed_in(password_only)


def test_user_without_device_is_sent_to_enroll(client: Client, world: World) -> None:
    post_password(client, "casey")
    TOTPDevice.objects.filter(user=world.users["casey"]).delete()
    assert client.get(VERIFY)["Location"] == ENROLL


@pytest.mark.parametrize(
    "path",
    [MY_WORK, "/survivors/", "/survivors/new/", SECURITY, TOKENS, "/accounts/recovery-codes/"],
)
def test_password_alone_reaches_no_page(password_only: Client, world: World, path: str) -> None:
    response = password_only.get(path)
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert response.wsgi_request.actor is None  # type: ignore[attr-defined]


def test_password_alone_reaches_no_survivor_or_case(password_only: Client, world: World) -> None:
    for path in (
        f"/survivors/{world.survivor.pk}/",
        f"/survivors/{world.survivor.pk}/edit/",
        f"/survivors/{world.survivor.pk}/access-log/",
        f"/cases/{world.case.pk}/team/",
        f"/cases/{world.case.pk}/edit/",
    ):
        response = password_only.get(path)
        assert response.status_code == 302, path
        assert response["Location"] == VERIFY, path
        assert "Ana" not in response.content.decode()
    assert not AuditEntry.objects.filter(action=AuditAction.SURVIVOR_VIEWED).exists()


@pytest.mark.parametrize(
    ("path", "data"),
    [
        (SWITCH, {"membership": "1"}),
        ("/accounts/logout-everywhere/", {}),
        ("/accounts/recovery-codes/new/", {}),
        (TOKENS, {"name": "sneaky", "expires_in_days": "30"}),
        ("/survivors/new/", {"preferred_name": "Someone"}),
    ],
)
def test_password_alone_can_change_nothing(
    password_only: Client, world: World, path: str, data: dict[str, str]
) -> None:
    before = AuditEntry.objects.count()
    response = password_only.post(path, data)
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert AuditEntry.objects.count() == before
    assert session_user_id(password_only) == str(world.users["casey"].pk)


def test_password_alone_does_not_open_the_api(password_only: Client) -> None:
    """The API takes tokens only; a half-signed-in browser session is not one."""
    for path in ("/api/v1/me", "/api/v1/cases", f"/api/v1/survivors/{uuid.uuid4()}"):
        assert password_only.get(path).status_code == 401, path


def test_keepalive_is_not_signed_in_with_password_alone(password_only: Client) -> None:
    assert password_only.post("/accounts/keepalive/").status_code == 401
