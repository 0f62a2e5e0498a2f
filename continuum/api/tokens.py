"""Personal access tokens: how a program acts for one person in one agency.

A token is shown once, when it is made, and only its SHA-256 is kept: a copy of the database
is not a copy of anyone's tokens. Each token is bound to one membership, so a program acting
with it sees exactly what that person sees in that agency and role, and every request made
with it is audited as theirs (via "api").

The web page "Your account → API tokens" calls create_token, revoke_token and tokens_of.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import HttpBearer

from continuum.access import policy
from continuum.access.actor import Actor, Channel
from continuum.api.models import ApiToken
from continuum.audit.log import record
from continuum.audit.models import AuditAction
from continuum.core.text import clean_text

TOKEN_PREFIX = "cnt_"  # noqa: S105 - a label, not a secret
# token_urlsafe(32) gives 43 characters; anything much longer is not one of ours.
_MAX_TOKEN_LENGTH = 100
# last_used_at is for people ("used 3 days ago"), not for accounting: writing it on every
# request would turn every read into a write, so it is refreshed at most this often.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class TokenError(ValueError):
    """The token cannot be made as asked; the message says why, in words for a form."""


def hash_token(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


@transaction.atomic
def create_token(
    *, actor: Actor, name: str, expires_at: datetime | None = None
) -> tuple[ApiToken, str]:
    """Make a token that acts as the actor's current membership (person, agency, role).

    Caller: any signed-in person, for themselves. Returns the stored token and the plain
    token, which must be shown to the person once and never stored or logged.
    """
    name = clean_text(name)
    max_length = ApiToken._meta.get_field("name").max_length or 100
    if not name:
        raise TokenError(_("Say what the token is for."))
    if len(name) > max_length:
        raise TokenError(_("Keep the name under %(count)s characters.") % {"count": max_length + 1})
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            raise TokenError(_("The expiry time needs a time zone."))
        if expires_at <= timezone.now():
            raise TokenError(_("The expiry time must be in the future."))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        membership=actor.membership,
        name=name,
        prefix=plain[:12],
        token_hash=hash_token(plain),
        expires_at=expires_at,
    )
    record(
        actor,
        AuditAction.TOKEN_CREATED,
        obj=token,
        detail={
            "membership_id": actor.membership.pk,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    return token, plain


@transaction.atomic
def revoke_token(*, actor: Actor, token: ApiToken) -> ApiToken:
    """Stop a token working, at once and for good.

    Caller: the person the token belongs to, acting for any of their agencies. Someone
    else's token does not exist for them (NotFound). Revoking twice changes nothing.
    """
    owner_id = (
        ApiToken.objects.filter(pk=token.pk).values_list("membership__user_id", flat=True).first()
    )
    if owner_id is None or owner_id != actor.user.pk:
        raise policy.NotFound()
    now = timezone.now()
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    if updated:
        token.revoked_at = now
        record(actor, AuditAction.TOKEN_REVOKED, obj=token)
    else:
        token.refresh_from_db(fields=["revoked_at"])
    return token


def tokens_of(actor: Actor) -> QuerySet[ApiToken]:
    """The person's tokens in every agency they belong to, newest first (revoked included,
    so the page can show what was revoked and when)."""
    return (
        ApiToken.objects.filter(membership__user_id=actor.user.pk)
        .select_related("membership__agency")
        .order_by("-created_at", "-pk")
    )


def actor_for_token(plain: str) -> Actor | None:
    """The actor a presented token stands for, or None if it does not work (unknown,
    revoked, expired, or its person, membership or agency is no longer active).

    The lookup is by the token's hash, so response time does not depend on how much of a
    guessed token matches a real one.
    """
    if not isinstance(plain, str) or not plain.startswith(TOKEN_PREFIX):
        return None
    if len(plain) > _MAX_TOKEN_LENGTH:
        return None
    digest = hash_token(plain)
    token = (
        ApiToken.objects.select_related("membership__agency", "membership__user")
        .filter(token_hash=digest)
        .first()
    )
    if token is None or not hmac.compare_digest(token.token_hash, digest):
        return None
    now = timezone.now()
    membership = token.membership
    if (
        token.revoked_at is not None
        or (token.expires_at is not None and token.expires_at <= now)
        or not membership.is_active
        or not membership.agency.is_active
        or not membership.user.is_active
    ):
        return None
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return Actor(user=membership.user, membership=membership, via=Channel.API)


class TokenAuth(HttpBearer):
    """`Authorization: Bearer cnt_…` → request.auth is the token's Actor; anything else → 401."""

    def __call__(self, request: HttpRequest) -> Actor | None:
        # Our own parsing, so that a malformed header is never written to the log (ninja's
        # HttpBearer logs the whole header in DEBUG, and it may hold a token).
        value = request.headers.get(self.header, "")
        scheme, _space, token = value.partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> Actor | None:
        return actor_for_token(token)


def request_actor(request: HttpRequest) -> Actor:
    """The actor TokenAuth found for this request (every route requires it)."""
    actor = getattr(request, "auth", None)
    assert isinstance(actor, Actor), "route reached without TokenAuth"
    return actor
