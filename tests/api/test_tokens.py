"""Personal access tokens: hashed at rest, revocable, expiring, scoped to one membership."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from continuum.access import policy
from continuum.access.actor import Channel
from continuum.accounts.models import Role
from continuum.api.models import ApiToken
from continuum.api.tokens import (
    TokenError,
    actor_for_token,
    create_token,
    revoke_token,
    tokens_of,
)
from continuum.audit.models import AuditAction, AuditEntry

from .conftest import ApiClient, make_persona

pytestmark = pytest.mark.django_db


def test_token_is_stored_only_as_its_hash(case_manager_a):
    token, plain = create_token(actor=case_manager_a.actor, name="Reporting script")
    assert plain.startswith("cnt_")
    assert len(plain) > 40
    assert token.token_hash == hashlib.sha256(plain.encode()).hexdigest()
    assert token.prefix == plain[:12]
    # The plain token appears in no column of any row of the table.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {ApiToken._meta.db_table}")
        rows = cursor.fetchall()
    assert rows
    assert not any(plain in str(value) for row in rows for value in row)
    assert plain not in str(list(AuditEntry.objects.values()))


def test_create_token_is_audited(case_manager_a):
    token, _plain = create_token(actor=case_manager_a.actor, name="Reporting script")
    entry = AuditEntry.objects.get(action=AuditAction.TOKEN_CREATED)
    assert entry.object_id == str(token.pk)
    assert entry.user_id == case_manager_a.user.pk


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_create_token_refuses_bad_names(case_manager_a, name):
    with pytest.raises(TokenError):
        create_token(actor=case_manager_a.actor, name=name)
    assert not ApiToken.objects.exists()


def test_create_token_refuses_past_expiry(case_manager_a):
    with pytest.raises(TokenError):
        create_token(
            actor=case_manager_a.actor,
            name="old",
            expires_at=timezone.now() - timedelta(minutes=1),
        )


def test_token_acts_as_its_membership_via_api(case_manager_a):
    _token, plain = create_token(actor=case_manager_a.actor, name="t")
    actor = actor_for_token(plain)
    assert actor is not None
    assert actor.membership == case_manager_a.membership
    assert actor.user == case_manager_a.user
    assert actor.via == Channel.API


@pytest.mark.parametrize(
    "presented", ["", "cnt_", "cnt_not-a-token", "Bearer", "x" * 200, "cnt_" + "a" * 500]
)
def test_unknown_tokens_do_not_work(case_manager_a, presented):
    create_token(actor=case_manager_a.actor, name="t")
    assert actor_for_token(presented) is None


def test_last_used_is_written_at_most_once_a_minute(case_manager_a, django_assert_num_queries):
    token, plain = create_token(actor=case_manager_a.actor, name="t")
    assert actor_for_token(plain) is not None
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    # Within the minute: one SELECT, no UPDATE.
    with django_assert_num_queries(1):
        assert actor_for_token(plain) is not None
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    actor_for_token(plain)
    token.refresh_from_db()
    assert token.last_used_at > first_use - timedelta(minutes=2)


def test_revoked_token_gets_401(case_manager_a):
    token, plain = create_token(actor=case_manager_a.actor, name="t")
    client = ApiClient(plain)
    assert client.get("/me").status_code == 200
    revoke_token(actor=case_manager_a.actor, token=token)
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1
    response = client.get("/me")
    assert response.status_code == 401
    assert response.json() == {"detail": "Unauthorized"}


def test_revoking_twice_changes_nothing(case_manager_a):
    token, _plain = create_token(actor=case_manager_a.actor, name="t")
    revoke_token(actor=case_manager_a.actor, token=token)
    first = token.revoked_at
    revoke_token(actor=case_manager_a.actor, token=token)
    assert token.revoked_at == first
    assert AuditEntry.objects.filter(action=AuditAction.TOKEN_REVOKED).count() == 1


def test_only_the_owner_can_revoke(case_manager_a, supervisor_a):
    token, plain = create_token(actor=case_manager_a.actor, name="t")
    with pytest.raises(policy.NotFound):
        revoke_token(actor=supervisor_a.actor, token=token)
    assert actor_for_token(plain) is not None


def test_owner_can_revoke_from_another_membership(case_manager_a, agency_b):
    token, plain = create_token(actor=case_manager_a.actor, name="t")
    other = make_persona(case_manager_a.user.username, agency_b, Role.CLINICIAN)
    revoke_token(actor=other.actor, token=token)
    assert actor_for_token(plain) is None


def test_expired_token_gets_401(case_manager_a):
    token, plain = create_token(
        actor=case_manager_a.actor, name="t", expires_at=timezone.now() + timedelta(days=1)
    )
    client = ApiClient(plain)
    assert client.get("/me").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    assert client.get("/me").status_code == 401


def test_inactive_membership_gets_401(case_manager_a):
    _token, plain = create_token(actor=case_manager_a.actor, name="t")
    case_manager_a.membership.is_active = False
    case_manager_a.membership.save()
    assert ApiClient(plain).get("/me").status_code == 401


def test_inactive_agency_gets_401(case_manager_a, agency_a):
    _token, plain = create_token(actor=case_manager_a.actor, name="t")
    agency_a.is_active = False
    agency_a.save()
    assert ApiClient(plain).get("/me").status_code == 401


def test_inactive_user_gets_401(case_manager_a):
    _token, plain = create_token(actor=case_manager_a.actor, name="t")
    case_manager_a.user.is_active = False
    case_manager_a.user.save()
    assert ApiClient(plain).get("/me").status_code == 401


@pytest.mark.parametrize(
    "header",
    [None, "", "Bearer", "Bearer ", "Basic dXNlcjpwYXNz", "Token cnt_abc", "bearer cnt_nope"],
)
def test_missing_or_malformed_authorization_gets_401(case_manager_a, header):
    client = ApiClient(None)
    headers = {} if header is None else {"Authorization": header}
    response = client.client.get("/api/v1/me", headers=headers)
    assert response.status_code == 401


def test_a_signed_in_session_is_not_an_api_credential(case_manager_a):
    client = ApiClient(None)
    client.client.force_login(case_manager_a.user)
    assert client.client.get("/api/v1/me").status_code == 401


def test_tokens_of_lists_the_persons_tokens_in_every_agency(case_manager_a, supervisor_a, agency_b):
    mine, _plain = create_token(actor=case_manager_a.actor, name="mine in A")
    elsewhere = make_persona(case_manager_a.user.username, agency_b, Role.CLINICIAN)
    mine_b, _plain = create_token(actor=elsewhere.actor, name="mine in B")
    create_token(actor=supervisor_a.actor, name="someone else's")
    listed = list(tokens_of(case_manager_a.actor))
    assert {t.pk for t in listed} == {mine.pk, mine_b.pk}


def test_me_reports_the_tokens_membership(case_manager_a, as_case_manager):
    response = as_case_manager.get("/me")
    assert response.status_code == 200
    body = response.json()
    assert body["username"] == case_manager_a.user.username
    assert body["agency"] == {
        "id": case_manager_a.membership.agency_id,
        "name": "Harbor House",
        "short_name": "Harbor",
    }
    assert body["role"] == "case_manager"
    assert body["role_label"] == "Case manager"


def test_responses_are_never_cached(as_case_manager):
    response = as_case_manager.get("/me")
    assert "no-store" in response["Cache-Control"]
