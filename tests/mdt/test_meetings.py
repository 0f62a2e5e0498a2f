"""MDT staffings end to end through the actions and pages: the clock, convening, the
masked agenda, attendance, decisions with action items on the owner's My work and at the
next meeting's follow-through, closing, and who is refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from continuum.cases.actions import complete_task, update_case
from continuum.cases.models import CaseEvent, CaseTask
from continuum.mdt import actions
from continuum.mdt.models import Meeting, MeetingStatus, StaffingClock
from continuum.protocols.actions import change_protocol
from tests.mdt.helpers import community, convene, details
from tests.personas import World, build_world, release_to_partner

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    built = build_world()
    built.extra["protocol"] = community(built)
    return built


def _clock(world: World) -> StaffingClock:
    return StaffingClock.objects.get(case=world.case)


def test_the_clock_follows_the_intake_date_and_the_protocol(world: World) -> None:
    intake = world.case.report_received_on
    assert intake is not None
    clock = _clock(world)
    assert clock.due_on == intake + timedelta(days=14)
    assert clock.protocol_version is not None
    world.case.refresh_from_db()
    update_case(
        actor=world.actor("casey"),
        case=world.case,
        report_received_on=intake - timedelta(days=1),
        expected_version=world.case.version,
    )
    assert _clock(world).due_on == intake + timedelta(days=13)
    protocol = world.extra["protocol"]
    protocol.refresh_from_db()
    change = change_protocol(
        actor=world.actor("nia"),
        protocol=protocol,
        details=details(mdt_staffing_days=10),
        expected_version=protocol.version,
    )
    assert change.clocks_moved == 1
    clock = _clock(world)
    assert clock.due_on == intake + timedelta(days=9)
    assert clock.protocol_version == change.version
    moved = CaseEvent.objects.filter(case=world.case, summary__contains="moved from").get()
    assert f"protocol version {change.version.number}" in moved.summary


def test_coordinator_sees_the_community_clock_by_reference_only(world: World) -> None:
    html = world.client_for("mona").get("/mdt/").content.decode()
    assert world.case.reference in html
    assert "Ana" not in html
    assert "Pérez" not in html
    assert "Schedule a staffing" in html


def test_case_without_intake_date_is_listed_as_cannot_compute(world: World) -> None:
    update_case(
        actor=world.actor("casey"),
        case=world.case,
        report_received_on=None,
        expected_version=world.case.version,
    )
    html = world.client_for("mona").get("/mdt/").content.decode()
    assert "Cannot compute" in html
    assert world.case.reference in html.split("Cannot compute")[1]


@pytest.mark.parametrize("who", ["casey", "drew", "avery", "jordan"])
def test_roles_that_do_not_convene_are_refused_the_dashboard(world: World, who: str) -> None:
    assert world.client_for(who).get("/mdt/").status_code == 403


def test_a_coordinator_outside_the_community_cannot_convene(world: World) -> None:
    # Morgan coordinates for the other county's agency, in no protocol.
    response = world.client_for("morgan").get(f"/mdt/cases/{world.case.pk}/convene/")
    assert response.status_code == 404
    assert world.case.reference not in world.client_for("morgan").get("/mdt/").content.decode()


def test_convening_in_the_browser_form(world: World) -> None:
    client = world.client_for("mona")
    page = client.get(f"/mdt/cases/{world.case.pk}/convene/").content.decode()
    lead, school = world.agencies["lead"].pk, world.agencies["school"].pk
    assert f'value="{lead}:lead_case_manager"' in page
    day = (timezone.localdate() + timedelta(days=2)).isoformat()
    data = {
        "day": day,
        "at": "14:00",
        "minutes_long": "60",
        "place_kind": "call",
        "place": "",
        "call_link": "",
        "invite_roles": [f"{lead}:lead_case_manager", f"{school}:school_liaison"],
    }
    refused = client.post(f"/mdt/cases/{world.case.pk}/convene/", data)
    assert refused.status_code == 422
    assert "link or number for the call" in refused.content.decode()
    assert 'value="14:00"' in refused.content.decode()  # nothing typed is lost
    data["call_link"] = "https://meet.example.org/mdt-room"
    response = client.post(f"/mdt/cases/{world.case.pk}/convene/", data)
    assert response.status_code == 302
    meeting = Meeting.objects.get(case=world.case)
    assert meeting.participants.count() == 2
    # The convener joined the care team (it still reads nothing without a release).
    assert world.case.care_team.filter(agency=world.agencies["cac"], role="mdt_coordinator")
    assert CaseEvent.objects.filter(case=world.case, summary__startswith="MDT staffing scheduled")


def test_the_invitation_names_the_case_reference_and_nothing_about_the_survivor(
    world: World,
) -> None:
    meeting = convene(world)
    response = world.client_for("skye").get(f"/mdt/meetings/{meeting.pk}/invitation.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    assert "BEGIN:VEVENT" in body
    assert f"case {world.case.reference}" in body
    assert "Conference room B" in body
    # The birth date as the record and as iCalendar would write it: "2010" alone is also
    # in a DTSTAMP taken between 20:10 and 20:11 (seen failing in CI at 20:10:45).
    for private in ("Ana", "Pérez", "2010-03-04", "20100304", "she/her"):
        assert private not in body


def test_an_invited_agency_without_a_release_sees_the_meeting_with_the_survivor_masked(
    world: World,
) -> None:
    from tests.needs.helpers import assess

    assess(world, "food", status="identified")
    meeting = convene(world)
    school = world.client_for("skye").get(f"/mdt/meetings/{meeting.pk}/")
    assert school.status_code == 200
    html = school.content.decode()
    assert world.case.reference in html  # the meeting exists for them
    assert "Not shared with your agency (no release)." in html
    assert 'data-masked="true"' in html
    for private in ("Ana", "Pérez", "Culturally appropriate food"):
        assert private not in html
    # The lead agency's supervisor sees the same agenda with the survivor's data in it.
    lead = world.client_for("sam").get(f"/mdt/meetings/{meeting.pk}/").content.decode()
    assert "Ana" in lead
    assert 'data-masked="true"' not in lead.split("Open needs")[1].split("</section>")[0]


def test_a_release_opens_exactly_its_categories_on_the_agenda(world: World) -> None:
    from tests.needs.helpers import assess

    assess(world, "food", status="identified")
    release_to_partner(world, {"needs"})
    meeting = convene(world)
    html = world.client_for("drew").get(f"/mdt/meetings/{meeting.pk}/").content.decode()
    needs = html.split('data-testid="agenda-needs"')[1].split("</section>")[0]
    assert "data-masked" not in needs
    assert "Culturally appropriate food: Need identified" in needs
    plan = html.split('data-testid="agenda-care_plan"')[1].split("</section>")[0]
    assert 'data-masked="true"' in plan
    assert "Not shared with your agency (no release)." in html  # identity not released


def test_people_not_invited_nor_on_the_team_are_refused_the_meeting(world: World) -> None:
    meeting = convene(world)
    for who in ("quinn", "morgan", "avery"):
        assert world.client_for(who).get(f"/mdt/meetings/{meeting.pk}/").status_code == 404
        ics = world.client_for(who).get(f"/mdt/meetings/{meeting.pk}/invitation.ics")
        assert ics.status_code == 404


def _hold(world: World, meeting: Meeting, **overrides: object) -> Meeting:
    meeting.refresh_from_db()
    closing = {
        "minutes": "Went through the plan.",
        "survivor_voice": "mentor",
        "survivor_voice_how": "Her mentor shared what she wants from school.",
        "next_meeting_on": timezone.localdate() + timedelta(days=30),
        "no_next_meeting_reason": "",
        **overrides,
    }
    return actions.hold_meeting(
        actor=world.actor("mona"),
        meeting=meeting,
        closing=actions.Closing(**closing),  # type: ignore[arg-type]
        expected_version=meeting.version,
    )


def _attend(world: World, meeting: Meeting, roles: set[str]) -> None:
    meeting.refresh_from_db()
    present = {p.pk for p in meeting.participants.all() if p.role in roles}
    actions.record_attendance(
        actor=world.actor("mona"),
        meeting=meeting,
        present=present,
        walk_ins=[],
        survivor_present=False,
        family_present=False,
        expected_version=meeting.version,
    )


def test_action_items_reach_the_owners_my_work_and_the_next_follow_through(
    world: World,
) -> None:
    release_to_partner(world, {"care_plan", "identity"})
    first = convene(world)
    _attend(world, first, {"lead_case_manager", "clinician"})
    due = timezone.localdate() + timedelta(days=7)
    actions.record_decision(
        actor=world.actor("mona"),
        meeting=first,
        text="Start weekly counselling.",
        category="care_plan",
        actions=[
            actions.ActionSpec(
                title="Book the first counselling session",
                owner_agency=world.agencies["partner"],
                due_on=due,
            )
        ],
    )
    actions.record_decision(
        actor=world.actor("mona"),
        meeting=first,
        text="Ask the school about a quiet space.",
        category="care_plan",
        actions=[
            actions.ActionSpec(
                title="Call the school counsellor",
                owner_agency=world.agencies["lead"],
                due_on=due,
            )
        ],
    )
    _hold(world, first)
    assert _clock(world).first_staffed_on == timezone.localdate(first.starts_at)

    work = world.client_for("drew").get("/cases/").content.decode()
    assert "Book the first counselling session" in work
    assert "MDT staffing due" not in work  # held, and not the partner's to do anyway
    task = CaseTask.objects.get(title="Book the first counselling session")
    from continuum.cases.queries import case_for, task_of

    drew = world.actor("drew")
    complete_task(
        actor=drew, task=task_of(case_for(drew, world.case.pk, audit_read=False), task.pk)
    )

    second = convene(world, starts_at=timezone.now() + timedelta(days=1))
    html = world.client_for("sam").get(f"/mdt/meetings/{second.pk}/").content.decode()
    follow = html.split('data-testid="follow-through"')[1].split("</ul>")[0]
    assert "Book the first counselling session" in follow
    assert "done on time" in follow
    assert "Call the school counsellor" in follow
    assert "open" in follow


def test_an_action_for_an_agency_that_cannot_read_it_is_refused(world: World) -> None:
    meeting = convene(world)
    with pytest.raises(actions.MdtRuleBroken, match="no release"):
        actions.record_decision(
            actor=world.actor("mona"),
            meeting=meeting,
            text="Counselling.",
            category="mental_health",
            actions=[
                actions.ActionSpec(
                    title="Book counselling",
                    owner_agency=world.agencies["partner"],
                    due_on=timezone.localdate() + timedelta(days=3),
                )
            ],
        )
    with pytest.raises(actions.MdtRuleBroken, match="not on the care team"):
        actions.record_decision(
            actor=world.actor("mona"),
            meeting=meeting,
            text="School plan.",
            category="care_plan",
            actions=[
                actions.ActionSpec(
                    title="Meet the teacher",
                    owner_agency=world.agencies["school"],
                    due_on=timezone.localdate() + timedelta(days=3),
                )
            ],
        )


def test_closing_needs_a_next_date_or_a_reason_and_flags_missing_roles(world: World) -> None:
    meeting = convene(world)
    with pytest.raises(actions.MdtRuleBroken, match="Take attendance"):
        _hold(world, meeting)
    _attend(world, meeting, {"clinician"})
    with pytest.raises(actions.MdtRuleBroken, match="next meeting"):
        _hold(world, meeting, next_meeting_on=None)
    held = _hold(world, meeting, next_meeting_on=None, no_next_meeting_reason="Moving county.")
    assert held.status == MeetingStatus.HELD
    # The protocol requires a lead case manager and an MDT coordinator: neither came.
    assert held.missing_roles == ["lead_case_manager", "mdt_coordinator"]
    html = world.client_for("mona").get(f"/mdt/meetings/{meeting.pk}/").content.decode()
    assert 'data-testid="missing-roles"' in html
    assert "Lead case manager" in html
    event = CaseEvent.objects.filter(case=world.case, summary__startswith="MDT staffing held")
    assert "without a required role" in event.get().summary


def test_only_the_convening_agency_keeps_the_record(world: World) -> None:
    meeting = convene(world)
    sam = world.client_for("sam")  # the lead's supervisor: sees the meeting, keeps nothing
    assert sam.get(f"/mdt/meetings/{meeting.pk}/").status_code == 200
    response = sam.post(
        f"/mdt/meetings/{meeting.pk}/decisions/", {"text": "x", "category": "care_plan"}
    )
    assert response.status_code == 403
    assert not meeting.decisions.exists()


def test_a_decision_form_with_a_half_filled_action_keeps_everything(world: World) -> None:
    meeting = convene(world)
    response = world.client_for("mona").post(
        f"/mdt/meetings/{meeting.pk}/decisions/",
        {
            "text": "Weekly counselling — “as she asked”.",
            "category": "care_plan",
            "action_0_title": "Book it",
        },
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "Choose who does it." in html
    assert "Give the day it is due." in html
    assert "Weekly counselling — “as she asked”." in html
    assert 'value="Book it"' in html


def test_the_case_on_the_survivor_page_links_its_staffings(world: World) -> None:
    meeting = convene(world)
    page = world.client_for("casey").get(f"/survivors/{world.survivor.pk}/").content.decode()
    staffings = page.split('data-testid="case-staffings"')[1].split("</ul>")[0]
    assert f"/mdt/meetings/{meeting.pk}/" in staffings
    assert "Scheduled" in staffings


def test_a_colleague_invited_by_name_but_not_on_the_case_sees_the_meeting_only(
    world: World,
) -> None:
    """Cole is a case manager at the lead agency, not named on the case: invited by name,
    he sees the staffing (when, where, who) and nothing of the survivor, as for the case
    itself. The reason there is no next meeting is read as a note, not by him."""
    meeting = actions.convene_mdt(
        actor=world.actor("mona"),
        case=world.case,
        place=actions.MeetingPlace(
            starts_at=timezone.now() - timedelta(hours=1),
            minutes_long=60,
            place_kind="in_person",
            place="Room C",
            call_link="",
        ),
        invitees=[
            actions.Invitee(
                agency=world.agencies["lead"], role="case_manager", user=world.users["cole"]
            )
        ],
    )
    _attend(world, meeting, {"case_manager"})
    _hold(world, meeting, next_meeting_on=None, no_next_meeting_reason="Moving to her aunt's")
    response = world.client_for("cole").get(f"/mdt/meetings/{meeting.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Not shared with your agency (no release)." in html
    assert "Ana" not in html
    assert "aunt" not in html
    assert "aunt" in world.client_for("sam").get(f"/mdt/meetings/{meeting.pk}/").content.decode()


def test_a_next_staffing_agreed_and_not_booked_is_on_the_coordinators_my_work(
    world: World,
) -> None:
    meeting = convene(world)
    _attend(world, meeting, {"lead_case_manager"})
    _hold(world, meeting)  # next meeting in 30 days
    work = world.client_for("mona").get("/cases/").content.decode()
    box = work.split('data-testid="next-staffings"')[1].split("</section>")[0]
    assert f"Case {world.case.reference}" in box
    assert f"/mdt/cases/{world.case.pk}/convene/" in box
    convene(world, starts_at=timezone.now() + timedelta(days=29))
    assert (
        'data-testid="next-staffings"'
        not in world.client_for("mona").get("/cases/").content.decode()
    )


def test_a_release_of_one_area_shows_that_need_without_saying_not_shared(world: World) -> None:
    from tests.needs.helpers import assess

    assess(world, "mental_health", status="identified")
    assess(world, "food", status="identified")
    release_to_partner(world, {"mental_health"})
    meeting = convene(world)
    html = world.client_for("drew").get(f"/mdt/meetings/{meeting.pk}/").content.decode()
    needs = html.split('data-testid="agenda-needs"')[1].split("</section>")[0]
    assert "data-masked" not in needs
    assert "Mental health services: Need identified" in needs
    assert "Culturally appropriate food" not in needs


def test_an_action_can_be_given_to_a_person_named_on_the_team(world: World) -> None:
    from continuum.mdt.models import ActionItem

    release_to_partner(world, {"care_plan"})
    meeting = convene(world)
    drew = world.users["drew"]
    partner = world.agencies["partner"]
    page = world.client_for("mona").get(f"/mdt/meetings/{meeting.pk}/").content.decode()
    assert f'value="{partner.pk}:{drew.pk}"' in page
    due = (timezone.localdate() + timedelta(days=5)).isoformat()
    response = world.client_for("mona").post(
        f"/mdt/meetings/{meeting.pk}/decisions/",
        {
            "text": "Weekly counselling.",
            "category": "care_plan",
            "action_0_title": "Book the first session",
            "action_0_owner": f"{partner.pk}:{drew.pk}",
            "action_0_due": due,
        },
    )
    assert response.status_code == 302
    item = ActionItem.objects.get(decision__meeting=meeting)
    assert item.owner_user == drew
    assert item.task.owner_agency == partner
    # A forged owner (not a choice) is refused with the form, not a 500.
    forged = world.client_for("mona").post(
        f"/mdt/meetings/{meeting.pk}/decisions/",
        {
            "text": "x",
            "category": "care_plan",
            "action_0_title": "y",
            "action_0_owner": f"{partner.pk}:999999",
            "action_0_due": due,
        },
    )
    assert forged.status_code == 422
