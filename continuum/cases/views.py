"""Case pages: my work, opening a case, its details and status, the care team, notes."""

from __future__ import annotations

from uuid import UUID

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.part2 import REDISCLOSURE_NOTICE
from continuum.access.queries import grants_to_review
from continuum.cases import actions, queries
from continuum.cases.forms import (
    CareTeamMemberForm,
    CaseDetailsForm,
    CaseStatusForm,
    NoteForm,
    OpenCaseForm,
    people_in,
)
from continuum.cases.models import Case
from continuum.core.models import EditConflict
from continuum.core.web import actor_required, posted
from continuum.drafts.web import draft_for, forget_draft
from continuum.exports.queries import export_work
from continuum.mdt.queries import next_staffings_to_schedule
from continuum.needs.queries import needs_waiting
from continuum.plans.queries import my_plan_tasks, reviews_due
from continuum.protocols.queries import mous_to_renew
from continuum.referrals.queries import referral_work
from continuum.screening.queries import screens_due
from continuum.survivors.queries import survivor_for, survivors_to_inform, waiting_for_a_case


@actor_required
def my_work(request: HttpRequest, actor: Actor) -> HttpResponse:
    """The dashboard: the cases I work on and what is due on them."""
    cases = list(queries.my_cases(actor)) if policy.can(actor, policy.Permission.VIEW_CASE) else []
    queries.mask_survivors_of(actor, cases)
    if cases:
        queries.audit_case_list(actor, len(cases))
    plan_tasks = my_plan_tasks(actor)
    return render(
        request,
        "cases/my_work.html",
        {
            "cases": cases,
            "items": _items_with_plans(actor, cases),
            "plan_tasks": plan_tasks,
            "task_moves": [("in_progress", _("Started")), ("done", _("Done"))],
            "waiting": waiting_for_a_case(actor),
            "to_inform": survivors_to_inform(actor),
            "emergency_grants": grants_to_review(actor),
            "exports": export_work(actor),
            "next_staffings": next_staffings_to_schedule(actor),
            "mous_to_renew": mous_to_renew(actor),
            "referral_work": referral_work(actor),
            "screens_due": screens_due(actor)
            if policy.can(actor, policy.Permission.SCREEN)
            else [],
            "today": timezone.localdate(),
            "can_search": policy.can(actor, policy.Permission.SEARCH_SURVIVORS),
            "can_create": policy.can(actor, policy.Permission.CREATE_SURVIVOR),
            "nav": "work",
        },
    )


def _items_with_plans(actor: Actor, cases: list[Case]) -> list[queries.WorkItem]:
    """What is due on the cases, with the care plans to go through with the survivor and the
    needs waiting with nothing planned (for the lead agency's plan writers)."""
    items = queries.items_due(cases, agency_id=actor.agency_id)
    for case, due in reviews_due(actor, cases):
        items.append(
            queries.WorkItem(
                case,
                _("Go through the care plan with them"),
                due,
                url=reverse("plans:plan", kwargs={"case_id": case.pk}),
            )
        )
    by_pk = {case.pk: case for case in cases}
    for case_id, count in needs_waiting(actor, cases).items():
        label = ngettext(
            "%(n)s need waiting with nothing planned",
            "%(n)s needs waiting with nothing planned",
            count,
        ) % {"n": count}
        url = reverse("needs:assessment", kwargs={"case_id": case_id})
        items.append(queries.WorkItem(by_pk[case_id], label, None, url=url))
    today = timezone.localdate()
    return sorted(items, key=lambda item: (item.due_on is None, item.due_on or today))


@require_http_methods(["GET", "POST"])
@actor_required
def open_for_survivor(request: HttpRequest, actor: Actor, survivor_id: UUID) -> HttpResponse:
    survivor = survivor_for(actor, survivor_id, audit_read=request.method == "GET")
    policy.require_case_opening(actor, survivor)
    form = OpenCaseForm(posted(request))
    if request.method == "POST" and form.is_valid():
        try:
            actions.open_case(
                actor=actor,
                survivor=survivor,
                report_received_on=form.cleaned_data["report_received_on"],
            )
        except actions.CaseRuleBroken as problem:
            form.add_error(None, str(problem))
        else:
            messages.success(request, _("Case opened."))
            return redirect("survivors:detail", survivor_id=survivor.pk)
    return render(
        request, "cases/open.html", {"form": form, "survivor": survivor, "nav": "survivors"}
    )


@require_http_methods(["GET", "POST"])
@actor_required
def edit(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    case = queries.case_for(actor, case_id, audit_read=request.method == "GET")
    policy.require_case_write(actor, case, policy.Permission.EDIT_CASE)
    form = CaseDetailsForm(
        posted(request),
        initial={"report_received_on": case.report_received_on, "version": case.version},
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.update_case(
                actor=actor,
                case=case,
                report_received_on=form.cleaned_data["report_received_on"],
                expected_version=form.cleaned_data["version"],
            )
        except EditConflict as conflict:
            form.add_error(None, str(conflict))
            case.refresh_from_db()
            return render(
                request,
                "cases/edit.html",
                {"form": form, "case": case, "nav": "survivors"},
                status=409,
            )
        except actions.CaseRuleBroken as problem:
            form.add_error("report_received_on", str(problem))
        else:
            messages.success(request, _("Saved."))
            return redirect("survivors:detail", survivor_id=case.survivor_id)
    return render(request, "cases/edit.html", {"form": form, "case": case, "nav": "survivors"})


@require_http_methods(["GET", "POST"])
@actor_required
def change_status(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    case = queries.case_for(actor, case_id, audit_read=request.method == "GET")
    policy.require_case_write(actor, case, policy.Permission.EDIT_CASE)
    form = CaseStatusForm(posted(request), initial={"version": case.version})
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_case_status(
                actor=actor,
                case=case,
                status=form.cleaned_data["status"],
                closure_reason=form.cleaned_data["closure_reason"],
                expected_version=form.cleaned_data["version"],
            )
        except (actions.CaseRuleBroken, EditConflict) as problem:
            form.add_error(None, str(problem))
            status = 409 if isinstance(problem, EditConflict) else 422
        else:
            messages.success(request, _("Status changed."))
            return redirect("survivors:detail", survivor_id=case.survivor_id)
    return render(
        request,
        "cases/status.html",
        {"form": form, "case": case, "nav": "survivors"},
        status=status,
    )


@require_http_methods(["GET", "POST"])
@actor_required
def care_team(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """Who works on this case: add an agency or a named person, or take someone off."""
    # A POST that fails validation shows the team again, so it is a read too; a POST that
    # succeeds redirects and its action writes the entry.
    case = queries.case_with_team(actor, case_id, audit_read=False)
    can_manage = _may_manage(actor, case)
    form = CareTeamMemberForm(posted(request))
    status = 200
    if request.method == "POST":
        policy.require_case_write(actor, case, policy.Permission.MANAGE_CARE_TEAM)
        if form.is_valid():
            try:
                actions.add_care_team_member(
                    actor=actor,
                    case=case,
                    agency=form.cleaned_data["agency"],
                    user=form.cleaned_data["user"],
                    role=form.cleaned_data["role"],
                )
            except actions.CaseRuleBroken as problem:
                form.add_error(None, str(problem))
                status = 422
            else:
                messages.success(request, _("Added to the care team."))
                return redirect("cases:care_team", case_id=case.pk)
        else:
            status = 422
    queries.record_case_read(actor, case, "care_team")
    return render(
        request,
        "cases/care_team.html",
        {
            "case": case,
            "form": form,
            "can_manage": can_manage,
            "nav": "survivors",
            "people_url": reverse("cases:people", kwargs={"case_id": case.pk}),
        },
        status=status,
    )


def _may_manage(actor: Actor, case: object) -> bool:
    try:
        policy.require_case_write(actor, case, policy.Permission.MANAGE_CARE_TEAM)  # type: ignore[arg-type]
    except policy.Forbidden:
        return False
    return True


@actor_required
def people(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """HTMX partial: the people of the chosen agency, for the care-team form."""
    case = queries.case_for(actor, case_id, audit_read=False)
    policy.require_case_write(actor, case, policy.Permission.MANAGE_CARE_TEAM)
    agency_id = request.GET.get("agency", "")
    # isdecimal: "²".isdigit() is true and int("²") fails.
    valid = agency_id.isdecimal() and len(agency_id) < 12
    users = list(people_in(int(agency_id))) if valid else []
    return render(request, "cases/_people_options.html", {"users": users})


@require_POST
@actor_required
def remove_member(
    request: HttpRequest, actor: Actor, case_id: UUID, member_id: int
) -> HttpResponse:
    case = queries.case_with_team(actor, case_id, audit_read=False)
    member = next((m for m in case.active_team if m.pk == member_id), None)  # type: ignore[attr-defined]
    if member is None:
        raise policy.NotFound()
    try:
        actions.remove_care_team_member(actor=actor, member=member)
    except actions.CaseRuleBroken as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Removed from the care team."))
    return redirect("cases:care_team", case_id=case.pk)


def _note_draft_key(case_id: UUID) -> str:
    return f"cases.note:{case_id}"


@require_http_methods(["GET", "POST"])
@actor_required
def notes(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """The case's notes this person may read, newest first, and a form to add one (with what
    they typed and had not saved, if the idle sign-out interrupted them)."""
    form = None
    status = 200
    if request.method == "POST":
        case = queries.case_for(actor, case_id, audit_read=False)
        categories = queries.writable_note_categories(actor, case)
        if not categories:
            raise policy.Forbidden(_("You cannot write notes on this case."))
        form = NoteForm(request.POST, categories=categories)
        if form.is_valid():
            try:
                actions.write_note(actor=actor, case=case, **form.cleaned_data)
            except actions.CaseRuleBroken as problem:
                form.add_error("body", str(problem))
            else:
                forget_draft(actor, _note_draft_key(case.pk))
                messages.success(request, _("Note saved."))
                return redirect("cases:notes", case_id=case.pk)
        status = 422
    case, shown = queries.notes_of(actor, case_id)
    categories = queries.writable_note_categories(actor, case)
    draft = None
    if categories:
        # Only once the person may write here: a draft is restored into a form they may use.
        draft = draft_for(
            request,
            actor,
            key=_note_draft_key(case.pk),
            survivor_id=case.survivor_id,
            form_class=NoteForm,
        )
        if form is None:
            form = NoteForm(categories=categories, initial=draft.initial)
    return render(
        request,
        "cases/notes.html",
        {
            "case": case,
            "notes": shown,
            "form": form if categories else None,
            "draft": draft,
            "redisclosed": any(getattr(note, "redisclosed", False) for note in shown),
            "notice": REDISCLOSURE_NOTICE,
            "nav": "survivors",
        },
        status=status,
    )


@require_POST
@actor_required
def complete_task(request: HttpRequest, actor: Actor, case_id: UUID, task_id: int) -> HttpResponse:
    """Mark a to-do on the case done (the owning agency's team)."""
    case = queries.case_for(actor, case_id, audit_read=False)
    task = queries.task_of(case, task_id)
    try:
        actions.complete_task(actor=actor, task=task)
    except actions.CaseRuleBroken as problem:
        messages.error(request, str(problem))
    else:
        messages.success(request, _("Done: %(task)s.") % {"task": task.title})
    return redirect(reverse("survivors:detail", args=[case.survivor_id]) + f"#case-{case.pk}")
