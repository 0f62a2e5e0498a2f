"""An MDT staffing in the browser, as issue #6 describes it: the coordinator sees a case at
risk of missing its 14-day staffing, schedules it, downloads the invitation, takes attendance,
records two decisions whose actions go to two agencies, and closes the staffing as held; the
partner's clinician finds his action on My work and marks it done; the lead agency's
supervisor sees the case staffed in time on the measures page."""

from __future__ import annotations

import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import BrowserContext, Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from continuum.cases.actions import update_case
from continuum.cases.models import CaseTask, TaskStatus
from continuum.mdt.models import ActionItem, Meeting, MeetingStatus, StaffingClock
from tests.e2e.conftest import PageProblems, Watch, sign_in
from tests.mdt.helpers import community
from tests.personas import build_world, release_to_partner

pytestmark = pytest.mark.e2e

SHOTS = Path(tempfile.gettempdir())  # /tmp/mdt-*.png, outside the repository
HARBOR_ACTION = "Book the first counselling session"
LEAD_ACTION = "Ask the school for a quiet room"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"mdt-{name}.png"), full_page=True)


def _an_hour_ago_today() -> datetime:
    """Local time an hour ago, or midnight if that was yesterday: the staffing must have
    started (to be closed as held) and fall on today's date (the day typed in the form)."""
    now = timezone.localtime()
    start = now - timedelta(hours=1)
    if start.date() != now.date():
        start = now.replace(hour=0, minute=0)
    return start.replace(second=0, microsecond=0)


def _tick(group: Locator, label: str) -> None:
    """USWDS draws its own boxes: a person clicks the label."""
    group.locator("label", has_text=label).click()
    expect(group.get_by_label(label)).to_be_checked()


def _record_decision(page: Page, text: str, action: str, owner: str, due: str) -> None:
    decisions = (
        page.get_by_test_id("decisions")
        .locator(":scope > li")
        .filter(has_not_text="No decision recorded yet")
    )
    before = decisions.count()
    form = page.locator("form[action$='/decisions/']")
    form.get_by_label("What the team decided").fill(text)
    form.get_by_label("Who may read it").select_option(label="Plan and appointments")
    first = form.get_by_role("group", name="Action 1")
    first.get_by_label("What to do").fill(action)
    first.get_by_label("Who does it").select_option(label=owner)
    first.get_by_label("By").fill(due)
    form.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".usa-alert--success")).to_contain_text("Decision recorded")
    expect(decisions).to_have_count(before + 1)


def test_a_staffing_at_risk_held_in_time_with_actions_done_and_measured(
    page: Page,
    context: BrowserContext,
    live_server: LiveServer,
    watch: Watch,
    problems: PageProblems,
) -> None:
    world = build_world()
    community(world)
    # Ana agreed that Harbor Counseling sees her plan: it can own an action of that kind.
    release_to_partner(world, {"care_plan"})
    # The abuse report was taken 12 days ago: 2 days left of the 14, so "at risk".
    today = timezone.localdate()
    world.case.refresh_from_db()
    update_case(
        actor=world.actor("casey"),
        case=world.case,
        report_received_on=today - timedelta(days=12),
        expected_version=world.case.version,
    )
    reference = world.case.reference

    # Mona, the advocacy center's MDT coordinator, finds the case on her staffing list.
    sign_in(page, "mona")
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="MDT staffings"
    ).click()
    row = page.get_by_test_id("staffing-clocks").locator(f"tr[data-case='{reference}']")
    expect(row).to_contain_text("At risk")
    expect(row).to_contain_text("2 days left")
    assert "Ana" not in page.content()
    assert "Pérez" not in page.content()
    _shot(page, "dashboard")
    row.get_by_role("link", name=f"Schedule a staffing for case {reference}").click()

    # She schedules it for today, an hour ago (it is being recorded as it happens).
    start = _an_hour_ago_today()
    expect(page.get_by_role("heading", level=1)).to_contain_text(reference)
    page.get_by_label("Day").fill(start.date().isoformat())
    page.get_by_label("Time").fill(start.strftime("%H:%M"))
    page.get_by_text("In person", exact=True).click()
    page.get_by_label("Room").fill("Test Advocacy Center, conference room B")
    roles = page.get_by_role("group", name="Invite agencies, by their role on the team")
    people = page.get_by_role("group", name="Invite people by name")
    # The people named on the case's team come checked, in their roles on it; so does the
    # convener's own coordinator role.
    expect(
        people.get_by_label("Casey Tester — Lead case manager, Lead Family Services")
    ).to_be_checked()
    expect(people.get_by_label("Drew Tester — Clinician, Harbor Counseling")).to_be_checked()
    expect(roles.get_by_label("Test Advocacy Center — MDT coordinator")).to_be_checked()
    _shot(page, "convene")
    page.get_by_role("button", name="Schedule the staffing").click()
    page.wait_for_url(re.compile(r"/mdt/meetings/[0-9a-f-]+/$"))
    meeting = Meeting.objects.get(case=world.case)
    assert meeting.starts_at == start
    expect(page.locator(".usa-alert--success")).to_contain_text("Staffing scheduled")

    # The invitation: the time and the case reference, nothing about Ana.
    with page.expect_download() as download_info:
        page.get_by_test_id("ics-link").click()
    download = download_info.value
    assert download.suggested_filename == f"mdt-{reference}.ics"
    path = download.path()
    assert path is not None
    ics = Path(path).read_text(encoding="utf-8").replace("\r\n ", "")  # unfold long lines
    assert "BEGIN:VEVENT" in ics
    assert f"SUMMARY:MDT staffing - case {reference}" in ics
    assert "conference room B" in ics
    assert "Ana" not in ics
    assert "Pérez" not in ics

    # Attendance: everyone invited came.
    came = page.get_by_role("group", name="Who came")
    boxes = came.get_by_role("checkbox")
    assert boxes.count() >= 3
    for n in range(boxes.count()):
        box = boxes.nth(n)
        came.locator(f"label[for='{box.get_attribute('id')}']").click()
        expect(box).to_be_checked()
    page.get_by_role("button", name="Save attendance").click()
    expect(page.locator(".usa-alert--success")).to_contain_text("Attendance saved")
    participants = page.get_by_test_id("participants")
    expect(participants.locator("li")).to_have_count(boxes.count())
    expect(participants.locator("li", has_text="came")).to_have_count(boxes.count())

    # Two decisions, each with an action for one agency.
    week = (today + timedelta(days=7)).isoformat()
    _record_decision(
        page,
        "Start weekly counselling with a woman counsellor.",
        HARBOR_ACTION,
        "Harbor Counseling",
        week,
    )
    _record_decision(
        page,
        "Find her a quiet place to study at school.",
        LEAD_ACTION,
        "Lead Family Services",
        week,
    )
    # The advocacy center has no release from Ana: Mona keeps the record, but reads back
    # only that each decision was recorded (writing one gives no right to read her record).
    decisions = page.get_by_test_id("decisions").locator(":scope > li")
    expect(decisions).to_have_count(2)
    expect(decisions.filter(has_text="not shared with your agency")).to_have_count(2)
    assert sorted(
        ActionItem.objects.filter(decision__meeting=meeting).values_list(
            "task__title", "task__owner_agency__name"
        )
    ) == [(LEAD_ACTION, "Lead Family Services"), (HARBOR_ACTION, "Harbor Counseling")]

    # She closes the staffing as held, with how Ana's voice was heard and the next date.
    close = page.locator("form[action$='/hold/']")
    close.get_by_role("group", name="How was the survivor's voice heard?").locator(
        "label", has_text="Their mentor or advocate shared their views"
    ).click()
    close.get_by_label("How, in a few words").fill("Her mentor read out what she wants.")
    close.get_by_role("textbox", name=re.compile(r"^Minutes")).fill(
        "Counselling and school were discussed."
    )
    close.get_by_label("Next meeting").fill((today + timedelta(days=30)).isoformat())
    _shot(page, "meeting-before-close")
    close.get_by_role("button", name="Close as held").click()
    expect(page.locator(".usa-alert--success")).to_contain_text("Staffing closed as held")
    expect(page.get_by_test_id("meeting-when")).to_contain_text("Held")
    expect(page.get_by_test_id("missing-roles")).to_have_count(0)
    _shot(page, "meeting-held")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD
    assert StaffingClock.objects.get(case=world.case).first_staffed_on == today

    # Drew, at Harbor Counseling, finds his agency's action on My work and marks it done.
    assert context.browser is not None
    drew_context = context.browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="America/New_York"
    )
    drew = watch(drew_context.new_page())
    sign_in(drew, "drew")
    due = drew.get_by_test_id("items-due")
    expect(due).to_contain_text(HARBOR_ACTION)
    expect(due).not_to_contain_text("MDT staffing due")
    # The "Case" cell links to the survivor's page (the name masked: no identity release).
    due.locator("tr", has_text=HARBOR_ACTION).locator("td").nth(1).get_by_role("link").click()
    tasks = drew.get_by_test_id("case-tasks")
    task = tasks.locator("li", has_text=HARBOR_ACTION)
    expect(task).to_be_visible()
    expect(tasks.locator("li", has_text=LEAD_ACTION).get_by_role("button")).to_have_count(0)
    _shot(drew, "drew-case")
    task.get_by_role("button", name="Mark done").click()
    expect(drew.locator(".usa-alert--success")).to_contain_text(f"Done: {HARBOR_ACTION}")
    expect(drew.get_by_test_id("case-tasks")).not_to_contain_text(HARBOR_ACTION)
    assert CaseTask.objects.get(title=HARBOR_ACTION).status == TaskStatus.DONE
    drew_context.close()

    # Sam, the lead agency's supervisor, sees the case staffed in time, exactly.
    sam_context = context.browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="America/New_York"
    )
    sam = watch(sam_context.new_page())
    sign_in(sam, "sam")
    sam.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Measures"
    ).click()
    sam.get_by_role("link", name="See the MDT measures").click()
    expect(sam.get_by_test_id("exact-counts")).to_contain_text("Lead Family Services")
    staffing = sam.get_by_test_id("staffing")

    def figure(table: Locator, label: str) -> Locator:
        return table.locator(
            "tr", has=sam.locator("th", has_text=re.compile(f"^{re.escape(label)}$"))
        ).locator("td")

    expect(figure(staffing, "Cases needing a staffing")).to_have_text("1")
    expect(figure(staffing, "Staffed in time")).to_have_text("1")
    expect(figure(staffing, "Staffed late")).to_have_text("0")
    expect(figure(staffing, "Share staffed in time")).to_have_text("100%")
    expect(figure(staffing, "Median days from intake to first staffing")).to_have_text("12.0")
    actions = sam.get_by_test_id("actions")
    expect(figure(actions, "Action items due")).to_have_text("2")
    expect(figure(actions, "Done on time")).to_have_text("1")
    expect(figure(actions, "Open, not yet due")).to_have_text("1")
    expect(figure(actions, "Share done on time")).to_have_text("100%")
    meetings = sam.get_by_test_id("meetings")
    expect(figure(meetings, "Meetings held")).to_have_text("1")
    expect(figure(meetings, "Held without a role the protocol requires")).to_have_text("0")
    _shot(sam, "measures")
    sam_context.close()
    assert problems.unexpected() == []
