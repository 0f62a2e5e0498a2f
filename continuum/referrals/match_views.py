"""The matching pages: services for a young person's need (from the case's needs, or typed
words), and certified placements far from the area to avoid.

Thin: the URL holds ids only (a case, a need); the criteria are posted, so an age, a
gender, a language or a ZIP never reaches a URL, a log or a Referer header. Reading the
young person's record to fill the form in, and matching for them, are audited
(matching.record_match). Bad input is a 422 with what was typed kept.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.core.web import actor_required, posted
from continuum.referrals.match_forms import MatchForm, PlacementForm
from continuum.referrals.matching import (
    Subject,
    domain_codes,
    match_services,
    record_match,
    record_search,
    subject_for,
)
from continuum.referrals.placements import match_placements

NAV = "match"
# The need domains for which a placement may be what is needed.
PLACEMENT_DOMAINS = frozenset({"shelter"})


def _status(request: HttpRequest, form: MatchForm | PlacementForm) -> int:
    """A form posted and refused is a 422 (what was typed is shown again)."""
    return 422 if request.method == "POST" and form.errors else 200


def _from_record(subject: Subject) -> dict[str, Any]:
    """The form's starting values: what the reader may see of the young person."""
    return {"age": subject.age, "language": subject.language}


@require_http_methods(["GET", "POST"])
@actor_required
def match(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Services for typed words or a need, near a ZIP: any staff member (the directory lists
    services, not people, and nothing about a young person is read or kept)."""
    policy.require(actor, policy.Permission.VIEW_DIRECTORY)
    form = MatchForm(posted(request), initial={"radius": 25})
    found = None
    if form.is_bound and form.is_valid():
        found = match_services(form.criteria())
        record_search(actor, step="search", found=len(found))
    return render(
        request,
        "referrals/match.html",
        {"form": form, "matches": found, "subject": None, "nav": NAV},
        status=_status(request, form),
    )


@require_http_methods(["GET", "POST"])
@actor_required
def match_need(request: HttpRequest, actor: Actor, case_id: UUID, need_id: UUID) -> HttpResponse:
    """Services for one of the case's needs, the form filled in from the record as far as
    the reader may see it; each result with a Refer button. Those who may refer for the case
    only (matching.subject_for)."""
    subject = subject_for(actor, case_id, need_id)
    assert subject.need is not None
    form = MatchForm(
        posted(request),
        initial={**_from_record(subject), "radius": 25},
        need_domain=subject.need.domain,
    )
    found = None
    if form.is_bound and form.is_valid():
        found = match_services(form.criteria())
        record_match(actor, subject, step="match", found=len(found))
    else:
        record_match(actor, subject, step="form")
    context = {
        "form": form,
        "matches": found,
        "subject": subject,
        "case": subject.case,
        "need": subject.need,
        "offer_placements": subject.need.domain.code in PLACEMENT_DOMAINS,
        "no_terms": not domain_codes(subject.need.domain.code),
        "nav": NAV,
    }
    return render(request, "referrals/match.html", context, status=_status(request, form))


@require_http_methods(["GET", "POST"])
@actor_required
def placements(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Certified placements, without a case: for those who refer (case managers and
    supervisors), who place young people."""
    policy.require(actor, policy.Permission.REFER)
    form = PlacementForm(posted(request))
    found = None
    if form.is_bound and form.is_valid():
        found = match_placements(form.criteria())
        record_search(actor, step="placement_search", found=len(found))
    return render(
        request,
        "referrals/match_placements.html",
        {"form": form, "matches": found, "subject": None, "nav": NAV},
        status=_status(request, form),
    )


@require_http_methods(["GET", "POST"])
@actor_required
def placements_for_case(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """Certified placements for the case's young person (their age from the record)."""
    subject = subject_for(actor, case_id)
    form = PlacementForm(posted(request), initial=_from_record(subject))
    found = None
    if form.is_bound and form.is_valid():
        found = match_placements(form.criteria())
        record_match(actor, subject, step="placement", found=len(found))
    else:
        record_match(actor, subject, step="placement_form")
    return render(
        request,
        "referrals/match_placements.html",
        {"form": form, "matches": found, "subject": subject, "case": subject.case, "nav": NAV},
        status=_status(request, form),
    )
