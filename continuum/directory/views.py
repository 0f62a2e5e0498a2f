"""The directory's pages: browsing services and one service (every staff member), and "Our
listing", where an agency admin keeps their agency's organization, services, locations and
capacity up to date.

A confidential location's whereabouts reach a page only for its own agency (queries.
LocationView). Bad input is a 422 with what was typed kept; a save on top of someone else's
is a 409 showing what they saved next to what was typed; a record that is not the actor's
agency's to edit is a 404 under "Our listing".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.core.models import EditConflict
from continuum.core.web import actor_required, posted
from continuum.directory import actions, queries
from continuum.directory.forms import (
    UNIT_LABELS,
    CapacityForm,
    LocationEditForm,
    LocationForm,
    OrganizationEditForm,
    OrganizationForm,
    ServiceEditForm,
    ServiceForm,
    StillTrueForm,
    TermForm,
    TermSearchForm,
)
from continuum.directory.models import Location, Organization, Service, ServiceCapacity

NAV = "directory"
CONFLICT = _(
    "Someone else changed this while you were editing it. Nothing was saved. What you typed "
    "is kept below, next to what they saved; check it, then save again to put yours on top."
)


def _status(request: HttpRequest) -> int:
    """A page shown again after a POST is showing what was refused (422)."""
    return 422 if request.method == "POST" else 200


type _Context = Mapping[str, Any]


def _form_page[T](
    request: HttpRequest,
    template: str,
    form: forms.Form,
    do: Callable[[dict[str, Any]], T],
    success_message: str,
    context: _Context | Callable[[], _Context],
    *,
    redirect_to: str | Callable[[T], HttpResponse] = "directory:ours",
    conflict: Callable[[], tuple[forms.Form, _Context]] | None = None,
) -> HttpResponse:
    """A page with a form. A GET shows it. A POST with valid input goes to `do`: when that
    keeps the directory's rules, say `success_message` and send the browser on to
    `redirect_to` (a URL name, or made from what `do` returned). Otherwise the page again
    with what was typed and what was wrong (422), a broken rule among the errors.

    A save on top of someone else's (EditConflict) is a 409 when there is a `conflict`: it
    gives what was typed, rebound to the version saved now (_rebound), and the page's
    context with what they saved. `context` may be a function: it is then worked out only
    when the page is shown."""
    status = _status(request)
    if request.method == "POST" and form.is_valid():
        try:
            done = do(form.cleaned_data)
        except actions.ListingRuleBroken as problem:
            form.add_error(None, str(problem))
        except EditConflict:
            if conflict is None:
                raise
            form, context = conflict()
            status = 409
        else:
            messages.success(request, success_message)
            return redirect_to(done) if callable(redirect_to) else redirect(redirect_to)
    shown = context() if callable(context) else context
    return render(request, template, {**shown, "form": form, "nav": NAV}, status=status)


def _rebound[F: forms.Form](
    form_class: type[F], form: forms.Form, version: int, **kwargs: Any
) -> F:
    """What was typed, with the version saved now: sending it again saves it on top."""
    data = QueryDict(mutable=True)
    data.update(form.data)
    data["version"] = str(version)
    rebound = form_class(data, **kwargs)
    rebound.is_valid()
    rebound.add_error(None, CONFLICT)
    return rebound


# --- browsing ---------------------------------------------------------------------------------


class SearchForm(forms.Form):
    q = forms.CharField(required=False, max_length=200)


@actor_required
def browse(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Every service in the directory, or those matching a search, a page at a time."""
    search = SearchForm(request.GET)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    paginator = Paginator(queries.browse(actor, text), queries.PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "directory/browse.html",
        {
            "q": text,
            "page": page,
            "rows": queries.summarise(list(page.object_list)),
            "query_string": urlencode({"q": text}) if text else "",
            "can_manage": policy.can(actor, policy.Permission.MANAGE_LISTING),
            "nav": NAV,
        },
    )


@actor_required
def service(request: HttpRequest, actor: Actor, service_id: UUID) -> HttpResponse:
    """One service: who it is for, where, when, how to apply, and how much room it has."""
    detail = queries.service_detail(actor, service_id)
    return render(
        request,
        "directory/service.html",
        {
            "detail": detail,
            "row": detail.summary,
            "service": detail.summary.service,
            "schedules": [queries.schedule_label(s) for s in detail.schedules],
            "can_edit": detail.kept_by_actor
            and policy.can(actor, policy.Permission.MANAGE_LISTING),
            "nav": NAV,
        },
    )


# --- our listing ------------------------------------------------------------------------------


def _capacity_form(service: Service) -> CapacityForm:
    """The quick form for the service's newest figure in beds, places or appointments, or
    for its first one (a figure imported in another unit is shown, not edited here)."""
    figures = [c for c in queries.capacities_by_unit(service) if c.unit.name in UNIT_LABELS]
    if not figures:
        return CapacityForm(
            initial={"version": 0, "unit": "beds"}, auto_id=f"capacity-{service.pk}-%s"
        )
    return _capacity_form_for(service, figures[0], auto_id=f"capacity-{service.pk}-%s")


def _whole(value: float | None) -> int | float | None:
    if value is None:
        return None
    return int(value) if value.is_integer() else value


def _listing_page(
    request: HttpRequest,
    actor: Actor,
    organization: Organization,
    *,
    status: int = 200,
    problem: str = "",
) -> HttpResponse:
    services = list(queries.our_services(organization))
    rows = queries.summarise(services)
    return render(
        request,
        "directory/ours.html",
        {
            "organization": organization,
            "rows": [(row, _capacity_form(row.service)) for row in rows],
            "locations": [
                (location, queries.first_address(location))
                for location in queries.our_locations(organization)
            ],
            "problem": problem,
            "stale_days": settings.CONTINUUM_DIRECTORY_STALE_DAYS,
            "nav": NAV,
        },
        status=status,
    )


@actor_required
def ours(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The agency's own listing: its services with capacity and "Still true", its locations.
    An agency with none yet is asked to add its organization."""
    organization = queries.our_organization(actor)
    if organization is None:
        return render(
            request,
            "directory/organization.html",
            {"form": OrganizationForm(), "organization": None, "nav": NAV},
        )
    return _listing_page(request, actor, organization)


def _organization_facts(organization: Organization) -> list[tuple[str, str]]:
    return [
        (_("Name"), organization.name),
        (_("What the organization does"), organization.description),
        (_("Public email"), organization.email),
        (_("Website"), organization.website),
    ]


@require_http_methods(["GET", "POST"])
@actor_required
def organization(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Add the agency's organization to the directory, or change its name and contact."""
    found = queries.our_organization(actor)
    if found is None:
        add_form = OrganizationForm(posted(request))
        return _form_page(
            request,
            "directory/organization.html",
            add_form,
            lambda _data: actions.create_organization(actor=actor, details=add_form.details()),
            _("Your organization is in the directory. Add its services next."),
            {"organization": None},
        )
    kept = found
    form = OrganizationEditForm(posted(request), initial=OrganizationForm.initial_from(kept))

    def conflict() -> tuple[forms.Form, _Context]:
        saved = queries.our_organization_or_404(actor)
        rebound = _rebound(OrganizationEditForm, form, saved.version)
        return rebound, {"organization": saved, "current": _organization_facts(saved)}

    return _form_page(
        request,
        "directory/organization.html",
        form,
        lambda data: actions.change_organization(
            actor=actor, organization=kept, details=form.details(), expected_version=data["version"]
        ),
        _("Saved."),
        {"organization": kept, "current": None},
        conflict=conflict,
    )


def _service_facts(service: Service) -> list[tuple[str, str]]:
    row = queries.summarise([service])[0]
    return [
        (_("Name of the service"), service.name),
        (_("What the service does"), service.description),
        (_("Status"), service.get_status_display()),
        (_("Ages served"), row.ages),
        (_("Who it is for"), service.eligibility_description),
        (_("Languages"), ", ".join(row.languages)),
        (_("How to apply"), service.application_process),
        (_("Fees"), service.fees_description),
    ]


@require_http_methods(["GET", "POST"])
@actor_required
def add_service(request: HttpRequest, actor: Actor) -> HttpResponse:
    organization = queries.our_organization_or_404(actor)
    form = ServiceForm(posted(request))
    return _form_page(
        request,
        "directory/service_form.html",
        form,
        lambda _data: actions.create_service(actor=actor, details=form.details()),
        _("Service added. Tag it with what it does, so that matching finds it."),
        {"organization": organization, "service": None},
        redirect_to=lambda added: redirect("directory:service_terms", service_id=added.pk),
    )


@require_http_methods(["GET", "POST"])
@actor_required
def edit_service(request: HttpRequest, actor: Actor, service_id: UUID) -> HttpResponse:
    found = queries.our_service(actor, service_id)
    form = ServiceEditForm(posted(request), initial=ServiceForm.initial_from(found))

    def conflict() -> tuple[forms.Form, _Context]:
        saved = queries.our_service(actor, service_id)
        rebound = _rebound(ServiceEditForm, form, saved.version)
        return rebound, {"service": saved, "current": _service_facts(saved)}

    return _form_page(
        request,
        "directory/service_form.html",
        form,
        lambda data: actions.change_service(
            actor=actor, service=found, details=form.details(), expected_version=data["version"]
        ),
        _("Saved. The listing is marked as checked today."),
        {"service": found, "current": None},
        conflict=conflict,
    )


@require_http_methods(["GET", "POST"])
@actor_required
def service_terms(request: HttpRequest, actor: Actor, service_id: UUID) -> HttpResponse:
    """The Open Eligibility terms a service is tagged with (what it does): matching finds a
    service for a need through them. Find a term by name; add or remove one at a time."""
    found = queries.our_service(actor, service_id)
    search = TermSearchForm(request.GET)
    text = search.cleaned_data["q"] if search.is_valid() else ""
    status, problem = 200, ""
    if request.method == "POST":
        change = TermForm(request.POST)
        status, problem = 422, _("Choose a term from the list.")
        term = queries.service_term(change.cleaned_data["term"]) if change.is_valid() else None
        if term is not None:
            current = queries.terms_of([found.pk]).get(found.pk, [])
            if change.cleaned_data["change"] == "add":
                wanted = [*current, term]
            else:
                wanted = [t for t in current if t.pk != term.pk]
            try:
                actions.set_service_terms(
                    actor=actor,
                    service=found,
                    terms=wanted,
                    expected_version=change.cleaned_data["version"],
                )
            except EditConflict:
                found = queries.our_service(actor, service_id)
                status = 409
                problem = _(
                    "Someone else changed this service since you opened the page. Nothing "
                    "was saved. Check its terms below, then try again."
                )
            else:
                said = (
                    _("Added: %(term)s.")
                    if change.cleaned_data["change"] == "add"
                    else _("Removed: %(term)s.")
                )
                messages.success(request, said % {"term": term.name})
                url = reverse("directory:service_terms", kwargs={"service_id": found.pk})
                return redirect(f"{url}?{urlencode({'q': text})}" if text else url)
    current_terms = queries.terms_of([found.pk]).get(found.pk, [])
    chosen = {t.pk for t in current_terms}
    available = queries.service_term_choices()
    results = [t for t in queries.service_term_choices(text)[:60] if t.pk not in chosen]
    return render(
        request,
        "directory/terms.html",
        {
            "service": found,
            "terms": [(t, queries.term_label(t)) for t in current_terms],
            "search": search,
            "q": text,
            "results": [(t, queries.term_label(t)) for t in results] if text else [],
            "none_loaded": not available.exists(),
            "problem": problem,
            "nav": NAV,
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@actor_required
def capacity(request: HttpRequest, actor: Actor, service_id: UUID) -> HttpResponse:
    """How much room a service has now: one figure per unit, the newest first. Posted from
    the listing page (one step), or from here when adding a figure in another unit."""
    found = queries.our_service(actor, service_id)
    form = CapacityForm(posted(request), auto_id=f"capacity-{found.pk}-%s")

    def conflict() -> tuple[forms.Form, _Context]:
        again = queries.our_service(actor, service_id)
        latest = {c.unit.name: c for c in queries.capacities_by_unit(again)}
        saved = latest.get(form.cleaned_data["unit"])
        version = saved.version if saved else 0
        rebound = _rebound(CapacityForm, form, version, auto_id=f"capacity-{again.pk}-%s")
        return rebound, _capacity_context(request, again, _capacity_conflict(saved))

    return _form_page(
        request,
        "directory/capacity.html",
        form,
        lambda data: actions.set_capacity(
            actor=actor,
            service=found,
            unit=data["unit"],
            available=data["available"],
            maximum=data["maximum"],
            expected_version=data["version"],
        ),
        _("Capacity updated: %(service)s.") % {"service": found.name},
        lambda: _capacity_context(request, found),
        conflict=conflict,
    )


def _capacity_context(request: HttpRequest, found: Service, problem: str = "") -> _Context:
    figures = queries.summarise([found])[0]
    unused = [u for u in UNIT_LABELS if u not in {c.unit.name for c in figures.capacities}]
    return {
        "service": found,
        "row": figures,
        "posted": request.method == "POST",
        "existing": [
            (label, _capacity_form_for(found, c))
            for label, c in zip(figures.capacity_labels, figures.capacities, strict=True)
            if c.unit.name in UNIT_LABELS
        ],
        "add_form": CapacityForm(
            initial={"version": 0, "unit": unused[0]}, auto_id=f"capacity-new-{found.pk}-%s"
        )
        if unused
        else None,
        "problem": problem,
    }


def _capacity_form_for(
    service: Service, figure: ServiceCapacity, *, auto_id: str = ""
) -> CapacityForm:
    return CapacityForm(
        initial={
            "available": _whole(figure.available),
            "maximum": _whole(figure.maximum),
            "unit": figure.unit.name,
            "version": figure.version,
        },
        auto_id=auto_id or f"capacity-{figure.pk}-%s",
        fixed_unit=True,
    )


def _capacity_conflict(saved: ServiceCapacity | None) -> str:
    if saved is None:
        return _("Someone else changed this figure. Nothing was saved. Check, then save again.")
    return _(
        "Someone else updated this figure while you were typing: it now says %(figure)s. "
        "Nothing was saved. What you typed is kept below; save again to put yours on top."
    ) % {"figure": queries.capacity_label(saved, saved.updated)}


@require_POST
@actor_required
def still_true(request: HttpRequest, actor: Actor, service_id: UUID) -> HttpResponse:
    """The listing, as shown, is true today: it is no longer stale."""
    found = queries.our_service(actor, service_id)
    form = StillTrueForm(request.POST)
    organization = queries.our_organization_or_404(actor)
    if not form.is_valid():
        return _listing_page(
            request,
            actor,
            organization,
            status=422,
            problem=_("Something went wrong with that button. Press it again."),
        )
    try:
        actions.mark_still_true(
            actor=actor, service=found, expected_version=form.cleaned_data["version"]
        )
    except EditConflict:
        return _listing_page(
            request,
            actor,
            organization,
            status=409,
            problem=_(
                "“%(service)s” changed since you opened this page, so it was not marked as "
                "checked. Look at it again below, then press “Still true” if it is."
            )
            % {"service": found.name},
        )
    messages.success(request, _("Marked as checked today: %(service)s.") % {"service": found.name})
    return redirect("directory:ours")


# --- locations --------------------------------------------------------------------------------


def _location_facts(location: Location) -> list[tuple[str, str]]:
    address = queries.first_address(location)
    where = ""
    if address is not None:
        parts = (address.address_1, address.address_2, address.city, address.state_province)
        where = ", ".join(p for p in (*parts, address.postal_code) if p)
    services = ", ".join(
        sorted(link.service.name for link in location.service_at_locations.all() if link.service)
    )
    return [
        (_("Name of the location"), location.name),
        (_("Confidential location"), _("yes") if location.confidential else _("no")),
        (_("Address"), where),
        (
            _("Latitude and longitude"),
            f"{location.latitude}, {location.longitude}" if location.latitude is not None else "",
        ),
        (_("Services given here"), services),
    ]


@require_http_methods(["GET", "POST"])
@actor_required
def add_location(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Add a place where the agency gives services. Confidential unless unticked."""
    organization = queries.our_organization_or_404(actor)
    services = list(organization.services.order_by("name"))
    form = LocationForm(posted(request), services=services)
    return _form_page(
        request,
        "directory/location_form.html",
        form,
        lambda _data: actions.create_location(actor=actor, details=form.details()),
        _("Location added."),
        {"location": None},
    )


@require_http_methods(["GET", "POST"])
@actor_required
def edit_location(request: HttpRequest, actor: Actor, location_id: UUID) -> HttpResponse:
    found = queries.our_location(actor, location_id)
    organization = queries.our_organization_or_404(actor)
    services = list(organization.services.order_by("name"))
    form = LocationEditForm(
        posted(request), services=services, initial=LocationForm.initial_from(found)
    )

    def conflict() -> tuple[forms.Form, _Context]:
        saved = queries.our_location(actor, location_id)
        rebound = _rebound(LocationEditForm, form, saved.version, services=services)
        return rebound, {"location": saved, "current": _location_facts(saved)}

    return _form_page(
        request,
        "directory/location_form.html",
        form,
        lambda data: actions.change_location(
            actor=actor, location=found, details=form.details(), expected_version=data["version"]
        ),
        _("Saved."),
        {"location": found, "current": None},
        conflict=conflict,
    )
