"""How the API answers when something goes wrong: one JSON shape, `{"detail": ...}`.

- 401: no token, or one that does not work (ninja's AuthenticationError).
- 403: policy.Forbidden — the actor may see the record but not do this; the message says why.
- 404: policy.NotFound and every other Http404 — always the same body, so an answer never
  tells apart "does not exist" from "exists but not for you".
- 409: EditConflict — someone saved the record after the version the client sent.
- 422: invalid input (ninja's list of errors) or CaseRuleBroken, ReleaseRefused,
  ScreeningRefused (a message).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.cases.actions import CaseRuleBroken
from continuum.core.models import EditConflict
from continuum.screening.actions import ScreeningRefused
from continuum.survivors.actions import ReleaseRefused

if TYPE_CHECKING:
    from ninja import NinjaAPI


class InvalidInput(Exception):
    """Input that is well-formed but names something unusable (422, with a message)."""


def install_error_handlers(api: NinjaAPI) -> None:
    def not_found(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": "Not found"}, status=404)

    def forbidden(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=403)

    def conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        message = _(
            "Someone else changed this record after the version you sent. Nothing was "
            "saved. Read the record again, then send your change with its current version."
        )
        return api.create_response(request, {"detail": message}, status=409)

    def unprocessable(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=422)

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(policy.NotFound, not_found)
    api.add_exception_handler(policy.Forbidden, forbidden)
    api.add_exception_handler(EditConflict, conflict)
    api.add_exception_handler(CaseRuleBroken, unprocessable)
    api.add_exception_handler(ReleaseRefused, unprocessable)
    api.add_exception_handler(InvalidInput, unprocessable)
    api.add_exception_handler(ScreeningRefused, unprocessable)
