"""A needs assessment and care plan in the browser, as the issue describes it: over two
sessions a case manager assesses four domains with the survivor, writes two goals in the
survivor's words, gives tasks to another agency, records the survivor's agreement and prints
the plain-language plan; the other agency's worker finds the task on their My work."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from continuum.drafts.models import Draft
from continuum.needs.models import AssessmentSession, Need
from continuum.plans.models import CarePlan, Goal, PlanTask
from tests.e2e.conftest import PageProblems, Watch, sign_in
from tests.personas import build_world, release_to_partner

pytestmark = pytest.mark.e2e


def _choose(page: Page, question: str, option: str) -> None:
    # USWDS draws its own radios and boxes: a person clicks the label in the fieldset.
    page.get_by_role("group", name=question).locator("label", has_text=option).first.click()


def _start_session(page: Page) -> None:
    page.get_by_test_id("start-session").click()
    _choose(page, "Immediate safety: are they safe right now?", "they are safe right now")
    _choose(page, "Where are you meeting?", "At our office")
    _choose(page, "Who is taking part, besides you?", "The survivor")
    page.get_by_role("button", name="Start the session").click()
    expect(page.get_by_test_id("session-facts")).to_contain_text("they are safe right now")


def _talk_about(page: Page, domain: str, *, status: str, urgency: str, words: str) -> None:
    page.get_by_role("link", name=f"Talk about this {domain}").click()
    expect(page.get_by_test_id("in-session")).to_be_visible()
    _choose(page, "What did you find?", status)
    if urgency:
        _choose(page, "How soon is help needed?", urgency)
    page.get_by_label("In their own words").fill(words)
    _choose(page, "How was it assessed?", "Talking with the survivor")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("session-areas")).to_contain_text(domain)


def _finish_session(page: Page, summary: str) -> None:
    page.get_by_label("What you covered together").fill(summary)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Finish the session").click()
    expect(page.get_by_test_id("sessions")).to_be_visible()


def test_two_sessions_a_plan_with_the_survivor_and_a_task_for_a_partner(
    page: Page,
    context: BrowserContext,
    live_server: LiveServer,
    watch: Watch,
    problems: PageProblems,
) -> None:
    world = build_world()
    # Ana agreed that Harbor Counseling sees her care plan (their tasks are in it).
    release_to_partner(world, {"care_plan"})
    sign_in(page, "casey")
    page.goto(f"/survivors/{world.survivor.pk}/")
    page.get_by_test_id("case-needs-link").click()

    # Session one: safety first, then shelter and food.
    _start_session(page)
    _talk_about(
        page,
        "Shelter and housing",
        status="Need identified",
        urgency="Immediate",
        words="I can't go back to my mom's boyfriend's place",
    )
    _talk_about(
        page,
        "Culturally appropriate food",
        status="No need",
        urgency="",
        words="My aunt cooks for me",
    )
    _finish_session(page, "First meeting. Talked about where she sleeps and food.")

    # Session two, another day as it were: school and counselling.
    _start_session(page)
    _talk_about(
        page,
        "ESL, GED or other education",
        status="Need identified",
        urgency="Short-term",
        words="I want to finish 10th grade",
    )
    _talk_about(
        page,
        "Mental health services",
        status="Need identified",
        urgency="Short-term",
        words="Someone to talk to, a woman",
    )
    _finish_session(page, "School and someone to talk to.")
    assert AssessmentSession.objects.filter(case=world.case, finished_at__isnull=False).count() == 2
    assert Need.objects.filter(case=world.case).count() == 4
    expect(page.get_by_test_id("domains")).to_contain_text("Needs assessment")

    # The plan: two goals in her words, each meeting a need.
    page.get_by_role("link", name="Care plan").first.click()
    for words, need in (
        ("Finish 10th grade this year", "ESL, GED or other education"),
        ("Have a woman counsellor to talk to", "Mental health services"),
    ):
        page.get_by_test_id("add-goal").click()
        page.get_by_label("The goal, in their words").fill(words)
        _choose(page, "The needs it meets", need)
        _choose(page, "Was the survivor part of this change?", "Made with the survivor")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_test_id("goal").filter(has_text=words)).to_be_visible()

    # Tasks for Harbor Counseling: one for Drew by name, one for the agency.
    for title, owner in (
        ("Weekly sessions with a woman counsellor", "Drew Tester, Harbor Counseling"),
        ("Find a tutor for math", "Harbor Counseling (anyone there)"),
    ):
        goal = page.get_by_test_id("goal").filter(
            has_text="woman counsellor" if "counsellor" in title else "10th grade"
        )
        goal.get_by_role("link", name="Add a task").click()
        page.get_by_label("What is to be done").fill(title)
        page.get_by_label("Who does it").select_option(label=owner)
        _choose(page, "Was the survivor part of this change?", "The survivor asked for it")
        page.get_by_label("What they said or asked for").fill("Asked for a woman")
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_test_id("plan-tasks").filter(has_text=title)).to_be_visible()

    # She goes through the plan and agrees.
    page.get_by_test_id("review-plan").click()
    _choose(page, "What did they think of the plan?", "Agreed with the plan")
    page.get_by_label("What they said or asked for").fill("Happy with it; wants Tuesdays")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("plan-review")).to_contain_text("Happy with it; wants Tuesdays")
    assert CarePlan.objects.get(case=world.case).last_reviewed_on is not None

    # Her copy, in plain words, with no notes; it prints on its own.
    page.get_by_test_id("print-plan").click()
    copy = page.get_by_test_id("survivor-copy")
    expect(copy).to_contain_text("Finish 10th grade this year")
    expect(copy).to_contain_text("Weekly sessions with a woman counsellor")
    expect(copy).not_to_contain_text("boyfriend")  # her assessment words stay out
    page.evaluate("() => { window.printed = 0; window.print = () => { window.printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.printed") == 1
    page.emulate_media(media="print")
    expect(page.get_by_test_id("print-advice")).to_be_hidden()
    expect(page.locator("header.usa-header")).to_be_hidden()
    expect(copy).to_be_visible()
    page.emulate_media(media="screen")

    # Drew, at Harbor Counseling, finds both tasks on his My work and starts one.
    assert context.browser is not None
    drew_context = context.browser.new_context(base_url=live_server.url, locale="en-US")
    drew = watch(drew_context.new_page())
    sign_in(drew, "drew")
    tasks = drew.get_by_test_id("my-plan-tasks")
    expect(tasks).to_contain_text("Weekly sessions with a woman counsellor")
    expect(tasks).to_contain_text("Find a tutor for math")
    tasks.get_by_role("button", name="Started: Weekly sessions with a woman counsellor").click()
    expect(drew.get_by_test_id("my-plan-tasks")).to_contain_text("Started")
    assert PlanTask.objects.get(owner_user=world.users["drew"]).status == "in_progress"
    assert Goal.objects.filter(plan__case=world.case).count() == 2
    drew_context.close()
    assert problems.unexpected() == []


THEIR_WORDS = (
    "I don't sleep much since I left. I keep thinking he will find out where I am, and at "
    "night I hear the phone even when it isn't ringing. I want someone to talk to, a woman, "
    "not at the police station, and not on Mondays because that is when I see my little "
    "brother. I tried a group once and did not like it with so many people."
)


def test_a_long_assessment_area_survives_the_idle_sign_out(
    page: Page, settings: Settings, problems: PageProblems
) -> None:
    """The issue's case: a long session, the worker listening, not clicking; the idle
    sign-out comes, and what was typed about the area is back after signing in again."""
    settings.IDLE_TIMEOUT_SECONDS = 9
    settings.IDLE_WARNING_SECONDS = 4
    world = build_world()
    sign_in(page, "casey")
    page.goto(f"/needs/cases/{world.case.pk}/")
    _start_session(page)
    in_session = page.url
    page.get_by_role("link", name="Talk about this Mental health services").click()
    expect(page.locator("body[data-drafts-ready=true]")).to_have_count(1)
    _choose(page, "What did you find?", "Need identified")
    _choose(page, "How soon is help needed?", "Short-term")
    with page.expect_response("**/drafts/save/") as saved:
        page.get_by_label("In their own words").fill(THEIR_WORDS)
    assert saved.value.status == 204

    # She talks; nobody clicks. Warned, then signed out.
    expect(page.locator("dialog.continuum-idle-dialog")).to_be_visible(timeout=8_000)
    page.wait_for_url("**/accounts/timed-out/", timeout=10_000)
    assert not Need.objects.filter(case=world.case, domain__code="mental_health").exists()
    kept = Draft.objects.get()
    assert kept.fields["survivor_words"] == [THEIR_WORDS]
    assert kept.fields["status"] == ["identified"]

    settings.IDLE_TIMEOUT_SECONDS = 900
    settings.IDLE_WARNING_SECONDS = 120
    sign_in(page, "casey")
    page.goto(in_session)
    page.get_by_role("link", name="Talk about this Mental health services").click()
    expect(page.get_by_test_id("draft-restored")).to_contain_text("before you were signed out")
    expect(page.get_by_label("In their own words")).to_have_value(THEIR_WORDS)
    expect(page.get_by_label("Need identified")).to_be_checked()
    expect(page.get_by_label("Short-term")).to_be_checked()

    _choose(page, "How was it assessed?", "Talking with the survivor")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.get_by_test_id("session-areas")).to_contain_text("Mental health services")
    need = Need.objects.get(case=world.case, domain__code="mental_health")
    assert need.survivor_words == THEIR_WORDS
    assert need.entries.get().session is not None
    assert not Draft.objects.exists()
    assert problems.unexpected() == []
