"""Care-plan pages: the plan, its goals, tasks and services (each change with how the
survivor took part), reviews with the survivor, versions and what changed between them, the
plain-language copy the survivor keeps, and their appointments."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from continuum.access import policy
from continuum.access.actor import Actor
from continuum.access.part2 import notice_for_any
from continuum.accounts.models import Agency, User
from continuum.cases.models import CareTeamMember, Case
from continuum.cases.queries import case_for
from continuum.core.models import EditConflict
from continuum.core.web import actor_required, allowed, posted
from continuum.drafts.web import draft_for, forget_draft
from continuum.needs.models import Need
from continuum.plans import actions, queries, snapshot
from continuum.plans.forms import (
    NO_GOAL,
    AppointmentForm,
    GoalForm,
    IntervalForm,
    ReviewForm,
    ServiceForm,
    TaskForm,
    TaskStatusForm,
)
from continuum.plans.models import Appointment, Goal, PlannedService, PlanTask


def _may_edit(actor: Actor, case: Case) -> bool:
    return allowed(policy.require_lead_team_write, actor, case, policy.Permission.EDIT_PLAN)


@actor_required
def plan(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """The plan as the reader may see it: goals in the survivor's words, the needs each
    meets, who is doing what by when, services, what is coming up, and whether it is time
    to go through it with them again."""
    case = case_for(actor, case_id, audit_read=False)
    view = queries.plan_of(actor, case)
    if view is None:
        queries.record_case_read(actor, case, "plan", categories=[])
    appointments = queries.appointments_of(actor, case, audit=False) if view else None
    tasks = [t for g in view.goals for t in g.tasks] + view.loose_tasks if view else []
    return render(
        request,
        "plans/plan.html",
        {
            "case": case,
            "view": view,
            "notice": _plan_notice(actor, case, view, appointments or []),
            "can_edit": view is not None and _may_edit(actor, case),
            "movable": policy.movable_tasks(actor, case, tasks),
            "upcoming": queries.upcoming(appointments or []),
            "today": timezone.localdate(),
            "interval_form": IntervalForm(
                initial={
                    "review_every_days": view.plan.review_every_days,
                    "version": view.version,
                }
            )
            if view and view.plan
            else None,
            "nav": "survivors",
        },
    )


# --- the shape of a plan edit ---------------------------------------------------------------


def _plan_notice(
    actor: Actor, case: Case, view: queries.PlanView | None, appointments: list[Appointment]
) -> str:
    """42 CFR 2.32 for the plan page: its goals, tasks and services are written by the lead
    agency; appointments by whoever added them."""
    items = [(i.category, case.lead_agency_id) for i in _plan_items(view)]
    items += [(a.category, a.created_by_agency_id) for a in appointments]
    return notice_for_any(items, actor.agency_id)


def _plan_items(view: queries.PlanView | None) -> list[Goal | PlanTask | PlannedService]:
    if view is None:
        return []
    items: list[Goal | PlanTask | PlannedService] = []
    for shown in view.goals:
        items += [shown.goal, *shown.tasks, *shown.services]
    return items + view.loose_tasks + view.loose_services


def _snapshot_notice(actor: Actor, case: Case, *snaps: snapshot.Snapshot) -> str:
    """42 CFR 2.32 for a version of the plan (written by the lead agency), or two compared:
    the notice when it holds substance-use items the reader is shown."""
    readable = queries.readable_categories(actor, case)
    items = [
        (str(item.get("category")), case.lead_agency_id)
        for snap in snaps
        for kind in snapshot.KINDS
        for item in snap.get(kind, {}).values()
        if item.get("category") in readable
    ]
    return notice_for_any(items, actor.agency_id)


def _rebound[F: forms.Form](form: F, rebuild: Callable[[QueryDict], F], version: int) -> F:
    """What was typed, bound again with the plan's version now: sending it again puts it on
    top of the other person's change."""
    data = QueryDict(mutable=True)
    data.update(form.data)
    data["version"] = str(version)
    rebound = rebuild(data)
    rebound.is_valid()
    return rebound


def _conflict_context(actor: Actor, case: Case, clash: actions.PlanConflict) -> dict[str, Any]:
    readable = queries.readable_categories(actor, case)
    queries.hide_made_stricter(case, readable, clash.base, clash.current)
    queries.record_case_read(
        actor, case, "plan_conflict", versions=[clash.base_number, clash.current_number]
    )
    return {
        "conflict": clash,
        "changes_since": snapshot.compare(clash.base, clash.current, readable),
        "clash_labels": [
            str(snapshot.FIELD_LABELS.get(name, _("It was removed"))) for name in clash.clashes
        ],
    }


def _edit_page[F: forms.Form](
    request: HttpRequest,
    actor: Actor,
    case: Case,
    *,
    build: Callable[[QueryDict | None, dict[str, Any]], F],
    save: Callable[[F], object],
    form_class: type[F],
    draft_key: str,
    template_context: dict[str, Any],
    done_message: str,
) -> HttpResponse:
    """GET shows the form; POST saves it through `save`, or shows why not: the rule that was
    broken (422), or — when someone changed the plan meanwhile — what they changed and what
    clashes, with everything typed kept and the newest version taken (409)."""
    policy.require_lead_team_write(actor, case, policy.Permission.EDIT_PLAN)
    draft = draft_for(
        request, actor, key=draft_key, survivor_id=case.survivor_id, form_class=form_class
    )
    form = build(posted(request), draft.initial)
    extra: dict[str, Any] = {"draft": draft}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                save(form)
            except actions.PlanConflict as clash:
                extra |= _conflict_context(actor, case, clash)
                form = _rebound(form, lambda data: build(data, {}), clash.current_number)
                status = 409
            except actions.PlanRuleBroken as problem:
                form.add_error(None, str(problem))
                status = 422
            else:
                forget_draft(actor, draft.key)
                messages.success(request, done_message)
                return redirect("plans:plan", case_id=case.pk)
        else:
            status = 422
    context = {"case": case, "form": form, "nav": "survivors", **template_context, **extra}
    return render(request, "plans/edit.html", context, status=status)


def _plan_version(actor: Actor, case: Case) -> int:
    view = queries.plan_of(actor, case, audit=False)
    return view.version if view else 0


def _needs_of(actor: Actor, case: Case) -> list[Need]:
    readable = queries.readable_categories(actor, case)
    return list(
        Need.objects.filter(case=case, domain__category__in=readable).select_related("domain")
    )


def _goals_of(actor: Actor, case: Case) -> list[Goal]:
    readable = queries.readable_categories(actor, case)
    return list(Goal.objects.filter(plan__case=case, category__in=readable))


def _owners(case: Case) -> list[tuple[Agency, User | None]]:
    """Who a task may go to: the lead agency and each agency on the care team, as a whole
    or a person named on the team."""
    team = list(
        CareTeamMember.objects.filter(case=case, removed_at__isnull=True)
        .select_related("agency", "user")
        .order_by("agency__name", "user__first_name")
    )
    owners: list[tuple[Agency, User | None]] = [(case.lead_agency, None)]
    seen: set[tuple[int, int | None]] = {(case.lead_agency_id, None)}
    for member in sorted(team, key=lambda m: m.agency_id != case.lead_agency_id):
        for pair in ((member.agency, None), (member.agency, member.user)):
            key = (pair[0].pk, pair[1].pk if pair[1] else None)
            if key not in seen and pair[0].is_active:
                seen.add(key)
                owners.append(pair)
    return owners


@require_http_methods(["GET", "POST"])
@actor_required
def goal_form(
    request: HttpRequest, actor: Actor, case_id: UUID, goal_id: UUID | None = None
) -> HttpResponse:
    """Add a goal in the survivor's words, or change one."""
    case = case_for(actor, case_id, audit_read=request.method == "GET")
    goal = queries.goal_of(actor, case, goal_id) if goal_id else None
    needs = _needs_of(actor, case)
    initial: dict[str, Any] = {"version": _plan_version(actor, case)}
    if goal is not None:
        initial |= {
            "words": goal.words,
            "category": goal.category,
            "status": goal.status,
            "needs": [str(pk) for pk in goal.needs.values_list("pk", flat=True)],
        }
    else:
        initial["needs"] = [v for v in request.GET.getlist("need") if v]

    def save(form: GoalForm) -> object:
        version = form.cleaned_data["version"]
        if goal is None:
            return actions.add_goal(
                actor=actor,
                case=case,
                goal=form.goal(),
                voice=form.voice(),
                expected_version=version,
            )
        return actions.change_goal(
            actor=actor, goal=goal, change=form.goal(), voice=form.voice(), expected_version=version
        )

    return _edit_page(
        request,
        actor,
        case,
        build=lambda data, typed: GoalForm(data, needs=needs, initial={**initial, **typed}),
        form_class=GoalForm,
        draft_key=f"plans.goal:{case.pk}:{goal.pk if goal else 'new'}",
        save=save,
        template_context={
            "heading": _("Change this goal") if goal else _("Add a goal"),
            "intro": _(
                "Ask what they want for themselves, and write it the way they say it. The plan "
                "is theirs."
            ),
            "editing": goal,
        },
        done_message=_("Goal saved."),
    )


@require_http_methods(["GET", "POST"])
@actor_required
def task_form(
    request: HttpRequest, actor: Actor, case_id: UUID, task_id: UUID | None = None
) -> HttpResponse:
    """Add a task (what, for which goal, who, by when), or change one."""
    case = case_for(actor, case_id, audit_read=request.method == "GET")
    task = queries.task_of(actor, case, task_id) if task_id else None
    initial: dict[str, Any] = {"version": _plan_version(actor, case)}
    if task is not None:
        owner = (
            f"u:{task.owner_agency_id}:{task.owner_user_id}"
            if task.owner_user_id
            else f"a:{task.owner_agency_id}"
        )
        initial |= {
            "title": task.title,
            "goal": str(task.goal_id) if task.goal_id else NO_GOAL,
            "owner": owner,
            "due_on": task.due_on,
            "status": task.status,
        }
    else:
        initial["goal"] = request.GET.get("goal", NO_GOAL)
    goals, owners = _goals_of(actor, case), _owners(case)

    def save(form: TaskForm) -> object:
        version = form.cleaned_data["version"]
        if task is None:
            return actions.add_task(
                actor=actor,
                case=case,
                task=form.task(),
                voice=form.voice(),
                expected_version=version,
            )
        return actions.change_task(
            actor=actor, task=task, change=form.task(), voice=form.voice(), expected_version=version
        )

    return _edit_page(
        request,
        actor,
        case,
        build=lambda data, typed: TaskForm(
            data, goals=goals, owners=owners, initial={**initial, **typed}
        ),
        form_class=TaskForm,
        draft_key=f"plans.task:{case.pk}:{task.pk if task else 'new'}",
        save=save,
        template_context={
            "heading": _("Change this task") if task else _("Add a task"),
            "intro": _("A step toward one of their goals, with who does it and by when."),
            "editing": task,
        },
        done_message=_("Task saved."),
    )


@require_http_methods(["GET", "POST"])
@actor_required
def service_form(
    request: HttpRequest, actor: Actor, case_id: UUID, service_id: UUID | None = None
) -> HttpResponse:
    """Plan a service for a goal, or change one."""
    case = case_for(actor, case_id, audit_read=request.method == "GET")
    service = queries.service_of(actor, case, service_id) if service_id else None
    initial: dict[str, Any] = {"version": _plan_version(actor, case)}
    if service is not None:
        initial |= {
            "description": service.description,
            "goal": str(service.goal_id) if service.goal_id else NO_GOAL,
            "provider": service.provider_id,
            "status": service.status,
        }
    else:
        initial["goal"] = request.GET.get("goal", NO_GOAL)
    goals = _goals_of(actor, case)

    def save(form: ServiceForm) -> object:
        version = form.cleaned_data["version"]
        if service is None:
            return actions.add_service(
                actor=actor,
                case=case,
                service=form.service(),
                voice=form.voice(),
                expected_version=version,
            )
        return actions.change_service(
            actor=actor,
            service=service,
            change=form.service(),
            voice=form.voice(),
            expected_version=version,
        )

    return _edit_page(
        request,
        actor,
        case,
        build=lambda data, typed: ServiceForm(data, goals=goals, initial={**initial, **typed}),
        form_class=ServiceForm,
        draft_key=f"plans.service:{case.pk}:{service.pk if service else 'new'}",
        save=save,
        template_context={
            "heading": _("Change this service") if service else _("Plan a service"),
            "intro": _("A service the plan counts on, and who provides it if you know."),
            "editing": service,
        },
        done_message=_("Service saved."),
    )


@require_http_methods(["GET", "POST"])
@actor_required
def review(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """Record going through the plan with the survivor: what they thought, what they asked."""
    case = case_for(actor, case_id, audit_read=request.method == "GET")

    def save(form: ReviewForm) -> object:
        return actions.record_review(
            actor=actor,
            case=case,
            reviewed_on=form.cleaned_data["reviewed_on"],
            agreement=form.cleaned_data["agreement"],
            survivor_said=form.cleaned_data["survivor_said"],
            expected_version=form.cleaned_data["version"],
        )

    version = _plan_version(actor, case)
    return _edit_page(
        request,
        actor,
        case,
        build=lambda data, typed: ReviewForm(data, initial={"version": version, **typed}),
        form_class=ReviewForm,
        draft_key=f"plans.review:{case.pk}",
        save=save,
        template_context={
            "heading": _("Go through the plan with them"),
            "intro": _(
                "Read the plan with them, goal by goal. Ask what they want to keep, change or "
                "add, and change the plan with them first if they ask."
            ),
            "review": True,
        },
        done_message=_("Review recorded."),
    )


@require_POST
@actor_required
def settings(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """How often the plan is gone through with them."""
    case = case_for(actor, case_id, audit_read=False)
    policy.require_lead_team_write(actor, case, policy.Permission.EDIT_PLAN)
    form = IntervalForm(request.POST)
    if not form.is_valid():
        messages.error(
            request,
            _("Choose a number of days from %(low)s to %(high)s.")
            % {"low": actions.MIN_REVIEW_DAYS, "high": actions.MAX_REVIEW_DAYS},
        )
    else:
        try:
            actions.set_review_interval(
                actor=actor,
                case=case,
                days=form.cleaned_data["review_every_days"],
                expected_version=form.cleaned_data["version"],
            )
        except (actions.PlanRuleBroken, EditConflict) as problem:
            messages.error(request, str(problem))
        else:
            messages.success(request, _("Saved."))
    return redirect("plans:plan", case_id=case.pk)


@require_POST
@actor_required
def move_task(request: HttpRequest, actor: Actor, case_id: UUID, task_id: UUID) -> HttpResponse:
    """The task's owner moves it along (from the plan or from their My work)."""
    case = case_for(actor, case_id, audit_read=False)
    task = queries.task_of(actor, case, task_id)
    form = TaskStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the task's status."))
    else:
        try:
            actions.move_task(actor=actor, task=task, status=form.cleaned_data["status"])
        except actions.PlanRuleBroken as problem:
            messages.error(request, str(problem))
        else:
            # Named, so a click on the wrong row is seen at once (My work drops a done task).
            messages.success(
                request,
                _("“%(task)s” is now: %(status)s.")
                % {"task": task.title, "status": task.get_status_display()},
            )
    target = form.cleaned_data.get("next", "") if form.is_valid() else ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        return redirect(target)
    return redirect("plans:plan", case_id=case.pk)


# --- versions -------------------------------------------------------------------------------


def _version_number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdecimal() and len(raw) < 10 else None


@require_GET
@actor_required
def versions(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """Every version of the plan: who changed what, when, and how the survivor took part;
    and, given two numbers, what changed between them."""
    case = case_for(actor, case_id, audit_read=False)
    view = queries.plan_of(actor, case)
    if view is None:
        raise policy.NotFound()
    older, newer = _version_number(request.GET.get("from")), _version_number(request.GET.get("to"))
    comparison = None
    problem = ""
    if request.GET.get("from") or request.GET.get("to"):
        numbers = {v.number for v in view.versions}
        if older is None or newer is None or older not in numbers or newer not in numbers:
            problem = _("Choose two versions of this plan.")
        else:
            older, newer = min(older, newer), max(older, newer)
            comparison = queries.compare_versions(actor, case, older, newer)
    return render(
        request,
        "plans/versions.html",
        {
            "case": case,
            "view": view,
            "comparison": comparison,
            "notice": _snapshot_notice(
                actor, case, *(snapshot.loads(v.snapshot) for v in comparison[:2])
            )
            if comparison
            else "",
            "problem": problem,
            "older": older,
            "newer": newer,
            "nav": "survivors",
        },
        status=422 if problem else 200,
    )


@require_GET
@actor_required
def version(request: HttpRequest, actor: Actor, case_id: UUID, number: int) -> HttpResponse:
    """One version of the plan, whole, as the reader may see it."""
    case = case_for(actor, case_id, audit_read=False)
    found = queries.version_of(actor, case, number)
    readable = queries.readable_categories(actor, case)
    queries.record_case_read(actor, case, "plan_version", version=number)
    kept = snapshot.loads(found.snapshot)
    items = queries.snapshot_items(case, kept, readable)  # hides what was made stricter
    return render(
        request,
        "plans/version.html",
        {
            "case": case,
            "found": found,
            "said": queries.survivor_said(case, found, readable),
            "items": items,
            "notice": _snapshot_notice(actor, case, kept),
            "nav": "survivors",
        },
    )


@require_GET
@actor_required
def survivor_copy(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """The plan in plain words for the survivor to keep (prints on its own)."""
    case = case_for(actor, case_id, audit_read=False)
    copy = queries.survivor_copy(actor, case)
    return render(request, "plans/print.html", {"case": case, "copy": copy})


# --- appointments --------------------------------------------------------------------------


def _companions(case: Case) -> list[User]:
    return [
        m.user
        for m in CareTeamMember.objects.filter(
            case=case, removed_at__isnull=True, user__isnull=False
        ).select_related("user")
        if m.user is not None
    ]


@require_http_methods(["GET", "POST"])
@actor_required
def appointments(request: HttpRequest, actor: Actor, case_id: UUID) -> HttpResponse:
    """Their calendar as the reader may see it, and a form to add to it."""
    case = case_for(actor, case_id, audit_read=False)
    may_write = allowed(policy.require_appointment_write, actor, case)
    form = AppointmentForm(
        posted(request),
        zone=actor.agency.time_zone,
        companions=_companions(case),
        kinds=queries.readable_categories(actor, case),
    )
    status = 200
    if request.method == "POST":
        if not may_write:
            raise policy.Forbidden(_("Your role cannot add appointments to this case."))
        if form.is_valid() and form.cleaned_data.get("moment"):
            try:
                actions.record_appointment(actor=actor, case=case, details=form.appointment())
            except actions.PlanRuleBroken as problem:
                form.add_error(None, str(problem))
                status = 422
            else:
                messages.success(request, _("Appointment added."))
                return redirect("plans:appointments", case_id=case.pk)
        else:
            status = 422
    shown = queries.appointments_of(actor, case)
    return render(
        request,
        "plans/appointments.html",
        {
            "case": case,
            "appointments": shown,
            "notice": notice_for_any(
                ((a.category, a.created_by_agency_id) for a in shown or []), actor.agency_id
            ),
            "form": form if may_write and shown is not None else None,
            "nav": "survivors",
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@actor_required
def edit_appointment(
    request: HttpRequest, actor: Actor, case_id: UUID, appointment_id: UUID
) -> HttpResponse:
    case = case_for(actor, case_id, audit_read=False)
    found = queries.appointment_of(actor, case, appointment_id)
    policy.require_appointment_write(actor, case)
    local = timezone.localtime(found.starts_at, ZoneInfo(actor.agency.time_zone))
    form = AppointmentForm(
        posted(request),
        zone=actor.agency.time_zone,
        companions=_companions(case),
        kinds=queries.readable_categories(actor, case),
        initial={
            "kind": found.kind,
            "what": found.what,
            "day": local.date(),
            "at": local.time().replace(second=0, microsecond=0),
            "place": found.place,
            "with_agency": found.with_agency_id,
            "accompanied_by": str(found.accompanied_by_id or ""),
            "category": found.category,
            "status": found.status,
            "version": found.version,
        },
    )
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.cleaned_data.get("moment"):
            try:
                actions.change_appointment(
                    actor=actor,
                    appointment=found,
                    details=form.appointment(),
                    expected_version=form.cleaned_data["version"] or 0,
                )
            except EditConflict as problem:
                form = _rebound(
                    form,
                    lambda d: AppointmentForm(
                        d,
                        zone=actor.agency.time_zone,
                        companions=_companions(case),
                        kinds=queries.readable_categories(actor, case),
                    ),
                    _refreshed_version(found),
                )
                form.add_error(None, str(problem))
                status = 409
            except actions.PlanRuleBroken as problem:
                form.add_error(None, str(problem))
                status = 422
            else:
                messages.success(request, _("Appointment saved."))
                return redirect("plans:appointments", case_id=case.pk)
        else:
            status = 422
    else:
        queries.record_case_read(actor, case, "appointment")
    return render(
        request,
        "plans/edit_appointment.html",
        {"case": case, "form": form, "found": found, "nav": "survivors"},
        status=status,
    )


def _refreshed_version(found: Any) -> int:
    found.refresh_from_db(fields=["version"])
    return int(found.version)
