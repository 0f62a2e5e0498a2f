"""Automatic sign-out after inactivity (IdleLogoutMiddleware), the keep-alive, the setting."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.sessions import LAST_ACTIVITY
from continuum.audit.models import AuditAction, AuditEntry
from continuum.env import env_int
from tests.accounts.helpers import (
    KEEPALIVE,
    LOGIN,
    MY_WORK,
    TIMED_OUT,
    age_session,
    code_for,
    post_password,
    session_user_id,
    sign_in,
)
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def signed_in(client: Client, world: World) -> Client:
    sign_in(client, world.users["casey"])
    assert client.get(MY_WORK).status_code == 200
    return client


def test_each_request_records_activity(signed_in: Client) -> None:
    before = time.time()
    signed_in.get(MY_WORK)
    assert signed_in.session[LAST_ACTIVITY] >= before


def test_idle_session_is_signed_out(signed_in: Client, world: World) -> None:
    age_session(signed_in, settings.IDLE_TIMEOUT_SECONDS + 1)
    response = signed_in.get(MY_WORK)
    assert response.status_code == 302
    assert response["Location"] == TIMED_OUT
    assert session_user_id(signed_in) is None
    page = signed_in.get(TIMED_OUT)
    assert page.status_code == 200
    assert "You were signed out" in page.content.decode()
    assert signed_in.get(MY_WORK)["Location"].startswith(LOGIN)
    entry = AuditEntry.objects.filter(action=AuditAction.TIMED_OUT).get()
    assert entry.user_id == world.users["casey"].pk


def test_just_inside_the_limit_stays_signed_in(signed_in: Client) -> None:
    age_session(signed_in, settings.IDLE_TIMEOUT_SECONDS - 5)
    assert signed_in.get(MY_WORK).status_code == 200


def test_posts_are_refused_too(signed_in: Client, world: World) -> None:
    age_session(signed_in, settings.IDLE_TIMEOUT_SECONDS + 1)
    before = AuditEntry.objects.exclude(action=AuditAction.TIMED_OUT).count()
    response = signed_in.post("/accounts/tokens/", {"name": "late", "expires_in_days": "30"})
    assert response["Location"] == TIMED_OUT
    assert AuditEntry.objects.exclude(action=AuditAction.TIMED_OUT).count() == before


def test_htmx_request_gets_401_and_hx_redirect(signed_in: Client) -> None:
    age_session(signed_in, settings.IDLE_TIMEOUT_SECONDS + 1)
    response = signed_in.get(MY_WORK, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response["HX-Redirect"] == TIMED_OUT
    assert session_user_id(signed_in) is None


def test_password_only_session_times_out_too(client: Client, world: World) -> None:
    post_password(client, "casey")
    age_session(client, settings.IDLE_TIMEOUT_SECONDS + 1)
    assert client.get("/accounts/verify/")["Location"] == TIMED_OUT
    assert session_user_id(client) is None


def test_keepalive_when_signed_in(signed_in: Client) -> None:
    age_session(signed_in, settings.IDLE_TIMEOUT_SECONDS - 5)
    response = signed_in.post(KEEPALIVE)
    assert response.status_code == 204
    # The clock starts again: what was nearly the limit is now far from it.
    assert time.time() - signed_in.session[LAST_ACTIVITY] < 5
    assert signed_in.get(MY_WORK).status_code == 200


def test_keepalive_when_signed_out(client: Client) -> None:
    assert client.post(KEEPALIVE).status_code == 401


def test_keepalive_after_the_limit_does_not_revive(signed_in: Client) -> None:
    age_session(signed_in, settings.IDLE_TIMEOUT_SECONDS + 1)
    response = signed_in.post(KEEPALIVE, headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert signed_in.post(KEEPALIVE).status_code == 401


def test_keepalive_is_post_only(signed_in: Client) -> None:
    assert signed_in.get(KEEPALIVE).status_code == 405


def test_keepalive_needs_csrf(world: World) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.get(LOGIN)
    strict.post(
        LOGIN,
        {
            "username": "casey",
            "password": PASSWORD,
            "csrfmiddlewaretoken": strict.cookies["csrftoken"].value,
        },
    )
    device = TOTPDevice.objects.get(user=world.users["casey"])
    # Signing in rotates the CSRF token; the page would carry the new one.
    strict.post(
        "/accounts/verify/",
        {"code": code_for(device), "csrfmiddlewaretoken": strict.cookies["csrftoken"].value},
    )
    token = strict.cookies["csrftoken"].value
    assert strict.post(KEEPALIVE, headers={"X-CSRFToken": token}).status_code == 204
    assert strict.post(KEEPALIVE).status_code == 403


def test_timeout_reaches_the_page_script(signed_in: Client) -> None:
    html = signed_in.get(MY_WORK).content.decode()
    assert f'data-idle-timeout-seconds="{settings.IDLE_TIMEOUT_SECONDS}"' in html
    assert f'data-keepalive-url="{KEEPALIVE}"' in html
    assert f'data-timed-out-url="{TIMED_OUT}"' in html


def test_timed_out_page_is_public(client: Client) -> None:
    assert client.get(TIMED_OUT).status_code == 200


def test_static_files_do_not_count_as_activity(signed_in: Client) -> None:
    age_session(signed_in, settings.IDLE_TIMEOUT_SECONDS - 5)
    stamp = signed_in.session[LAST_ACTIVITY]
    signed_in.get("/static/continuum/idle-timeout.js")
    assert signed_in.session[LAST_ACTIVITY] == stamp


# The setting ---------------------------------------------------------------------------


def test_default_is_fifteen_minutes(tmp_path: Path) -> None:
    """Read in a fresh process with the variable unset, whatever this one was started with."""
    env = {k: v for k, v in os.environ.items() if k != "CONTINUUM_IDLE_MINUTES"}
    env |= {"CONTINUUM_VAR_DIR": str(tmp_path), "DJANGO_SETTINGS_MODULE": "continuum.settings"}
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.IDLE_TIMEOUT_SECONDS)",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == str(15 * 60)


@pytest.mark.parametrize(("raw", "expected"), [("2", 2), ("30", 30), ("240", 240), (" 20 ", 20)])
def test_env_int_accepts_whole_numbers_in_range(
    monkeypatch: pytest.MonkeyPatch, raw: str, expected: int
) -> None:
    monkeypatch.setenv("CONTINUUM_IDLE_MINUTES", raw)
    assert env_int("CONTINUUM_IDLE_MINUTES", 15, minimum=2, maximum=240) == expected


def test_env_int_default_when_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTINUUM_IDLE_MINUTES", raising=False)
    assert env_int("CONTINUUM_IDLE_MINUTES", 15, minimum=2, maximum=240) == 15


@pytest.mark.parametrize("raw", ["abc", "0", "100000", "", "1", "241", "-5", "1.5", "15m"])
def test_env_int_refuses_bad_values(monkeypatch: pytest.MonkeyPatch, raw: str) -> None:
    monkeypatch.setenv("CONTINUUM_IDLE_MINUTES", raw)
    with pytest.raises(ImproperlyConfigured, match="CONTINUUM_IDLE_MINUTES"):
        env_int("CONTINUUM_IDLE_MINUTES", 15, minimum=2, maximum=240)


def _settings_in_subprocess(minutes: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "CONTINUUM_IDLE_MINUTES": minutes,
        "DJANGO_SETTINGS_MODULE": "continuum.settings",
    }
    code = (
        "from django.conf import settings; "
        "print(settings.IDLE_TIMEOUT_SECONDS, settings.IDLE_WARNING_SECONDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_settings_read_the_minutes() -> None:
    result = _settings_in_subprocess("20")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1200", "120"]
    result = _settings_in_subprocess("2")
    assert result.stdout.split() == ["120", "60"]


def test_settings_refuse_to_start_with_a_bad_value() -> None:
    result = _settings_in_subprocess("abc")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "CONTINUUM_IDLE_MINUTES" in result.stderr


def test_a_link_to_the_timed_out_page_does_not_sign_anyone_out(
    signed_in: Client, settings: pytest.FixtureRequest
) -> None:
    """Found in review: any site could sign staff out with a link (a GET)."""
    response = signed_in.get(TIMED_OUT)
    assert response.status_code == 302
    assert response["Location"] == MY_WORK
    assert signed_in.get(MY_WORK).status_code == 200


def test_the_page_timer_reaching_the_timed_out_page_signs_out(
    signed_in: Client, settings: pytest.FixtureRequest
) -> None:
    warning_starts = settings.IDLE_TIMEOUT_SECONDS - settings.IDLE_WARNING_SECONDS  # type: ignore[attr-defined]
    age_session(signed_in, warning_starts + 1)
    assert signed_in.get(TIMED_OUT).status_code == 200
    assert signed_in.get(MY_WORK).status_code == 302


def test_a_session_ends_after_a_working_day_however_active(signed_in: Client) -> None:
    from django.conf import settings

    from continuum.accounts.sessions import SESSION_BEGAN

    assert signed_in.get(MY_WORK).status_code == 200
    session = signed_in.session
    session[SESSION_BEGAN] = time.time() - settings.SESSION_COOKIE_AGE - 1
    session.save()
    assert signed_in.get(MY_WORK)["Location"] == TIMED_OUT
    assert signed_in.get(MY_WORK).status_code == 302
