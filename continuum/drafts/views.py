"""The two endpoints of drafts: drafts.js saves a form's typing; the banner discards it.

Saving is not activity: IdleLogoutMiddleware checks the idle limit on the save URL but does
not restart the clock, or an open form's autosave would keep an unattended session alive.
"""

from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from continuum.access.actor import Actor
from continuum.core.web import actor_required
from continuum.drafts import actions
from continuum.drafts.web import BadDraftKey, unsign_key

# The field that carries the signed token in a form-encoded save, and in the discard form.
KEY_FIELD = "draft_key"
# The request as a whole: the draft's limit, plus room for the token and the JSON around it.
BODY_MAX = actions.MAX_BYTES + 8 * 1024
_NOT_FIELDS = {KEY_FIELD, "csrfmiddlewaretoken"}


def _refused(status: int, message: str) -> JsonResponse:
    return JsonResponse({"error": message}, status=status)


@require_POST
def save(request: HttpRequest) -> HttpResponse:
    """Keep what the actor typed into a form that carries data-draft-key (drafts.js).

    JSON {"key": token, "fields": {name: [values]}}, or form-encoded with the token in
    `draft_key`. 204 when kept; 400 for a bad token or data; 413 for too much; 401 when
    there is nobody acting (signed out, or only half signed in), never a redirect: the page
    is not navigating, and a redirect would be followed to the sign-in page for nothing.
    """
    actor: Actor | None = getattr(request, "actor", None)
    if actor is None:
        return _refused(401, _("You are signed out."))
    if actor.user.must_change_password:
        return _refused(403, _("Choose a new password first."))
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > BODY_MAX:
        return _refused(413, _("Too much to keep as a draft."))
    try:
        token, data = _parse(request)
        where = unsign_key(token, actor)
    except (BadDraftKey, ValueError):
        return _refused(400, _("This page cannot keep a draft. Reload it."))
    try:
        actions.keep_draft(actor=actor, key=where.key, survivor_id=where.survivor_id, data=data)
    except actions.DraftTooLarge as problem:
        return _refused(413, str(problem))
    except actions.DraftRefused as problem:
        return _refused(400, str(problem))
    return HttpResponse(status=204)


def _parse(request: HttpRequest) -> tuple[str, Any]:
    if request.content_type == "application/json":
        if len(request.body) > BODY_MAX:
            raise ValueError("too long")
        try:
            payload = json.loads(request.body or b"null")
        except RecursionError:  # nested thousands deep: no form sends that
            raise ValueError("too deep") from None
        if not isinstance(payload, dict) or not isinstance(payload.get("key"), str):
            raise ValueError("no key")
        return payload["key"], payload.get("fields", {})
    posted: QueryDict = request.POST
    fields = {name: posted.getlist(name) for name in posted if name not in _NOT_FIELDS}
    return posted.get(KEY_FIELD, ""), fields


@require_POST
@actor_required
def discard(request: HttpRequest, actor: Actor) -> HttpResponse:
    """ "Discard what was kept": throw away the actor's draft of the form the token names,
    then go back to `next` (a page of this site) or My work."""
    try:
        where = unsign_key(request.POST.get(KEY_FIELD, ""), actor)
    except BadDraftKey:
        raise BadRequest("bad draft key") from None
    if actions.discard_draft(actor=actor, key=where.key):
        messages.success(request, _("What was kept is gone. The form is empty again."))
    return redirect(_safe_next(request))


def _safe_next(request: HttpRequest) -> str:
    wanted = request.POST.get("next", "")
    if wanted.startswith("/") and url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("cases:my_work")
