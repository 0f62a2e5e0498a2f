"""A release in the browser: the lead agency records one, the partner's clinician sees exactly
the released categories, the survivor takes it back, and the next page load shows nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from pytest_django.live_server_helper import LiveServer

from continuum.survivors.actions import SurvivorDetails, update_survivor
from tests.e2e.conftest import PageProblems, Watch, sign_in
from tests.personas import build_world

pytestmark = pytest.mark.e2e

PHONE = "(352) 555-0142"


def test_release_recorded_seen_and_taken_back(
    page: Page,
    context: BrowserContext,
    live_server: LiveServer,
    watch: Watch,
    problems: PageProblems,
) -> None:
    world = build_world()
    survivor = world.survivor
    update_survivor(
        actor=world.actor("casey"),
        survivor=survivor,
        expected_version=survivor.version,
        details=SurvivorDetails(
            preferred_name="Ana",
            legal_given_name="Ana María",
            legal_family_name="Pérez",
            safe_phone=PHONE,
        ),
    )
    survivor_url = f"/survivors/{survivor.pk}/"

    # Drew, the partner agency's clinician on the care team, sees nothing identifying yet.
    assert context.browser is not None
    # A browser of Drew's own (separate cookies), on another computer as it were.
    drew_browser = context.browser.new_context(base_url=live_server.url, locale="en-US")
    drew = watch(drew_browser.new_page())
    sign_in(drew, "drew")
    drew.goto(survivor_url)
    expect(drew.get_by_test_id("withheld")).to_be_visible()
    expect(drew.locator("#person-name")).to_have_text("Name not shared with your agency")
    assert "Pérez" not in drew.content()

    # Casey records a release to Harbor Counseling for identity only.
    sign_in(page, "casey")
    page.goto(survivor_url)
    page.get_by_role("link", name="Who can see what").click()
    page.get_by_role("link", name="Record a release").click()
    page.get_by_label("Agency that may receive the information").select_option(
        label="Harbor Counseling"
    )
    # USWDS draws its own box: a person clicks the label.
    page.locator("label", has_text="Identity (names, date of birth, language)").click()
    expect(page.get_by_label("Identity (names, date of birth, language)")).to_be_checked()
    page.get_by_label("Purpose").fill("Weekly counselling")
    page.get_by_label("Or until").select_option(label="When the case closes")
    page.get_by_label("Parent, guardian or custodian who also signed").fill("Rosa Pérez")
    page.get_by_label("Their relationship").select_option(label="Non-offending parent")
    page.get_by_role("button", name="Record the release").click()
    page.wait_for_url(f"**{survivor_url}sharing/")
    expect(page.get_by_test_id("who-sees-what")).to_contain_text("Harbor Counseling")
    expect(page.get_by_test_id("releases")).to_contain_text("In force")

    # Drew's next page load shows the name, and still not the safe phone number.
    drew.reload()
    expect(drew.locator("#person-name")).to_contain_text("Ana")
    assert "Pérez" in drew.content()
    assert PHONE not in drew.content()

    # The survivor takes it back; Drew's next page load no longer shows it.
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Take back").click()
    expect(page.get_by_test_id("releases")).to_contain_text("Taken back")
    drew.reload()
    expect(drew.locator("#person-name")).to_have_text("Name not shared with your agency")
    assert "Pérez" not in drew.content()
    assert problems.unexpected() == []
    drew_browser.close()
