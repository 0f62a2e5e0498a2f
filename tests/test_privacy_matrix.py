"""The privacy matrix: role, by relation to the case, by release state, by every page and API
route that shows survivor data.

For each combination it checks the status, and that no value of a category the viewer may
not see appears anywhere in the response body — and, on the routes that show a category,
that the value of every category they may see does appear (so the test fails both ways).

What a viewer may see is the rule of the README's "Privacy model": their role's categories
(access.categories.ROLE_CATEGORIES, the configuration under test), all of them at the lead
agency, and at another agency on the care team only those a release in force names.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, resolve, reverse
from django.utils import timezone

from continuum.access.categories import ROLE_CATEGORIES, DataCategory
from continuum.accounts.models import Role
from continuum.api.api import api
from continuum.api.tokens import create_token
from continuum.cases.actions import write_note
from continuum.cases.models import NOTE_CATEGORIES, CareTeamRole
from continuum.survivors.actions import (
    SurvivorDetails,
    revoke_release,
    update_survivor,
)
from continuum.survivors.models import Release
from tests.personas import World, add_person, release_to_partner

pytestmark = pytest.mark.django_db

C = DataCategory
# What each category's value looks like in a response (synthetic data).
MARKERS: dict[str, tuple[str, ...]] = {
    C.IDENTITY: ("Marisol", "Pérez"),
    C.CONTACT: ("(352) 555-0199", "lighthouse"),
    C.NOTES: ("drop-in centre on Saturday",),
    # A need in the survivor's words, and what the assessment session covered.
    C.NEEDS: ("a room of my own with a lock", "we started with where she sleeps"),
    # A goal in the survivor's words, and an appointment of the care plan.
    C.CARE_PLAN: (
        "housing navigator on Tuesday",
        "finish tenth grade and get my permit",
        "bus pass pickup at the youth center",
    ),
    C.HEALTH: ("inhaler refilled at the clinic", "dentist cleaning at the clinic"),
    # A mental-health domain in her words, a mental-health goal and its task.
    C.MENTAL_HEALTH: (
        "sleeping better since the new routine",
        "someone to talk to about the nightmares",
        "a counsellor who gets it",
        "book the trauma counsellor",
    ),
    C.SUBSTANCE_USE: ("four outpatient sessions this month",),
    C.LEGAL: ("advocate will attend the deposition", "hearing with the juvenile judge"),
    C.EDUCATION: ("credit recovery plan with the counselor",),
    C.PLACEMENT: ("settled at the foster home near her brother",),
    # The result of Casey's screening of her (the bundled instrument's key item).
    C.SCREENING: ("Clear concern",),
}
# In her own words, on her record (Survivor.preferences, .priorities): how to work with her
# goes with her name; what matters most to her now, with the care plan. Pages that show the
# person must show each to whoever may see its category, not only her name.
THEIR_WORDS: dict[str, tuple[str, str]] = {
    "preferences": (C.IDENTITY, "sit facing the window during visits"),
    "priorities": (C.CARE_PLAN, "back on the swim team by spring"),
}
for _category, _words in THEIR_WORDS.values():
    MARKERS[_category] += (_words,)

# username: (agency, role, named on the care team as)
VIEWERS: dict[str, tuple[str, Role, CareTeamRole | None]] = {
    "casey": ("lead", Role.CASE_MANAGER, None),  # the lead case manager already
    "sam": ("lead", Role.SUPERVISOR, None),
    "lena": ("lead", Role.CLINICIAN, CareTeamRole.CLINICIAN),
    "milo": ("lead", Role.SURVIVOR_MENTOR, CareTeamRole.SURVIVOR_MENTOR),
    "drew": ("partner", Role.CLINICIAN, None),  # on the team already
    "parker": ("partner", Role.CASE_MANAGER, CareTeamRole.CASE_MANAGER),
    "pat": ("partner", Role.SUPERVISOR, None),  # agency-wide: the agency is on the team
    "mina": ("partner", Role.SURVIVOR_MENTOR, CareTeamRole.SURVIVOR_MENTOR),
    "cole": ("lead", Role.CASE_MANAGER, None),  # the lead agency, but not on this case
    "jordan": ("lead", Role.SCREENER, None),
    "avery": ("lead", Role.ANALYST, None),
    "quinn": ("other", Role.CASE_MANAGER, None),
    "morgan": ("other", Role.MDT_COORDINATOR, None),
    "oli": ("other", Role.SUPERVISOR, None),
}
RELATION = {
    "casey": "lead",
    "sam": "lead",
    "lena": "lead",
    "milo": "lead",
    "drew": "care_team",
    "parker": "care_team",
    "pat": "care_team",
    "mina": "care_team",
}  # everyone else: none

RELEASED = frozenset(
    {C.IDENTITY, C.CONTACT, C.MENTAL_HEALTH, C.SUBSTANCE_USE, C.LEGAL, C.CARE_PLAN, C.SCREENING}
)
RELEASED_BY_STATE: dict[str, frozenset[str]] = {
    "none": frozenset(),
    "in_force": RELEASED,
    "expired": frozenset(),
    "revoked": frozenset(),
    "wrong_category": frozenset({C.EDUCATION, C.PLACEMENT}),
    # Who she is (with how to work with her), not her care plan (what matters most to her).
    "identity_only": frozenset({C.IDENTITY}),
}


@dataclass(frozen=True)
class Route:
    label: str
    method: str
    path: Callable[[World], str]
    shows: frozenset[str] = frozenset()  # categories it must display to whoever may see them
    # "read": everyone on the case gets 200; "lead": other agencies get 403, the lead's
    # roles 200 or 403; "list": not about one record (200 or 403, never 404); a category
    # ("screening", "needs", "care_plan"...): 200 exactly for those who may see that category,
    # 404 for everyone else.
    kind: str = "read"
    data: dict[str, Any] | None = None
    api: bool = False
    their_words: bool = False  # must show each of THEIR_WORDS the viewer may see


def _sid(w: World) -> str:
    return str(w.survivor.pk)


def _cid(w: World) -> str:
    return str(w.case.pk)


PERSON = frozenset({C.IDENTITY, C.CONTACT})
NOTES = frozenset(NOTE_CATEGORIES)


def _screening(w: World) -> str:
    return str(w.extra.get("screening_id", ""))  # set by _record; the guard needs no id


def _domain(w: World, code: str) -> str:
    return str(w.extra.get("domain_code", code))  # the guard's template: {code}


def _session(w: World) -> str:
    return str(w.extra.get("session_id", ""))  # set by _record


def _plan_version(w: World) -> str:
    return str(w.extra.get("plan_version", ""))  # set by _record


def _shelter_need_id(w: World) -> str:
    from continuum.needs.models import Need

    found = Need.objects.filter(case=w.case, domain__code="shelter").values_list("pk", flat=True)
    return str(found.first() or "")  # made by _record; the guard needs no id


def _case_api(rest: str) -> Callable[[World], str]:
    return lambda w: f"/api/v1/cases/{_cid(w)}{rest}"


ROUTES = [
    Route(
        "survivor page",
        "get",
        lambda w: f"/survivors/{_sid(w)}/",
        PERSON | {C.SCREENING},
        their_words=True,
    ),
    Route(
        "screening result",
        "get",
        lambda w: f"/screening/{_screening(w)}/result/",
        frozenset({C.SCREENING}),
        kind="screening",
    ),
    Route("notes page", "get", lambda w: f"/cases/{_cid(w)}/notes/", NOTES),
    Route("care team page", "get", lambda w: f"/cases/{_cid(w)}/team/"),
    Route("edit survivor", "get", lambda w: f"/survivors/{_sid(w)}/edit/", kind="lead"),
    Route("who sees what", "get", lambda w: f"/survivors/{_sid(w)}/sharing/", kind="lead"),
    Route("access log", "get", lambda w: f"/survivors/{_sid(w)}/access-log/", kind="lead"),
    Route("new release", "get", lambda w: f"/survivors/{_sid(w)}/releases/new/", kind="lead"),
    Route(
        "new legal basis", "get", lambda w: f"/survivors/{_sid(w)}/legal-bases/new/", kind="lead"
    ),
    Route("open a case", "get", lambda w: f"/survivors/{_sid(w)}/cases/new/", kind="lead"),
    Route("ask for an export", "get", lambda w: f"/exports/new/{_sid(w)}/", kind="lead"),
    Route("case details", "get", lambda w: f"/cases/{_cid(w)}/edit/", kind="lead"),
    Route("case status", "get", lambda w: f"/cases/{_cid(w)}/status/", kind="lead"),
    Route("my work", "get", lambda w: "/cases/", kind="list"),
    Route("search", "post", lambda w: "/survivors/", kind="list", data={"q": "Marisol Pérez"}),
    Route(
        "api survivor",
        "get",
        lambda w: f"/api/v1/survivors/{_sid(w)}",
        PERSON,
        api=True,
        their_words=True,
    ),
    Route("api survivor cases", "get", lambda w: f"/api/v1/survivors/{_sid(w)}/cases", api=True),
    Route(
        "api releases",
        "get",
        lambda w: f"/api/v1/survivors/{_sid(w)}/releases",
        kind="lead",
        api=True,
    ),
    Route("api case", "get", lambda w: f"/api/v1/cases/{_cid(w)}", api=True),
    Route("api timeline", "get", lambda w: f"/api/v1/cases/{_cid(w)}/timeline", api=True),
    Route("api notes", "get", lambda w: f"/api/v1/cases/{_cid(w)}/notes", NOTES, api=True),
    Route(
        "api screening",
        "get",
        lambda w: f"/api/v1/screening/screenings/{_screening(w)}",
        frozenset({C.SCREENING}),
        kind="screening",
        api=True,
    ),
    Route(  # the answers and the total (the level's words are not in it)
        "api screening response",
        "get",
        lambda w: f"/api/v1/screening/screenings/{_screening(w)}/questionnaire-response",
        kind="screening",
        api=True,
    ),
    # The needs assessment: each domain shown by its category (needs.api).
    Route(
        "api assessment",
        "get",
        _case_api("/assessment"),
        frozenset({C.NEEDS, C.MENTAL_HEALTH}),
        api=True,
    ),
    Route(
        "api need history",
        "get",
        lambda w: f"/api/v1/cases/{_cid(w)}/assessment/domains/{_domain(w, 'shelter')}/history",
        frozenset({C.NEEDS}),
        kind=C.NEEDS,
        api=True,
    ),
    Route(
        "api mental-health need history",
        "get",
        lambda w: (
            f"/api/v1/cases/{_cid(w)}/assessment/domains/{_domain(w, 'mental_health')}/history"
        ),
        frozenset({C.MENTAL_HEALTH}),
        kind=C.MENTAL_HEALTH,
        api=True,
    ),
    Route(
        "api assessment session",
        "get",
        lambda w: f"/api/v1/cases/{_cid(w)}/assessment/sessions/{_session(w)}",
        frozenset({C.NEEDS}),
        kind=C.NEEDS,
        api=True,
    ),
    # The care plan and appointments (plans.api): each item shown by its category.
    Route(
        "api plan", "get", _case_api("/plan"), frozenset({C.CARE_PLAN, C.MENTAL_HEALTH}), api=True
    ),
    Route("api plan versions", "get", _case_api("/plan/versions"), kind=C.CARE_PLAN, api=True),
    Route(
        "api plan version",
        "get",
        lambda w: f"/api/v1/cases/{_cid(w)}/plan/versions/{_plan_version(w)}",
        frozenset({C.CARE_PLAN, C.MENTAL_HEALTH}),
        kind=C.CARE_PLAN,
        api=True,
    ),
    Route(
        "api plan compare",
        "get",
        lambda w: f"/api/v1/cases/{_cid(w)}/plan/compare?from=1&to={_plan_version(w)}",
        frozenset({C.CARE_PLAN, C.MENTAL_HEALTH}),
        kind=C.CARE_PLAN,
        api=True,
    ),
    Route(
        "api appointments",
        "get",
        _case_api("/appointments"),
        frozenset({C.CARE_PLAN, C.LEGAL, C.HEALTH}),
        api=True,
    ),
    Route("api plan tasks", "get", lambda w: "/api/v1/dashboard/plan-tasks", kind="list", api=True),
    # The pages of the needs assessment and the care plan, by the same rules.
    Route("needs assessment page", "get", lambda w: f"/needs/cases/{_cid(w)}/"),
    Route(
        "needs area page",
        "get",
        lambda w: f"/needs/cases/{_cid(w)}/domains/shelter/",
        frozenset({C.NEEDS}),
        kind=C.NEEDS,
    ),
    Route(
        "mental-health area page",
        "get",
        lambda w: f"/needs/cases/{_cid(w)}/domains/mental_health/",
        frozenset({C.MENTAL_HEALTH}),
        kind=C.MENTAL_HEALTH,
    ),
    Route(
        "assessment session page",
        "get",
        lambda w: f"/needs/cases/{_cid(w)}/sessions/{_session(w)}/",
        frozenset({C.NEEDS}),
        kind=C.NEEDS,
    ),
    Route("start a session", "get", lambda w: f"/needs/cases/{_cid(w)}/sessions/new/", kind="lead"),
    Route(
        "care plan page",
        "get",
        lambda w: f"/plans/cases/{_cid(w)}/",
        frozenset({C.CARE_PLAN, C.MENTAL_HEALTH}),
    ),
    Route("add a goal", "get", lambda w: f"/plans/cases/{_cid(w)}/goals/new/", kind="lead"),
    Route("add a task", "get", lambda w: f"/plans/cases/{_cid(w)}/tasks/new/", kind="lead"),
    Route("plan a service", "get", lambda w: f"/plans/cases/{_cid(w)}/services/new/", kind="lead"),
    Route("review the plan", "get", lambda w: f"/plans/cases/{_cid(w)}/review/", kind="lead"),
    Route(
        "their printed plan",
        "get",
        lambda w: f"/plans/cases/{_cid(w)}/print/",
        frozenset({C.CARE_PLAN, C.MENTAL_HEALTH}),
        kind="lead",
    ),
    Route(
        "plan versions page", "get", lambda w: f"/plans/cases/{_cid(w)}/versions/", kind=C.CARE_PLAN
    ),
    Route(
        "plan versions compared",
        "get",
        lambda w: f"/plans/cases/{_cid(w)}/versions/?from=1&to={_plan_version(w)}",
        frozenset({C.CARE_PLAN, C.MENTAL_HEALTH}),
        kind=C.CARE_PLAN,
    ),
    Route(
        "plan version page",
        "get",
        lambda w: f"/plans/cases/{_cid(w)}/versions/{_plan_version(w)}/",
        frozenset({C.CARE_PLAN, C.MENTAL_HEALTH}),
        kind=C.CARE_PLAN,
    ),
    Route(
        "appointments page",
        "get",
        lambda w: f"/plans/cases/{_cid(w)}/appointments/",
        frozenset({C.CARE_PLAN, C.LEGAL, C.HEALTH}),
    ),
    # Matching for the case (referrals.match_views): the lead agency's people who refer;
    # the form shows the age and language from her record, nothing else of it.
    Route(
        "find services for her need",
        "get",
        lambda w: f"/referrals/cases/{_cid(w)}/needs/{_shelter_need_id(w)}/match/",
        kind="lead",
    ),
    Route(
        "match placements", "get", lambda w: f"/referrals/cases/{_cid(w)}/placements/", kind="lead"
    ),
    Route("api my cases", "get", lambda w: "/api/v1/cases", kind="list", api=True),
    Route("api dashboard", "get", lambda w: "/api/v1/dashboard", kind="list", api=True),
    Route(
        "api search",
        "post",
        lambda w: "/api/v1/survivors/search",
        kind="list",
        data={"q": "Marisol Pérez"},
        api=True,
    ),
]


def _people(world: World) -> None:
    for username, (agency, role, team_role) in VIEWERS.items():
        if username not in world.users:
            add_person(world, username, agency, role, on_team_as=team_role)
    # Pat's agency is on the team as a whole through Drew's membership row.


def _record(world: World) -> None:
    s = world.survivor
    update_survivor(
        actor=world.actor("casey"),
        survivor=s,
        expected_version=s.version,
        details=SurvivorDetails(
            preferred_name="Marisol",
            legal_given_name="Ana Marisol",
            legal_family_name="Pérez",
            safe_phone="(352) 555-0199",
            code_word="lighthouse",
            safe_to_call=True,
            preferences=f"Please {THEIR_WORDS['preferences'][1]}.",
            priorities=f"Getting {THEIR_WORDS['priorities'][1]}.",
        ),
    )
    for category in NOTE_CATEGORIES:
        write_note(
            actor=world.actor("casey"),
            case=world.case,
            category=category,
            body=f"Synthetic note: {MARKERS[category][0]}.",
        )
    _screen(world)
    _assess_and_plan(world)


def _assess_and_plan(world: World) -> None:
    """Casey assesses her needs with her (a needs-category domain, a mental-health one) and
    writes the plan with her: a goal of each kind, with a task, and three appointments."""
    from continuum.needs.actions import save_session_summary
    from continuum.plans.actions import AppointmentIn, record_appointment
    from tests.needs.helpers import appointment, assess, goal, plan_version, session, task

    held = session(world)
    assess(world, "shelter", held=held, words=f"I want {MARKERS[C.NEEDS][0]}.")
    assess(world, "mental_health", held=held, words=f"{MARKERS[C.MENTAL_HEALTH][1]}.")
    save_session_summary(
        actor=world.actor("casey"),
        session=held,
        summary=f"Safety first; {MARKERS[C.NEEDS][1]}.",
        expected_version=held.version,
        finish=False,
    )
    world.extra["session_id"] = held.pk
    school = goal(world, MARKERS[C.CARE_PLAN][1])
    task(world, "Sign up for driver's ed", for_goal=school)
    therapy = goal(world, MARKERS[C.MENTAL_HEALTH][2], category=C.MENTAL_HEALTH)
    task(world, MARKERS[C.MENTAL_HEALTH][3], for_goal=therapy)
    world.extra["plan_version"] = plan_version(world.case)
    appointment(world, MARKERS[C.CARE_PLAN][2])
    appointment(world, MARKERS[C.LEGAL][1], kind="court_date")
    record_appointment(
        actor=world.actor("casey"),
        case=world.case,
        details=AppointmentIn(
            kind="appointment",
            starts_at=timezone.now() + timedelta(days=5),
            what=MARKERS[C.HEALTH][1],
            category=C.HEALTH,
        ),
    )


def _screen(world: World) -> None:
    """Casey screens her: the direct exchange question alone raises clear concern."""
    from continuum.screening.actions import complete_screening
    from tests.screening.helpers import KEY_ITEM, answer, start, train

    train(world, "casey")
    screening = start(world, world.survivor, by="casey")
    answer(world, screening, KEY_ITEM, by="casey")
    complete_screening(
        actor=world.actor("casey"), screening=screening, expected_version=screening.version
    )
    world.extra["screening_id"] = screening.pk


def _release(world: World, categories: frozenset[str]) -> Release:
    today = timezone.localdate()
    return release_to_partner(
        world, categories, ends_on_event="", expires_on=today + timedelta(days=90)
    )


def _set_release_state(world: World, state: str) -> None:
    today = timezone.localdate()
    if state == "in_force":
        _release(world, RELEASED)
    elif state in ("wrong_category", "identity_only"):
        _release(world, RELEASED_BY_STATE[state])
    elif state == "expired":
        release = _release(world, RELEASED)
        Release.objects.filter(pk=release.pk).update(
            starts_on=today - timedelta(days=60), expires_on=today - timedelta(days=1)
        )
    elif state == "revoked":
        revoke_release(actor=world.actor("casey"), release=_release(world, RELEASED))


def _may_see(username: str, state: str) -> frozenset[str]:
    role_allows = ROLE_CATEGORIES[VIEWERS[username][1]]
    relation = RELATION.get(username, "none")
    if relation == "lead":
        return frozenset(role_allows)
    if relation == "care_team":
        return frozenset(role_allows & RELEASED_BY_STATE[state])
    return frozenset()


def _fetch(world: World, username: str, route: Route, token: str) -> tuple[int, str]:
    if route.api:
        client = Client(headers={"Authorization": f"Bearer {token}"})
        if route.method == "post":
            response = client.post(route.path(world), route.data, content_type="application/json")
        else:
            response = client.get(route.path(world))
    else:
        client = world.client_for(username)
        send = client.post if route.method == "post" else client.get
        response = send(route.path(world), route.data or {})
    body = response.content.decode()
    if route.data and not route.api:
        # The search form keeps what the person typed: their own words, not a disclosure.
        body = body.replace(f'value="{route.data["q"]}"', 'value=""')
    if body.startswith(("{", "[")):
        body = json.dumps(json.loads(body), ensure_ascii=False)  # JSON escapes "é"
    return response.status_code, body


def _check_status(username: str, route: Route, status: int, allowed: frozenset[str]) -> None:
    relation = RELATION.get(username, "none")
    if route.kind in {str(c) for c in DataCategory}:
        expected = 200 if route.kind in allowed else 404
        assert status == expected, f"{route.label}: {status}"
    elif route.kind == "list":
        assert status in (200, 403), f"{route.label}: {status}"
    elif relation == "none":
        assert status == 404, f"{route.label}: {status}"
    elif route.kind == "read":
        assert status == 200, f"{route.label}: {status}"
    elif relation == "care_team":
        assert status == 403, f"{route.label}: {status}"
    else:
        assert status in (200, 403), f"{route.label}: {status}"


@pytest.mark.parametrize("state", sorted(RELEASED_BY_STATE))
@pytest.mark.parametrize("username", sorted(VIEWERS))
def test_every_route_shows_exactly_what_may_be_seen(
    world: World, username: str, state: str
) -> None:
    _people(world)
    _record(world)
    _set_release_state(world, state)
    allowed = _may_see(username, state)
    _token, plain = create_token(actor=world.actor(username), name="matrix")
    for route in ROUTES:
        status, body = _fetch(world, username, route, plain)
        _check_status(username, route, status, allowed)
        for category, values in MARKERS.items():
            found = [value for value in values if value in body]
            if category not in allowed:
                assert not found, f"{route.label} leaks {category}: {found}"
            elif category in route.shows and status == 200:
                assert found, f"{route.label} should show {category}"
        for name, (category, words) in THEIR_WORDS.items():
            if route.their_words and status == 200 and category in allowed:
                assert words in body, f"{route.label} should show {name}"


def test_the_matrix_sees_something_at_every_level() -> None:
    """Guard the guard: the expectations are not all empty, nor all full."""
    seen = {(u, s): _may_see(u, s) for u in VIEWERS for s in RELEASED_BY_STATE}
    assert seen["casey", "none"] == frozenset(DataCategory)
    assert seen["drew", "in_force"] == RELEASED - {C.LEGAL}  # a clinician's role ceiling
    assert C.SCREENING in seen["pat", "in_force"]
    assert C.SCREENING not in seen["mina", "in_force"]  # a mentor never sees screening
    assert seen["mina", "in_force"] == {C.IDENTITY, C.CONTACT, C.CARE_PLAN, C.LEGAL}
    assert seen["drew", "wrong_category"] == frozenset()
    assert seen["mina", "identity_only"] == {C.IDENTITY}  # her preferences, not priorities
    assert seen["pat", "revoked"] == frozenset()
    assert seen["quinn", "in_force"] == frozenset()


# --- every route that shows survivor data is in the matrix

# Routes about one survivor or case that the matrix leaves out, and why.
NOT_IN_MATRIX = {
    # Writes only (POST): no page of survivor data; their refusals are in
    # tests/test_authorization.py and tests/test_api_authorization.py.
    "survivors:hand_over",
    "survivors:add_suspected_exploiter",
    "survivors:revoke_release",
    "survivors:end_legal_basis",
    "survivors:basis_informed",
    "cases:remove_member",
    "cases:complete_task",
    # An HTMX fragment listing staff of an agency (no survivor data); lead only.
    "cases:people",
    # Forms of one goal, task, service or appointment: shown only to those who may see that
    # item's category (else 404) and, for plan items, only to the lead agency's plan writers
    # (else 403) — tests/test_authorization.py and tests/plans/test_plan_pages.py. What they
    # show of the item is what the plan and appointments pages above show. Moving a task
    # along is a write.
    "plans:edit_goal",
    "plans:edit_task",
    "plans:edit_service",
    "plans:edit_appointment",
    "plans:move_task",
    "plans:settings",
    # The signed release form (a file, not category fields): only the agency that recorded
    # the release uploads or downloads it; tests/survivors/test_signed_forms.py.
    "survivors:signed_form",
    "survivors:download_signed_form",
    # Convening a staffing shows the case by reference, its lead agency and its MDT clock,
    # never the survivor's data (coordinators of the community see cases they are not on).
    # The meeting page's masking by release is tested in tests/mdt/test_meetings.py.
    "mdt:convene",
}
# API reads left out, and why.
API_NOT_IN_MATRIX = {
    # The signed release form file, as survivors:download_signed_form above;
    # tests/api/test_signed_forms.py.
    "get /api/v1/survivors/{survivor_id}/releases/{release_id}/signed-form",
}


def _web_names(resolver: URLResolver, prefix: str = "") -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            space = f"{prefix}{pattern.namespace}:" if pattern.namespace else prefix
            found += _web_names(pattern, space)
        elif isinstance(pattern, URLPattern) and pattern.name:
            found.append((f"{prefix}{pattern.name}", str(pattern.pattern)))
    return found


def test_every_page_about_a_survivor_or_case_is_in_the_matrix(world: World) -> None:
    _people(world)
    _record(world)
    world_paths = {route.path(world).split("?")[0] for route in ROUTES if not route.api}
    # The page each route opens (a route with more ids than a survivor and a case, such as a
    # session's page, counts as its page too).
    in_matrix = {resolve(path).view_name for path in world_paths}
    sid, cid = _sid(world), _cid(world)
    missing = []
    for name, pattern in _web_names(get_resolver()):
        if "survivor_id" not in pattern and "case_id" not in pattern:
            continue
        if name in NOT_IN_MATRIX or name.startswith("api") or name in in_matrix:
            continue
        kwargs = {}
        if "survivor_id" in pattern:
            kwargs["survivor_id"] = sid
        if "case_id" in pattern:
            kwargs["case_id"] = cid
        try:
            path = reverse(name, kwargs=kwargs)
        except NoReverseMatch:  # more parameters than a survivor and a case: a write
            missing.append(name)
            continue
        if path not in world_paths:
            missing.append(name)
    assert not missing, f"add these to ROUTES or NOT_IN_MATRIX (with a reason): {missing}"


def test_every_api_read_about_a_survivor_or_case_is_in_the_matrix() -> None:
    schema = api.get_openapi_schema()
    in_matrix = {(route.method, _template(route.path)) for route in ROUTES if route.api}
    missing = []
    for path, operations in schema["paths"].items():
        if not any(key in path for key in ("{survivor_id}", "{case_id}", "{screening_id}")):
            continue
        for method in operations:
            label = f"{method} {path}"
            if (
                method == "get"
                and (method, path) not in in_matrix
                and label not in API_NOT_IN_MATRIX
            ):
                missing.append(label)
    assert not missing, f"add these API reads to ROUTES: {missing}"


def _template(path: Callable[[World], str]) -> str:
    """The OpenAPI template of a route's path: ids replaced by their parameter names."""

    class _Fake:
        class survivor:
            pk = "{survivor_id}"

        class case:
            pk = "{case_id}"

        extra = {
            "screening_id": "{screening_id}",
            "session_id": "{session_id}",
            "plan_version": "{number}",
            "domain_code": "{code}",
        }

    return path(_Fake()).split("?")[0]  # type: ignore[arg-type]
