"""Survivor pages: search, create, the survivor page itself, edit, and the access log."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.categories import ROLE_CATEGORIES, DataCategory
from continuum.access.part2 import REDISCLOSURE_NOTICE
from continuum.access.sharing import episode_categories
from continuum.audit.queries import ACCESS_LOG_LIMIT, access_log_for
from continuum.cases.actions import CaseRuleBroken, open_case
from continuum.cases.queries import mdt_due_on, visible_tasks
from continuum.core.models import EditConflict
from continuum.core.web import actor_required, allowed, posted
from continuum.mdt.queries import meetings_by_case
from continuum.needs.models import DOMAIN_CATEGORIES
from continuum.screening.queries import screenings_of
from continuum.survivors import actions, documents, queries
from continuum.survivors.forms import (
    EditSurvivorForm,
    HandOverForm,
    InformedForm,
    LegalBasisForm,
    NewSurvivorForm,
    ReleaseForm,
    SearchForm,
    SignedFormUploadForm,
    SuspectedExploiterForm,
)
from continuum.survivors.models import LegalBasis, Survivor


@require_http_methods(["GET", "POST"])
@actor_required
def search(request: HttpRequest, actor: Actor) -> HttpResponse:
    """Search by name and date of birth. The form posts, so that names never appear in a URL
    (browser history, proxy logs, Referer headers)."""
    policy.require(actor, policy.Permission.SEARCH_SURVIVORS)
    form = SearchForm(posted(request))
    results = None
    if form.is_bound and form.is_valid():
        results = queries.search_survivors(
            actor, text=form.cleaned_data["q"], born_on=form.cleaned_data["born_on"]
        )
    partial = bool(request.headers.get("HX-Request"))
    template = "survivors/_results.html" if partial else "survivors/search.html"
    return render(
        request,
        template,
        {
            "form": form,
            "results": results,
            "nav": "survivors",
            "can_create": policy.can(actor, policy.Permission.CREATE_SURVIVOR),
            "limit": queries.SEARCH_LIMIT,
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required
def create(request: HttpRequest, actor: Actor) -> HttpResponse:
    policy.require(actor, policy.Permission.CREATE_SURVIVOR)
    form = NewSurvivorForm(posted(request), hidden=actions.unseen_fields(actor))
    # Recording someone in order to screen them: the screening opens the case if one is
    # needed, so the form does not offer to open one, and the next page is the screening.
    then_screen = request.GET.get("then") == "screen"
    can_open = policy.can(actor, policy.Permission.OPEN_CASE) and not then_screen
    matches = None
    if request.method == "POST" and form.is_valid():
        matches = queries.possible_matches(actor, form.details())
        if matches.visible and not form.cleaned_data["not_a_duplicate"]:
            # Ask first: the person may be one of these (GOV.UK "check before you add").
            return render(
                request,
                "survivors/create.html",
                {
                    "form": form,
                    "nav": "survivors",
                    "can_open_case": can_open,
                    "matches": matches,
                    "then_screen": then_screen,
                },
            )
        try:
            survivor = _create_with_case(actor, form, open_now=can_open)
        except CaseRuleBroken as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Saved."))
            if matches.elsewhere:
                queries.note_match_elsewhere(actor, matches)
                messages.info(request, MATCH_ELSEWHERE)
            if then_screen:
                return redirect(f"{reverse('screening:start')}?survivor={survivor.pk}")
            return redirect("survivors:detail", survivor_id=survivor.pk)
    return render(
        request,
        "survivors/create.html",
        {
            "form": form,
            "nav": "survivors",
            "can_open_case": can_open,
            "matches": matches,
            "then_screen": then_screen,
        },
    )


MATCH_ELSEWHERE = gettext_lazy(
    "Another agency in the network may already have recorded this person. Continuum does not "
    "say who or where. If it matters for their care, ask your supervisor to raise it with the "
    "MDT coordinator, who can bring the agencies together; the other agency can see in its "
    "records that a possible match was found."
)


@transaction.atomic
def _create_with_case(actor: Actor, form: NewSurvivorForm, *, open_now: bool) -> Survivor:
    """Both or neither: a failed case opening must not leave a half-made record behind."""
    survivor = actions.create_survivor(actor=actor, details=form.details())
    if open_now and form.cleaned_data["open_case"]:
        open_case(
            actor=actor,
            survivor=survivor,
            report_received_on=form.cleaned_data["report_received_on"],
        )
    return survivor


@actor_required
def detail(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    """The survivor page: the person first, then each case with its team and timeline."""
    survivor = queries.survivor_for(actor, survivor_id)
    categories = survivor.allowed_categories  # type: ignore[attr-defined]
    cases = queries.cases_of(
        actor, survivor, need_categories=frozenset(c for c in DOMAIN_CATEGORIES if c in categories)
    )
    # Each case's needs as that episode's rule allows (a later lead reads an earlier lead's
    # needs only through a release), on top of the person-wide categories asked for above.
    by_case = episode_categories(actor, cases)
    for case in cases:
        case.open_tasks = visible_tasks(case)  # type: ignore[attr-defined]
        if hasattr(case, "need_list"):
            shown = by_case[case.pk]
            case.need_list = [n for n in case.need_list if n.domain.category in shown]
    staffings = meetings_by_case(actor, cases)
    for case in cases:
        case.mdt_due_on = mdt_due_on(case)  # type: ignore[attr-defined]
        case.staffings = staffings.get(case.pk, [])  # type: ignore[attr-defined]
    leads = any(case.lead_agency_id == actor.agency_id for case in cases)
    return render(
        request,
        "survivors/detail.html",
        {
            "survivor": survivor,
            "cases": cases,
            "today": timezone.localdate(),
            "age": survivor.age_on(timezone.localdate()),
            "can_edit": allowed(policy.require_survivor_write, actor, survivor),
            # Hidden while the agency already leads an open or inactive case: it would be refused.
            # Hidden while an agency leads an open or inactive case: it would be refused.
            "can_open_case": not any(c.status != "closed" for c in cases)
            and allowed(policy.require_case_opening, actor, survivor),
            "hand_over_form": HandOverForm()
            if allowed(policy.require_hand_over, actor, survivor)
            else None,
            "can_manage_releases": allowed(policy.require_release_management, actor, survivor),
            # What a release could give the agency; what the role never sees (a screener:
            # the care plan) is not "not shared", and is not announced.
            "withheld_labels": [
                DataCategory(c).label
                for c in sorted(survivor.withheld)  # type: ignore[attr-defined]
                if c in ROLE_CATEGORIES.get(actor.role, ())
            ],
            "exploiters": list(survivor.suspected_exploiters.all())
            if allowed(policy.require_survivor_write, actor, survivor)
            else None,
            "exploiter_form": SuspectedExploiterForm(),
            "can_see_access_log": leads and policy.can(actor, policy.Permission.VIEW_ACCESS_LOG),
            "actor_leads": leads,
            "screenings": screenings_of(actor, survivor),
            "can_screen": not survivor.emergency_only  # type: ignore[attr-defined]
            and policy.can(actor, policy.Permission.SCREEN)
            and policy.trained_to_screen(actor),
            "nav": "survivors",
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required
def edit(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    survivor = queries.survivor_for(actor, survivor_id, audit_read=request.method == "GET")
    policy.require_survivor_write(actor, survivor)
    if request.method == "POST":
        form = EditSurvivorForm(request.POST, hidden=actions.unseen_fields(actor, survivor))
        if form.is_valid():
            try:
                actions.update_survivor(
                    actor=actor,
                    survivor=survivor,
                    details=form.details(),
                    expected_version=form.cleaned_data["version"],
                )
            except EditConflict as conflict:
                form.add_error(None, str(conflict))
                # The conflict page shows what is saved now: that is a read, and audited.
                survivor = queries.survivor_for(actor, survivor.pk)
                return render(
                    request,
                    "survivors/edit.html",
                    {
                        "form": form,
                        "survivor": survivor,
                        "conflict": True,
                        "differences": form.differences_from(survivor),
                        "nav": "survivors",
                    },
                    status=409,
                )
            messages.success(request, _("Saved."))
            return redirect("survivors:detail", survivor_id=survivor.pk)
    else:
        form = EditSurvivorForm(
            initial={**EditSurvivorForm.initial_from(survivor), "version": survivor.version},
            hidden=actions.unseen_fields(actor, survivor),
        )
    return render(
        request, "survivors/edit.html", {"form": form, "survivor": survivor, "nav": "survivors"}
    )


@actor_required
def access_log(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    """Who opened or changed this record: for the lead agency's supervisor."""
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    policy.require_access_log(actor, survivor)
    entries = access_log_for(actor, survivor)
    return render(
        request,
        "survivors/access_log.html",
        {"survivor": survivor, "entries": entries, "nav": "survivors", "limit": ACCESS_LOG_LIMIT},
    )


@require_POST
@actor_required
def hand_over(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    """Hand a record with no case yet to the agency that will open the case."""
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    policy.require_hand_over(actor, survivor)
    form = HandOverForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the agency that will open the case."))
        return redirect("survivors:detail", survivor_id=survivor.pk)
    try:
        actions.hand_over(actor=actor, survivor=survivor, agency=form.cleaned_data["agency"])
    except actions.HandOverRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(
            request,
            _("Handed over to %(agency)s. Their supervisors and case managers can now find it.")
            % {"agency": form.cleaned_data["agency"].name},
        )
    return redirect("survivors:detail", survivor_id=survivor.pk)


@actor_required
def sharing(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    """Who can see what, and why: the releases, in plain words the survivor can take home
    (the page prints cleanly). For the agency leading care."""
    survivor = queries.survivor_for(actor, survivor_id)
    rows = queries.releases_of(actor, survivor)
    bases = queries.legal_bases_of(actor, survivor)
    return render(
        request,
        "survivors/sharing.html",
        {
            "survivor": survivor,
            "rows": rows,
            "bases": bases,
            # 42 CFR 2.32: shown with every Part 2 consent, wherever one is shown.
            "redisclosure_notice": REDISCLOSURE_NOTICE
            if any(row.release.is_part2 for row in rows)
            else None,
            "informed_form": InformedForm(),
            "agencies": queries.who_sees_what(actor, survivor, rows, bases),
            "today": timezone.localdate(),
            "nav": "survivors",
        },
    )


@require_http_methods(["GET", "POST"])
@actor_required
def new_release(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    survivor = queries.survivor_for(actor, survivor_id, audit_read=request.method == "GET")
    policy.require_release_management(actor, survivor)
    form = ReleaseForm(
        posted(request),
        lead_agency_id=actor.agency_id,
        initial={
            "starts_on": timezone.localdate(),
            "survivor_signed_on": timezone.localdate(),
            # For a Part 2 consent: the program permitted to disclose is usually this agency.
            "part2_discloser_name": actor.agency.name,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.record_release(actor=actor, survivor=survivor, terms=form.terms())
        except actions.Part2ConsentIncomplete as problem:
            # Each missing element next to its field; what was typed stays in the form.
            form.add_error(
                None,
                _(
                    "This release covers substance use treatment, which federal law (42 CFR "
                    "Part 2) protects more strictly. Complete what is marked below."
                ),
            )
            for field, message in problem.missing.items():
                form.add_error(field, message)
        except actions.ReleaseRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Release recorded."))
            return redirect("survivors:sharing", survivor_id=survivor.pk)
    return render(
        request,
        "survivors/release_form.html",
        {"form": form, "survivor": survivor, "nav": "survivors"},
    )


def _own_release(
    actor: Actor, survivor_id: UUID, release_id: UUID, *, audit_read: bool = False
) -> tuple[Survivor, queries.ReleaseRow]:
    survivor = queries.survivor_for(actor, survivor_id, audit_read=audit_read)
    return survivor, queries.release_row(actor, survivor, release_id)


# CSRF is checked by _signed_form_page, once the upload handler is in place: Django's
# CsrfViewMiddleware would otherwise read the upload first, with handlers that spill large
# files to a temporary file on disk.
@csrf_exempt
@require_http_methods(["GET", "POST"])
@actor_required
def signed_form(
    request: HttpRequest, actor: Actor, survivor_id: UUID, release_id: UUID
) -> HttpResponse:
    """Upload the signed release form (a scan or a photo): confirms in writing a release
    given verbally. For the agency that recorded the release, while it leads care."""
    # The page shows who the release is for: opening it is a read (the upload, a write, is
    # audited by the action).
    survivor, row = _own_release(actor, survivor_id, release_id, audit_read=request.method == "GET")
    upload: tuple[bytes | None, bool] | None = None
    if request.method == "POST":
        # Before anything reads the body: in memory only, and no further than the limit.
        upload = documents.read_upload(request)
    return _signed_form_page(request, actor=actor, survivor=survivor, row=row, upload=upload)


@csrf_protect
def _signed_form_page(
    request: HttpRequest,
    *,
    actor: Actor,
    survivor: Survivor,
    row: queries.ReleaseRow,
    upload: tuple[bytes | None, bool] | None,
) -> HttpResponse:
    form = (
        SignedFormUploadForm(request.POST, request.FILES)
        if upload is not None
        else SignedFormUploadForm()
    )
    if upload is not None:
        data, too_large = upload
        if too_large:
            form.add_error("file", documents.too_large_message())
        elif form.is_valid() and data is not None:
            try:
                actions.attach_signed_form(actor=actor, release=row.release, data=data)
            except actions.SignedFormRefused as problem:
                form.add_error("file", str(problem))
            else:
                messages.success(
                    request, _("Signed form saved. The release is confirmed in writing.")
                )
                return redirect("survivors:sharing", survivor_id=survivor.pk)
    return render(
        request,
        "survivors/signed_form.html",
        {
            "form": form,
            "survivor": survivor,
            "row": row,
            "redisclosure_notice": REDISCLOSURE_NOTICE if row.release.is_part2 else None,
            "nav": "survivors",
        },
    )


@require_GET
@actor_required
def download_signed_form(
    request: HttpRequest, actor: Actor, survivor_id: UUID, release_id: UUID
) -> HttpResponse:
    """The kept signed form, as an attachment named for the day it was signed. Audited."""
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    form = queries.signed_form_for(actor, survivor, release_id)
    return documents.download_response(form)


@require_POST
@actor_required
def revoke_release(
    request: HttpRequest, actor: Actor, survivor_id: UUID, release_id: UUID
) -> HttpResponse:
    survivor, row = _own_release(actor, survivor_id, release_id)
    release = row.release
    try:
        actions.revoke_release(actor=actor, release=release)
    except actions.ReleaseRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(
            request,
            _("Revoked. %(agency)s stops seeing it now.")
            % {"agency": release.recipient_agency.name},
        )
    return redirect("survivors:sharing", survivor_id=survivor.pk)


@require_http_methods(["GET", "POST"])
@actor_required
def new_legal_basis(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    """Record sharing the law requires without a release: a mandatory report, a court order."""
    survivor = queries.survivor_for(actor, survivor_id, audit_read=request.method == "GET")
    policy.require_release_management(actor, survivor)
    form = LegalBasisForm(
        posted(request), lead_agency_id=actor.agency_id, initial={"starts_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.record_legal_basis(
                actor=actor,
                survivor=survivor,
                recipient_agency=data["recipient_agency"],
                kind=data["kind"],
                reference=data["reference"],
                categories=frozenset(data["categories"]),
                starts_on=data["starts_on"],
                expires_on=data["expires_on"],
            )
        except actions.LegalBasisRefused as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(
                request, _("Recorded. Tell them about it when it is safe: it is on My work.")
            )
            return redirect("survivors:sharing", survivor_id=survivor.pk)
    return render(
        request,
        "survivors/legal_basis_form.html",
        {"form": form, "survivor": survivor, "nav": "survivors"},
    )


def _own_basis(actor: Actor, survivor_id: UUID, basis_id: UUID) -> tuple[Survivor, LegalBasis]:
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    basis = next(
        (row.basis for row in queries.legal_bases_of(actor, survivor) if row.basis.pk == basis_id),
        None,
    )
    if basis is None:
        raise policy.NotFound()
    return survivor, basis


@require_POST
@actor_required
def end_legal_basis(
    request: HttpRequest, actor: Actor, survivor_id: UUID, basis_id: UUID
) -> HttpResponse:
    survivor, basis = _own_basis(actor, survivor_id, basis_id)
    try:
        actions.end_legal_basis(actor=actor, basis=basis)
    except actions.LegalBasisRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(
            request,
            _("Ended. %(agency)s stops seeing it now.") % {"agency": basis.recipient_agency.name},
        )
    return redirect("survivors:sharing", survivor_id=survivor.pk)


@require_POST
@actor_required
def basis_informed(
    request: HttpRequest, actor: Actor, survivor_id: UUID, basis_id: UUID
) -> HttpResponse:
    """The survivor was told about a disclosure the law required, or it is not safe yet."""
    survivor, basis = _own_basis(actor, survivor_id, basis_id)
    form = InformedForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            " ".join(str(e) for e in form.errors.get("__all__", []))
            or _("Give the day you told them, or why it is not safe yet."),
        )
        return redirect("survivors:sharing", survivor_id=survivor.pk)
    try:
        actions.mark_survivor_informed(
            actor=actor,
            basis=basis,
            informed_on=form.cleaned_data["informed_on"],
            not_safe_reason=form.cleaned_data["not_safe_reason"],
        )
    except actions.LegalBasisRefused as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Saved."))
    return redirect("survivors:sharing", survivor_id=survivor.pk)


@require_POST
@actor_required
def add_suspected_exploiter(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    """Someone who must never sign for, or be told about, this person."""
    survivor = queries.survivor_for(actor, survivor_id, audit_read=False)
    policy.require_survivor_write(actor, survivor)
    form = SuspectedExploiterForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give their name (at most 120 characters)."))
    else:
        try:
            actions.record_suspected_exploiter(
                actor=actor,
                survivor=survivor,
                name=form.cleaned_data["name"],
                relationship=form.cleaned_data["relationship"],
            )
        except actions.ReleaseRefused as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, _("Recorded. They can never sign a release for this person."))
    return redirect("survivors:detail", survivor_id=survivor.pk)
