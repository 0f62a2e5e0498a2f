"""Every URL in the URLconf, with every persona: allowed or refused, as the policy says.

A URL added without an entry in EXPECTED fails `test_every_url_has_an_expectation`, so no page
can ship without someone deciding who may open it. Refusals of records are 404 ("does not
exist for you"); refusals of actions on a visible record are 403.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from continuum.api.tokens import create_token
from tests.exports.helpers import caseys_approved_export, caseys_export
from tests.personas import PERSONAS, World, release_to_partner

ANON = "anonymous"
EVERYONE = [*PERSONAS, ANON]


@dataclass(frozen=True)
class Expect:
    method: str
    # persona -> status; personas not named get `default`
    status: dict[str, int]
    default: int
    kwargs: Callable[[World], dict[str, Any]] = lambda world: {}
    anonymous: int = 302

    def for_persona(self, persona: str) -> int:
        if persona == ANON:
            return self.anonymous
        return self.status.get(persona, self.default)


def _case(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk}


def _survivor(world: World) -> dict[str, Any]:
    return {"survivor_id": world.survivor.pk}


def _drew_on_team(world: World) -> dict[str, Any]:
    member = world.case.care_team.get(user=world.users["drew"])
    return {"case_id": world.case.pk, "member_id": member.pk}


def _release(world: World) -> dict[str, Any]:
    release = release_to_partner(world, {"identity"})
    return {"survivor_id": world.survivor.pk, "release_id": release.pk}


def _legal_basis(world: World) -> dict[str, Any]:
    from continuum.survivors.actions import record_legal_basis

    basis = record_legal_basis(
        actor=world.actor("casey"),
        survivor=world.survivor,
        recipient_agency=world.agencies["partner"],
        kind="court_order",
        reference="2026-DP-000123",
        categories=frozenset({"identity"}),
        starts_on=timezone.localdate(),
    )
    return {"survivor_id": world.survivor.pk, "basis_id": basis.pk}


def _signed_release(world: World) -> dict[str, Any]:
    """A release whose signed form Casey uploaded."""
    from continuum.survivors.actions import attach_signed_form
    from continuum.survivors.models import Release
    from tests.survivors.files import plain_pdf

    kwargs = _release(world)
    release = Release.objects.get(pk=kwargs["release_id"])
    attach_signed_form(actor=world.actor("casey"), release=release, data=plain_pdf())
    return kwargs


def _caseys_token(world: World) -> dict[str, Any]:
    token, _plain = create_token(actor=world.actor("casey"), name="report script")
    return {"token_id": token.pk}


def _coles_emergency(world: World) -> dict[str, Any]:
    """Cole (the lead agency, not on the case) opened break-glass: Sam reviews it."""
    from continuum.access.actions import open_emergency_access

    grant = open_emergency_access(
        actor=world.actor("cole"),
        case_reference=world.case.reference,
        reason="Police called about a runaway at night.",
    )
    return {"grant_id": grant.pk}


def _trained_jordan(world: World) -> dict[str, Any]:
    from tests.screening.helpers import train

    train(world, "jordan")
    return {}


def _jordans_screening(world: World) -> dict[str, Any]:
    """Jordan (a trained screener at the lead agency) screening someone new: no case yet."""
    from tests.screening.helpers import new_person, start, train

    train(world, "jordan")
    return {"screening_id": start(world, new_person(world)).pk}


def _assessment_task(world: World) -> dict[str, Any]:
    from continuum.cases.actions import add_task

    task = add_task(
        actor=world.actor("casey"),
        case=world.case,
        kind="in_depth_assessment",
        title="In-depth assessment",
        due_on=None,
        owner=world.agencies["lead"],
    )
    return {"case_id": world.case.pk, "task_id": task.pk}


def _session(world: World) -> dict[str, Any]:
    from tests.needs.helpers import session

    return {"case_id": world.case.pk, "session_id": session(world).pk}


def _domain(world: World) -> dict[str, Any]:
    return {"case_id": world.case.pk, "code": "shelter"}


def _goal(world: World) -> dict[str, Any]:
    from tests.needs.helpers import goal

    return {"case_id": world.case.pk, "goal_id": goal(world).pk}


def _goal_case(world: World) -> dict[str, Any]:
    _goal(world)
    return _case(world)


def _first_version(world: World) -> dict[str, Any]:
    _goal(world)
    return {"case_id": world.case.pk, "number": 1}


def _task(world: World) -> dict[str, Any]:
    from tests.needs.helpers import task

    return {"case_id": world.case.pk, "task_id": task(world).pk}


def _service(world: World) -> dict[str, Any]:
    from tests.needs.helpers import service

    return {"case_id": world.case.pk, "service_id": service(world).pk}


def _appointment(world: World) -> dict[str, Any]:
    from tests.needs.helpers import appointment

    return {"case_id": world.case.pk, "appointment_id": appointment(world).pk}


SCREEN_ROLES_READ = {"casey": 200, "sam": 200, "cole": 200, "quinn": 200, "jordan": 200}


def _bundled_instrument(world: World) -> dict[str, Any]:
    from continuum.screening.models import Instrument

    bundled = Instrument.objects.filter(bundled=True).values_list("pk", flat=True)
    return {"instrument_id": bundled[0]}


def _meeting(world: World) -> dict[str, Any]:
    from tests.mdt.helpers import staffing_by_sam

    return {"meeting_id": staffing_by_sam(world).pk}


SCREEN_ROLES_UNTRAINED = {"casey": 403, "sam": 403, "cole": 403, "quinn": 403}
LEAD_TEAM = {"casey": 200, "sam": 200}
ON_CASE = {**LEAD_TEAM, "drew": 200}
SENDS = {"casey": 400, "sam": 400}  # referrals:new without its ids


def _protocol_expectations() -> dict[str, Expect]:
    from tests.protocols.helpers import community, conflict, mou

    outside = {"quinn": 404, "morgan": 404}

    def made(world: World) -> dict[str, Any]:
        community(world)
        return {}

    def partner(world: World) -> dict[str, Any]:
        community(world)
        return {"agency_id": world.agencies["partner"].pk}

    def holiday(world: World) -> dict[str, Any]:
        from continuum.protocols.actions import add_holiday
        from tests.protocols.helpers import admin

        day = timezone.localdate()
        made = add_holiday(actor=admin(world), protocol=community(world), day=day, name="Closed")
        return {"holiday_id": made.pk}

    def requirement(world: World) -> dict[str, Any]:
        from continuum.protocols.actions import add_training_requirement
        from tests.protocols.helpers import admin

        made = add_training_requirement(
            actor=admin(world),
            protocol=community(world),
            role="case_manager",
            course="CSE 101",
            hours=6,
            renew_every_months=None,
            before_contact=True,
        )
        return {"requirement_id": made.pk}

    def an_mou(world: World) -> dict[str, Any]:
        return {"mou_id": mou(world, send=True).pk}

    def a_conflict(world: World) -> dict[str, Any]:
        return {"conflict_id": conflict(world).pk}

    admin_only = {**outside}
    return {
        "protocols:protocol": Expect("get", {}, 200, made),
        "protocols:start": Expect("get", {}, 403, made),
        "protocols:edit": Expect("get", admin_only, 403, made),
        "protocols:add_member": Expect("get", admin_only, 403, made),
        "protocols:member": Expect("get", admin_only, 403, partner),
        "protocols:remove_member": Expect("post", admin_only, 403, partner),
        "protocols:holidays": Expect("get", admin_only, 403, made),
        "protocols:remove_holiday": Expect("post", admin_only, 403, holiday),
        "protocols:training": Expect("get", admin_only, 403, made),
        "protocols:remove_training": Expect("post", admin_only, 403, requirement),
        "protocols:mous": Expect("get", outside, 200, made),
        "protocols:mou": Expect("get", outside, 200, an_mou),
        "protocols:send_mou": Expect("post", admin_only, 403, an_mou),
        "protocols:mou_in_force": Expect("post", admin_only, 403, an_mou),
        "protocols:conflicts": Expect("get", {**outside, "sam": 200}, 403, made),
        "protocols:conflict": Expect("get", {**outside, "sam": 200}, 403, a_conflict),
        # Sam's agency raised it: an empty outcome is refused (422), not a refusal of Sam.
        "protocols:resolve_conflict": Expect("post", {**outside, "sam": 422}, 403, a_conflict),
    }


def _referral(world: World) -> dict[str, Any]:
    """Casey's referral of Ana to Harbor (the partner agency: Drew takes its intake)."""
    from tests.referrals.helpers import referral_world, sent

    service, need = referral_world(world)
    return {"referral_id": sent(world, service, need).pk}


def _shelter_need(world: World) -> dict[str, Any]:
    """Ana's shelter need, identified (the matching page is reached from it)."""
    from tests.needs.helpers import assess

    return {"case_id": world.case.pk, "need_id": assess(world, "shelter").pk}


def _directory_expectations() -> dict[str, Expect]:
    """The directory (tests/directory): every staff member browses it and reads a service;
    only an agency admin of the agency that keeps a listing (no persona here: see
    tests/directory/test_listings.py) changes it, so every persona is refused (403)."""
    from tests.directory.factories import make_location, make_organization, make_service

    def listing(world: World) -> Any:
        found = world.extra.get("directory_listing")
        if found is None:
            found = make_organization(name="Harbor listing", agency=world.agencies["partner"])
            world.extra["directory_listing"] = found
        return found

    def service(world: World) -> dict[str, Any]:
        return {"service_id": make_service(organization=listing(world)).pk}

    def location(world: World) -> dict[str, Any]:
        made = make_location(organization=listing(world), confidential=True, postal_code="32601")
        return {"location_id": made.pk}

    return {
        "directory:browse": Expect("get", {}, 200),
        "directory:service": Expect("get", {}, 200, service),
        "directory:ours": Expect("get", {}, 403),
        "directory:organization": Expect("get", {}, 403),
        "directory:add_service": Expect("get", {}, 403),
        "directory:edit_service": Expect("get", {}, 403, service),
        "directory:service_terms": Expect("get", {}, 403, service),
        "directory:capacity": Expect("get", {}, 403, service),
        "directory:still_true": Expect("post", {}, 403, service),
        "directory:add_location": Expect("get", {}, 403),
        "directory:edit_location": Expect("get", {}, 403, location),
    }


def _hsds_expectations() -> dict[str, Expect]:
    """The public HSDS API (tests/directory/test_hsds_api.py): open to everyone, signed in
    or not; an unknown path under it is a JSON 404."""
    from continuum.directory import taxonomy
    from tests.directory.factories import make_service_at_location

    def sal(world: World) -> Any:
        found = world.extra.get("hsds_sal")
        if found is None:
            found = make_service_at_location()
            world.extra["hsds_sal"] = found
        return found

    def service(world: World) -> dict[str, Any]:
        return {"id": sal(world).service_id}

    def organization(world: World) -> dict[str, Any]:
        return {"id": sal(world).service.organization_id}

    def at_location(world: World) -> dict[str, Any]:
        return {"id": sal(world).pk}

    def public(kwargs: Callable[[World], dict[str, Any]] = lambda world: {}) -> Expect:
        return Expect("get", {}, 200, kwargs, anonymous=200)

    return {
        "hsds:root": public(),
        "hsds:openapi": public(),
        "hsds:services": public(),
        "hsds:service": public(service),
        "hsds:organizations": public(),
        "hsds:organization": public(organization),
        "hsds:service_at_locations": public(),
        "hsds:service_at_location": public(at_location),
        "hsds:taxonomies": public(),
        "hsds:taxonomy": public(lambda world: {"id": taxonomy.taxonomy_id("service")}),
        "hsds:taxonomy_terms": public(),
        "hsds:taxonomy_term": public(lambda world: {"id": taxonomy.term_id("1101")}),
        "hsds:unknown": Expect("get", {}, 404, lambda world: {"rest": "nowhere"}, anonymous=404),
    }


EXPECTED: dict[str, Expect] = {
    "home": Expect("get", {}, 302),
    "accounts:login": Expect("get", {}, 302, anonymous=200),
    "accounts:verify": Expect("get", {}, 302),
    "accounts:enroll": Expect("get", {}, 302),
    "accounts:recovery_codes": Expect("get", {}, 302),
    "accounts:new_recovery_codes": Expect("post", {}, 302),
    "accounts:switch_agency": Expect("post", {}, 302),
    "accounts:logout": Expect("post", {}, 302),
    "accounts:logout_everywhere": Expect("post", {}, 302),
    "accounts:keepalive": Expect("post", {}, 204, anonymous=401),
    # Signed in and not idle: a link here signs no one out, it sends you back to work.
    "accounts:timed_out": Expect("get", {}, 302, anonymous=200),
    "accounts:security": Expect("get", {}, 200),
    "accounts:password": Expect("get", {}, 200),
    "accounts:tokens": Expect("get", {}, 200),
    "accounts:revoke_token": Expect("post", {"casey": 302}, 404, _caseys_token),
    "cases:my_work": Expect("get", {}, 200),
    "cases:edit": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    "cases:status": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    "cases:care_team": Expect("get", ON_CASE, 404, _case),
    "cases:notes": Expect("get", ON_CASE, 404, _case),
    "cases:people": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    "cases:remove_member": Expect(
        "post", {"casey": 302, "sam": 302, "drew": 403}, 404, _drew_on_team
    ),
    "survivors:search": Expect("get", {"avery": 403}, 200),
    "survivors:create": Expect("get", {"drew": 403, "avery": 403, "morgan": 403}, 200),
    "survivors:detail": Expect("get", ON_CASE, 404, _survivor),
    "survivors:edit": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _survivor),
    "survivors:access_log": Expect("get", {"sam": 200, "casey": 403, "drew": 403}, 404, _survivor),
    # The world's survivor has a case: nobody hands it over any more (see tests/survivors).
    "survivors:hand_over": Expect("post", {"casey": 403, "sam": 403, "drew": 403}, 404, _survivor),
    # Releases are the lead agency's: its case managers and supervisors.
    "survivors:add_suspected_exploiter": Expect(
        "post", {"casey": 302, "sam": 302, "drew": 403}, 404, _survivor
    ),
    "survivors:sharing": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _survivor),
    "survivors:new_release": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _survivor),
    "survivors:revoke_release": Expect(
        "post", {"casey": 302, "sam": 302, "drew": 403}, 404, _release
    ),
    # Signed forms: uploaded and downloaded by the agency that recorded the release.
    "survivors:signed_form": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _release),
    "survivors:download_signed_form": Expect(
        "get", {**LEAD_TEAM, "drew": 403}, 404, _signed_release
    ),
    # Legal bases (mandatory report, court order): the lead agency's, like releases.
    "survivors:new_legal_basis": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _survivor),
    "survivors:end_legal_basis": Expect(
        "post", {"casey": 302, "sam": 302, "drew": 403}, 404, _legal_basis
    ),
    "survivors:basis_informed": Expect(
        "post", {"casey": 302, "sam": 302, "drew": 403}, 404, _legal_basis
    ),
    "survivors:open_case": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _survivor),
    # Break-glass: anyone who works with survivors may ask; the analyst never does.
    "access:emergency": Expect("get", {"avery": 403}, 200),
    # Reviewed by a supervisor of the agency the holder acted for, and by no one else.
    "access:review_emergency": Expect("get", {"sam": 200}, 404, _coles_emergency),
    # Exports: asked for by the lead agency's case managers and supervisors; decided by a
    # supervisor of that agency who did not ask; downloaded only by whoever asked (Casey).
    "exports:mine": Expect("get", {}, 200),
    "exports:queue": Expect("get", {"sam": 200}, 403),
    "exports:request": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _survivor),
    "exports:detail": Expect("get", LEAD_TEAM, 404, caseys_export),
    "exports:approve": Expect("post", {"sam": 302, "casey": 403}, 404, caseys_export),
    # An empty refusal is refused (no reason), as the form says.
    "exports:refuse": Expect("post", {"sam": 422, "casey": 403}, 404, caseys_export),
    "exports:download": Expect("post", {"casey": 200, "sam": 403}, 404, caseys_approved_export),
    # Screening: the list for every role that may screen; starting needs current training;
    # the form is the screener's alone; the result is "screening" data (the screener, and
    # here Sam, whose agency recorded the person and leads their care until a case exists).
    "cases:complete_task": Expect(
        "post", {"casey": 302, "sam": 302, "drew": 403}, 404, _assessment_task
    ),
    "screening:list": Expect(
        "get",
        {"casey": 200, "sam": 200, "cole": 200, "quinn": 200, "jordan": 200},
        403,
    ),
    "screening:start": Expect("get", {"jordan": 200}, 403, _trained_jordan),
    "screening:safety": Expect("get", {"jordan": 200}, 404, _jordans_screening),
    "screening:screen": Expect("get", {"jordan": 200}, 404, _jordans_screening),
    "screening:record_call": Expect("post", {"jordan": 302}, 404, _jordans_screening),
    "screening:result": Expect("get", {"jordan": 200, "sam": 200}, 404, _jordans_screening),
    "screening:response_json": Expect("get", {"jordan": 200, "sam": 200}, 404, _jordans_screening),
    "screening:report": Expect("get", {"sam": 200}, 403),
    # Screening setup: instruments are managed by network admins (no persona here; see
    # tests/screening/test_setup_pages.py) and read by everyone who may screen; the safety
    # numbers are for everyone signed in; training is recorded by the agency's supervisor.
    "screening:instruments": Expect("get", SCREEN_ROLES_READ, 403),
    "screening:import_instrument": Expect("get", {}, 403),
    "screening:instrument": Expect("get", SCREEN_ROLES_READ, 403, _bundled_instrument),
    "screening:export_instrument": Expect("get", SCREEN_ROLES_READ, 403, _bundled_instrument),
    "screening:safety_lines": Expect("get", {}, 200),
    "screening:training": Expect("get", {"sam": 200}, 403),
    # Aggregate measures, never a name: supervisors, analysts and network admins.
    "outcomes:index": Expect("get", {"sam": 200, "avery": 200}, 403),
    "outcomes:needs": Expect("get", {"sam": 200, "avery": 200}, 403),
    # Drafts: anyone acting for an agency keeps and discards only their own, and only under a
    # key a page signed for them (none here: 400). Signed out, the save says 401, not a redirect.
    "drafts:save": Expect("post", {}, 400, anonymous=401),
    "drafts:discard": Expect("post", {}, 400),
    # Needs and plans: everyone on the case opens the assessment, the plan and the calendar
    # (a partner with no release is told they are not shared); the lead agency's team writes
    # the assessment sessions and the plan; a record of a kind the reader may not see does
    # not exist for them. The domains are the network admin's (no persona here: see
    # tests/needs/test_domain_pages.py).
    "needs:assessment": Expect("get", ON_CASE, 404, _case),
    "needs:start_session": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    "needs:session": Expect("get", LEAD_TEAM, 404, _session),
    "needs:domain": Expect("get", LEAD_TEAM, 404, _domain),
    "needs:domains": Expect("get", {}, 403),
    "needs:edit_domain": Expect("get", {}, 403, lambda world: {"code": "shelter"}),
    "plans:plan": Expect("get", ON_CASE, 404, _case),
    "plans:add_goal": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    "plans:edit_goal": Expect("get", LEAD_TEAM, 404, _goal),
    "plans:add_task": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    "plans:edit_task": Expect("get", LEAD_TEAM, 404, _task),
    "plans:move_task": Expect("post", {"casey": 302, "sam": 302}, 404, _task),
    "plans:add_service": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    "plans:edit_service": Expect("get", LEAD_TEAM, 404, _service),
    "plans:review": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    "plans:settings": Expect("post", {"casey": 302, "sam": 302, "drew": 403}, 404, _case),
    "plans:versions": Expect("get", LEAD_TEAM, 404, _goal_case),
    "plans:version": Expect("get", LEAD_TEAM, 404, _first_version),
    "plans:print": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    "plans:appointments": Expect("get", ON_CASE, 404, _case),
    "plans:edit_appointment": Expect("get", LEAD_TEAM, 404, _appointment),
    # The community protocol (tests/protocols): every member's staff read it and its MOUs (the
    # lead agency and Harbor are members; Quinn's and Morgan's agency is in none, so the parts
    # do not exist for them); only a member's network admin (no persona here) changes it; the
    # conflict log is for supervisors, coordinators and admins of members.
    **_protocol_expectations(),
    # MDT staffings (tests/mdt): supervisors and coordinators see their community's clocks
    # (Morgan's agency is its own community); Sam convened a staffing of the case, which
    # its named team sees; only the convening agency keeps its record.
    "mdt:dashboard": Expect("get", {"sam": 200, "morgan": 200}, 403),
    "mdt:convene": Expect("get", {"sam": 200, "morgan": 404}, 403, _case),
    "mdt:meeting": Expect("get", ON_CASE, 404, _meeting),
    "mdt:ics": Expect("get", ON_CASE, 404, _meeting),
    "mdt:attendance": Expect("post", {"sam": 422, "casey": 403, "drew": 403}, 404, _meeting),
    "mdt:decide": Expect("post", {"sam": 422, "casey": 403, "drew": 403}, 404, _meeting),
    "mdt:hold": Expect("post", {"sam": 422, "casey": 403, "drew": 403}, 404, _meeting),
    "mdt:cancel": Expect("post", {"sam": 302, "casey": 403, "drew": 403}, 404, _meeting),
    "outcomes:mdt": Expect("get", {"sam": 200, "avery": 200}, 403),
    "outcomes:referrals": Expect("get", {"sam": 200, "avery": 200}, 403),
    "outcomes:gaps": Expect("get", {"sam": 200, "avery": 200}, 403),
    **_directory_expectations(),
    # Matching (tests/referrals/test_match_pages.py): typed search for every staff member;
    # for a case's need, those who may refer for it (the lead's team; Drew sees the case but
    # does not refer: 403); placements for the roles that refer (case managers, supervisors).
    "referrals:match": Expect("get", {}, 200),
    "referrals:match_need": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _shelter_need),
    "referrals:placements": Expect("get", {**LEAD_TEAM, "cole": 200, "quinn": 200}, 403),
    "referrals:placements_case": Expect("get", {**LEAD_TEAM, "drew": 403}, 404, _case),
    # Referrals (tests/referrals/test_referral_pages.py): started by the roles that refer
    # (without a need and a service: 400); the intake queue for the roles that take intake,
    # the sent list for those that refer; a referral for its two sides (Casey and Sam send,
    # Drew takes Harbor's intake) and for no one else (404). An empty move or outcome is bad
    # input (400, 422), after the referral is found.
    "referrals:new": Expect("get", {**SENDS, "cole": 400, "quinn": 400}, 403),
    "referrals:new_inquiry": Expect("get", {**SENDS, "cole": 400, "quinn": 400}, 403),
    "referrals:intake": Expect("get", {**LEAD_TEAM, "drew": 200, "cole": 200, "quinn": 200}, 403),
    "referrals:sent": Expect("get", {**LEAD_TEAM, "cole": 200, "quinn": 200}, 403),
    "referrals:referral": Expect("get", ON_CASE, 404, _referral),
    "referrals:fhir": Expect("get", ON_CASE, 404, _referral),
    "referrals:move": Expect("post", {"casey": 400, "sam": 400, "drew": 400}, 404, _referral),
    "referrals:outcome": Expect("post", {"casey": 422, "sam": 422, "drew": 422}, 404, _referral),
    **_hsds_expectations(),
}


def _walk(patterns: list[Any], namespace: str = "") -> Iterator[str]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            if str(pattern.pattern).startswith("api/"):
                continue  # the API is walked route by route in tests/api
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _walk(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL {pattern.pattern} has no name"
            yield f"{namespace}{pattern.name}"


def test_every_url_has_an_expectation() -> None:
    walked = set(_walk(get_resolver().url_patterns))
    assert walked == set(EXPECTED), (
        f"missing expectations: {sorted(walked - set(EXPECTED))}; "
        f"stale: {sorted(set(EXPECTED) - walked)}"
    )


@pytest.mark.django_db
@pytest.mark.parametrize("persona", EVERYONE)
@pytest.mark.parametrize("url_name", sorted(EXPECTED))
def test_persona_is_allowed_or_refused(world: World, url_name: str, persona: str) -> None:
    expect = EXPECTED[url_name]
    url = reverse(url_name, kwargs=expect.kwargs(world))
    client = Client() if persona == ANON else world.client_for(persona)
    response = getattr(client, expect.method)(url)
    assert response.status_code == expect.for_persona(persona), (
        f"{persona} {expect.method.upper()} {url}"
    )
    if response.status_code == 404:
        assert world.survivor.legal_family_name not in response.content.decode()
