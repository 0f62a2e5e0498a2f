"""A closed-loop referral in the browser, as issue #7 describes it: a case manager opens an
unmet need, finds services for it and sees why each fits, refers (the page says what the
referral will carry); the provider's intake worker finds it on My work and in the intake
queue, accepts it, starts services and completes it with "got help"; the case manager sees
"got help" on the case's timeline and the need as met."""

from __future__ import annotations

import re
import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from continuum.needs.models import Need
from continuum.referrals.models import Referral, ReferralStatus
from tests.e2e.conftest import PageProblems, Watch, sign_in
from tests.personas import build_world
from tests.referrals.helpers import capacity, referral_world

pytestmark = pytest.mark.e2e

SHOTS = Path(tempfile.gettempdir())  # /tmp/referral-*.png, outside the repository
NOTE = "Afternoons after school suit her best."
SERVICE = "Trauma-focused therapy for teens"


def _shot(page: Page, name: str) -> None:
    page.screenshot(path=str(SHOTS / f"referral-{name}.png"), full_page=True)


def test_a_referral_from_an_unmet_need_to_got_help(
    page: Page,
    context: BrowserContext,
    live_server: LiveServer,
    watch: Watch,
    problems: PageProblems,
) -> None:
    world = build_world()
    # Harbor Counseling keeps a listing with room; Ana has an unmet mental-health need and
    # released who she is, how to reach her and her needs to Harbor.
    service, need = referral_world(world)
    capacity(service, 3, maximum=10, unit="openings")

    # Casey, her case manager, opens the need on the needs assessment and finds services.
    sign_in(page, "casey")
    page.goto(f"/survivors/{world.survivor.pk}/")
    page.get_by_test_id("case-needs-link").click()
    page.get_by_role("link", name="Find services for Mental health services").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Find services")
    page.get_by_test_id("match-form").get_by_role("button", name="Find services").click()
    result = page.get_by_test_id("matches").locator(f"li[data-service='{service.pk}']")
    expect(result).to_contain_text(SERVICE)
    expect(result.get_by_test_id("fits")).not_to_contain_text("Nothing in particular")
    _shot(page, "match")
    result.get_by_test_id("refer").click()

    # The referral page says where it goes and what it will carry, then she sends it.
    page.wait_for_url("**/referrals/new/")
    expect(page.get_by_test_id("referral-to")).to_contain_text("Harbor Counseling")
    expect(page.get_by_test_id("will-carry")).to_contain_text(
        "who they are, how to reach them safely, the need"
    )
    page.get_by_label("What the provider should know").fill(NOTE)
    _shot(page, "new")
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url(re.compile(r"/referrals/[0-9a-f-]{36}/$"))
    assert "Ana" not in page.url
    expect(page.locator(".usa-alert--success")).to_contain_text("Harbor Counseling")
    expect(page.get_by_test_id("referral-status")).to_have_text("Sent, waiting for an answer")
    referral = Referral.objects.get()
    assert (referral.status, referral.note) == (ReferralStatus.REQUESTED, NOTE)

    # Ivy takes Harbor's intake: My work says a referral waits; the queue lists it by case
    # reference (her identity is released), never by name.
    assert context.browser is not None
    ivy_context = context.browser.new_context(
        base_url=live_server.url, locale="en-US", timezone_id="America/New_York"
    )
    ivy = watch(ivy_context.new_page())
    sign_in(ivy, "ivy")
    waiting = ivy.get_by_test_id("referrals-waiting")
    expect(waiting).to_contain_text("1 referral or inquiry waits")
    waiting.get_by_role("link", name="Go to the intake queue").click()
    queue = ivy.get_by_test_id("queue-waiting")
    expect(queue).to_contain_text(world.case.reference)
    expect(queue).not_to_contain_text("Ana")
    _shot(ivy, "queue")
    queue.get_by_role("link", name=f"Referral: {SERVICE}").click()
    expect(ivy.get_by_test_id("body-identity")).to_contain_text("Ana")
    expect(ivy.get_by_test_id("body-need")).to_contain_text(NOTE)
    _shot(ivy, "received")

    # She accepts, starts services, and completes it: the young person got help.
    ivy.get_by_test_id("move-accepted").get_by_role("button", name="Accept").click()
    expect(ivy.get_by_test_id("referral-status")).to_have_text("Accepted")
    ivy.get_by_test_id("move-in-progress").get_by_role("button", name="Services started").click()
    expect(ivy.get_by_test_id("referral-status")).to_have_text("Services started")
    complete = ivy.get_by_test_id("move-completed")
    complete.locator("label", has_text="Got help").click()
    complete.get_by_role("button", name="Completed").click()
    expect(ivy.get_by_test_id("referral-status")).to_have_text("Completed")
    expect(ivy.get_by_test_id("referral-outcome")).to_have_text("Got help")
    expect(ivy.get_by_test_id("referral-history")).to_contain_text("Completed: got help")
    _shot(ivy, "completed")
    ivy_context.close()

    # Casey sees "got help" on the case's timeline (the provider of a mental-health
    # referral is not named there), and the need as met.
    page.goto(f"/survivors/{world.survivor.pk}/")
    timeline = page.get_by_test_id("timeline")
    closed = timeline.locator("li", has_text="completed: got help")
    expect(closed).to_have_count(1)
    expect(closed).not_to_contain_text(SERVICE)
    expect(timeline).not_to_contain_text(SERVICE)
    expect(page.get_by_test_id("case-referrals")).to_contain_text("Completed")
    page.get_by_test_id("case-needs-link").click()
    row = page.locator("tr", has_text="Mental health services")
    expect(row).to_contain_text("Met")
    expect(row.get_by_test_id("find-services")).to_have_count(0)
    _shot(page, "need-met")
    assert Need.objects.get(pk=need.pk).status == "met"
    assert problems.unexpected() == []
