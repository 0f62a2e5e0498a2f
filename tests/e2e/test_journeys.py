"""A new case manager's first day, in a real browser; a stranger refused; the idle sign-out.

Runs the system Chromium against the live server (see conftest.py). Screenshots go to
/tmp/continuum-shots/ for a human to look at.
"""

from __future__ import annotations

import base64
import re
import tempfile
import time
from datetime import timedelta
from importlib import import_module
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, expect
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

from continuum.accounts.models import Agency, AgencyType, Membership, Role, User
from continuum.accounts.sessions import LAST_ACTIVITY
from continuum.audit.models import AuditAction, AuditEntry
from tests.e2e.conftest import PageProblems, Watch, sign_in
from tests.personas import PASSWORD, build_world, make_user

pytestmark = pytest.mark.e2e

SHOTS = Path(tempfile.gettempdir()) / "continuum-shots"  # outside the repository
# Neutral, exists, needs no session and changes nothing (the real default is a weather site).
EXIT_PATH = "/static/vendor/VERSIONS.txt"


def _shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _acting_for(page: Page) -> str:
    return page.locator("#acting-as option:checked").inner_text()


def _switch_to(page: Page, agency: str) -> None:
    option = page.locator("#acting-as option", has_text=agency)
    value = option.get_attribute("value")
    assert value
    # Choosing an option changes nothing by itself (WCAG 3.2.2 On Input): the visible
    # Switch button submits the choice.
    page.evaluate("window.continuumNoNavigation = true")  # a navigation would drop it
    page.get_by_label("Acting for").select_option(value)
    page.wait_for_timeout(500)
    assert page.evaluate("window.continuumNoNavigation === true"), "choosing an option navigated"
    switch = page.get_by_role("button", name="Switch")
    expect(switch).to_be_visible()
    with page.expect_navigation():
        switch.click()
    page.wait_for_url("**/cases/")
    assert _acting_for(page).startswith(agency)
    expect(page.locator(".usa-intro")).to_contain_text(f"You are acting for {agency}")
    expect(page.locator(".usa-alert")).to_contain_text(f"You are now acting for {agency}")


def test_new_case_manager_first_day(
    page: Page,
    live_server: LiveServer,
    settings: Settings,
    problems: PageProblems,
    watch: Watch,
) -> None:
    settings.QUICK_EXIT_URL = live_server.url + EXIT_PATH
    lead = Agency.objects.create(
        name="Lead Family Services", short_name="Lead", agency_type=AgencyType.LEAD_AGENCY
    )
    harbor = Agency.objects.create(
        name="Harbor Counseling", short_name="Harbor", agency_type=AgencyType.SERVICE_PROVIDER
    )
    seaside = Agency.objects.create(
        name="Seaside Youth Services", short_name="Seaside", agency_type=AgencyType.LEAD_AGENCY
    )
    nia, _ = make_user("nia", lead, Role.CASE_MANAGER)
    Membership.objects.create(user=nia, agency=seaside, role=Role.CASE_MANAGER)
    TOTPDevice.objects.filter(user=nia).delete()  # a new user: no authenticator app yet
    make_user("drew", harbor, Role.CLINICIAN)

    # Sign in: password, then set up the authenticator app.
    page.goto("/")
    page.wait_for_url(re.compile(r"/accounts/login/"))
    page.get_by_label("Username").fill("nia")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url("**/accounts/enroll/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-step verification")
    qr = page.locator("img.continuum-qr")
    expect(qr).to_be_visible()
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0"), "the QR code did not load"
    key = page.get_by_test_id("manual-key").inner_text().strip()
    code = totp(base64.b32decode(key), step=30, digits=6)
    page.get_by_label("Code", exact=True).fill(f"{code:06d}")
    page.get_by_role("button", name="Turn on two-step verification").click()
    page.wait_for_url("**/accounts/recovery-codes/")
    expect(page.get_by_test_id("recovery-codes").locator("li")).not_to_have_count(0)
    assert TOTPDevice.objects.get(user=nia).confirmed
    page.get_by_role("link", name="I have saved them — continue").click()
    page.wait_for_url("**/cases/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My work")
    assert _acting_for(page).startswith("Lead Family Services")

    # Switch agency and back with the header's "Acting for" select.
    _switch_to(page, "Seaside Youth Services")
    _switch_to(page, "Lead Family Services")

    # Find a survivor, then add one with a case.
    page.get_by_role("navigation", name="Primary navigation").get_by_role(
        "link", name="Find a survivor"
    ).click()
    page.wait_for_url("**/survivors/")
    page.get_by_role("main").get_by_role("link", name="Add a survivor").click()
    page.wait_for_url("**/survivors/new/")
    page.get_by_label("Name they use").fill("Zoë")
    page.get_by_label("Pronouns").fill("she/her")
    page.get_by_label("Legal first name").fill("Zoë Amara")
    page.get_by_label("Legal last name").fill("Nguyễn-Pérez")
    page.locator("#id_date_of_birth").fill("2009-05-17")
    # USWDS draws its own box and moves the real input off-screen: click the label.
    page.locator("label[for=id_open_case]").click()
    expect(page.get_by_label("Open a case for this person now")).to_be_checked()
    intake = timezone.localdate() - timedelta(days=2)
    page.get_by_label("Abuse report intake date").fill(intake.isoformat())
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/survivors/[0-9a-f-]{36}/$"))
    survivor_url = page.url
    expect(page.locator("#person-name")).to_contain_text("Zoë")
    expect(page.get_by_text("Legal name: Zoë Amara Nguyễn-Pérez")).to_be_visible()
    expect(page.locator("article.continuum-case")).to_have_count(1)
    expect(page.locator(".usa-card__heading")).to_contain_text("led by Lead Family Services")
    expect(page.get_by_test_id("timeline")).to_contain_text("Case opened by Lead Family Services")

    # Care team: choose Harbor; htmx loads its people into the person select.
    page.get_by_role("link", name="Care team").click()
    page.wait_for_url("**/team/")
    care_team_url = page.url
    page.get_by_label("Agency").select_option(label="Harbor Counseling")
    person = page.get_by_label("Person (optional)")
    expect(person.locator("option", has_text="Drew Tester")).to_have_count(1)
    person.select_option(label="Drew Tester")
    page.get_by_label("Role on this case").select_option(label="Clinician")
    page.get_by_role("button", name="Add", exact=True).click()
    page.wait_for_url("**/team/")
    expect(page.locator(".usa-alert")).to_contain_text("Added to the care team")
    drew_row = page.get_by_test_id("care-team-table").locator("tr", has_text="Drew Tester")
    expect(drew_row).to_contain_text("Harbor Counseling")
    expect(drew_row).to_contain_text("Clinician")
    page.get_by_role("link", name="Back to the survivor page").click()
    page.wait_for_url(survivor_url)
    expect(page.get_by_test_id("timeline")).to_contain_text(
        re.compile(r"Drew Tester.*joined the care team as clinician")
    )
    expect(page.get_by_test_id("care-team")).to_contain_text("Drew Tester")
    _shot(page, "survivor-page")

    # Quick exit, by the button: the overlay covers the page at once, then we leave.
    expect(page.locator("body[data-quick-exit-ready=true]")).to_have_count(1)
    page.evaluate("window.sessionStorage.setItem('probe', 'x')")
    history_length = page.evaluate("history.length")
    page.get_by_role("link", name="Exit this page").click(no_wait_after=True)
    page.wait_for_url(settings.QUICK_EXIT_URL)
    assert page.evaluate("window.sessionStorage.getItem('probe')") is None
    # location.replace: the survivor page is not left in the back-button history.
    assert page.evaluate("history.length") == history_length

    # Leaving also signed Nia out, so Back or a reopened page does not show the record.
    _wait_for_quick_exit_sign_out(nia, count=1)
    second = watch(page.context.new_page())
    second.goto(survivor_url)
    second.wait_for_url("**/accounts/login/**")
    sign_in(second, "nia")

    # Quick exit, by pressing Shift three times, on a fresh page.
    second.goto(survivor_url)
    expect(second.locator("body[data-quick-exit-ready=true]")).to_have_count(1)
    second.locator("#person-name").click()  # focus the document, as a person would
    second.keyboard.press("Shift")
    second.keyboard.press("Shift")
    expect(second.locator(".continuum-quick-exit-indicator")).to_be_visible()
    expect(second.locator(".continuum-quick-exit-indicator__light--on")).to_have_count(2)
    second.keyboard.press("Shift")
    second.wait_for_url(settings.QUICK_EXIT_URL)
    _wait_for_quick_exit_sign_out(nia, count=2)

    # My work now lists the new case (after signing in again: the exit signed Nia out).
    sign_in(second, "nia")
    second.goto("/cases/")
    expect(second.get_by_test_id("my-cases")).to_contain_text("Zoë")
    # My work lists names too, so it carries the quick exit like every signed-in page.
    expect(second.locator("body[data-quick-exit-ready=true]")).to_have_count(1)
    _shot(second, "my-work")
    # On a phone, wide tables scroll inside their own box: the page does not widen.
    for url in ("/cases/", survivor_url, care_team_url):
        second.set_viewport_size({"width": 390, "height": 844})
        second.goto(url)
        assert second.evaluate("document.documentElement.scrollWidth") <= 390, url
    _shot(second, "care-team-phone")

    # The exit destination stands in for someone else's site: its favicon is not ours. (On our
    # origin the browser's favicon request can race the exit's sign-out beacon; Django then
    # answers 400 "session deleted before the request completed" instead of 404.)
    assert problems.unexpected(r"(400|404) .*/favicon\.ico$") == []


def test_overlay_shows_before_navigation(
    page: Page, live_server: LiveServer, settings: Settings
) -> None:
    """The overlay is painted immediately, even when the exit site is slow to answer."""
    settings.QUICK_EXIT_URL = live_server.url + EXIT_PATH
    world = build_world()
    # Cancel the navigation to the exit site, so the page stays and the overlay can be seen.
    page.route(f"**{EXIT_PATH}", lambda route: route.abort("aborted"))
    sign_in(page, "casey")
    page.goto(f"/survivors/{world.survivor.pk}/")
    page.get_by_role("link", name="Exit this page").click(no_wait_after=True)
    overlay = page.locator(".continuum-quick-exit-overlay")
    expect(overlay).to_be_visible()
    box = overlay.bounding_box()
    assert box is not None
    assert box["width"] >= 1280
    assert box["height"] >= 900
    expect(page.locator("body")).to_have_class(re.compile("continuum-quick-exit-active"))


def test_other_agency_gets_not_found(page: Page, problems: PageProblems) -> None:
    world = build_world()
    sign_in(page, "quinn")
    response = page.goto(f"/survivors/{world.survivor.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.get_by_role("heading", level=1)).to_have_text("Page not found")
    html = page.content()
    for identifying in ("Ana", "Pérez", "Ana María", world.case.reference):
        assert identifying not in html
    assert problems.unexpected(r"status of 404") == []


def _last_activity(page: Page) -> float:
    """When the server last saw this browser's session active (IdleLogoutMiddleware)."""
    name = django_settings.SESSION_COOKIE_NAME
    key = next(c["value"] for c in page.context.cookies() if c["name"] == name)
    store = import_module(django_settings.SESSION_ENGINE).SessionStore(session_key=key)
    return float(store[LAST_ACTIVITY])


def test_idle_warning_then_timed_out(
    page: Page, settings: Settings, problems: PageProblems
) -> None:
    settings.IDLE_TIMEOUT_SECONDS = 6
    settings.IDLE_WARNING_SECONDS = 4
    world = build_world()
    sign_in(page, "casey")
    expect(page.locator("body")).to_have_attribute("data-idle-timeout-seconds", "6")
    dialog = page.locator("dialog.continuum-idle-dialog")
    # Warned after 6 - 4 = 2 seconds without a request.
    expect(dialog).to_be_visible(timeout=5_000)
    expect(dialog).to_contain_text("You will be signed out in")
    before = _last_activity(page)
    with page.expect_response("**/accounts/keepalive/") as keepalive:
        dialog.get_by_role("button", name="Stay signed in").click()
    assert keepalive.value.status == 204
    expect(dialog).to_be_hidden()
    assert page.url.endswith("/cases/")
    assert _last_activity(page) > before, "the keepalive did not restart the server's clock"

    # Now do nothing: warned again, then signed out.
    expect(dialog).to_be_visible(timeout=5_000)
    page.wait_for_url("**/accounts/timed-out/", timeout=8_000)
    expect(page.get_by_role("heading", level=1)).to_have_text("You were signed out")
    response = page.goto(f"/survivors/{world.survivor.pk}/")
    assert response is not None
    assert "/accounts/login/" in page.url
    assert "Ana" not in page.content()
    assert problems.unexpected() == []


def _wait_for_quick_exit_sign_out(user: User, *, count: int) -> None:
    """The exit's sign-out is a beacon sent as the page leaves: wait until the server has
    recorded it (it also proves the exit is audited)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        signed_out = AuditEntry.objects.filter(
            action=AuditAction.SIGNED_OUT, user_id=user.pk, detail__quick_exit=True
        ).count()
        if signed_out >= count:
            return
        time.sleep(0.05)
    raise AssertionError(f"the quick exit did not sign {user.username} out")
