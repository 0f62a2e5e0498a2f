"""What the session remembers about the signed-in person, in one place."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from continuum.accounts.models import Membership, User

ACTING_MEMBERSHIP = "continuum_acting_membership"
LAST_ACTIVITY = "continuum_last_activity"
SESSION_BEGAN = "continuum_session_began"


def memberships_of(user: User) -> list[Membership]:
    return list(
        Membership.objects.filter(user=user, is_active=True, agency__is_active=True)
        .select_related("agency")
        .order_by("agency__name", "role")
    )


def acting_membership(request: HttpRequest, memberships: list[Membership]) -> Membership | None:
    """The membership chosen in this session, if it is still active; else the first one."""
    if not memberships:
        return None
    chosen = request.session.get(ACTING_MEMBERSHIP)
    for membership in memberships:
        if membership.pk == chosen:
            return membership
    return memberships[0]


def is_verified(user: Any) -> bool:
    """Signed in with both steps: password and a code (django-otp adds is_verified)."""
    return bool(user.is_authenticated and getattr(user, "is_verified", lambda: False)())
