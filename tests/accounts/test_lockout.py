"""Lockout after repeated wrong passwords (django-axes, per username)."""

from __future__ import annotations

from io import StringIO

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.test import Client

from continuum.accounts.lockout import lockout_key
from continuum.audit.models import AuditAction, AuditEntry
from tests.accounts.helpers import VERIFY, post_password, session_user_id, sign_in
from tests.personas import World

pytestmark = pytest.mark.django_db

WRONG = "wrong-password-123456"
LOCKED = "This account is locked for now"
# What django-axes answers a locked-out attempt with (AXES_HTTP_RESPONSE_CODE, default 429).
LOCKED_STATUS = 429


def fail(client: Client, username: str, times: int) -> list[int]:
    return [post_password(client, username, WRONG).status_code for _ in range(times)]


def test_the_limit_is_five() -> None:
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username"]


def test_four_failures_do_not_lock(client: Client, world: World) -> None:
    assert fail(client, "casey", 4) == [200] * 4
    assert post_password(client, "casey")["Location"] == VERIFY


def test_fifth_failure_locks_and_right_password_is_then_refused(
    client: Client, world: World
) -> None:
    statuses = fail(client, "casey", 5)
    assert statuses[:4] == [200] * 4
    assert statuses[4] == LOCKED_STATUS

    response = post_password(client, "casey")
    assert response.status_code == LOCKED_STATUS
    assert LOCKED in response.content.decode()
    assert session_user_id(client) is None
    # Not even from another browser or address.
    elsewhere = Client(REMOTE_ADDR="198.51.100.7")
    response = post_password(elsewhere, "casey")
    assert response.status_code == LOCKED_STATUS
    assert session_user_id(elsewhere) is None


def test_lockout_page_does_not_echo_the_username(client: Client, world: World) -> None:
    fail(client, "casey", 5)
    response = post_password(client, "casey")
    assert 'value="casey"' not in response.content.decode()


def test_other_usernames_are_not_affected(client: Client, world: World) -> None:
    fail(client, "casey", 6)
    # Same office, same address: a colleague still signs in.
    response = post_password(client, "sam")
    assert response.status_code == 302
    assert response["Location"] == VERIFY
    assert session_user_id(client) == str(world.users["sam"].pk)


def test_unknown_usernames_lock_the_same_way(client: Client, world: World) -> None:
    """No user enumeration through the lockout: it behaves the same for any name."""
    statuses = fail(client, "nobody-by-this-name", 6)
    assert statuses == fail(Client(), "cole", 6)


def test_success_resets_the_count(client: Client, world: World) -> None:
    fail(client, "casey", 4)
    sign_in(client, world.users["casey"])
    client.post("/accounts/logout/")
    assert fail(client, "casey", 4) == [200] * 4
    assert post_password(client, "casey")["Location"] == VERIFY


def test_lockout_is_audited(client: Client, world: World) -> None:
    before = AuditEntry.objects.count()
    fail(client, "casey", 5)
    post_password(client, "casey")
    entries = list(AuditEntry.objects.order_by("sequence")[before:])
    assert [entry.action for entry in entries] == [AuditAction.SIGN_IN_FAILED] * 6
    assert [entry.detail.get("locked_out", False) for entry in entries] == [False] * 4 + [True] * 2
    assert AccessAttempt.objects.filter(username=lockout_key("casey")).exists()


def test_what_was_typed_as_a_username_is_not_kept(client: Client, world: World) -> None:
    """People type passwords into the username box: axes keeps only a keyed digest."""
    fail(client, "my-secret-password-2026", 2)
    stored = list(AccessAttempt.objects.values_list("username", "post_data", "get_data"))
    assert stored
    assert "my-secret-password-2026" not in str(stored)


def test_unlock_lets_the_person_in_again(client: Client, world: World) -> None:
    fail(client, "casey", 5)
    out = StringIO()
    call_command("unlock", "casey", stdout=out)
    assert "Cleared 1" in out.getvalue()
    assert post_password(client, "casey")["Location"] == VERIFY
