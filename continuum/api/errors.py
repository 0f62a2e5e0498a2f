"""How the API answers when something goes wrong: one JSON shape, `{"detail": ...}`.

- 401: no token, or one that does not work (ninja's AuthenticationError).
- 403: policy.Forbidden — the actor may see the record but not do this; the message says why.
- 404: policy.NotFound and every other Http404 — always the same body, so an answer never
  tells apart "does not exist" from "exists but not for you".
- 409: EditConflict — someone saved the record after the version the client sent. A need's
  (NeedConflict) and a care plan's (PlanConflict) carry both versions, so that a client can
  merge: what it is now, what was sent, and what it was then (or what changed since), only
  as far as the token may see; showing it is audited as a read.
- 422: invalid input (ninja's list of errors) or CaseRuleBroken, ReleaseRefused,
  ScreeningRefused, ProtocolRuleBroken, ReferralRuleBroken (a message).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from continuum.access import policy
from continuum.api.tokens import request_actor
from continuum.cases.actions import CaseRuleBroken
from continuum.cases.queries import record_case_read
from continuum.core.models import EditConflict
from continuum.needs.actions import NeedChange, NeedConflict
from continuum.plans import snapshot
from continuum.plans.actions import PlanConflict
from continuum.plans.queries import hide_made_stricter, readable_categories
from continuum.protocols.actions import ProtocolRuleBroken
from continuum.referrals.actions import ReferralRuleBroken
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

    def need_conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, need_conflict_body(request, exc), status=409)

    def plan_conflict(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, plan_conflict_body(request, exc), status=409)

    def unprocessable(request: HttpRequest, exc: Any) -> HttpResponse:
        return api.create_response(request, {"detail": str(exc)}, status=422)

    api.add_exception_handler(Http404, not_found)
    api.add_exception_handler(policy.NotFound, not_found)
    api.add_exception_handler(policy.Forbidden, forbidden)
    api.add_exception_handler(EditConflict, conflict)
    # Looked up along the exception's MRO, so these win over EditConflict's.
    api.add_exception_handler(NeedConflict, need_conflict)
    api.add_exception_handler(PlanConflict, plan_conflict)
    api.add_exception_handler(CaseRuleBroken, unprocessable)
    api.add_exception_handler(ReleaseRefused, unprocessable)
    api.add_exception_handler(InvalidInput, unprocessable)
    api.add_exception_handler(ScreeningRefused, unprocessable)
    api.add_exception_handler(ProtocolRuleBroken, unprocessable)
    api.add_exception_handler(ReferralRuleBroken, unprocessable)


def _need_change_out(change: NeedChange, version: int | None) -> dict[str, Any]:
    return {
        "status": change.status,
        "urgency": change.urgency or None,
        "description": change.description,
        "survivor_words": change.survivor_words,
        "observations": change.observations,
        "method": change.method or None,
        "assessed_on": change.assessed_on,
        "deferred": change.deferred,
        "version": version,
    }


def need_conflict_body(request: HttpRequest, exc: NeedConflict) -> dict[str, Any]:
    """The domain now, what was sent, and the domain at the version sent (its entry of that
    version; null when it was not on the case then). The actor may see the domain: the
    action checks its category before the version."""
    need = exc.need
    sent = exc.sent_version
    record_case_read(
        request_actor(request), need.case, "need_conflict", categories=[need.domain.category]
    )
    return {
        "detail": str(exc),
        "current": _need_change_out(exc.current, need.version),
        "yours": _need_change_out(exc.mine, sent),
        "base": _need_change_out(exc.base, sent) if exc.base is not None else None,
    }


def plan_change_out(change: snapshot.ItemChange) -> dict[str, Any]:
    """One item's change between two versions of a plan."""
    return {
        "kind": change.kind,
        "id": change.id,
        "change": change.change,
        "title": change.title,
        "fields": [
            {"name": f.name, "label": f.label, "before": f.before, "after": f.after}
            for f in change.fields
        ],
    }


def plan_conflict_body(request: HttpRequest, exc: PlanConflict) -> dict[str, Any]:
    """Both version numbers, what changed from the one sent to now (only the items and needs
    the token may see), which fields of the edited item clash, and what was sent."""
    actor = request_actor(request)
    case = exc.plan.case
    readable = readable_categories(actor, case)
    hide_made_stricter(case, readable, exc.base, exc.current)
    changes = snapshot.compare(exc.base, exc.current, readable)
    record_case_read(actor, case, "plan_conflict", versions=[exc.base_number, exc.current_number])
    return {
        "detail": str(exc),
        "your_version": exc.base_number,
        "current_version": exc.current_number,
        "changes_since": [plan_change_out(c) for c in changes],
        "clashes": exc.clashes,
        "yours": exc.mine,
    }
