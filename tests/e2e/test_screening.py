"""A screening in the browser, as the issue describes it: a trained case manager screens a
young person she has just recorded, skips a question, saves, comes back, finishes with
"possible concern", sees the Florida Abuse Hotline for a 15-year-old in Florida, records the
call, and lands on the new case with the in-depth assessment due and the immediate need."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from continuum.cases.models import Case
from continuum.screening.models import Screening
from tests.e2e.conftest import PageProblems, sign_in
from tests.personas import build_world
from tests.screening.helpers import train

pytestmark = pytest.mark.e2e

STAY = "In the past year, have you left home or a placement and stayed away overnight?"
EXCHANGE = (
    "Has anyone given you, or promised you, money, a place to stay, food, drugs, gifts or "
    "anything else in return for doing something sexual?"
)
POLICE = (
    "Have police stopped you, picked you up or arrested you while you were away from home or "
    "somewhere like a hotel?"
)


def _choose(page: Page, question: str, option: str) -> None:
    # USWDS draws its own radio: a person clicks the label, inside the question's fieldset.
    group = page.get_by_role("group", name=question)
    group.locator("label", has_text=option).first.click()


def test_a_screen_from_first_sign_to_the_case(page: Page, problems: PageProblems) -> None:
    world = build_world()
    train(world, "casey")

    sign_in(page, "casey")
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Screening"
    ).click()
    expect(page.get_by_test_id("training-record")).to_contain_text("recorded by Sam Tester")
    page.get_by_role("link", name="Screen someone").click()
    page.get_by_role("link", name="Add someone new").click()

    # Only a name they use and an age estimate: everything else can wait.
    page.get_by_label("Name they use").fill("Zoë")
    page.get_by_label("Estimated age").fill("15")
    page.get_by_role("button", name="Save").click()

    # When the first sign was noticed (an hour ago) and where.
    page.get_by_label("Where is the screening happening?").select_option(label="School")
    noticed = timezone.localtime(timezone.now() - timedelta(hours=1))
    page.get_by_label("Day the first sign was noticed").fill(noticed.date().isoformat())
    page.get_by_label("Time (about)").fill(noticed.strftime("%H:%M"))
    page.get_by_role("button", name="Continue").click()

    # Safety first: not in danger, 15, in Florida; she needs somewhere to stay tonight.
    expect(page.get_by_role("heading", name="Safety first")).to_be_visible()
    _choose(page, "Is anyone in danger right now?", "No")
    page.get_by_label("Their age").fill("15")
    _choose(page, "Is this happening in Florida?", "Yes")
    page.locator("label", has_text="A safe place to stay tonight").click()
    page.get_by_role("button", name="Save and show what to do").click()
    page.get_by_test_id("to-questions").click()

    # Two answers, one question skipped on purpose; save and leave.
    expect(page.get_by_text("Not validated.")).to_be_visible()
    _choose(page, STAY, "Yes")
    _choose(page, EXCHANGE, "Skip for now")
    page.get_by_test_id("save").click()
    expect(page.get_by_text("Saved. You can come back")).to_be_visible()

    # Come back later from the screening list: nothing was lost.
    page.goto("/screening/")
    page.get_by_role("link", name="Carry on").click()
    expect(page.get_by_role("group", name=STAY).get_by_role("radio", name="Yes")).to_be_checked()
    _choose(page, POLICE, "Yes")
    page.get_by_test_id("finish").click()

    # The result: possible concern, and for a 15-year-old in Florida the abuse hotline.
    expect(page.get_by_test_id("level")).to_have_text("Possible concern")
    call = page.get_by_test_id("call-florida_abuse_hotline")
    expect(call).to_have_attribute("href", "tel:18009622873")
    expect(page.get_by_test_id("call-emergency")).to_have_count(0)
    expect(page.get_by_test_id("call-national_trafficking_hotline")).to_have_count(0)
    page.get_by_label("What happened").select_option(label="Report accepted by the hotline")
    page.get_by_test_id("record-florida_abuse_hotline").click()
    expect(page.get_by_test_id("done-florida_abuse_hotline")).to_contain_text(
        "Report accepted by the hotline"
    )

    # The case: opened by her agency, the assessment due, the need there, the intake dated.
    page.get_by_test_id("go-to-case").click()
    tasks = page.get_by_test_id("case-tasks")
    expect(tasks).to_contain_text("In-depth assessment")
    expect(tasks).to_contain_text("due by")
    expect(page.get_by_test_id("case-needs")).to_contain_text("Shelter and housing")
    expect(page.get_by_test_id("case-needs")).to_contain_text("found at screening")
    screening = Screening.objects.get()
    case = Case.objects.get(pk=screening.case_id)
    assert case.report_received_on == timezone.localdate()
    assert case.lead_agency == world.agencies["lead"]
    assert problems.unexpected() == []
