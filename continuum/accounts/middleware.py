"""Who is acting, and for how long they may stay signed in without doing anything."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import add_never_cache_headers, patch_cache_control

from continuum.access.actor import Actor, Channel
from continuum.accounts.models import User
from continuum.accounts.sessions import (
    LAST_ACTIVITY,
    SESSION_BEGAN,
    acting_membership,
    is_verified,
    memberships_of,
)
from continuum.audit.log import record
from continuum.audit.models import AuditAction

# Requests that must not count as the person being active.
_PASSIVE_PATHS = ("/static/",)
# Requests the page makes on its own, checked against the idle limit but not counted as
# activity: an open form's autosave (drafts.js) would otherwise keep an unattended session
# alive for ever and defeat the automatic logoff. Past the limit they get a 401, not a
# redirect: nothing is navigating.
CHECK_ONLY_PATHS = ("/drafts/save/",)


class IdleLogoutMiddleware:
    """Sign out a session that made no request for IDLE_TIMEOUT_SECONDS (automatic logoff),
    or that began more than SESSION_COOKIE_AGE ago (a working day), however active.

    The page's idle-timeout.js warns two minutes before; "Stay signed in" posts to the
    keep-alive URL, which is an ordinary request and so resets the clock here. Saving a
    draft (CHECK_ONLY_PATHS) is refused past the limit like anything else, but does not
    reset it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The APIs (token-authenticated, and the public HSDS directory) have no session to
        # time out: reading them must not keep a browser session alive or set a cookie.
        if request.path_info.startswith((*_PASSIVE_PATHS, "/api/", "/hsds/")):
            return self.get_response(request)
        request.idle_seconds = 0.0  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            now = time.time()
            last = request.session.get(LAST_ACTIVITY)
            began = request.session.setdefault(SESSION_BEGAN, now)
            idle = now - float(last) if last is not None else 0.0
            request.idle_seconds = idle  # type: ignore[attr-defined]
            too_long = now - float(began) > settings.SESSION_COOKIE_AGE
            if idle > settings.IDLE_TIMEOUT_SECONDS or too_long:
                user = request.user
                logout(request)
                record(None, AuditAction.TIMED_OUT, user=user if isinstance(user, User) else None)
                if request.path_info.startswith(CHECK_ONLY_PATHS):
                    response = HttpResponse(status=401)
                elif request.headers.get("HX-Request"):
                    response = HttpResponse(status=401)
                    response["HX-Redirect"] = "/accounts/timed-out/"
                else:
                    response = redirect("accounts:timed_out")
                # This answer skips the inner middleware, NoStoreMiddleware among them.
                add_never_cache_headers(response)
                patch_cache_control(response, no_store=True, private=True)
                return response
            if not request.path_info.startswith(CHECK_ONLY_PATHS):
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


class ActorMiddleware:
    """Set request.actor (or None) and request.memberships for a fully signed-in person.

    Fully signed in means password and second factor: an unverified session has no actor, so
    no page that needs one can be reached with a password alone.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.actor = None  # type: ignore[attr-defined]
        request.memberships = []  # type: ignore[attr-defined]
        user = request.user
        if isinstance(user, User) and is_verified(user):
            memberships = memberships_of(user)
            membership = acting_membership(request, memberships)
            request.memberships = memberships  # type: ignore[attr-defined]
            if membership is not None:
                request.actor = Actor(  # type: ignore[attr-defined]
                    user=user,
                    membership=membership,
                    via=Channel.WEB,
                )
        return self.get_response(request)
