"""/api/v1/mdt: a staffing through the API from convening to the next meeting's
follow-through; what each reader's agency gets back (masked without a release); stale
versions (409); bad input with a reason (422); refusals (403/404); the community's
staffing clocks and how a protocol change moves them.

The world is tests/mdt/helpers.community: Mona (the advocacy center's MDT coordinator)
convenes; Sam and Casey work for the lead agency; Drew for Harbor (on the care team); Skye
supervises at the school, which is invited but has no release and is not on the team.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from continuum.accounts.models import Role
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.actions import add_care_team_member, add_task, open_case, update_case
from continuum.cases.models import CaseTask, TaskStatus
from continuum.mdt import actions
from continuum.mdt.models import Decision, Meeting, MeetingStatus, Participant, StaffingClock
from continuum.protocols.actions import change_protocol
from continuum.survivors.actions import SurvivorDetails, create_survivor, revoke_release
from tests.api.conftest import ApiClient
from tests.api.world_api import api_as, with_mentor
from tests.mdt.helpers import community, convene, details
from tests.personas import World, build_world, release_to_partner

pytestmark = pytest.mark.django_db

PRIVATE = ("Ana", "Pérez", "Culturally appropriate food")


@pytest.fixture
def world() -> World:
    built = build_world()
    built.extra["protocol"] = community(built)
    return built


def _today() -> date:
    return timezone.localdate()


def _in(days: int) -> str:
    return (_today() + timedelta(days=days)).isoformat()


def _invitees(world: World) -> list[dict[str, Any]]:
    return [
        {"agency_id": world.agencies["lead"].pk, "role": "lead_case_manager"},
        {"agency_id": world.agencies["partner"].pk, "role": "clinician"},
        {"agency_id": world.agencies["school"].pk, "role": "school_liaison"},
    ]


def _convene_body(world: World, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "starts_at": (timezone.now() - timedelta(hours=1)).isoformat(),
        "minutes_long": 60,
        "place_kind": "in_person",
        "place": "Conference room B",
        "invitees": _invitees(world),
    }
    body.update(overrides)
    return body


def _convene(world: World, **overrides: Any) -> dict[str, Any]:
    response = api_as(world, "mona").post(
        f"/mdt/cases/{world.case.pk}/meetings", _convene_body(world, **overrides)
    )
    assert response.status_code == 201, response.json()
    body: dict[str, Any] = response.json()
    return body


def _participant(body: dict[str, Any], role: str) -> int:
    return int(next(p["id"] for p in body["participants"] if p["role"] == role))


def _attend(client: ApiClient, meeting: dict[str, Any], **extra: Any) -> Any:
    present = [_participant(meeting, "lead_case_manager"), _participant(meeting, "clinician")]
    return client.post(
        f"/mdt/meetings/{meeting['id']}/attendance",
        {"version": meeting["version"], "present": present, **extra},
    )


def _hold_body(version: int, **overrides: Any) -> dict[str, Any]:
    return {
        "version": version,
        "survivor_voice": "mentor",
        "survivor_voice_how": "Her mentor said she wants to stay at her school.",
        "minutes": "Went through the plan; Ana asked for a quiet room.",
        "next_meeting_on": _in(30),
        **overrides,
    }


def _decide(
    client: ApiClient, meeting_id: str, text: str, category: str, action_list: list[Any]
) -> Any:
    return client.post(
        f"/mdt/meetings/{meeting_id}/decisions",
        {"text": text, "category": category, "actions": action_list},
    )


def _action(world: World, title: str, owner: str, days: int = 7, **extra: Any) -> dict[str, Any]:
    return {
        "title": title,
        "owner_agency_id": world.agencies[owner].pk,
        "due_on": _in(days),
        **extra,
    }


# --- a staffing from start to finish -------------------------------------------------------


def test_a_full_staffing_through_the_api(world: World) -> None:
    release_to_partner(world, {"care_plan", "identity"})
    mona = api_as(world, "mona")
    meeting = _convene(
        world,
        invitees=[
            *_invitees(world),
            {
                "agency_id": world.agencies["partner"].pk,
                "role": "clinician",
                "user_id": world.users["drew"].pk,
            },
        ],
    )
    assert meeting["status"] == "scheduled"
    assert meeting["version"] == 1
    assert meeting["case_reference"] == world.case.reference
    assert meeting["convened_by_agency"] == "Test Advocacy Center"
    assert meeting["place"] == "Conference room B"
    assert len(meeting["participants"]) == 4
    assert {p["person"] for p in meeting["participants"]} == {None, "Drew Tester"}
    assert all(p["attended"] is None for p in meeting["participants"])
    meeting_id = meeting["id"]

    # Attendance: two invitees came, the advocacy center's coordinator walked in, and the
    # survivor took part (recorded by kind, never by name).
    attended = _attend(
        mona,
        meeting,
        walk_ins=[{"agency_id": world.agencies["cac"].pk, "role": "mdt_coordinator"}],
        survivor_present=True,
    )
    assert attended.status_code == 200, attended.json()
    after = attended.json()
    assert after["version"] == 2
    came = {(p["kind"], p["role"], p["attended"]) for p in after["participants"]}
    assert ("member", "lead_case_manager", True) in came
    assert ("member", "school_liaison", False) in came
    assert ("member", "mdt_coordinator", True) in came
    assert ("survivor", "", True) in came
    walk_in = next(p for p in after["participants"] if p["role"] == "mdt_coordinator")
    assert walk_in["invited"] is False

    first = _decide(
        mona,
        meeting_id,
        "Start weekly counselling.",
        "care_plan",
        [_action(world, "Book the first counselling session", "partner")],
    )
    assert first.status_code == 201, first.json()
    decided = first.json()
    assert decided["withheld"] is False
    assert decided["text"] == "Start weekly counselling."
    assert decided["category"] == "care_plan"
    [item] = decided["action_items"]
    assert item["title"] == "Book the first counselling session"
    assert item["owner_agency"] == "Harbor Counseling"
    assert item["due_on"] == _in(7)
    assert item["status"] == "open"
    assert item["on_time"] is None
    second = _decide(
        mona,
        meeting_id,
        "Ask the school about a quiet space.",
        "care_plan",
        [_action(world, "Call the school counsellor", "lead")],
    )
    assert second.status_code == 201, second.json()

    held = mona.post(f"/mdt/meetings/{meeting_id}/hold", _hold_body(after["version"]))
    assert held.status_code == 200, held.json()
    closed = held.json()
    assert closed["status"] == "held"
    assert closed["version"] == 3
    assert closed["missing_roles"] == []  # a lead case manager and a coordinator came
    assert closed["next_meeting_on"] == _in(30)
    # Mona's agency has no release: writing the decisions gives no right to read them back.
    assert [(d["text"], d["category"]) for d in closed["decisions"]] == [(None, None)] * 2
    lead_view = api_as(world, "sam").get(f"/mdt/meetings/{meeting_id}").json()
    assert [d["text"] for d in lead_view["decisions"]] == [
        "Start weekly counselling.",
        "Ask the school about a quiet space.",
    ]
    # The first staffing held stops the clock: the case leaves the coordinators' list.
    clock = StaffingClock.objects.get(case=world.case)
    assert clock.first_staffed_on == _today()
    clocks = mona.get("/mdt/clocks").json()
    assert world.case.reference not in [c["case_reference"] for c in clocks]

    # Harbor lists its own action item (not the lead's) and marks it done.
    drew = api_as(world, "drew")
    listed = drew.get("/mdt/action-items")
    assert listed.status_code == 200
    assert [i["title"] for i in listed.json()] == ["Book the first counselling session"]
    task_id = listed.json()[0]["task_id"]
    lead_items = api_as(world, "casey").get("/mdt/action-items").json()
    assert [i["title"] for i in lead_items] == ["Call the school counsellor"]
    done = drew.post(f"/mdt/action-items/{task_id}/done")
    assert done.status_code == 200, done.json()
    assert done.json()["status"] == "done"
    assert done.json()["done_on"] == _today().isoformat()
    assert done.json()["on_time"] is True
    assert drew.get("/mdt/action-items").json() == []
    assert CaseTask.objects.get(pk=task_id).status == TaskStatus.DONE

    # The next staffing goes through what the last one asked for.
    later = _convene(world, starts_at=(timezone.now() + timedelta(days=1)).isoformat())
    response = api_as(world, "sam").get(f"/mdt/meetings/{later['id']}")
    assert response.status_code == 200
    follow = {f["title"]: f for f in response.json()["follow_through"]}
    assert set(follow) == {"Book the first counselling session", "Call the school counsellor"}
    assert follow["Book the first counselling session"]["status"] == "done"
    assert follow["Book the first counselling session"]["on_time"] is True
    assert follow["Call the school counsellor"]["status"] == "open"
    assert follow["Call the school counsellor"]["on_time"] is None
    assert response.json()["decisions"] == []


def test_meetings_list_newest_first_and_upcoming_soonest_first(world: World) -> None:
    past = _convene(world)
    soon = _convene(world, starts_at=(timezone.now() + timedelta(days=1)).isoformat())
    later = _convene(world, starts_at=(timezone.now() + timedelta(days=5)).isoformat())
    skye = api_as(world, "skye")  # invited: the school sees the meetings exist
    every = skye.get("/mdt/meetings")
    assert every.status_code == 200
    assert [m["id"] for m in every.json()] == [later["id"], soon["id"], past["id"]]
    assert set(every.json()[0]) == {
        "id",
        "case_id",
        "case_reference",
        "status",
        "starts_at",
        "minutes_long",
        "place_kind",
        "place",
        "call_link",
        "convened_by_agency",
        "version",
        "next_meeting_on",
        "missing_roles",
    }
    upcoming = skye.get("/mdt/meetings", {"upcoming": "true"}).json()
    assert [m["id"] for m in upcoming] == [past["id"], soon["id"], later["id"]]
    assert api_as(world, "quinn").get("/mdt/meetings").json() == []
    assert api_as(world, "morgan").get("/mdt/meetings").json() == []


def test_cancelling_a_meeting(world: World) -> None:
    meeting = _convene(world, starts_at=(timezone.now() + timedelta(days=2)).isoformat())
    mona = api_as(world, "mona")
    cancelled = mona.post(f"/mdt/meetings/{meeting['id']}/cancel", {"version": 1})
    assert cancelled.status_code == 200, cancelled.json()
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["version"] == 2
    again = mona.post(f"/mdt/meetings/{meeting['id']}/cancel", {"version": 2})
    assert again.status_code == 422
    assert again.json() == {"detail": "This staffing is already closed."}
    refused = _decide(mona, meeting["id"], "Too late.", "care_plan", [])
    assert refused.status_code == 422
    assert refused.json() == {"detail": "This staffing was cancelled."}


# --- what each reader gets back ------------------------------------------------------------


def _a_held_staffing(world: World) -> str:
    """A staffing with a need on the agenda, a care-plan decision with an action for the
    lead, a mental-health decision, minutes and how the survivor was heard: held."""
    from tests.needs.helpers import assess

    assess(world, "food", status="identified")
    mona = api_as(world, "mona")
    meeting = _convene(world)
    assert _attend(mona, meeting).status_code == 200
    assert (
        _decide(
            mona,
            meeting["id"],
            "Ana moves to the quiet classroom.",
            "care_plan",
            [_action(world, "Tell Ana's teacher about the room", "lead")],
        ).status_code
        == 201
    )
    assert (
        _decide(mona, meeting["id"], "Ana starts trauma therapy.", "mental_health", []).status_code
        == 201
    )
    held = mona.post(f"/mdt/meetings/{meeting['id']}/hold", _hold_body(2))
    assert held.status_code == 200, held.json()
    return str(meeting["id"])


def test_an_invited_agency_without_a_release_gets_the_meeting_masked(world: World) -> None:
    meeting_id = _a_held_staffing(world)
    response = api_as(world, "skye").get(f"/mdt/meetings/{meeting_id}")
    assert response.status_code == 200
    raw = response.content.decode()
    for private in (
        *PRIVATE,
        "quiet classroom",
        "trauma therapy",
        "teacher",
        "Went through the plan",
        "stay at her school",
    ):
        assert private not in raw, private
    body = response.json()
    assert body["case_reference"] == world.case.reference  # the meeting exists for them
    assert body["survivor_name"] is None
    assert body["agenda"]
    assert all(s["shown"] is False and s["items"] == [] for s in body["agenda"])
    # Not even the kind: that a substance-use record exists is itself protected (Part 2).
    assert [(d["category"], d["withheld"], d["text"]) for d in body["decisions"]] == [
        (None, True, None),
        (None, True, None),
    ]
    [item] = body["decisions"][0]["action_items"]
    assert item["title"] is None
    assert item["owner_agency"] == "Lead Family Services"  # who owes it is not survivor data
    assert body["minutes"] is None
    assert body["survivor_voice"] == "mentor"
    assert body["survivor_voice_how"] is None
    # Reading it was audited, with the kinds of data shown: none.
    entry = AuditEntry.objects.filter(action=AuditAction.MDT_MEETING_VIEWED).latest("sequence")
    assert entry.detail["categories"] == []


def test_the_lead_agency_gets_the_whole_meeting(world: World) -> None:
    meeting_id = _a_held_staffing(world)
    body = api_as(world, "sam").get(f"/mdt/meetings/{meeting_id}").json()
    assert body["survivor_name"] == "Ana"
    needs = next(s for s in body["agenda"] if s["category"] == "needs")
    assert needs["shown"] is True
    assert needs["items"] == ["Culturally appropriate food: Need identified"]
    assert [d["text"] for d in body["decisions"]] == [
        "Ana moves to the quiet classroom.",
        "Ana starts trauma therapy.",
    ]
    assert body["decisions"][0]["action_items"][0]["title"] == "Tell Ana's teacher about the room"
    assert body["minutes"] == "Went through the plan; Ana asked for a quiet room."
    assert body["survivor_voice_how"] == "Her mentor said she wants to stay at her school."


def test_a_decision_of_a_kind_not_released_is_withheld(world: World) -> None:
    release_to_partner(world, {"care_plan", "identity"})
    meeting_id = _a_held_staffing(world)
    raw = api_as(world, "drew").get(f"/mdt/meetings/{meeting_id}")
    assert raw.status_code == 200
    assert "trauma therapy" not in raw.content.decode()
    body = raw.json()
    assert body["survivor_name"] == "Ana"  # identity released
    shown_decisions = [d for d in body["decisions"] if not d["withheld"]]
    assert [(d["category"], d["text"]) for d in shown_decisions] == [
        ("care_plan", "Ana moves to the quiet classroom.")
    ]
    [hidden] = [d for d in body["decisions"] if d["withheld"]]
    assert hidden["text"] is None
    assert hidden["category"] is None
    shown = {s["category"]: s["shown"] for s in body["agenda"]}
    assert shown["care_plan"] is True
    assert shown["needs"] is False
    assert shown["legal"] is False
    assert body["minutes"] is None  # minutes are read as notes: not released


# --- stale versions --------------------------------------------------------------------------


def test_attendance_on_a_stale_version_is_refused_with_409(world: World) -> None:
    meeting = _convene(world)
    mona = api_as(world, "mona")
    assert _attend(mona, meeting).status_code == 200  # now version 2
    stale = _attend(mona, meeting, survivor_present=True)  # still sends version 1
    assert stale.status_code == 409
    assert "Someone else changed this record" in stale.json()["detail"]
    assert not Participant.objects.filter(meeting_id=meeting["id"], kind="survivor").exists()
    assert Meeting.objects.get(pk=meeting["id"]).version == 2


def test_holding_on_a_stale_version_is_refused_with_409(world: World) -> None:
    meeting = _convene(world)
    mona = api_as(world, "mona")
    assert _attend(mona, meeting).status_code == 200
    stale = mona.post(f"/mdt/meetings/{meeting['id']}/hold", _hold_body(1))
    assert stale.status_code == 409
    found = Meeting.objects.get(pk=meeting["id"])
    assert found.status == MeetingStatus.SCHEDULED
    assert found.minutes == ""
    assert StaffingClock.objects.get(case=world.case).first_staffed_on is None
    cancelled = mona.post(f"/mdt/meetings/{meeting['id']}/cancel", {"version": 1})
    assert cancelled.status_code == 409


# --- bad input, with a reason ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"place_kind": "call", "place": ""}, "Give the link or number for the call."),
        (
            {"place_kind": "call", "call_link": "http://meet.example.org/x"},
            "A call link starts with https://.",
        ),
        ({"place": "  "}, "Say which room the team meets in."),
        ({"starts_at": "2026-06-01T10:00:00"}, "starts_at needs its time zone offset."),
        (
            {"starts_at": (timezone.now() - timedelta(days=3)).isoformat()},
            "A staffing is scheduled ahead. To record one already held, schedule it for today.",
        ),
        (
            {"invitees": [{"agency_id": 999999, "role": "clinician"}]},
            "No agency has id 999999.",
        ),
    ],
)
def test_convening_with_bad_input_says_why(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    response = api_as(world, "mona").post(
        f"/mdt/cases/{world.case.pk}/meetings", _convene_body(world, **overrides)
    )
    assert response.status_code == 422
    assert response.json() == {"detail": message}
    assert not Meeting.objects.exists()


def test_convening_without_invitees_or_with_an_agency_outside_is_refused(world: World) -> None:
    mona = api_as(world, "mona")
    path = f"/mdt/cases/{world.case.pk}/meetings"
    nobody = mona.post(path, _convene_body(world, invitees=[]))
    assert nobody.status_code == 422
    [problem] = nobody.json()["detail"]
    assert problem["loc"][-1] == "invitees"
    assert "at least 1 item" in problem["msg"]
    outsider = mona.post(
        path,
        _convene_body(
            world, invitees=[{"agency_id": world.agencies["other"].pk, "role": "clinician"}]
        ),
    )
    assert outsider.status_code == 422
    assert outsider.json() == {
        "detail": "Other County Kids is neither a member of this community's protocol nor on "
        "the care team."
    }
    stranger = mona.post(
        path,
        _convene_body(
            world,
            invitees=[
                {
                    "agency_id": world.agencies["school"].pk,
                    "role": "school_liaison",
                    "user_id": world.users["drew"].pk,
                }
            ],
        ),
    )
    assert stranger.status_code == 422
    assert stranger.json() == {"detail": "An invited person does not work for the agency chosen."}
    unknown_field = mona.post(path, _convene_body(world, survivor_name="Ana"))
    assert unknown_field.status_code == 422
    assert not Meeting.objects.exists()


@pytest.mark.parametrize(
    ("category", "action", "message"),
    [
        (
            "care_plan",
            {"owner": "lead", "days": -1},
            "An action's due date cannot be in the past.",
        ),
        (
            "care_plan",
            {"owner": "school"},
            "Test School District is not on the care team. Give the action to an agency on it.",
        ),
        (
            "mental_health",
            {"owner": "partner"},
            "Harbor Counseling may not read this kind of information about this person (no "
            "release), so it cannot own this action.",
        ),
        ("gossip", None, "Choose who may read this decision."),
        ("identity", None, "Choose who may read this decision."),
    ],
)
def test_a_decision_with_bad_input_says_why(
    world: World, category: str, action: dict[str, Any] | None, message: str
) -> None:
    meeting = _convene(world)
    action_list = [] if action is None else [_action(world, "Do it", **action)]
    response = _decide(api_as(world, "mona"), meeting["id"], "Decided.", category, action_list)
    assert response.status_code == 422
    assert response.json() == {"detail": message}
    assert not Decision.objects.exists()
    assert not CaseTask.objects.filter(kind="mdt_action").exists()


def test_an_action_owner_who_does_not_work_there_is_refused(world: World) -> None:
    release_to_partner(world, {"care_plan"})
    meeting = _convene(world)
    response = _decide(
        api_as(world, "mona"),
        meeting["id"],
        "Decided.",
        "care_plan",
        [_action(world, "Do it", "partner", owner_user_id=world.users["casey"].pk)],
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "The person named does not work for the agency chosen."}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"next_meeting_on": None, "no_next_meeting_reason": ""},
            "Give the date of the next meeting, or say why the team is not meeting again.",
        ),
        (
            {"next_meeting_on": None, "no_next_meeting_reason": "   "},
            "Give the date of the next meeting, or say why the team is not meeting again.",
        ),
        ({"next_meeting_on": _in(0)}, "The next meeting must come after this one."),
    ],
)
def test_holding_without_a_next_date_or_reason_says_why(
    world: World, overrides: dict[str, Any], message: str
) -> None:
    meeting = _convene(world)
    mona = api_as(world, "mona")
    assert _attend(mona, meeting).status_code == 200
    response = mona.post(f"/mdt/meetings/{meeting['id']}/hold", _hold_body(2, **overrides))
    assert response.status_code == 422
    assert response.json() == {"detail": message}
    assert Meeting.objects.get(pk=meeting["id"]).status == MeetingStatus.SCHEDULED


def test_holding_before_attendance_or_before_the_start_says_why(world: World) -> None:
    mona = api_as(world, "mona")
    now = _convene(world)
    early = mona.post(f"/mdt/meetings/{now['id']}/hold", _hold_body(1))
    assert early.status_code == 422
    assert early.json() == {"detail": "Take attendance before closing the staffing."}
    ahead = _convene(world, starts_at=(timezone.now() + timedelta(days=1)).isoformat())
    assert _attend(mona, ahead).status_code == 200
    response = mona.post(f"/mdt/meetings/{ahead['id']}/hold", _hold_body(2))
    assert response.status_code == 422
    assert response.json() == {"detail": "This staffing has not started yet."}
    unknown_voice = mona.post(
        f"/mdt/meetings/{now['id']}/hold", _hold_body(1, survivor_voice="shouted")
    )
    assert unknown_voice.status_code == 422  # not one of the choices


def test_attendance_naming_someone_not_invited_is_refused(world: World) -> None:
    meeting = _convene(world)
    other = convene(world)  # another staffing's participant
    stranger = other.participants.first()
    assert stranger is not None
    response = api_as(world, "mona").post(
        f"/mdt/meetings/{meeting['id']}/attendance", {"version": 1, "present": [stranger.pk]}
    )
    assert response.status_code == 422
    assert response.json() == {"detail": "Someone marked present is not invited to this staffing."}
    assert Meeting.objects.get(pk=meeting["id"]).version == 1


# --- refusals ------------------------------------------------------------------------------


def test_only_the_convening_agency_keeps_the_record(world: World) -> None:
    meeting = _convene(world)
    path = f"/mdt/meetings/{meeting['id']}"
    message = {"detail": "Only the agency that convened this staffing keeps its record."}
    for who in ("sam", "skye"):  # both see the meeting
        client = api_as(world, who)
        assert client.get(path).status_code == 200
        refused = _decide(client, meeting["id"], "Decided.", "care_plan", [])
        assert refused.status_code == 403
        assert refused.json() == message
        assert client.post(f"{path}/attendance", {"version": 1}).status_code == 403
        assert client.post(f"{path}/hold", _hold_body(1)).status_code == 403
        assert client.post(f"{path}/cancel", {"version": 1}).status_code == 403
    for who in ("casey", "drew"):  # see it, and their role keeps no meeting
        client = api_as(world, who)
        assert client.get(path).status_code == 200
        assert _decide(client, meeting["id"], "x", "care_plan", []).json() == {
            "detail": "Your role does not allow this."
        }
    assert not Decision.objects.exists()
    assert Meeting.objects.get(pk=meeting["id"]).version == 1


def test_people_the_meeting_is_not_for_are_told_it_does_not_exist(world: World) -> None:
    meeting = _convene(world)
    path = f"/mdt/meetings/{meeting['id']}"
    for who in ("quinn", "cole", "morgan"):
        client = api_as(world, who)
        for response in (
            client.get(path),
            client.post(f"{path}/attendance", {"version": 1}),
            _decide(client, meeting["id"], "x", "care_plan", []),
            client.post(f"{path}/cancel", {"version": 1}),
        ):
            assert response.status_code in (403, 404), who
            if response.status_code == 404:
                assert response.json() == {"detail": "Not found"}
    morgan = api_as(world, "morgan")
    assert morgan.get(path).status_code == 404
    assert _decide(morgan, meeting["id"], "x", "care_plan", []).status_code == 404
    missing = "/mdt/meetings/00000000-0000-0000-0000-000000000000"
    assert api_as(world, "mona").get(missing).status_code == 404
    outside = morgan.post(f"/mdt/cases/{world.case.pk}/meetings", _convene_body(world))
    assert outside.status_code == 404
    assert Meeting.objects.count() == 1


@pytest.mark.parametrize("who", ["casey", "drew", "avery", "jordan", "cole"])
def test_roles_that_do_not_convene_are_refused(world: World, who: str) -> None:
    client = api_as(world, who)
    assert client.get("/mdt/clocks").status_code == 403
    response = client.post(f"/mdt/cases/{world.case.pk}/meetings", _convene_body(world))
    assert response.status_code == 403
    assert not Meeting.objects.exists()


def test_an_action_item_is_done_only_by_its_owner_and_only_once(world: World) -> None:
    release_to_partner(world, {"care_plan"})
    meeting = _convene(world)
    decided = _decide(
        api_as(world, "mona"),
        meeting["id"],
        "Counselling.",
        "care_plan",
        [_action(world, "Book counselling", "partner")],
    ).json()
    task_id = decided["action_items"][0]["task_id"]
    casey = api_as(world, "casey")
    refused = casey.post(f"/mdt/action-items/{task_id}/done")
    assert refused.status_code == 403
    assert refused.json() == {"detail": "Only the agency this task belongs to can mark it done."}
    assert api_as(world, "quinn").post(f"/mdt/action-items/{task_id}/done").status_code == 404
    assert api_as(world, "mona").post("/mdt/action-items/999999/done").status_code == 404
    # A case to-do that is not an MDT action is not one of these.
    other = add_task(
        actor=world.actor("casey"),
        case=world.case,
        kind="other",
        title="File the report",
        due_on=None,
        owner=world.agencies["lead"],
    )
    assert casey.post(f"/mdt/action-items/{other.pk}/done").status_code == 404
    drew = api_as(world, "drew")
    assert drew.post(f"/mdt/action-items/{task_id}/done").status_code == 200
    again = drew.post(f"/mdt/action-items/{task_id}/done")
    assert again.status_code == 422
    assert again.json() == {"detail": "This task is already closed."}


# --- the community's staffing clocks ---------------------------------------------------------


def _another_case(world: World, name: str, intake: date | None) -> str:
    person = create_survivor(
        actor=world.actor("casey"), details=SurvivorDetails(preferred_name=name)
    )
    case = open_case(actor=world.actor("casey"), survivor=person, report_received_on=intake)
    return case.reference


def test_clocks_list_each_state_soonest_due_first(world: World) -> None:
    today = _today()
    overdue = _another_case(world, "Bea", today - timedelta(days=20))
    at_risk = _another_case(world, "Cleo", today - timedelta(days=12))
    unknown = _another_case(world, "Dina", None)
    response = api_as(world, "mona").get("/mdt/clocks")
    assert response.status_code == 200
    raw = response.content.decode()
    for private in ("Ana", "Pérez", "Bea", "Cleo", "Dina"):
        assert private not in raw
    rows = response.json()
    assert [r["case_reference"] for r in rows] == [overdue, at_risk, world.case.reference, unknown]
    by_ref = {r["case_reference"]: r for r in rows}
    assert by_ref[overdue]["state"] == "overdue"
    assert by_ref[overdue]["due_on"] == (today - timedelta(days=6)).isoformat()
    assert by_ref[overdue]["days_left"] == -6
    assert by_ref[at_risk]["state"] == "at_risk"
    assert by_ref[at_risk]["days_left"] == 2
    assert by_ref[at_risk]["at_risk_from"] == (today - timedelta(days=1)).isoformat()
    assert by_ref[world.case.reference]["state"] == "on_track"
    assert by_ref[unknown]["state"] == "cannot_compute"
    assert by_ref[unknown]["due_on"] is None
    assert by_ref[unknown]["days_left"] is None
    assert by_ref[unknown]["intake_on"] is None
    # By reference, lead agency and dates only: nothing about the person.
    assert set(rows[0]) == {
        "case_id",
        "case_reference",
        "lead_agency",
        "intake_on",
        "due_on",
        "at_risk_from",
        "state",
        "days_left",
        "next_meeting",
        "protocol_version",
    }
    assert {r["lead_agency"] for r in rows} == {"Lead Family Services"}
    # The clock list is audited as a dashboard read.
    assert AuditEntry.objects.filter(action=AuditAction.MDT_DASHBOARD_VIEWED).exists()


def test_a_scheduled_staffing_shows_on_the_clock(world: World) -> None:
    starts = timezone.now() + timedelta(days=2)
    convene(world, starts_at=starts)
    [row] = api_as(world, "mona").get("/mdt/clocks").json()
    assert abs(datetime.fromisoformat(row["next_meeting"]) - starts) < timedelta(seconds=1)
    assert row["state"] == "on_track"  # scheduled is not staffed: the clock still runs


def test_clocks_of_another_community_are_not_listed(world: World) -> None:
    other_case = open_case(
        actor=world.actor("quinn"),
        survivor=create_survivor(
            actor=world.actor("quinn"), details=SurvivorDetails(preferred_name="Lina")
        ),
        report_received_on=_today(),
    )
    mine = [r["case_reference"] for r in api_as(world, "mona").get("/mdt/clocks").json()]
    assert other_case.reference not in mine
    assert world.case.reference in mine
    theirs = [r["case_reference"] for r in api_as(world, "morgan").get("/mdt/clocks").json()]
    assert theirs == [other_case.reference]


def test_a_protocol_change_moves_the_due_date_seen_through_the_api(world: World) -> None:
    intake = world.case.report_received_on
    assert intake is not None
    mona = api_as(world, "mona")
    [before] = mona.get("/mdt/clocks").json()
    assert before["due_on"] == (intake + timedelta(days=14)).isoformat()
    protocol = world.extra["protocol"]
    protocol.refresh_from_db()
    change = change_protocol(
        actor=world.actor("nia"),
        protocol=protocol,
        details=details(mdt_staffing_days=5),
        expected_version=protocol.version,
    )
    [after] = mona.get("/mdt/clocks").json()
    assert after["due_on"] == (intake + timedelta(days=5)).isoformat()
    assert after["protocol_version"] == change.version.number
    assert after["protocol_version"] == before["protocol_version"] + 1
    assert after["state"] == "at_risk"  # 2 days left, 3 days' warning
    assert after["days_left"] == 2
    # And the intake date moving moves it again.
    world.case.refresh_from_db()
    update_case(
        actor=world.actor("casey"),
        case=world.case,
        report_received_on=intake - timedelta(days=4),
        expected_version=world.case.version,
    )
    [moved] = mona.get("/mdt/clocks").json()
    assert moved["state"] == "overdue"
    assert moved["days_left"] == -2


# --- found in review: each failed before its fix -------------------------------------------


def test_an_invited_agency_with_a_release_but_off_the_care_team_reads_nothing(
    world: World,
) -> None:
    """DESIGN: another agency sees the survivor's data only while it is on the care team
    *and* a release names it. Being invited to a staffing does not put it on the team."""
    release_to_partner(
        world,
        {"identity", "needs", "care_plan", "notes"},
        recipient_agency=world.agencies["school"],
    )
    meeting_id = _a_held_staffing(world)
    response = api_as(world, "skye").get(f"/mdt/meetings/{meeting_id}")
    assert response.status_code == 200
    raw = response.content.decode()
    for private in (*PRIVATE, "quiet classroom", "Went through the plan"):
        assert private not in raw, private
    body = response.json()
    assert body["survivor_name"] is None
    assert all(s["shown"] is False for s in body["agenda"])
    assert all(d["withheld"] for d in body["decisions"])
    page = world.client_for("skye").get(f"/mdt/meetings/{meeting_id}/").content.decode()
    for private in (*PRIVATE, "quiet classroom", "Went through the plan"):
        assert private not in page, private
    # Once on the care team, the same release opens what it names.
    add_care_team_member(
        actor=world.actor("casey"),
        case=world.case,
        agency=world.agencies["school"],
        role="school_liaison",
    )
    opened = api_as(world, "skye").get(f"/mdt/meetings/{meeting_id}").json()
    assert opened["survivor_name"] == "Ana"
    assert opened["decisions"][0]["text"] == "Ana moves to the quiet classroom."


def test_an_agency_taken_off_the_care_team_stops_reading_the_meetings_it_was_invited_to(
    world: World,
) -> None:
    from continuum.cases.actions import remove_care_team_member

    release_to_partner(world, {"identity", "care_plan"})
    meeting_id = _a_held_staffing(world)
    from tests.personas import add_person

    add_person(world, "pia", "partner", Role.SUPERVISOR)
    assert api_as(world, "pia").get(f"/mdt/meetings/{meeting_id}").json()["survivor_name"] == "Ana"
    for member in world.case.care_team.filter(
        agency=world.agencies["partner"], removed_at__isnull=True
    ):
        remove_care_team_member(actor=world.actor("casey"), member=member)
    # Harbor was invited, so the meeting still exists for its supervisor: masked.
    after = api_as(world, "pia").get(f"/mdt/meetings/{meeting_id}")
    assert after.status_code == 200
    assert after.json()["survivor_name"] is None
    assert "quiet classroom" not in after.content.decode()


def test_action_items_list_only_what_the_reader_may_read(world: World) -> None:
    """/mdt/action-items listed every open item of the agency, whatever its kind of data: a
    lead agency's survivor-mentor read a mental-health action, and an agency whose release
    was revoked still read its item's title (My work shows neither)."""
    milo = with_mentor(world)
    release = release_to_partner(world, {"care_plan"})
    meeting = _convene(world)
    mona = api_as(world, "mona")
    assert (
        _decide(
            mona,
            meeting["id"],
            "Trauma therapy.",
            "mental_health",
            [_action(world, "Refer Ana to trauma therapy", "lead")],
        ).status_code
        == 201
    )
    assert (
        _decide(
            mona,
            meeting["id"],
            "Plan the school meeting.",
            "care_plan",
            [_action(world, "Book the school meeting", "lead"), _action(world, "Call", "partner")],
        ).status_code
        == 201
    )
    casey = [i["title"] for i in api_as(world, "casey").get("/mdt/action-items").json()]
    assert sorted(casey) == ["Book the school meeting", "Refer Ana to trauma therapy"]
    mentor = api_as(world, milo).get("/mdt/action-items")
    assert mentor.status_code == 200
    assert "trauma" not in mentor.content.decode()
    assert [i["title"] for i in mentor.json()] == ["Book the school meeting"]
    assert [i["title"] for i in api_as(world, "drew").get("/mdt/action-items").json()] == ["Call"]
    revoke_release(actor=world.actor("casey"), release=release)
    assert api_as(world, "drew").get("/mdt/action-items").json() == []


def test_a_staffing_is_held_on_its_day_in_the_protocol_time_zone(world: World) -> None:
    """The clock counts days in the protocol's time zone; the day a staffing was held must
    be counted there too, not in the server's (a late meeting on the West coast is already
    tomorrow in New York)."""
    protocol = world.extra["protocol"]
    protocol.refresh_from_db()
    change_protocol(
        actor=world.actor("nia"),
        protocol=protocol,
        details=details(time_zone="America/Los_Angeles"),
        expected_version=protocol.version,
    )
    pacific = ZoneInfo("America/Los_Angeles")
    yesterday = timezone.now().astimezone(pacific).date() - timedelta(days=1)
    meeting = convene(world)
    late = datetime.combine(yesterday, datetime.min.time(), tzinfo=pacific) + timedelta(hours=22)
    Meeting.objects.filter(pk=meeting.pk).update(starts_at=late)
    mona = api_as(world, "mona")
    body = mona.get(f"/mdt/meetings/{meeting.pk}").json()
    assert _attend(mona, body).status_code == 200
    held = mona.post(
        f"/mdt/meetings/{meeting.pk}/hold",
        _hold_body(2, next_meeting_on=(yesterday + timedelta(days=1)).isoformat()),
    )
    assert held.status_code == 200, held.json()  # the next day is after it, out West
    assert StaffingClock.objects.get(case=world.case).first_staffed_on == yesterday


def test_meeting_times_are_shown_in_the_agency_time_zone_they_were_typed_in(
    world: World,
) -> None:
    cac = world.agencies["cac"]
    cac.time_zone = "America/Chicago"
    cac.save(update_fields=["time_zone"])
    world.memberships["mona"].refresh_from_db()
    client = world.client_for("mona")
    day = _today() + timedelta(days=2)
    response = client.post(
        f"/mdt/cases/{world.case.pk}/convene/",
        {
            "day": day.isoformat(),
            "at": "14:00",
            "minutes_long": "60",
            "place_kind": "in_person",
            "place": "Room 4",
            "call_link": "",
            "invite_roles": [f"{world.agencies['lead'].pk}:lead_case_manager"],
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get(case=world.case)
    assert meeting.starts_at == datetime.combine(
        day, datetime.min.time(), tzinfo=ZoneInfo("America/Chicago")
    ) + timedelta(hours=14)
    page = client.get(f"/mdt/meetings/{meeting.pk}/").content.decode()
    when = page.split('data-testid="meeting-when"')[1].split("</p>")[0]
    assert "14:00" in when
    dashboard = client.get("/mdt/").content.decode()
    upcoming = dashboard.split('data-testid="upcoming-meetings"')[1].split("</ul>")[0]
    assert "14:00" in upcoming


# --- the cost of the meeting page and the dashboard does not grow with the data -------------


def _count(client: Any, path: str) -> int:
    """Queries to GET path (a page through a signed-in Client, an endpoint through an
    ApiClient)."""
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, path
    return len(queries)


def _more_decisions(world: World, meeting: Meeting, count: int) -> None:
    for n in range(count):
        actions.record_decision(
            actor=world.actor("mona"),
            meeting=Meeting.objects.get(pk=meeting.pk),
            text=f"Decision {n}",
            category="care_plan",
            actions=[
                actions.ActionSpec(
                    title=f"Action {n}",
                    owner_agency=world.agencies["lead"],
                    due_on=_today() + timedelta(days=3),
                    owner_user=world.users["casey"],
                )
            ],
        )


def test_the_meeting_page_and_endpoint_cost_the_same_for_1_and_6_decisions(world: World) -> None:
    earlier = convene(world)
    meeting = convene(world, starts_at=timezone.now() + timedelta(days=1))
    _more_decisions(world, earlier, 1)
    _more_decisions(world, meeting, 1)
    page, api = world.client_for("sam"), api_as(world, "sam")
    api.get("/me")  # the token's first use writes its last_used_at once
    small = (
        _count(page, f"/mdt/meetings/{meeting.pk}/"),
        _count(api, f"/mdt/meetings/{meeting.pk}"),
    )
    _more_decisions(world, earlier, 5)
    _more_decisions(world, meeting, 5)
    api_large = _count(api, f"/mdt/meetings/{meeting.pk}")
    large = (_count(page, f"/mdt/meetings/{meeting.pk}/"), api_large)
    assert small == large


def test_the_dashboard_and_clock_list_cost_the_same_for_2_and_12_cases(world: World) -> None:
    def grow(count: int) -> None:
        for n in range(count):
            ref_case = open_case(
                actor=world.actor("casey"),
                survivor=create_survivor(
                    actor=world.actor("casey"),
                    details=SurvivorDetails(preferred_name=f"Person {n}"),
                ),
                report_received_on=_today() - timedelta(days=n % 16),
            )
            world.case = ref_case
            convene(world, starts_at=timezone.now() + timedelta(days=1 + n))

    page, api = world.client_for("mona"), api_as(world, "mona")
    api.get("/me")  # the token's first use writes its last_used_at once
    grow(2)
    small = (
        _count(page, "/mdt/"),
        _count(api, "/mdt/clocks"),
        _count(api, "/mdt/meetings"),
    )
    grow(10)
    large = (
        _count(page, "/mdt/"),
        _count(api, "/mdt/clocks"),
        _count(api, "/mdt/meetings"),
    )
    assert small == large
