"""GET /me: who the token acts as."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Router

from continuum.api.schemas import READ_ERRORS, MeOut
from continuum.api.tokens import request_actor

router = Router(tags=["me"])


@router.get("", response={200: MeOut, **READ_ERRORS}, summary="Who this token acts as")
def me(request: HttpRequest) -> dict[str, object]:
    """The person, agency and role the token acts as. No survivor data, so not audited."""
    actor = request_actor(request)
    return {
        "user": actor.user,
        "username": actor.user.username,
        "agency": actor.agency,
        "role": actor.role.value,
        "role_label": str(actor.role.label),
    }
