"""Setting up two-step verification at first sign-in, and the recovery codes shown once."""

from __future__ import annotations

import base64
import re

import pytest
from django.test import Client
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts import actions
from continuum.accounts.models import User
from continuum.audit.models import AuditAction, AuditEntry
from tests.accounts.helpers import (
    ENROLL,
    LOGIN,
    MY_WORK,
    RECOVERY_CODES,
    SECURITY,
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

MANUAL_KEY = re.compile(r'data-testid="manual-key">([A-Z2-7=]+)<')
QR = re.compile(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]{200,})"')


@pytest.fixture
def newcomer(world: World) -> User:
    """Casey before ever setting up an authenticator."""
    casey = world.users["casey"]
    TOTPDevice.objects.filter(user=casey).delete()
    return casey


@pytest.fixture
def enrolling(client: Client, newcomer: User) -> Client:
    assert post_password(client, "casey")["Location"] == ENROLL
    return client


def manual_key(html: str) -> str:
    match = MANUAL_KEY.search(html)
    assert match, "no manual key on the page"
    return match.group(1)


def pending(user: User) -> TOTPDevice:
    return TOTPDevice.objects.get(user=user, confirmed=False)


def test_without_password_goes_to_sign_in(client: Client) -> None:
    assert client.get(ENROLL)["Location"] == LOGIN


def test_first_visit_shows_qr_and_key(enrolling: Client, newcomer: User) -> None:
    response = enrolling.get(ENROLL)
    assert response.status_code == 200
    html = response.content.decode()
    qr = QR.search(html)
    assert qr, "no QR image on the page"
    svg = base64.b64decode(qr.group(1)).decode()
    assert "<svg" in svg
    assert "<path" in svg
    assert "<script" not in svg
    key = manual_key(html)
    assert len(key) >= 32
    device = pending(newcomer)
    assert base64.b32decode(key) == device.bin_key
    assert "issuer=Continuum" in device.config_url


def test_reload_keeps_the_same_key(enrolling: Client, newcomer: User) -> None:
    first = manual_key(enrolling.get(ENROLL).content.decode())
    second = manual_key(enrolling.get(ENROLL).content.decode())
    assert first == second
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1


def test_another_session_with_the_password_gets_another_secret(
    enrolling: Client, newcomer: User
) -> None:
    """Found in review: two password-only sessions used to share the secret being set up, so
    whoever else had the password learned the one the real person was about to confirm."""
    first = manual_key(enrolling.get(ENROLL).content.decode())
    intruder = Client()
    assert post_password(intruder, "casey")["Location"] == ENROLL
    second = manual_key(intruder.get(ENROLL).content.decode())
    assert first != second
    # The real person's own set-up still works with their secret.
    device = next(
        d
        for d in TOTPDevice.objects.filter(user=newcomer)
        if base64.b32encode(d.bin_key).decode() == first
    )
    assert enrolling.post(ENROLL, {"code": code_for(device)}).status_code == 302
    assert TOTPDevice.objects.filter(user=newcomer).count() == 1


def test_right_code_turns_it_on_and_shows_codes_once(enrolling: Client, newcomer: User) -> None:
    enrolling.get(ENROLL)
    device = pending(newcomer)
    before = AuditEntry.objects.count()

    response = enrolling.post(ENROLL, {"code": code_for(device)})
    assert response.status_code == 302
    assert response["Location"] == RECOVERY_CODES
    device.refresh_from_db()
    assert device.confirmed

    page = enrolling.get(RECOVERY_CODES)
    assert page.status_code == 200
    html = page.content.decode()
    stored = recovery_codes_of(newcomer)
    assert len(stored) == actions.RECOVERY_CODE_COUNT
    for code in stored:
        assert f"<code>{code}</code>" in html
    assert page.wsgi_request.actor.user == newcomer  # type: ignore[attr-defined]

    # Shown once: the second visit goes to the account page, which shows no codes.
    again = enrolling.get(RECOVERY_CODES)
    assert again.status_code == 302
    assert again["Location"] == SECURITY
    account = enrolling.get(SECURITY).content.decode()
    assert not any(code in account for code in stored)
    assert "You have 10 recovery codes left" in account

    assert enrolling.get(MY_WORK).status_code == 200
    written = list(
        AuditEntry.objects.order_by("sequence")[before:].values_list("action", flat=True)
    )
    assert AuditAction.MFA_ENROLLED in written
    assert AuditAction.SIGNED_IN in written


def test_wrong_code_keeps_the_user_unenrolled(enrolling: Client, newcomer: User) -> None:
    enrolling.get(ENROLL)
    device = pending(newcomer)
    response = enrolling.post(ENROLL, {"code": wrong_code_for(device)})
    assert response.status_code == 200
    assert "That code did not work." in response.content.decode()
    # The same key is offered again, so the app already set up still matches.
    assert manual_key(response.content.decode()) == manual_key(
        enrolling.get(ENROLL).content.decode()
    )
    assert not TOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()
    assert not StaticDevice.objects.filter(user=newcomer).exists()
    assert enrolling.get(MY_WORK)["Location"] == VERIFY
    assert enrolling.get(RECOVERY_CODES)["Location"] == VERIFY


@pytest.mark.parametrize("code", ["", "abcdef", "12"])
def test_malformed_code_is_an_error(enrolling: Client, newcomer: User, code: str) -> None:
    response = enrolling.post(ENROLL, {"code": code})
    assert response.status_code == 200
    assert b"usa-error-message" in response.content
    assert not TOTPDevice.objects.filter(user=newcomer, confirmed=True).exists()


def test_enrolled_user_cannot_replace_their_authenticator_with_a_password(
    client: Client, world: World
) -> None:
    """Someone who learns Casey's password must not be able to add their own phone."""
    post_password(client, "casey")
    response = client.get(ENROLL)
    assert response["Location"] == VERIFY
    response = client.post(ENROLL, {"code": "123456"})
    assert response["Location"] == VERIFY
    assert TOTPDevice.objects.filter(user=world.users["casey"]).count() == 1
    assert not TOTPDevice.objects.filter(user=world.users["casey"], confirmed=False).exists()


def test_signed_in_user_is_sent_on(client: Client, world: World) -> None:
    client = world.client_for("casey")
    assert client.get(ENROLL)["Location"] == MY_WORK


def test_leftover_unconfirmed_devices_are_removed_on_confirm(
    enrolling: Client, newcomer: User
) -> None:
    TOTPDevice.objects.create(user=newcomer, name="older attempt", confirmed=False)
    enrolling.get(ENROLL)
    device = TOTPDevice.objects.filter(user=newcomer).order_by("-pk").first()
    assert device is not None
    enrolling.post(ENROLL, {"code": code_for(device)})
    assert list(TOTPDevice.objects.filter(user=newcomer)) == [device]


def test_new_recovery_codes_replace_the_old(client: Client, world: World) -> None:
    casey = world.users["casey"]
    old = actions.replace_recovery_codes(user=casey)
    client = world.client_for("casey")
    assert client.get("/accounts/recovery-codes/new/").status_code == 405
    refused = client.post("/accounts/recovery-codes/new/", {"code": "000000"})
    assert refused["Location"] == "/accounts/"
    assert set(recovery_codes_of(casey)) == set(old)
    device = TOTPDevice.objects.get(user=casey, confirmed=True)
    unthrottle(casey)
    response = client.post("/accounts/recovery-codes/new/", {"code": code_for(device)})
    assert response["Location"] == RECOVERY_CODES
    html = client.get(RECOVERY_CODES).content.decode()
    new = recovery_codes_of(casey)
    assert len(new) == actions.RECOVERY_CODE_COUNT
    assert not set(old) & set(new)
    for code in new:
        assert code in html
    assert session_user_id(client) == str(casey.pk)
