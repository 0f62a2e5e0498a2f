"""The save and discard endpoints, the idle clock, and drafts on the case-notes page."""

from __future__ import annotations

import html
import json
import re
import time
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.core import signing
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuum.accounts.middleware import CHECK_ONLY_PATHS
from continuum.accounts.models import Membership, Role
from continuum.accounts.sessions import ACTING_MEMBERSHIP, LAST_ACTIVITY, SESSION_BEGAN
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.models import CaseNote
from continuum.drafts import actions, web
from continuum.drafts.models import Draft
from continuum.drafts.web import sign_key
from tests.accounts.helpers import LOGIN, age_session, code_for, session_user_id
from tests.personas import PASSWORD, World

pytestmark = pytest.mark.django_db

SAVE = "/drafts/save/"
DISCARD = "/drafts/discard/"
TYPED = "She wants to finish the school year before any move; her aunt can drive her."


def _notes_url(world: World) -> str:
    return f"/cases/{world.case.pk}/notes/"


def _token_on_page(client: Client, world: World) -> str:
    page = client.get(_notes_url(world)).content.decode()
    found = re.search(r'data-draft-key="([^"]+)" data-draft-url="/drafts/save/"', page)
    assert found, "the notes form carries no draft key"
    return html.unescape(found.group(1))


def _save(client: Client, token: str, fields: Any, **extra: Any) -> Any:
    return client.post(
        SAVE, json.dumps({"key": token, "fields": fields}), content_type="application/json", **extra
    )


def _typed(text: str = TYPED) -> dict[str, list[str]]:
    return {"category": ["notes"], "body": [text]}


@pytest.fixture
def casey(world: World) -> Client:
    return world.client_for("casey")


def test_the_url_is_the_one_the_idle_middleware_knows() -> None:
    from django.urls import reverse

    assert reverse("drafts:save") in CHECK_ONLY_PATHS


def test_a_save_keeps_the_draft(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    response = _save(casey, token, _typed())
    assert response.status_code == 204
    draft = Draft.objects.get()
    assert draft.user == world.users["casey"]
    assert draft.membership == world.memberships["casey"]
    assert draft.key == f"cases.note:{world.case.pk}"
    assert draft.survivor_id == world.survivor.pk
    assert draft.fields == _typed()


def test_a_form_encoded_save_works_too(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    response = casey.post(
        SAVE, {"draft_key": token, "category": "notes", "body": TYPED, "csrfmiddlewaretoken": "x"}
    )
    assert response.status_code == 204
    assert Draft.objects.get().fields == _typed()


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda: "", id="empty"),
        pytest.param(lambda: "garbled", id="garbled"),
        pytest.param(lambda: "eyJrIjoiY2FzZXMubm90ZTp4In0:1abcde:forged-signature", id="forged"),
        # Right shape, signed with another salt (another use of the secret key). Made in the
        # test, not at collection: a timestamped value differs between xdist workers.
        pytest.param(
            lambda: signing.TimestampSigner(salt="something.else").sign_object({"k": "x"}),
            id="other-salt",
        ),
    ],
)
def test_a_forged_or_garbled_key_is_refused(casey: Client, make_token: Any) -> None:
    token = make_token()
    response = _save(casey, token, _typed())
    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_a_key_the_browser_made_up_is_refused(casey: Client, world: World) -> None:
    """Editing the token's payload (another survivor, another form) breaks the signature."""
    token = _token_on_page(casey, world)
    _payload, stamp, signature = token.split(":")
    other = signing.b64_encode(
        json.dumps({"k": "cases.note:other", "s": None, "u": 1, "m": 1}).encode()
    ).decode()
    assert _save(casey, f"{other}:{stamp}:{signature}", _typed()).status_code == 400
    assert not Draft.objects.exists()


def test_a_token_signed_for_someone_else_is_refused(world: World) -> None:
    sams = world.client_for("sam")
    caseys_token = sign_key(world.actor("casey"), f"cases.note:{world.case.pk}", world.survivor.pk)
    assert _save(sams, caseys_token, _typed()).status_code == 400
    assert not Draft.objects.exists()


def test_a_page_of_one_membership_cannot_save_under_another(world: World) -> None:
    """Casey switched "Acting for" in another tab: the old page's autosave is refused."""
    at_harbor = Membership.objects.create(
        user=world.users["casey"], agency=world.agencies["partner"], role=Role.CASE_MANAGER
    )
    client = world.client_for("casey")
    token = _token_on_page(client, world)
    session = client.session
    session[ACTING_MEMBERSHIP] = at_harbor.pk
    session.save()
    assert _save(client, token, _typed()).status_code == 400
    assert not Draft.objects.exists()


class _SignedLongAgo(signing.TimestampSigner):
    def timestamp(self) -> str:
        return signing.b62_encode(int(time.time()) - settings.SESSION_COOKIE_AGE - 60)


def test_a_token_older_than_a_working_day_is_refused(casey: Client, world: World) -> None:
    """A page left open past the longest session cannot keep drafts with its old token."""
    actor = world.actor("casey")
    payload = {"k": f"cases.note:{world.case.pk}", "s": str(world.survivor.pk)}
    payload |= {"u": actor.user.pk, "m": actor.membership.pk}
    old = _SignedLongAgo(salt=web._SALT).sign_object(payload)
    fresh = signing.TimestampSigner(salt=web._SALT).sign_object(payload)
    assert _save(casey, old, _typed()).status_code == 400
    assert _save(casey, fresh, _typed()).status_code == 204


@pytest.mark.parametrize(
    "fields",
    [
        {"body": ["x" * (actions.MAX_BYTES + 1)]},
        {f"f{n}": ["x"] for n in range(actions.MAX_FIELDS + 1)},
    ],
)
def test_too_much_is_refused(casey: Client, world: World, fields: Any) -> None:
    token = _token_on_page(casey, world)
    response = _save(casey, token, fields)
    assert response.status_code == 413
    assert not Draft.objects.exists()


def test_a_huge_request_is_refused_before_it_is_read(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    response = _save(casey, token, {"body": ["x" * 200_000]})
    assert response.status_code == 413
    assert b"x" * 50 not in response.content


@pytest.mark.parametrize(
    "body",
    [
        "not json",
        "[]",
        '{"fields": {}}',
        '{"key": 5}',
        '{"key": "%s", "fields": "text"}',
        # Nested deeper than the parser recurses, and still under the size limit.
        '{"key": "%s", "fields": ' + "[" * 30_000 + "]" * 30_000 + "}",
    ],
    ids=["not-json", "a-list", "no-key", "key-not-text", "fields-not-a-dict", "too-deep"],
)
def test_bad_json_is_refused(casey: Client, world: World, body: str) -> None:
    token = _token_on_page(casey, world)
    response = casey.post(
        SAVE, body.replace("%s", token) if "%s" in body else body, content_type="application/json"
    )
    assert response.status_code == 400
    assert not Draft.objects.exists()


def test_signed_out_gets_401(client: Client, world: World) -> None:
    token = sign_key(world.actor("casey"), f"cases.note:{world.case.pk}", world.survivor.pk)
    response = _save(client, token, _typed())
    assert response.status_code == 401
    assert "Location" not in response
    assert not Draft.objects.exists()


def test_password_only_gets_401(world: World) -> None:
    client = Client()
    client.post(LOGIN, {"username": "casey", "password": PASSWORD})
    token = sign_key(world.actor("casey"), f"cases.note:{world.case.pk}", world.survivor.pk)
    assert _save(client, token, _typed()).status_code == 401


def test_get_is_not_allowed(casey: Client) -> None:
    assert casey.get(SAVE).status_code == 405
    assert casey.get(DISCARD).status_code == 405


def test_saving_needs_the_csrf_token(world: World) -> None:
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
    strict.post(
        "/accounts/verify/",
        {"code": code_for(device), "csrfmiddlewaretoken": strict.cookies["csrftoken"].value},
    )
    token = _token_on_page(strict, world)
    assert _save(strict, token, _typed()).status_code == 403
    assert not Draft.objects.exists()
    csrf = strict.cookies["csrftoken"].value
    assert _save(strict, token, _typed(), headers={"X-CSRFToken": csrf}).status_code == 204


# The idle clock -------------------------------------------------------------------------


def test_saving_does_not_extend_the_idle_clock(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    age_session(casey, settings.IDLE_TIMEOUT_SECONDS - 30)
    stamp = casey.session[LAST_ACTIVITY]
    for n in range(3):
        assert _save(casey, token, _typed(f"{TYPED} {n}")).status_code == 204
    assert casey.session[LAST_ACTIVITY] == stamp
    # So the session still ends when the person's own last request says it should.
    age_session(casey, settings.IDLE_TIMEOUT_SECONDS + 1)
    assert casey.get("/cases/").status_code == 302
    assert session_user_id(casey) is None


def test_saving_is_refused_past_the_idle_limit(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    age_session(casey, settings.IDLE_TIMEOUT_SECONDS + 1)
    response = _save(casey, token, _typed())
    assert response.status_code == 401
    assert "Location" not in response
    assert not Draft.objects.exists()
    assert session_user_id(casey) is None
    assert AuditEntry.objects.filter(action=AuditAction.TIMED_OUT).count() == 1


def test_saving_is_refused_after_a_working_day(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    session = casey.session
    session[SESSION_BEGAN] = time.time() - settings.SESSION_COOKIE_AGE - 1
    session.save()
    assert _save(casey, token, _typed()).status_code == 401
    assert not Draft.objects.exists()


# Discarding -----------------------------------------------------------------------------


def test_discarding_goes_back_to_the_form(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    _save(casey, token, _typed())
    response = casey.post(DISCARD, {"draft_key": token, "next": _notes_url(world)})
    assert response.status_code == 302
    assert response["Location"] == _notes_url(world)
    assert not Draft.objects.exists()
    assert AuditEntry.objects.filter(action=AuditAction.DRAFT_DISCARDED).count() == 1
    page = casey.get(_notes_url(world)).content.decode()
    assert "What was kept is gone" in page
    assert TYPED not in page


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/", "//evil.example/", "javascript:alert(1)", "", "cases/"],
)
def test_discard_goes_only_to_this_site(casey: Client, world: World, next_url: str) -> None:
    token = _token_on_page(casey, world)
    response = casey.post(DISCARD, {"draft_key": token, "next": next_url})
    assert response.status_code == 302
    assert response["Location"] == "/cases/"


def test_discard_with_a_bad_key_is_refused(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    _save(casey, token, _typed())
    assert casey.post(DISCARD, {"draft_key": "garbled"}).status_code == 400
    sams = world.client_for("sam")
    assert sams.post(DISCARD, {"draft_key": token}).status_code == 400
    assert Draft.objects.count() == 1


def test_discard_signed_out_goes_to_sign_in(client: Client, world: World) -> None:
    response = client.post(DISCARD, {"draft_key": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith(LOGIN)


# The case-notes page -----------------------------------------------------------------------


def test_the_notes_page_restores_the_draft_with_the_banner(world: World) -> None:
    first = world.client_for("casey")
    token = _token_on_page(first, world)
    _save(first, token, {"category": ["health"], "body": [TYPED]})
    # Signed out and back in: a new session.
    again = world.client_for("casey")
    page = again.get(_notes_url(world)).content.decode()
    assert 'data-testid="draft-restored"' in page
    assert "before you were signed out" in page
    assert "It is in the form below: check it, then save it." in page
    assert "Discard what was kept" in page
    assert html.escape(TYPED) in page
    assert re.search(r'value="health"[^>]*checked', page)
    assert AuditEntry.objects.filter(action=AuditAction.DRAFT_RESTORED).count() == 1


def test_in_the_same_session_the_banner_does_not_say_signed_out(
    casey: Client, world: World
) -> None:
    token = _token_on_page(casey, world)
    _save(casey, token, _typed())
    page = casey.get(_notes_url(world)).content.decode()
    assert "and had not saved" in page
    assert "before you were signed out" not in page


def test_no_banner_without_a_draft(casey: Client, world: World) -> None:
    page = casey.get(_notes_url(world)).content.decode()
    assert 'data-testid="draft-restored"' not in page
    assert not AuditEntry.objects.filter(action=AuditAction.DRAFT_RESTORED).exists()


def test_saving_the_note_forgets_the_draft(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    _save(casey, token, _typed())
    response = casey.post(_notes_url(world), {"category": "notes", "body": TYPED})
    assert response.status_code == 302
    assert CaseNote.objects.count() == 1
    assert not Draft.objects.exists()
    page = casey.get(_notes_url(world)).content.decode()
    assert 'data-testid="draft-restored"' not in page


def test_a_refused_note_keeps_the_draft_and_restores_nothing(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    _save(casey, token, _typed())
    response = casey.post(_notes_url(world), {"category": "notes", "body": "   "})
    assert response.status_code == 422
    page = response.content.decode()
    assert 'data-testid="draft-restored"' not in page
    assert "data-draft-key=" in page  # autosave goes on
    assert Draft.objects.count() == 1
    assert not AuditEntry.objects.filter(action=AuditAction.DRAFT_RESTORED).exists()


def test_someone_elses_draft_never_shows_on_their_page(world: World) -> None:
    token = _token_on_page(world.client_for("casey"), world)
    _save(world.client_for("casey"), token, _typed())
    page = world.client_for("sam").get(_notes_url(world)).content.decode()
    assert html.escape(TYPED) not in page
    assert 'data-testid="draft-restored"' not in page


def test_an_expired_draft_is_not_restored_on_the_page(casey: Client, world: World) -> None:
    token = _token_on_page(casey, world)
    _save(casey, token, _typed())
    Draft.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    page = world.client_for("casey").get(_notes_url(world)).content.decode()
    assert html.escape(TYPED) not in page
    assert not Draft.objects.exists()
