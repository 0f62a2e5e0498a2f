"""The MDT measures (continuum.outcomes.mdt), their page, CSV and API, from a small community
whose every figure is worked out by hand. Rows are made with the ORM (the MDT actions are
written elsewhere); T is today in the agencies' time zone.

Lead Family Services (Sam supervises) leads A-F; Other County Kids (Quinn) leads G and H.

Staffing clocks (intake, due, first staffed):
  A: T-40, T-26, T-26 (on the due day: in time, 14 days)   B: T-40, T-26, T-25 (late, 15 days)
  C: T-30, T-16, none (overdue)                              D: T-5, T+9, none (not yet due)
  E: T-20, T-6, T-18 (in time, 2 days)                       F: no intake date
  G: T-40, T-26, T-30 (in time, 10 days)                     H: no intake date
Action items (due, status): on A: T-10 done T-10 (on time), T-10 done T-9 (late); on B: T-3
  open (overdue), T+5 open (not yet due); on C: T-8 cancelled (left out); on G: T-10 done T-12
  (on time); and a to-do on A that is no action item (left out).
Meetings: m1 on A held T-26 (Lead twice, Harbor invited but absent, the survivor); m2 on B
  held T-25 without a guardian ad litem (Lead, Harbor, Other with attendance unknown); m3 on C
  scheduled; m4 on E cancelled; m5 on G held (no held_at: its start, T-30) without a role
  (Other came, Lead absent); m6 on E held T-18 (Lead; Harbor came uninvited).
Protocols: Bay (Lead, Harbor; an MOU in force signed by Lead; another past its expiry signed by
  Harbor), Gulf (Other; an MOU in force it signed), North (North Clinic; no MOU).
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from continuum.accounts.models import Agency, AgencyType
from continuum.api.tokens import create_token
from continuum.audit.models import AuditAction, AuditEntry
from continuum.cases.models import Case, CaseTask
from continuum.mdt.models import ActionItem, Decision, Meeting, Participant, StaffingClock
from continuum.outcomes import figures
from continuum.outcomes.mdt import MdtMeasures, measure_mdt
from continuum.outcomes.needs import Scope
from continuum.outcomes.periods import ALL_TIME, Period, parse_period
from continuum.protocols.models import (
    Mou,
    MouSignature,
    Protocol,
    ProtocolMember,
    ProtocolVersion,
)
from tests.outcomes.helpers import new_case
from tests.personas import World, add_survivors

pytestmark = pytest.mark.django_db

URL = "/measures/mdt/"
API = "/api/v1/measures/mdt"
SNAPSHOT = {
    "mdt_staffing_days": 14,
    "mdt_business_days": False,
    "mdt_at_risk_days": 3,
    "holidays": [],
    "time_zone": "America/New_York",
}


@dataclass
class Mdt:
    world: World
    today: date
    cases: dict[str, Case]


def _today(world: World) -> date:
    return timezone.localdate(timezone.now(), ZoneInfo(world.agencies["lead"].time_zone))


def _clock(case: Case, intake: date | None, due: date | None, staffed: date | None = None) -> None:
    StaffingClock.objects.update_or_create(
        case=case,
        defaults={"intake_on": intake, "due_on": due, "first_staffed_on": staffed},
    )


def _noon(world: World, day: date) -> datetime:
    return datetime.combine(day, time(12), ZoneInfo(world.agencies["lead"].time_zone))


def _meeting(
    world: World, case: Case, *, status: str, day: date, held: bool = True, missing: list[str]
) -> Meeting:
    return Meeting.objects.create(
        case=case,
        starts_at=_noon(world, day),
        place_kind="call",
        status=status,
        convened_by=world.users["morgan"],
        convened_by_agency=world.agencies["other"],
        held_at=_noon(world, day) if held and status == "held" else None,
        missing_roles=missing,
    )


def _came(
    world: World,
    meeting: Meeting,
    agency: str,
    attended: bool | None,
    *,
    invited: bool = True,
    role: str = "case_manager",
) -> None:
    Participant.objects.create(
        meeting=meeting,
        kind="member",
        agency=world.agencies[agency],
        role=role,
        invited=invited,
        attended=attended,
    )


def _action(
    world: World,
    meeting: Meeting,
    *,
    due: date,
    status: str = "open",
    done: date | None = None,
) -> CaseTask:
    decision = Decision.objects.create(
        meeting=meeting, text="Find a placement", recorded_by=world.users["morgan"]
    )
    task = CaseTask.objects.create(
        case=meeting.case,
        kind="mdt_action",
        title="MDT action",
        due_on=due,
        owner_agency=meeting.case.lead_agency,
        status=status,
        created_by=world.users["morgan"],
        done_at=_noon(world, done) if done else None,
    )
    ActionItem.objects.create(decision=decision, task=task)
    return task


def _protocol(world: World, name: str, *agencies: Agency) -> tuple[Protocol, ProtocolVersion]:
    protocol = Protocol.objects.create(
        name=name, effective_from=date(2020, 1, 1), updated_by=world.users["morgan"]
    )
    version = ProtocolVersion.objects.create(
        protocol=protocol,
        number=1,
        snapshot=SNAPSHOT,
        change_summary="First version",
        changed_by=world.users["morgan"],
    )
    for agency in agencies:
        ProtocolMember.objects.create(protocol=protocol, agency=agency)
    return protocol, version


def _mou(
    world: World,
    protocol: Protocol,
    version: ProtocolVersion,
    *,
    expires: date,
    signed_by: Agency,
) -> Mou:
    mou = Mou.objects.create(
        protocol=protocol,
        protocol_version=version,
        title=f"{protocol.name} MOU",
        status="in_force",
        effective_from=date(2020, 1, 1),
        expires_on=expires,
        created_by=world.users["morgan"],
    )
    MouSignature.objects.create(
        mou=mou,
        agency=signed_by,
        signer_name="Pat Signer",
        signer_title="Director",
        signed_on=date(2020, 1, 2),
        recorded_by=world.users["morgan"],
    )
    return mou


def build_mdt(world: World) -> Mdt:
    t = _today(world)

    def d(n: int) -> date:
        return t + timedelta(days=n)

    cases = {"A": world.case}
    for key, name in zip("BCDEF", ("Mira", "Noor", "Zara", "Iris", "Hana"), strict=True):
        cases[key] = new_case(world, name=name)
    for key, name in (("G", "Tala"), ("H", "Yuki")):
        cases[key] = new_case(world, by="quinn", name=name)
    _clock(cases["A"], d(-40), d(-26), d(-26))
    _clock(cases["B"], d(-40), d(-26), d(-25))
    _clock(cases["C"], d(-30), d(-16))
    _clock(cases["D"], d(-5), d(9))
    _clock(cases["E"], d(-20), d(-6), d(-18))
    _clock(cases["F"], None, None)
    _clock(cases["G"], d(-40), d(-26), d(-30))
    StaffingClock.objects.filter(case=cases["H"]).delete()  # no clock at all

    m1 = _meeting(world, cases["A"], status="held", day=d(-26), missing=[])
    _came(world, m1, "lead", True, role="lead_case_manager")
    _came(world, m1, "lead", True, role="supervisor")
    _came(world, m1, "partner", False)
    Participant.objects.create(meeting=m1, kind="survivor", invited=True, attended=True)
    m2 = _meeting(world, cases["B"], status="held", day=d(-25), missing=["guardian_ad_litem"])
    _came(world, m2, "lead", True)
    _came(world, m2, "partner", True)
    _came(world, m2, "other", None)
    m3 = _meeting(world, cases["C"], status="scheduled", day=d(2), missing=[])
    _came(world, m3, "lead", None)
    m4 = _meeting(world, cases["E"], status="cancelled", day=d(-19), missing=[])
    _came(world, m4, "lead", None)
    m5 = _meeting(
        world, cases["G"], status="held", day=d(-30), held=False, missing=["guardian_ad_litem"]
    )
    _came(world, m5, "other", True)
    _came(world, m5, "lead", False)
    m6 = _meeting(world, cases["E"], status="held", day=d(-18), missing=[])
    _came(world, m6, "lead", True)
    _came(world, m6, "partner", True, invited=False)

    _action(world, m1, due=d(-10), status="done", done=d(-10))
    _action(world, m1, due=d(-10), status="done", done=d(-9))
    _action(world, m2, due=d(-3))
    _action(world, m2, due=d(5))
    _action(world, m3, due=d(-8), status="cancelled")
    _action(world, m5, due=d(-10), status="done", done=d(-12))
    CaseTask.objects.create(
        case=cases["A"],
        kind="other",
        title="Not from the MDT",
        due_on=d(-10),
        owner_agency=world.agencies["lead"],
        created_by=world.users["casey"],
    )

    north = Agency.objects.create(name="North Clinic", agency_type=AgencyType.SERVICE_PROVIDER)
    bay, bay_v = _protocol(world, "Bay Protocol", world.agencies["lead"], world.agencies["partner"])
    _mou(world, bay, bay_v, expires=d(100), signed_by=world.agencies["lead"])
    _mou(world, bay, bay_v, expires=d(-1), signed_by=world.agencies["partner"])
    gulf, gulf_v = _protocol(world, "Gulf Protocol", world.agencies["other"])
    _mou(world, gulf, gulf_v, expires=d(0), signed_by=world.agencies["other"])
    _protocol(world, "North Protocol", north)
    return Mdt(world=world, today=t, cases=cases)


@pytest.fixture
def mdt(world: World) -> Mdt:
    return build_mdt(world)


def _lead(m: Mdt) -> Scope:
    return Scope(community=False, agency_id=m.world.agencies["lead"].pk)


def _measure(m: Mdt, scope: Scope, period: Period = ALL_TIME) -> MdtMeasures:
    return measure_mdt(scope, period, zone=m.world.agencies["lead"].time_zone)


def _values(figures_: object) -> dict[str, object]:
    return {
        name: getattr(figures_, name).value
        for name in vars(figures_)
        if isinstance(getattr(figures_, name), figures.Figure)
    }


# --- the figures ------------------------------------------------------------------------------


def test_staffings_of_the_agencys_cases(mdt: Mdt) -> None:
    staffing = _measure(mdt, _lead(mdt)).staffing
    assert _values(staffing) == {
        "needing": 5,
        "in_time": 2,  # A (on its due day) and E
        "late": 1,  # B, a day after
        "overdue": 1,  # C
        "not_yet_due": 1,  # D
        "in_time_share": 50,  # 2 of A, B, C, E
        "median_days": 14.0,  # 2, 14, 15
        "p90_days": 15.0,
        "cannot_compute": 1,  # F
    }


def test_staffings_of_the_community(mdt: Mdt) -> None:
    staffing = _measure(mdt, Scope(community=True)).staffing
    assert staffing.needing.shown == "<11"
    assert staffing.in_time.shown == "<11"
    assert staffing.in_time_share.shown == "hidden"
    assert staffing.median_days.shown == "hidden"
    assert staffing.cannot_compute.shown == "<11"  # F, and H without a clock
    other = Scope(community=False, agency_id=mdt.world.agencies["other"].pk)
    staffing = _measure(mdt, other).staffing
    assert (staffing.needing.value, staffing.in_time.value) == (1, 1)  # G
    assert staffing.cannot_compute.value == 1  # H, which has no clock at all


def test_staffings_in_a_period_go_by_intake_date(mdt: Mdt) -> None:
    t = mdt.today
    period = parse_period(start=str(t - timedelta(days=45)), end=str(t - timedelta(days=35)))
    staffing = _measure(mdt, _lead(mdt), period).staffing
    assert (staffing.needing.value, staffing.in_time.value, staffing.late.value) == (2, 1, 1)
    assert staffing.median_days.value == 14.5
    assert staffing.cannot_compute.value == 0  # F was opened long before
    staffing = _measure(mdt, _lead(mdt), parse_period(month="2001-01")).staffing
    assert staffing.needing.value == 0
    assert staffing.in_time_share.shown == "—"


def test_action_items(mdt: Mdt) -> None:
    actions = _measure(mdt, _lead(mdt)).actions
    assert _values(actions) == {
        "due": 4,
        "on_time": 1,  # done on its due day
        "late": 1,  # done the day after
        "overdue": 1,
        "not_yet_due": 1,
        "on_time_share": 33,  # 1 of 3
    }
    t = mdt.today
    period = parse_period(start=str(t - timedelta(days=10)), end=str(t - timedelta(days=10)))
    assert _measure(mdt, _lead(mdt), period).actions.due.value == 2
    community = _measure(mdt, Scope(community=True)).actions
    assert (community.due.shown, community.on_time.shown) == ("<11", "<11")


def test_a_task_done_with_no_time_recorded_is_not_on_time(mdt: Mdt) -> None:
    CaseTask.objects.filter(kind="mdt_action", status="done").update(done_at=None)
    actions = _measure(mdt, _lead(mdt)).actions
    assert (actions.on_time.value, actions.late.value) == (0, 2)


def test_meetings_and_attendance_by_agency(mdt: Mdt) -> None:
    meetings = _measure(mdt, _lead(mdt)).meetings
    assert (meetings.held.value, meetings.without_required_role.value) == (3, 1)
    rows = {
        a.name: (a.invited.value, a.attended.value, a.attended_share.value)
        for a in meetings.agencies
    }
    assert rows == {
        "Harbor Counseling": (2, 2, 50),  # absent at m1; came to m2, and uninvited to m6
        "Lead Family Services": (3, 3, 100),  # twice at m1 counts once
        "Other County Kids": (1, 0, 0),  # attendance at m2 not taken
    }
    assert [a.name for a in meetings.agencies] == sorted(rows)


def test_meetings_of_the_community(mdt: Mdt) -> None:
    meetings = _measure(mdt, Scope(community=True)).meetings
    assert (meetings.held.shown, meetings.without_required_role.shown) == ("<11", "<11")
    rows = {a.name: (a.invited.shown, a.attended_share.shown) for a in meetings.agencies}
    assert rows == {
        "Harbor Counseling": ("<11", "hidden"),
        "Lead Family Services": ("<11", "hidden"),
        "North Clinic": ("0", "—"),  # a member never invited
        "Other County Kids": ("<11", "hidden"),
    }


def test_a_meeting_without_held_at_counts_on_its_start(mdt: Mdt) -> None:
    t = mdt.today
    day = str(t - timedelta(days=30))
    period = parse_period(start=day, end=day)
    scope = Scope(community=False, agency_id=mdt.world.agencies["other"].pk)
    assert _measure(mdt, scope, period).meetings.held.value == 1


def test_mou_coverage(mdt: Mdt) -> None:
    mous = _measure(mdt, Scope(community=True)).mous
    assert (mous.members.value, mous.signed.value, mous.signed_share.value) == (4, 2, 50)
    assert mous.members.shown == "4"  # agencies, not survivors: never hidden
    rows = {p.name: (p.mou_in_force, p.members.value, p.signed.value) for p in mous.protocols}
    assert rows == {
        "Bay Protocol": (True, 2, 1),  # Harbor signed only the expired one
        "Gulf Protocol": (True, 1, 1),  # expires today: still in force
        "North Protocol": (False, 1, 0),
    }
    own = _measure(mdt, _lead(mdt)).mous
    assert (own.members.value, own.signed.value, own.signed_share.value) == (2, 1, 50)
    assert [p.name for p in own.protocols] == ["Bay Protocol"]
    nowhere = Scope(
        community=False, agency_id=Agency.objects.create(name="Lone", agency_type="other").pk
    )
    assert _measure(mdt, nowhere).mous.members.value == 0


def test_small_counts_and_the_counts_that_would_tell_them(mdt: Mdt) -> None:
    """22 more of Lead's cases: 11 in time (13 days), 11 late (16 days). Community: 14 in
    time, 12 late, 1 overdue, 1 not yet due; the two small ones add up to 2, so the next
    smallest (late) is hidden too, and the share with it."""
    t = mdt.today
    for n, survivor in enumerate(add_survivors(mdt.world, 22)):
        case = Case.objects.get(survivor=survivor)
        late = n % 2 == 1
        _clock(
            case,
            t - timedelta(days=40),
            t - timedelta(days=26),
            t - timedelta(days=24 if late else 27),
        )
    staffing = _measure(mdt, Scope(community=True)).staffing
    shown = {
        name: figure.shown
        for name, figure in (
            ("needing", staffing.needing),
            ("in_time", staffing.in_time),
            ("late", staffing.late),
            ("overdue", staffing.overdue),
            ("not_yet_due", staffing.not_yet_due),
            ("share", staffing.in_time_share),
            ("median", staffing.median_days),
            ("p90", staffing.p90_days),
        )
    }
    assert shown == {
        "needing": "28",
        "in_time": "14",
        "late": "hidden",
        "overdue": "<11",
        "not_yet_due": "<11",
        "share": "hidden",
        "median": "13.5",
        "p90": "16.0",
    }
    exact = _measure(mdt, _lead(mdt)).staffing
    assert (exact.in_time.value, exact.late.value, exact.in_time_share.value) == (13, 12, 50)


@pytest.mark.parametrize(
    ("parts", "whole", "shown"),
    [
        ({"a": 30, "b": 20}, 50, {"a": "30", "b": "20"}),
        ({"a": 45, "b": 5}, 50, {"a": "hidden", "b": "<11"}),
        ({"a": 30, "b": 15, "c": 5, "d": 0}, 50, {"a": "30", "b": "hidden", "c": "<11", "d": "0"}),
        ({"a": 30, "b": 6, "c": 5, "d": 0}, 41, {"a": "30", "b": "<11", "c": "<11", "d": "0"}),
        ({"a": 4, "b": 3}, 7, {"a": "<11", "b": "<11"}),
        ({"a": 0, "b": 0}, 0, {"a": "0", "b": "0"}),
    ],
)
def test_parts_of_a_whole(parts: dict[str, int], whole: int, shown: dict[str, str]) -> None:
    found = figures.parts_of(parts, whole, suppress=True)
    assert {key: figure.shown for key, figure in found.items()} == shown
    assert figures.parts_of(parts, whole, suppress=False) == {
        key: figures.count(n, suppress=False) for key, n in parts.items()
    }


def test_a_sum_is_hidden_when_a_part_is() -> None:
    shown, small = figures.count(12, suppress=True), figures.count(3, suppress=True)
    assert figures.sum_of(shown, figures.count(0, suppress=True)).value == 12
    assert figures.sum_of(shown, small).shown == "hidden"


def test_the_measures_cost_the_same_however_many_cases(mdt: Mdt) -> None:
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            _measure(mdt, Scope(community=True))
            _measure(mdt, _lead(mdt), parse_period(month="2026-01"))
        return len(captured)

    before = queries()
    assert before == 2 * 8
    for survivor in add_survivors(mdt.world, 5):
        case = Case.objects.get(survivor=survivor)
        held = _meeting(mdt.world, case, status="held", day=mdt.today, missing=["investigator"])
        _came(mdt.world, held, "partner", True)
        _action(mdt.world, held, due=mdt.today, status="done", done=mdt.today)
    assert queries() == before


# --- the page, the CSV, the API ---------------------------------------------------------------


def _names_and_ids(m: Mdt) -> list[str]:
    cases = list(m.cases.values())
    return [
        "Pérez",
        "Ana María",
        *("Mira", "Noor", "Zara", "Iris", "Hana", "Tala", "Yuki"),
        "Casey",
        "Quinn",
        "Morgan",
        "Pat Signer",
        "Find a placement",
        *(c.reference for c in cases),
        *(str(c.pk) for c in cases),
        *(str(c.survivor_id) for c in cases),
    ]


def _assert_nobody_in(text: str, m: Mdt) -> None:
    for value in _names_and_ids(m):
        assert value not in text, value
    assert not re.search(r"\bAna\b", text)


def _page_rows(page: str, testid: str) -> list[tuple[str, str]]:
    table = page.split(f'data-testid="{testid}"')[1].split("</table>")[0]
    return re.findall(r'<th scope="row">([^<]*)</th><td class="text-right">([^<]*)</td>', table)


def _csv(client: Client, query: str = "") -> list[list[str]]:
    response = client.get(f"{URL}?format=csv{'&' + query if query else ''}")
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.content.decode())))


def _api(world: World, persona: str, query: str = "") -> tuple[int, dict]:
    _token, plain = create_token(actor=world.actor(persona), name="measures")
    response = Client().get(
        f"{API}{'?' + query if query else ''}", headers={"Authorization": f"Bearer {plain}"}
    )
    return response.status_code, response.json()


def test_the_url_and_the_link_from_the_measures() -> None:
    assert reverse("outcomes:mdt") == URL


def test_the_index_links_to_the_page(world: World) -> None:
    index = world.client_for("sam").get("/measures/").content.decode()
    assert f'href="{URL}"' in index


@pytest.mark.parametrize("persona", ["casey", "drew", "quinn", "cole", "jordan", "morgan"])
def test_roles_without_measures_are_refused(world: World, persona: str) -> None:
    client = world.client_for(persona)
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}?format=csv").status_code == 403
    status, _body = _api(world, persona)
    assert status == 403
    assert not AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED).exists()


def test_the_supervisors_page_csv_and_api_agree(mdt: Mdt) -> None:
    client = mdt.world.client_for("sam")
    response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="exact-counts"' in page
    staffing = _page_rows(page, "staffing")
    assert staffing == [
        ("Cases needing a staffing", "5"),
        ("Staffed in time", "2"),
        ("Staffed late", "1"),
        ("Not staffed, overdue", "1"),
        ("Not staffed, not yet due", "1"),
        ("Share staffed in time", "50%"),
        ("Median days from intake to first staffing", "14.0"),
        ("90th percentile days from intake to first staffing", "15.0"),
        ("Cases with no intake date (cannot compute)", "1"),
    ]
    actions = _page_rows(page, "actions")
    meetings = _page_rows(page, "meetings")
    mou = _page_rows(page, "mou")
    assert ("Share done on time", "33%") in actions
    assert meetings == [("Meetings held", "3"), ("Held without a role the protocol requires", "1")]
    assert mou[:2] == [
        ("Member agencies (now)", "2"),
        ("Members that signed the MOU in force (now)", "1"),
    ]
    attendance = page.split('data-testid="attendance"')[1].split("</table>")[0]
    assert re.search(
        r"Harbor Counseling</th>\s*<td[^>]*>2</td>\s*<td[^>]*>2</td>\s*<td[^>]*>50%</td>",
        attendance,
    )

    rows = _csv(client)
    assert rows[0] == ["Section", "Agency or protocol", "Figure", "Value"]
    for section, shown in (
        ("Staffings", staffing),
        ("Action items", actions),
        ("Meetings", meetings),
    ):
        assert [(r[2], r[3]) for r in rows if r[0] == section] == shown
    assert ["Attendance", "Harbor Counseling", "Share of invitations attended", "50%"] in rows
    assert ["MOU", "Bay Protocol", "An MOU in force (now)", "yes"] in rows

    status, body = _api(mdt.world, "sam")
    assert status == 200
    assert (body["scope"], body["small_counts_hidden"]) == ("agency", False)
    assert [f["shown"] for f in body["staffing"].values()] == [v for _l, v in staffing]
    assert [f["shown"] for f in body["action_items"].values()] == [v for _l, v in actions]
    assert body["meetings"]["held"] == {"value": 3, "shown": "3", "hidden": False}
    harbor = next(a for a in body["meetings"]["agencies"] if a["agency"] == "Harbor Counseling")
    assert harbor["attended_percent"]["value"] == 50
    assert body["mou"]["protocols"][0]["protocol"] == "Bay Protocol"
    assert body["mou"]["signed"]["value"] == 1
    for text in (page, "\n".join(",".join(r) for r in rows), json.dumps(body, ensure_ascii=False)):
        _assert_nobody_in(text, mdt)


def test_the_analyst_sees_small_counts_hidden_everywhere(mdt: Mdt) -> None:
    client = mdt.world.client_for("avery")
    page = client.get(URL).content.decode()
    assert 'data-testid="suppression"' in page
    assert ("Cases needing a staffing", "&lt;11") in _page_rows(page, "staffing")
    assert ("Member agencies (now)", "4") in _page_rows(page, "mou")
    rows = _csv(client)
    assert ["Staffings", "", "Cases needing a staffing", "<11"] in rows
    assert ["Staffings", "", "Share staffed in time", "hidden"] in rows
    assert ["About", "", "Small counts", "Counts from 1 to 10 are shown as <11"] in rows
    status, body = _api(mdt.world, "avery")
    assert status == 200
    assert (body["scope"], body["small_counts_hidden"]) == ("community", True)
    assert body["staffing"]["needing"] == {"value": None, "shown": "<11", "hidden": True}
    assert body["mou"]["members"] == {"value": 4, "shown": "4", "hidden": False}
    for text in (page, "\n".join(",".join(r) for r in rows), json.dumps(body, ensure_ascii=False)):
        _assert_nobody_in(text, mdt)


def test_community_figures_come_by_whole_months(mdt: Mdt) -> None:
    client = mdt.world.client_for("avery")
    page = client.get(f"{URL}?from=2026-01-01").content.decode()
    assert 'data-testid="period-problem"' in page
    status, _body = _api(mdt.world, "avery", "from=2026-01-01")
    assert status == 422
    status, body = _api(mdt.world, "avery", "month=2001-01")
    assert (status, body["period"]["key"]) == (200, "2001-01")


def test_a_period_on_the_page_csv_and_api(mdt: Mdt) -> None:
    t = mdt.today
    query = f"from={t - timedelta(days=45)}&to={t - timedelta(days=35)}"
    client = mdt.world.client_for("sam")
    page = client.get(f"{URL}?{query}").content.decode()
    assert ("Cases needing a staffing", "2") in _page_rows(page, "staffing")
    assert f"?{query.replace('&', '&amp;')}&amp;format=csv" in page
    response = client.get(f"{URL}?{query}&format=csv")
    assert "measures-mdt-" in response["Content-Disposition"]
    status, body = _api(mdt.world, "sam", query)
    assert (status, body["staffing"]["needing"]["value"]) == (200, 2)
    bad = client.get(f"{URL}?month=2026-13&format=csv")
    assert bad["Content-Type"].startswith("text/html")
    assert 'data-testid="period-problem"' in bad.content.decode()


def test_each_look_is_audited_without_a_name(mdt: Mdt) -> None:
    mdt.world.client_for("sam").get(f"{URL}?month=2026-01")
    mdt.world.client_for("sam").get(f"{URL}?format=csv")
    _api(mdt.world, "avery")
    entries = list(AuditEntry.objects.filter(action=AuditAction.MEASURES_VIEWED))
    assert [e.detail for e in entries] == [
        {"measures": "mdt", "scope": "agency", "period": "2026-01", "as": "page"},
        {"measures": "mdt", "scope": "agency", "period": "all", "as": "csv"},
        {"measures": "mdt", "scope": "community", "period": "all", "as": "api"},
    ]
    assert all(e.survivor_id is None and e.case_id is None for e in entries)


def test_the_csv_guards_against_formulas(mdt: Mdt) -> None:
    Agency.objects.filter(pk=mdt.world.agencies["partner"].pk).update(name="=HYPERLINK(evil)")
    text = mdt.world.client_for("sam").get(f"{URL}?format=csv").content.decode()
    assert "'=HYPERLINK(evil)" in text
    rows = list(csv.reader(io.StringIO(text)))
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
